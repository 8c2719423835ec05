"""Code × document matrix and code × attribute crosstabs.

Cells count passages (a code with its sub-codes, overlapping spans fused; see
:mod:`qualcode.analysis.corpus`), the same unit as the frequency table, so rows add up.

A crosstab splits the *cases* — documents, or participants (speakers who are not interviewers)
— by the values of one attribute. For each code and value it reports the passages found in
those cases and the percentage of cases with at least one passage: "3 of 4 leaders (75%)".
Passages by persons who are not cases (an interviewer, when the unit is speakers) are left
out of a speaker crosstab. Cases without the attribute form a ``(missing)`` column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualcode.analysis.corpus import Corpus
from qualcode.errors import QualcodeError

MISSING = "(missing)"
UNITS = ("document", "speaker")


@dataclass(frozen=True)
class MatrixRow:
    code_id: int
    code: str
    depth: int
    cells: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class CodeDocumentMatrix:
    documents: tuple[str, ...]
    rows: tuple[MatrixRow, ...]


def code_document_matrix(corpus: Corpus) -> CodeDocumentMatrix:
    """Passages of every code (with sub-codes) in every document in scope."""
    docs = [d.id for d in corpus.documents]
    position = {d: i for i, d in enumerate(docs)}
    rows = []
    for code in corpus.codes:
        cells = [0] * len(docs)
        for p in corpus.passages(corpus.descendants(code.id)):
            cells[position[p.document_id]] += 1
        rows.append(MatrixRow(code.id, code.name, code.depth, tuple(cells), sum(cells)))
    return CodeDocumentMatrix(tuple(d.name for d in corpus.documents), tuple(rows))


@dataclass(frozen=True)
class CrosstabCell:
    passages: int
    cases_with: int
    cases: int

    @property
    def percent(self) -> float:
        """Percentage of cases with at least one passage (0 when there are no cases)."""
        return 100.0 * self.cases_with / self.cases if self.cases else 0.0


@dataclass(frozen=True)
class CrosstabRow:
    code_id: int
    code: str
    depth: int
    cells: tuple[CrosstabCell, ...]


@dataclass(frozen=True)
class Crosstab:
    attribute: str
    unit: str
    values: tuple[str, ...]
    cases: tuple[int, ...]
    rows: tuple[CrosstabRow, ...]


def crosstab(corpus: Corpus, attribute: str, unit: str = "document") -> Crosstab:
    """Code × attribute value table for documents or for participants (``unit="speaker"``)."""
    if unit not in UNITS:
        raise QualcodeError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if unit == "document":
        cases = {d.id: d.attributes.get(attribute) for d in corpus.documents}
    else:
        cases = {p.id: p.attributes.get(attribute) for p in corpus.participants}
    if all(v is None for v in cases.values()):
        known = sorted(
            {k for d in corpus.documents for k in d.attributes}
            | {k for p in corpus.participants for k in p.attributes}
        )
        raise QualcodeError(
            f"no {unit} in scope has an attribute '{attribute}'"
            + (f" (known: {', '.join(known)})" if known else "")
        )
    present = {v for v in cases.values() if v is not None}
    values = corpus.order_values(attribute, present) or sort_values(present)
    if any(v is None for v in cases.values()):
        values.append(MISSING)
    column = {v: i for i, v in enumerate(values)}
    case_col = {case: column[v if v is not None else MISSING] for case, v in cases.items()}
    n_cases = [0] * len(values)
    for col in case_col.values():
        n_cases[col] += 1
    rows = []
    for code in corpus.codes:
        counts = [0] * len(values)
        seen: list[set[int]] = [set() for _ in values]
        for p in corpus.passages(corpus.descendants(code.id)):
            where = p.document_id if unit == "document" else corpus.case_id(p.person_id)
            at = case_col.get(where)
            if at is None:
                continue
            counts[at] += 1
            seen[at].add(where)
        cells = tuple(CrosstabCell(counts[i], len(seen[i]), n_cases[i]) for i in range(len(values)))
        rows.append(CrosstabRow(code.id, code.name, code.depth, cells))
    return Crosstab(attribute, unit, tuple(values), tuple(n_cases), tuple(rows))


def sort_values(values: set[str]) -> list[str]:
    """Attribute values in a natural order: numbers numerically, then text case-insensitively."""

    def key(value: str) -> tuple[int, float, str]:
        if re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
            return (0, float(value), value)
        return (1, 0.0, value.casefold() + "\0" + value)

    return sorted(values, key=key)
