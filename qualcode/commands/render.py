"""The one place the CLI prints: lines, tables, JSON, CSV, files written, progress and errors.

Commands compute; this module decides how it looks and keeps the terminal safe:

- every line meant to be read (listings, messages, errors) has its control and escape
  characters made visible (:func:`qualcode.text.visible`), so a transcript holding ``ESC [2J``
  cannot clear the screen or retitle the window;
- machine output (CSV, JSON, a report on stdout) stays exact when it goes to a pipe or a file:
  JSON escapes every control character (lossless), and other data printed to a terminal is
  shown with its controls visible;
- ``-o FILE`` goes through :func:`qualcode.outputs.write_output` (never replaces a symlink,
  device or FIFO; written whole, then renamed) and reports ``Wrote FILE`` on stderr, so stdout
  stays clean for scripts.
"""

from __future__ import annotations

import json as _json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from qualcode.outputs import csv_text, is_stdout, write_output
from qualcode.text import clip, json_terminal_safe, visible

__all__ = [
    "clip",
    "csv",
    "data",
    "emit",
    "error",
    "json",
    "line",
    "progress",
    "table",
    "warning",
    "wrote",
]


def line(text: str = "", *, err: bool = False) -> None:
    """One message or listing line (or several), with control characters made visible."""
    click.echo(visible(text), err=err)


def error(message: str) -> None:
    """``error: …`` on stderr, on one line whatever the message holds."""
    click.echo(f"error: {visible(message, keep_lines=False)}", err=True)


def warning(message: str) -> None:
    click.echo(f"warning: {visible(message, keep_lines=False)}", err=True)


def table(header: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()) -> None:
    """A plain-text table: header, a rule, rows; columns in ``right`` are right-aligned."""
    click.echo(table_text(header, rows, right), nl=False)


def table_text(
    header: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()
) -> str:
    aligned = set(right)
    cells = [[visible(str(c), keep_lines=False) for c in row] for row in rows]
    head = [visible(h, keep_lines=False) for h in header]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(head)]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in aligned else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    out = [fmt(head), "  ".join("-" * w for w in widths), *(fmt(r) for r in cells)]
    return "\n".join(out) + "\n"


def json(value: Any, *, indent: int | None = 2) -> None:
    """JSON on stdout: exact data, every control character escaped."""
    click.echo(json_terminal_safe(_json.dumps(value, indent=indent, ensure_ascii=False)))


def csv(header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> None:
    """CSV on stdout (formula cells neutralised, see :mod:`qualcode.outputs`)."""
    data(csv_text(header, rows))


def data(text: str) -> None:
    """Machine-readable text on stdout: exact into a pipe or file, controls visible on a
    terminal."""
    click.echo(visible(text) if _stdout_is_terminal() else text, nl=False)


def emit(
    text: str | bytes,
    output: Path | None,
    *,
    protect: Iterable[Path] = (),
    detail: str = "",
) -> None:
    """``text`` to stdout when there is no ``-o`` (or ``-o -``), else to the file."""
    if is_stdout(output):
        data(text.decode("utf-8") if isinstance(text, bytes) else text)
        return
    assert output is not None
    write_output(output, text, protect=protect)
    wrote(output, detail)


def wrote(path: Path, detail: str = "") -> None:
    line(f"Wrote {path}" + (f" ({detail})" if detail else ""), err=True)


def progress(label: str) -> Callable[[int, int, str], None]:
    """A progress reporter on stderr: one updating line on a terminal, a few lines otherwise."""
    tty = sys.stderr.isatty()
    last = {"step": -1}

    def report(done: int, total: int, message: str) -> None:
        if total <= 0:
            return
        message = visible(message, keep_lines=False)
        if tty:
            click.echo(f"\r{label}: {done}/{total} {message[:50]:<50}", err=True, nl=False)
            if done >= total:
                click.echo("", err=True)
            return
        step = done * 10 // total
        if step != last["step"]:
            last["step"] = step
            click.echo(f"{label}: {done}/{total} {message}".rstrip(), err=True)

    return report


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
