"""CSV exports: codings, the code × document matrix, and code × attribute crosstabs.

UTF-8 without a byte-order mark, ``\\n`` line ends, a header row, rows in codebook and
document order: ready for pandas/R, and byte-identical when re-exported.
"""

from __future__ import annotations

import csv
import io

from qualcode.analysis.corpus import Corpus
from qualcode.analysis.matrix import CodeDocumentMatrix, Crosstab
from qualcode.analysis.spans import WORD

KINDS = ("codings", "matrix", "crosstab")


def _writer(buffer: io.StringIO) -> csv.writer:  # type: ignore[valid-type]
    return csv.writer(buffer, lineterminator="\n")


def codings_csv(corpus: Corpus) -> str:
    """One row per coding in scope, with its theme, person and location."""
    buffer = io.StringIO()
    w = _writer(buffer)
    w.writerow(
        [
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
        ]
    )
    theme_of: dict[int, str] = {}
    for theme in corpus.themes:
        for cid in corpus.descendants(theme.id):
            theme_of[cid] = theme.name
    for c in corpus.codings:
        doc = corpus.doc(c.document_id)
        person = corpus.persons[c.person_id]
        w.writerow(
            [
                c.id,
                doc.name,
                corpus.code(c.code_id).name,
                theme_of.get(c.code_id, ""),
                c.start,
                c.end,
                person.name if person.is_speaker else "",
                "yes" if person.is_participant else "no",
                c.turn_index + 1,
                c.coder,
                c.origin,
                len(WORD.findall(doc.text, c.start, c.end)),
                c.memo or "",
                doc.text[c.start : c.end],
            ]
        )
    return buffer.getvalue()


def matrix_csv(matrix: CodeDocumentMatrix) -> str:
    buffer = io.StringIO()
    w = _writer(buffer)
    w.writerow(["code", "depth", *matrix.documents, "total"])
    for row in matrix.rows:
        w.writerow([row.code, row.depth, *row.cells, row.total])
    return buffer.getvalue()


def crosstab_csv(tab: Crosstab) -> str:
    """Per value: passages, cases with the code, and % of cases (N in the header)."""
    buffer = io.StringIO()
    w = _writer(buffer)
    unit = "documents" if tab.unit == "document" else "participants"
    header = ["code", "depth"]
    for value, n in zip(tab.values, tab.cases, strict=True):
        label = f"{tab.attribute}={value}"
        header += [f"{label} passages", f"{label} {unit} with code", f"{label} % of {n} {unit}"]
    w.writerow(header)
    for row in tab.rows:
        cells: list[object] = [row.code, row.depth]
        for cell in row.cells:
            cells += [cell.passages, cell.cases_with, f"{cell.percent:.1f}"]
        w.writerow(cells)
    return buffer.getvalue()
