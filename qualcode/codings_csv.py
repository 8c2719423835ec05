"""The codings CSV: one schema for ``qualcode export codings``, ``qualcode codings --format csv``
and ``qualcode import-codings``.

One row per coding, columns :data:`COLUMNS` in that order. Writing neutralises cells a
spreadsheet would run as formulas (:mod:`qualcode.outputs`); reading undoes exactly that, so a
file written here reads back to the same values. To load codings, only :data:`REQUIRED` columns
matter (``document``, ``code``, ``start``, ``end``); the others are carried when present
(``coder``, ``origin``, ``memo``) or are there for people and pandas (``theme``, ``speaker``, …).

Bottom layer: no database, no analysis; callers build :class:`CodingCsvRow` values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from qualcode.errors import QualcodeError
from qualcode.outputs import CsvWriter, restore_csv_cell

COLUMNS = (
    "coding_id",
    "document",
    "code",
    "theme",
    "start",
    "end",
    "speaker",
    "participant",
    "turn",
    "coder",
    "origin",
    "words",
    "memo",
    "text",
)
REQUIRED = ("document", "code", "start", "end")


@dataclass(frozen=True)
class CodingCsvRow:
    """One coding as the CSV holds it. Offsets are characters of the stored text, end exclusive;
    ``turn`` counts from 1; ``participant`` is ``yes``/``no``."""

    document: str
    code: str
    start: int
    end: int
    coding_id: int | None = None
    theme: str = ""
    speaker: str = ""
    participant: str = ""
    turn: int | None = None
    coder: str = ""
    origin: str = ""
    words: int | None = None
    memo: str = ""
    text: str = ""
    line: int = 0  # where the row was read from (not a column)

    def cells(self) -> list[object]:
        return ["" if (v := getattr(self, name)) is None else v for name in COLUMNS]


def write_codings(rows: Iterable[CodingCsvRow], stream: TextIO) -> None:
    """Header and rows to an open text stream."""
    writer = CsvWriter(stream)
    writer.writerow(COLUMNS)
    writer.writerows(row.cells() for row in rows)


def codings_text(rows: Iterable[CodingCsvRow]) -> str:
    buffer = io.StringIO()
    write_codings(rows, buffer)
    return buffer.getvalue()


def read_codings(stream: TextIO, source: str = "codings CSV") -> Iterator[CodingCsvRow]:
    """Rows of a codings CSV; a missing column or a bad number is one QualcodeError naming the
    line. Extra columns are ignored; a UTF-8 byte-order mark (Excel) is accepted."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise QualcodeError(f"{source}: empty file; expected a header row") from None
    except csv.Error as exc:
        raise QualcodeError(f"{source}, line 1: not a readable CSV ({exc})") from None
    header = [h.lstrip("\ufeff").strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise QualcodeError(
            f"{source}: missing column(s) {', '.join(missing)}; a codings CSV has the columns "
            f"`qualcode export codings` writes ({', '.join(COLUMNS)})"
        )
    index = {name: header.index(name) for name in COLUMNS if name in header}
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise QualcodeError(f"{source}, line {reader.line_num}: {exc}") from None
        if not any(cell.strip() for cell in raw):
            continue
        line = reader.line_num

        def get(name: str, raw: list[str] = raw) -> str:
            i = index.get(name)
            return restore_csv_cell(raw[i]) if i is not None and i < len(raw) else ""

        def number(name: str, required: bool, line: int = line) -> int | None:
            value = get(name).strip()
            if not value and not required:
                return None
            try:
                return int(value)
            except ValueError:
                raise QualcodeError(
                    f"{source}, line {line}: {name} '{value}' is not a whole number"
                ) from None

        yield CodingCsvRow(
            document=get("document"),
            code=get("code"),
            start=number("start", True) or 0,
            end=number("end", True) or 0,
            coding_id=number("coding_id", False),
            theme=get("theme"),
            speaker=get("speaker"),
            participant=get("participant"),
            turn=number("turn", False),
            coder=get("coder"),
            origin=get("origin"),
            words=number("words", False),
            memo=get("memo"),
            text=get("text"),
            line=line,
        )
