"""The ``qualcode`` command: a thin click layer over ``Project``, ingest and codebooks.

Every command exits 0 on success and 1 on a user error with one line on stderr; anything
unexpected is also reported in one line (set QUALCODE_DEBUG=1 for the traceback). Commands that
change a project do it through ``Project`` actions, so nothing is ever half written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from qualcode import __version__
from qualcode.commands.common import (
    EXIT_USER_ERROR,
    coder_option,
    current_coder,
    open_project,
    project_argument,
)
from qualcode.errors import CodebookError, QualcodeError

# Shared helpers, importable from here by command modules written before commands.common.
__all__ = ["coder_option", "current_coder", "main", "open_project", "project_argument"]


class QualcodeGroup(click.Group):
    """Turns every error into one line: the user never sees a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CodebookError as exc:
            detail = "; ".join(exc.problems)
            count = len(exc.problems)
            _fail(f"{exc.source}: {count} problem(s), nothing loaded: {detail}")
        except QualcodeError as exc:
            _fail(str(exc))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # Output piped into `head` and closed early: stop quietly, like other Unix tools.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            _fail("interrupted; the project is unchanged by the unfinished step")
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            if os.environ.get("QUALCODE_DEBUG"):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); "
                "re-run with QUALCODE_DEBUG=1 and report it"
            )

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # `qualcode study.qc` opens the workbench, like `qualcode open study.qc`.
        if args and args[0] not in self.commands and args[0].endswith(".qc"):
            args = ["open", *args]
        return super().resolve_command(ctx, args)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USER_ERROR)


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
def main() -> None:
    """qualcode: code interview transcripts in the terminal, offline.

    \b
    Quick start:
      qualcode demo                       build a demo project from the samples
      qualcode init study.qc              create a project
      qualcode import study.qc interviews/ --attributes participants.csv
      qualcode codebook load study.qc codebooks/balint-kjeldmand.yaml
      qualcode open study.qc              code in the workbench
    """


# ---------------------------------------------------------------- demo


@main.command()
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

    path = build_demo(directory, fresh=fresh, echo=click.echo)
    if not no_open and _interactive():
        from qualcode.commands.workbench import open_workbench

        open_workbench(path, current_coder(None))
        return
    with open_project(path, "demo") as proj:
        click.echo(describe_demo(proj))


def _interactive() -> bool:
    """A terminal to draw the workbench in (not a pipe, a file or CI)."""
    return sys.stdout.isatty() and sys.stdin.isatty()


def _register_commands() -> None:
    """Commands live in ``qualcode.commands``, one module per area."""
    from qualcode.commands import (
        analysis,
        codebook,
        coding,
        documents,
        suggest,
        workbench,
    )

    for module in (documents, codebook, coding, workbench, analysis, suggest):
        module.register(main)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
