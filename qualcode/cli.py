"""The ``qualcode`` command: a thin click layer over ``Project``, ingest and codebooks.

Every command exits 0 on success and 1 on a user error with one line on stderr; anything
unexpected is also reported in one line (set QUALCODE_DEBUG=1 for the traceback). Commands that
change a project do it through ``Project`` actions, so nothing is ever half written.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
from typing import Any

import click

from qualcode import __version__
from qualcode.commands import render
from qualcode.commands.common import EXIT_USER_ERROR
from qualcode.errors import CodebookError, QualcodeError

__all__ = ["main"]


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
    render.error(message)
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


def _collect() -> None:
    """Every command lives in ``qualcode.commands``, one module per area, each listing its
    module-level click commands in ``COMMANDS``; commands never import this module. Modules are
    found by name, so adding a command module needs no edit here."""
    import qualcode.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"qualcode.commands.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            if command.name in main.commands:  # two modules claiming a name: one would vanish
                raise RuntimeError(f"command '{command.name}' is defined twice ({info.name})")
            main.add_command(command)


_collect()

if __name__ == "__main__":  # pragma: no cover
    main()
