"""What every command shares: who the coder is, the project argument, and plain-text tables."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.store import Project

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 1


def current_coder(explicit: str | None) -> str:
    """--coder, else $QUALCODE_CODER, else the OS user: every change is attributed."""
    if explicit:
        return explicit.strip()
    env = os.environ.get("QUALCODE_CODER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


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
    if project.read_only:
        click.echo(f"warning: {path} was made by a newer qualcode; opened read-only", err=True)
    return project


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters, for listings."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


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
