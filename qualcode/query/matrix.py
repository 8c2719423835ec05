"""Matrices you can open: rows of passages split by columns, every cell keeping its passages.

Rows (``--rows``): ``codes`` (every code with its sub-codes, in codebook order), ``themes``
(top-level codes), or ``query:NAME[,NAME…]`` (saved queries). Each row is a set of passages as a
coding query returns them (:mod:`qualcode.query.engine`).

Columns (``--cols``): ``documents``; ``cases`` (participants: the ``participant`` attribute, else
document/speaker); ``codes`` (a row passage is in a code's column when it overlaps a passage of
that code); or an attribute of the person a passage belongs to, its values in natural order,
numbers binned with ``--bins`` (``4``: four equal-width bins; ``0,5,10``: bins ``[0, 5)``,
``[5, 10)``, ``>= 10``, edges increasing; at most 100 bins), people without it in ``(missing)``.

Cells count passages, cases (distinct participants with at least one passage) or words (words
of the passages); row and column percentages divide a cell by its row's or column's total of
the same measure (cases: distinct cases over the whole row or column).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.binning import MAX_BINS, fmt_edge, parse_edges
from qualcode.errors import QualcodeError
from qualcode.query.engine import QueryEngine, QueryPassage
from qualcode.query.parser import Ref
from qualcode.query.service import case_label
from qualcode.text import count_words

MISSING = "(missing)"
MEASURES = ("passages", "cases", "words")


@dataclass(frozen=True)
class MatrixRow:
    label: str
    depth: int
    passages: tuple[QueryPassage, ...]


@dataclass
class Matrix:
    rows: list[MatrixRow]
    columns: list[str]
    cells: list[list[list[QueryPassage]]]
    """cells[row][column]: the row's passages in that column."""
    engine: QueryEngine
    _words: dict[tuple[int, int, int], int] = field(default_factory=dict)
    _cases: dict[int, str | None] = field(default_factory=dict)

    def value(self, row: int, col: int, measure: str) -> int:
        return self._measure(self.cells[row][col], measure)

    def row_total(self, row: int, measure: str) -> int:
        seen = {id(p): p for cell in self.cells[row] for p in cell}
        return self._measure(list(seen.values()), measure)

    def col_total(self, col: int, measure: str) -> int:
        return self._measure([p for r in self.cells for p in r[col]], measure)

    def percent(self, row: int, col: int, measure: str, by: str) -> float:
        total = self.row_total(row, measure) if by == "row" else self.col_total(col, measure)
        return 100.0 * self.value(row, col, measure) / total if total else 0.0

    def _measure(self, passages: Sequence[QueryPassage], measure: str) -> int:
        if measure == "passages":
            return len(passages)
        if measure == "cases":
            return len({c for p in passages if (c := self.case(p)) is not None})
        return sum(self.words(p) for p in passages)

    def words(self, p: QueryPassage) -> int:
        key = (p.document_id, p.start, p.end)
        found = self._words.get(key)
        if found is None:
            text = self.engine.data.text(p.document_id)
            found = self._words[key] = count_words(text, p.start, p.end)
        return found

    def case(self, passage: QueryPassage) -> str | None:
        if passage.person_id not in self._cases:
            person = self.engine.data.persons[passage.person_id]
            self._cases[passage.person_id] = case_label(person) if person.is_participant else None
        return self._cases[passage.person_id]

    def table(self, measure: str, percent: str | None = None) -> list[list[Any]]:
        """Rows of values (or percentages, one decimal) with a total column."""
        out = []
        for i, row in enumerate(self.rows):
            values: list[Any] = []
            for j in range(len(self.columns)):
                if percent:
                    values.append(round(self.percent(i, j, measure, percent), 1))
                else:
                    values.append(self.value(i, j, measure))
            out.append([row.label, *values, self.row_total(i, measure)])
        return out


def build_matrix(engine: QueryEngine, rows: str, cols: str, bins: str | None = None) -> Matrix:
    """A matrix of ``rows`` × ``cols`` (see the module docstring)."""
    row_list = _rows(engine, rows)
    data = engine.data
    columns: list[str]
    if cols == "documents":
        columns = [name for _, name in data.documents]
        index = {d: i for i, (d, _) in enumerate(data.documents)}
        place = [[index[p.document_id]] for r in row_list for p in r.passages]
    elif cols == "cases":
        labels = sorted(
            {case_label(p) for p in data.persons.values() if p.is_participant}, key=str.casefold
        )
        columns, index_of = labels, {c: i for i, c in enumerate(labels)}
        place = []
        for r in row_list:
            for p in r.passages:
                person = data.persons[p.person_id]
                place.append([index_of[case_label(person)]] if person.is_participant else [])
    elif cols in ("codes", "themes"):
        col_codes = [c for c in data.codes if cols == "codes" or c.parent_id is None]
        columns = [c.name for c in col_codes]
        spans = [engine.eval(Ref("code", c.name, 0), []) for c in col_codes]
        place = []
        for r in row_list:
            for p in r.passages:
                place.append([j for j, s in enumerate(spans) if _overlaps(s, p)])
    else:
        columns, values = _attribute_columns(engine, row_list, cols, bins)
        index_of = {c: i for i, c in enumerate(columns)}
        place = [[index_of[v]] if v is not None else [] for v in values]
    cells: list[list[list[QueryPassage]]] = []
    k = 0
    for r in row_list:
        row_cells: list[list[QueryPassage]] = [[] for _ in columns]
        for p in r.passages:
            for j in place[k]:
                row_cells[j].append(p)
            k += 1
        cells.append(row_cells)
    return Matrix(row_list, columns, cells, engine)


