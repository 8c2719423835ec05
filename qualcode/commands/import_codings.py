"""``qualcode import-codings``: load many codings from a CSV in one undoable action.

The CSV is what ``qualcode export P codings`` and ``qualcode codings P --format csv`` write
(:mod:`qualcode.codings_csv`, which also undoes the spreadsheet-formula guard on cells):
``document``, ``code``, ``start``, ``end`` are required; ``coder``, ``origin``, ``memo`` and
``text`` are used when present, every other column is ignored. When a ``text`` column is there,
each row's passage must be exactly the document's text at ``start:end`` — the check that catches
a CSV from another version of the transcript before a single coding lands in the wrong place.
"""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.codings_csv import CodingCsvRow, read_codings
from qualcode.commands import render
from qualcode.commands.common import coder_option, open_project, project_argument
from qualcode.errors import QualcodeError
from qualcode.store.codings import CodingInput

MAX_CSV_BYTES = 200 * 1024 * 1024


def read_codings_file(path: Path) -> list[CodingCsvRow]:
    """Every row of a codings CSV (see :mod:`qualcode.codings_csv`); problems name the line."""
    try:
        if not path.is_file():
            raise QualcodeError(f"{path}: not a regular file")
        size = path.stat().st_size
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > MAX_CSV_BYTES:
        raise QualcodeError(f"{path}: {size:,} bytes is larger than a codings file can be")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(read_codings(handle, str(path)))
    except UnicodeDecodeError as exc:
        raise QualcodeError(f"{path}: not UTF-8 text (byte {exc.start})") from None


@click.command("import-codings")
@project_argument
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@coder_option
def import_codings(project: Path, csv_file: Path, coder: str | None) -> None:
    """Load codings from a CSV as one action (one undo step).

    Rows that repeat a coding already in the project (same document, code, span and coder)
    are skipped, so loading a file twice adds nothing. A row without a coder column is
    attributed to you (--coder). Nothing is written if any row is wrong.

    \b
    Example:
      qualcode export study.qc codings -o codings.csv
      qualcode import-codings team.qc codings.csv
    """
    rows = read_codings_file(csv_file)
    with open_project(project, coder) as proj:
        texts: dict[str, str] = {}
        inputs: list[CodingInput] = []
        for row in rows:
            where = f"{csv_file}, line {row.line}"
            document, code, start, end = row.document.strip(), row.code.strip(), row.start, row.end
            if not document or not code:
                raise QualcodeError(f"{where}: document and code must not be empty")
            if row.text:
                if document not in texts:
                    found = proj.documents.find(document)
                    texts[document] = found.text if found else ""
                if texts[document][start:end] != row.text:
                    raise QualcodeError(
                        f"{where}: the text at {document} [{start}:{end}] is not the text in "
                        "the file (a different version of the transcript?); nothing was loaded"
                    )
            inputs.append(
                CodingInput(
                    document=document,
                    code=code,
                    start=start,
                    end=end,
                    coder=row.coder.strip() or None,
                    origin=row.origin.strip() or "manual",
                    memo=row.memo or None,
                    line=row.line,
                )
            )
        try:
            result = proj.codings.import_rows(inputs, f"Imported codings from {csv_file.name}")
        except QualcodeError as exc:
            raise QualcodeError(f"{csv_file}: {exc}") from None
    memos = f", {result.memos} memo(s)" if result.memos else ""
    render.line(
        f"{result.added} coding(s) added, {result.skipped} already present{memos} "
        f"(undo with: qualcode undo {project})"
    )


COMMANDS = [import_codings]
