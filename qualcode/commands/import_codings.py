"""``qualcode import-codings``: load many codings from a CSV in one undoable action.

The CSV is what ``qualcode export P codings`` and ``qualcode codings P --format csv`` write:
``document``, ``code``, ``start``, ``end`` are required; ``coder``, ``origin``, ``memo`` and
``text`` are used when present, every other column is ignored. When a ``text`` column is there,
each row's passage must be exactly the document's text at ``start:end`` — the check that catches
a CSV from another version of the transcript before a single coding lands in the wrong place.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, open_project, project_argument
from qualcode.errors import QualcodeError
from qualcode.store.codings import CodingInput

REQUIRED = ("document", "code", "start", "end")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CSV_BYTES = 200 * 1024 * 1024


def read_codings_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row; every problem names its line."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not path.is_file():
        raise QualcodeError(f"{path}: not a regular file")
    if size > MAX_CSV_BYTES:
        raise QualcodeError(f"{path}: {size:,} bytes is larger than a codings file can be")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise QualcodeError(
                    f"{path}: line 1: missing column(s) {', '.join(missing)} "
                    f"(needs {', '.join(REQUIRED)}; as 'qualcode export P codings' writes)"
                )
            return [(reader.line_num, dict(row)) for row in reader]
    except UnicodeDecodeError as exc:
        raise QualcodeError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except csv.Error as exc:
        raise QualcodeError(f"{path}: not a readable CSV ({exc})") from None


def plain_cell(value: str) -> str:
    """Undo the spreadsheet-formula guard our CSV writers add (a leading ``'`` before ``=``,
    ``+``, ``-``, ``@``, tab or carriage return), so an exported file loads back exactly."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


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
    rows = read_codings_csv(csv_file)
    with open_project(project, coder) as proj:
        texts: dict[str, str] = {}
        inputs: list[CodingInput] = []
        for line, row in rows:
            where = f"{csv_file}: line {line}"
            document = plain_cell(row.get("document") or "").strip()
            code = plain_cell(row.get("code") or "").strip()
            if not document or not code:
                raise QualcodeError(f"{where}: document and code must not be empty")
            try:
                start, end = int(row["start"]), int(row["end"])
            except (TypeError, ValueError):
                raise QualcodeError(
                    f"{where}: start and end must be whole numbers, not "
                    f"{row.get('start')!r} and {row.get('end')!r}"
                ) from None
            passage = row.get("text")
            if passage:
                if document not in texts:
                    found = proj.documents.find(document)
                    texts[document] = found.text if found else ""
                stored = texts[document][start:end]
                if stored not in (passage, plain_cell(passage)):
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
                    coder=plain_cell(row.get("coder") or "").strip() or None,
                    origin=(row.get("origin") or "manual").strip() or "manual",
                    memo=plain_cell(row.get("memo") or "") or None,
                    line=line,
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