def _rows(engine: QueryEngine, rows: str) -> list[MatrixRow]:
    data = engine.data
    if rows in ("codes", "themes"):
        data.prefetch_codings()
        codes = [c for c in data.codes if rows == "codes" or c.parent_id is None]
        return [
            MatrixRow(c.name, c.depth if rows == "codes" else 0,
                      tuple(engine.passages(engine.eval(Ref("code", c.name, 0), []))))
            for c in codes
        ]  # fmt: skip
    if rows.startswith("query:") and rows[6:].strip():
        out = []
        for name in (n.strip() for n in rows[6:].split(",")):
            found = engine.passages(engine.eval(Ref("query", name, 0), []))
            out.append(MatrixRow(name, 0, tuple(found)))
        return out
    raise QualcodeError(f"--rows must be codes, themes or query:NAME, not {rows!r}")


def _overlaps(spans: dict[int, list[tuple[int, int]]], p: QueryPassage) -> bool:
    """Whether ``p`` overlaps one of a document's sorted, disjoint spans."""
    items = spans.get(p.document_id)
    if not items:
        return False
    i = bisect.bisect_left(items, (p.end,)) - 1  # the last span starting before p ends
    return i >= 0 and items[i][1] > p.start


def _attribute_columns(
    engine: QueryEngine, row_list: list[MatrixRow], key: str, bins: str | None
) -> tuple[list[str], list[str | None]]:
    data = engine.data
    if key not in data.attribute_keys():
        known = ", ".join(data.attribute_keys()) or "none"
        raise QualcodeError(
            f"--cols must be documents, cases, codes, themes or an attribute "
            f"(no attribute '{key}'; known: {known})"
        )
    # Attribute columns describe the people interviewed, as case columns do: an interviewer's
    # passage is in no column (None below), not under the GP whose document it is in.
    everyone = [p.attributes.get(key) for p in data.persons.values() if p.is_participant]
    persons = [data.persons[p.person_id] for r in row_list for p in r.passages]
    raw = [p.attributes.get(key) for p in persons]
    if bins:
        edges = _edges(bins, [v for v in everyone if v is not None], key)
        labels = [_bin_label(edges, i) for i in range(len(edges))]
        if any(float(v) < edges[0] for v in everyone if v is not None):
            labels.insert(0, f"<{fmt_edge(edges[0])}")
            edges.insert(0, -math.inf)
        values = [_bin(edges, labels, v) if p.is_participant else None
                  for v, p in zip(raw, persons, strict=True)]  # fmt: skip
        columns = labels + ([MISSING] if None in everyone else [])
        return columns, values
    present = sorted({v for v in everyone if v is not None}, key=_natural)
    columns = present + ([MISSING] if None in everyone else [])
    return columns, [
        (v if v is not None else MISSING) if p.is_participant else None
        for v, p in zip(raw, persons, strict=True)
    ]


def _natural(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value.casefold())


def _edges(bins: str, values: list[str], key: str) -> list[float]:
    """The lower edges of the bins ``--bins`` asks for: a count of equal-width bins over the
    values, or edges given in increasing order (a repeated edge would make an empty bin)."""
    numbers = []
    for v in values:
        try:
            numbers.append(float(v))
        except ValueError:
            raise QualcodeError(f"--bins needs numbers, but {key} has the value {v!r}") from None
    if "," in bins:
        return parse_edges(bins)
    try:
        count = int(bins)
    except ValueError:
        count = 0
    if count < 1:
        raise QualcodeError(f"--bins takes a count (4) or edges (0,5,10), not {bins!r}")
    if count > MAX_BINS:
        raise QualcodeError(f"--bins takes at most {MAX_BINS} bins, not {count}")
    lo, hi = min(numbers, default=0.0), max(numbers, default=0.0)
    width = (hi - lo) / count or 1.0
    return [lo + i * width for i in range(count)]


def _bin_label(edges: list[float], i: int) -> str:
    if i + 1 < len(edges):
        return f"{fmt_edge(edges[i])}–<{fmt_edge(edges[i + 1])}"
    return f">={fmt_edge(edges[i])}"


def _bin(edges: list[float], labels: list[str], value: str | None) -> str:
    if value is None:
        return MISSING
    i = bisect.bisect_right(edges, float(value)) - 1
    return labels[max(i, 0)]


def find_cell(matrix: Matrix, spec: str) -> tuple[int, int]:
    """``"ROW=COL"`` (names, case-insensitive) as cell indices."""
    row, sep, col = spec.partition("=")
    if not sep:
        raise QualcodeError(f"--passages takes ROW=COL, e.g. 'Parallel process=leader' ({spec!r})")
    rows = [r.label.casefold() for r in matrix.rows]
    cols = [c.casefold() for c in matrix.columns]
    if row.strip().casefold() not in rows:
        raise QualcodeError(f"no row '{row.strip()}' in this matrix")
    if col.strip().casefold() not in cols:
        raise QualcodeError(
            f"no column '{col.strip()}' in this matrix (columns: {', '.join(matrix.columns)})"
        )
    return rows.index(row.strip().casefold()), cols.index(col.strip().casefold())
