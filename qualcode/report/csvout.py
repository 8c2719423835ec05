"""CSV exports: codings, the code × document matrix, and code × attribute crosstabs.

UTF-8 without a byte-order mark, ``\\n`` line ends, a header row, rows in codebook and
document order: ready for pandas/R, and byte-identical when re-exported. Every CSV goes through
:mod:`qualcode.outputs` (cells a spreadsheet would run as formulas are neutralised); the codings
CSV has one schema, :mod:`qualcode.codings_csv`, shared with ``qualcode codings --format csv``
and read back by ``qualcode import-codings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qualcode.analysis.corpus import Corpus
from qualcode.analysis.matrix import CodeDocumentMatrix, Crosstab
from qualcode.codings_csv import CodingCsvRow, codings_text
from qualcode.outputs import csv_text
from qualcode.text import count_words

KINDS = ("codings", "matrix", "crosstab")


def corpus_rows(corpus: Corpus) -> list[CodingCsvRow]:
    """One row per coding in scope, with its theme, person and location."""
    theme_of: dict[int, str] = {}
    for theme in corpus.themes:
        for cid in corpus.descendants(theme.id):
            theme_of[cid] = theme.name
    rows = []
    for c in corpus.codings:
        doc = corpus.doc(c.document_id)
        person = corpus.persons[c.person_id]
        rows.append(
            CodingCsvRow(
                coding_id=c.id,
                document=doc.name,
                code=corpus.code(c.code_id).name,
                theme=theme_of.get(c.code_id, ""),
                start=c.start,
                end=c.end,
                speaker=person.name if person.is_speaker else "",
                participant="yes" if person.is_participant else "no",
                turn=c.turn_index + 1,
                coder=c.coder,
                origin=c.origin,
                words=count_words(doc.text, c.start, c.end),
                memo=c.memo or "",
                text=doc.text[c.start : c.end],
            )
        )
    return rows


def codings_csv(corpus: Corpus) -> str:
    """``qualcode export codings``: every coding in scope."""
    return codings_text(corpus_rows(corpus))


def codings_csv_rows(project: Any, codings: Iterable[Any]) -> list[CodingCsvRow]:
    """Rows of the same schema for codings listed from the store (``qualcode codings``).

    Speaker, turn and theme come from the analysis read model; a coding it does not place
    (outside every turn) still gets its row, with those columns empty."""
    from qualcode.analysis import load_corpus

    placed = {row.coding_id: row for row in corpus_rows(load_corpus(project))}
    out = []
    for c in codings:
        row = placed.get(c.id)
        if row is None:
            row = CodingCsvRow(
                coding_id=c.id,
                document=c.document,
                code=c.code,
                start=c.start,
                end=c.end,
                coder=c.coder,
                origin=c.origin,
                words=count_words(c.text),
                memo=c.memo or "",
                text=c.text,
            )
        out.append(row)
    return out


def matrix_csv(matrix: CodeDocumentMatrix) -> str:
    return csv_text(
        ["code", "depth", *matrix.documents, "total"],
        ([row.code, row.depth, *row.cells, row.total] for row in matrix.rows),
    )


def crosstab_csv(tab: Crosstab) -> str:
    """Per value: passages, cases with the code, and % of cases (N in the header)."""
    unit = "documents" if tab.unit == "document" else "participants"
    header = ["code", "depth"]
    for value, n in zip(tab.values, tab.cases, strict=True):
        label = f"{tab.attribute}={value}"
        header += [f"{label} passages", f"{label} {unit} with code", f"{label} % of {n} {unit}"]
    rows = []
    for row in tab.rows:
        cells: list[object] = [row.code, row.depth]
        for cell in row.cells:
            cells += [cell.passages, cell.cases_with, f"{cell.percent:.1f}"]
        rows.append(cells)
    return csv_text(header, rows)
