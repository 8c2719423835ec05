"""``qualcode open``: start the coding workbench on a project."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands.common import coder_option, current_coder, project_argument


@click.command("open")
@project_argument
@coder_option
def open_(project: Path, coder: str | None) -> None:
    """Open the coding workbench (also: `qualcode study.qc`).

    Read, select, code, search and retrieve, keyboard first. Press ? inside for every key.

    \b
    Example:
      qualcode open study.qc --coder anna
    """
    open_workbench(project, current_coder(coder))


def open_workbench(project: Path, coder: str) -> None:
    """Check the file first, so a missing, locked or too-new project is one clear line and
    exit 1 instead of a screen that flashes and goes."""
    from qualcode.store.workbench import check_openable

    check_openable(project)
    from qualcode.tui.app import run_workbench

    run_workbench(project, coder)


COMMANDS = [open_]
