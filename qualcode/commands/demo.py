"""``qualcode demo``: build a demo project from the shipped samples, then open or summarise it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import current_coder, open_project


@click.command()
@click.argument(
    "directory",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("qualcode-demo"),
)
@click.option("--fresh", is_flag=True, help="Rebuild the demo project from scratch.")
@click.option(
    "--no-open", is_flag=True, help="Only build and summarise; do not open the workbench."
)
def demo(directory: Path, fresh: bool, no_open: bool) -> None:
    """Build a demo project from the shipped samples and codebook, and summarise it.

    \b
    Example:
      qualcode demo            # creates ./qualcode-demo/demo.qc
    """
    from qualcode.demo import build_demo, describe_demo

    path = build_demo(directory, fresh=fresh, echo=render.line)
    if not no_open and _interactive():
        from qualcode.commands import workbench

        workbench.open_workbench(path, current_coder(None))
        return
    with open_project(path, "demo") as proj:
        render.line(describe_demo(proj))


def _interactive() -> bool:
    """A terminal to draw the workbench in (not a pipe, a file or CI)."""
    return sys.stdout.isatty() and sys.stdin.isatty()


COMMANDS = [demo]
