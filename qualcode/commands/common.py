"""What every command shares: who the coder is, the project argument, opening a project and
the --format option. Printing lives in :mod:`qualcode.commands.render`."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.commands import render
from qualcode.store import Project
from qualcode.store.invariants import check_coder_name

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 1


def current_coder(explicit: str | None) -> str:
    """--coder, else $QUALCODE_CODER, else the OS user: every change is attributed.

    A given --coder is checked like every stored coder name (:func:`check_coder_name`): an
    empty one is an error rather than a silent fall-back to somebody else's name."""
    if explicit is not None:
        return check_coder_name(explicit)
    env = os.environ.get("QUALCODE_CODER", "").strip()
    if env:
        return check_coder_name(env)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def split_names(values: Iterable[str], known: Collection[str] = ()) -> list[str]:
    """Names from repeatable, comma-separated options (``--coders anna,ben --coders carl``),
    in order. A name that holds a comma itself (a coder "Smith, John" imported from NVivo, a
    document "Interview 3, part 2") is kept whole when it is one of ``known``: the longest run
    of pieces that joins into a known name wins."""
    folded = {" ".join(k.split()): k for k in known}
    out: list[str] = []
    for value in values:
        parts = [part.strip() for part in value.split(",")]
        i = 0
        while i < len(parts):
            for j in range(len(parts), i, -1):
                joined = " ".join(", ".join(parts[i:j]).split())
                if j == i + 1 or joined in folded:
                    if parts[i] or j > i + 1:
                        out.append(folded.get(joined, joined))
                    i = j
                    break
    return out


def coder_option(func: F) -> F:
    return click.option(
        "--coder",
        metavar="NAME",
        help="Who is coding (default: $QUALCODE_CODER, else your user name).",
    )(func)


def project_argument(func: F) -> F:
    return click.argument("project", type=click.Path(dir_okay=False, path_type=Path))(func)


def open_project(path: Path, coder: str | None = None) -> Project:
    """Open a project for a command, warning once if it is from a newer qualcode."""
    project = Project.open(path, coder=current_coder(coder))
    if project.read_only and not project.session.read_only_reason:
        render.warning(f"{path} was made by a newer qualcode; opened read-only")
    return project


def format_option(func: F) -> F:
    """``--format table|csv|json`` for listings: a table to read, CSV and JSON for scripts."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)


def output_option(help: str) -> Callable[[F], F]:
    """``-o/--output FILE`` for every command that writes a file: ``-`` (or none) is stdout.

    The path is checked by :func:`qualcode.outputs.check_target` (folder, missing folder,
    symlink, device, FIFO, the project itself: one line, exit 1), not by click."""

    def decorate(func: F) -> F:
        return click.option(
            "-o", "--output", type=click.Path(path_type=Path), metavar="FILE", help=help
        )(func)

    return decorate
