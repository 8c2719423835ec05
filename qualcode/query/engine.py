"""Running a coding query: what each operator returns.

Every expression evaluates to *passages*: per document, stretches of text ``[start, end)``
that do not overlap one another (overlapping stretches are fused into one; stretches that only
touch stay two, as in :mod:`qualcode.analysis.corpus`).

- ``"Code"`` (or ``CODE Code``): the passages coded with the code or any of its sub-codes.
- ``THEME "Theme"``: the same for a top-level code; an error if the code is not a theme.
- ``TEXT "search"``: the words a full-text search matches (the search syntax of
  :mod:`qualcode.store.search`: OR, -word, "phrases", prefix*, word~ stemmed, NEAR/n words).
- ``QUERY "name"``: the passages of a saved query.
- ``A OR B``: every passage of A and of B (fused where they overlap).
- ``A AND B``: the passages of A that overlap a passage of B, together with those passages of B
  (fused): the whole of both, not only the shared text.
- ``A AND NOT B``: the passages of A that overlap no passage of B.
- ``A NEAR/n B``: the passages of A and of B that lie within ``n`` sentences of each other
  (0: they share a sentence; 1: the next sentence; ``NEAR`` alone is ``NEAR/1``), fused. A
  passage spans the sentences holding its first and last character.
- ``A FOLLOWED BY B [WITHIN turn|sentence|document]``: the passages of A that have a passage of
  B starting at or after their end, in the same turn / sentence / document (default: document)
  as A's last character, together with those passages of B.
- ``WHERE …``: which codings (and text matches) the query looks at. A coding is kept when its
  document, its speaker (who holds most of it), its coder and that person's attributes (the
  document's, overlaid by the speaker's own; an interviewer, or unattributed text in a document
  with named speakers, has only its own: a document's attributes describe the people
  interviewed) pass the test. ``=`` and ``!=`` compare text
  case-insensitively, or numbers as numbers; ``<`` ``<=`` ``>`` ``>=`` compare numbers (text
  alphabetically). A person without the attribute passes no test on it; words found by
  ``TEXT`` have no coder, so a ``CODER`` test leaves them out. An attribute typed ``number``
  or ``date`` (``qualcode cases --type``), or whose values all are numbers or ISO dates, only
  takes a value of that kind: ``years > abc`` would match nothing, so it is an error.

Each result passage belongs to the person whose turn holds most of it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from qualcode.errors import QualcodeError
from qualcode.query.parser import Binary, Cond, Expr, Query, Ref, Test, parse_query
from qualcode.store.analysis_data import PersonRow
from qualcode.store.query_data import QueryData

Spans = dict[int, list[tuple[int, int]]]
TextSearch = Callable[[str], Spans]
"""A full-text search: the query's matches as document offsets, per document id."""


class QueryError(QualcodeError):
    """A query that reads well but names something the project does not have."""


class QueryPassage(NamedTuple):
    """A result passage and the person whose turn holds most of it."""

    document_id: int
    document: str
    start: int
    end: int
    person_id: int
    turn_index: int


class QueryEngine:
    """Evaluates queries over one snapshot of a project (:class:`QueryData`)."""

    def __init__(
        self,
        data: QueryData,
        saved: Callable[[str], str] | None = None,
        search: TextSearch | None = None,
        types: dict[str, str] | None = None,
    ) -> None:
        self.data = data
        self.saved = saved
        self.search = search
        self.types = types or {}
        """Declared attribute types (``attribute_types``: number, date); others are inferred."""
        self._kinds: dict[str, str | None] = {}
        self.turn_starts = data.turn_starts
        self._stack: list[str] = []

    # ------------------------------------------------------------------ entry points

    def run(self, query: Query | str) -> list[QueryPassage]:
        parsed = parse_query(query) if isinstance(query, str) else query
        return self.passages(self.spans(parsed))

    def passages(self, spans: Spans) -> list[QueryPassage]:
        """Spans as passages in (document name, start) order, each with its person."""
        out = []
        person_at = self.data.person_at
        for doc_id, name in self.data.documents:
            for start, end in spans.get(doc_id, ()):
                out.append(QueryPassage(doc_id, name, start, end, *person_at(doc_id, start, end)))
        return out

    def spans(self, query: Query) -> Spans:
        keep = self.predicate(query.where) if query.where is not None else None
        return self.eval(query.expr, [keep] if keep else [])

    # ------------------------------------------------------------------ WHERE

    def predicate(self, cond: Cond | Test) -> Callable[[PersonRow, str | None], bool]:
        """A test on (person, coder) for a WHERE clause, its names checked first."""
        if isinstance(cond, Cond):
            parts = [self.predicate(p) for p in cond.parts]
            if cond.op == "AND":
                return lambda person, coder: all(p(person, coder) for p in parts)
            return lambda person, coder: any(p(person, coder) for p in parts)
        self._check_test(cond)
        field, op, value = cond.field, cond.op, cond.value
        if field == "SPEAKER":
            return lambda person, coder: compare(
                person.name if person.is_speaker else None, op, value
            )
        if field == "DOCUMENT":
            return lambda person, coder: compare(person.document, op, value)
        if field == "CODER":
            return lambda person, coder: compare(coder, op, value)
        return lambda person, coder: compare(person.attributes.get(field), op, value)

    def _check_test(self, test: Test) -> None:
        data = self.data
        if test.field == "SPEAKER":
            known = sorted({p.name for p in data.persons.values() if p.is_speaker})
        elif test.field == "DOCUMENT":
            known = [name for _, name in data.documents]
        elif test.field == "CODER":
            known = data.all_coders()
        else:
            keys = data.attribute_keys()
            if test.field not in keys:
                raise _unknown("attribute", test.field, keys, test.column)
            self._check_value(test)
            return
        if test.op == "=" and test.value.casefold() not in {k.casefold() for k in known}:
            raise _unknown(test.field.lower(), test.value, known, test.column)

    def _check_value(self, test: Test) -> None:
        """Refuse a value the attribute's values cannot be compared with: ``compare`` would
        fall back to text and the test would quietly match nothing."""
        kind = self.kind(test.field)
        where = f"at column {test.value_column}"
        if kind == "number" and number(test.value) is None:
            raise QueryError(f"'{test.value}' is not a number ({test.field} holds numbers) {where}")
        if kind == "date" and not is_date(test.value):
            raise QueryError(
                f"'{test.value}' is not a date (YYYY-MM-DD; {test.field} holds dates) {where}"
            )

    def kind(self, field: str) -> str | None:
        """``number`` or ``date`` when the attribute is declared so, or when every value it
        has is one; None for text."""
        if field in self.types:
            declared = self.types[field]
            return declared if declared in ("number", "date") else None
        if field not in self._kinds:
            data = self.data
            values = {p.attributes[field] for p in data.persons.values() if field in p.attributes}
            values |= {a[field] for a in data.doc_attributes.values() if field in a}
            found = None
            if values and all(number(v) is not None for v in values):
                found = "number"
            elif values and all(is_date(v) for v in values):
                found = "date"
            self._kinds[field] = found
        return self._kinds[field]

    # ------------------------------------------------------------------ expressions

    def eval(self, expr: Expr, keep: list[Callable[[PersonRow, str | None], bool]]) -> Spans:
        if isinstance(expr, Ref):
            return self.ref(expr, keep)
        left, right = self.eval(expr.left, keep), self.eval(expr.right, keep)
        if expr.op == "OR":
            return {d: fuse(left.get(d, []) + right.get(d, [])) for d in left.keys() | right}
        out: Spans = {}
        for doc_id, a in left.items():
            b = right.get(doc_id, [])
            if expr.op == "AND NOT":
                hit_a, _ = self.pairs(expr, doc_id, a, b)
                kept = [s for s, h in zip(a, hit_a, strict=True) if not h]
            else:
                if not b:
                    continue
                hit_a, hit_b = self.pairs(expr, doc_id, a, b)
                kept = fuse(
                    [s for s, h in zip(a, hit_a, strict=True) if h]
                    + [s for s, h in zip(b, hit_b, strict=True) if h]
                )
            if kept:
                out[doc_id] = kept
        return out

    def pairs(
        self, expr: Binary, doc_id: int, a: list[tuple[int, int]], b: list[tuple[int, int]]
    ) -> tuple[list[bool], list[bool]]:
        """Which passages of ``a`` and of ``b`` take part in a pair the operator relates.

        Both lists are sorted and non-overlapping, so the partners of each passage of ``a``
        form one contiguous run of ``b`` found by bisection; runs are marked with a
        difference array."""
        b_start = [s for s, _ in b]
        b_end = [e for _, e in b]
        hit_a = [False] * len(a)
        marks = [0] * (len(b) + 1)
        starts: list[int] = []
        if expr.op == "NEAR":
            starts = self.data.sentence_starts(doc_id)
            b_first = [unit(starts, s) for s, _ in b]
            b_last = [unit(starts, e - 1) for _, e in b]
        elif expr.op == "FOLLOWED BY" and expr.unit != "document":
            starts = (
                self.turn_starts[doc_id]
                if expr.unit == "turn"
                else self.data.sentence_starts(doc_id)
            )
        for i, (s, e) in enumerate(a):
            if expr.op in ("AND", "AND NOT"):
                lo, hi = bisect.bisect_right(b_end, s), bisect.bisect_left(b_start, e)
            elif expr.op == "NEAR":
                first, last = unit(starts, s), unit(starts, e - 1)
                lo = bisect.bisect_left(b_last, first - expr.distance)
                hi = bisect.bisect_right(b_first, last + expr.distance)
            else:
                lo, hi = bisect.bisect_left(b_start, e), len(b)
                if expr.unit != "document":
                    k = unit(starts, e - 1) + 1
                    if k < len(starts):
                        hi = bisect.bisect_left(b_start, starts[k])
            if lo < hi:
                hit_a[i] = True
                marks[lo] += 1
                marks[hi] -= 1
        hit_b, running = [], 0
        for m in marks[:-1]:
            running += m
            hit_b.append(running > 0)
        return hit_a, hit_b

    def ref(self, ref: Ref, keep: list[Callable[[PersonRow, str | None], bool]]) -> Spans:
        if ref.kind == "query":
            return self.saved_query(ref, keep)
        if ref.kind == "text":
            return self.text(ref, keep)
        code = self.find_code(ref)
        persons = self.data.persons
        memo: dict[tuple[int, str], bool] = {}
        found: dict[int, list[tuple[int, int]]] = {}
        for c in self.data.codings_of(self.data.tree.descendants(code)):
            if keep:
                key = (c.person_id, c.coder)
                ok = memo.get(key)
                if ok is None:
                    person = persons[c.person_id]
                    ok = memo[key] = all(k(person, c.coder) for k in keep)
                if not ok:
                    continue
            found.setdefault(c.document_id, []).append((c.start, c.end))
        return {d: fuse(s) for d, s in found.items()}

    def text(self, ref: Ref, keep: list[Callable[[PersonRow, str | None], bool]]) -> Spans:
        if self.search is None:
            raise QueryError(f"TEXT needs the project's search index at column {ref.column}")
        try:
            found = self.search(ref.name)
        except QualcodeError as exc:
            raise QueryError(_in_text(str(exc), ref.column)) from exc
        out: Spans = {}
        for doc_id, spans in found.items():
            kept = []
            for s, e in spans:
                person = self.data.persons[self.data.person_at(doc_id, s, e)[0]]
                if all(k(person, None) for k in keep):
                    kept.append((s, e))
            if kept:
                out[doc_id] = fuse(kept)
        return out

    def saved_query(self, ref: Ref, keep: list[Callable[[PersonRow, str | None], bool]]) -> Spans:
        if self.saved is None:
            raise QueryError(f"saved queries are not available here at column {ref.column}")
        if ref.name.casefold() in self._stack:
            raise QueryError(f"saved query '{ref.name}' uses itself at column {ref.column}")
        try:
            text = self.saved(ref.name)
        except QualcodeError as exc:  # no such saved query
            raise QueryError(f"{exc} at column {ref.column}" if ref.column else str(exc)) from exc
        try:
            inner = parse_query(text)
            self._stack.append(ref.name.casefold())
            extra = [self.predicate(inner.where)] if inner.where is not None else []
            return self.eval(inner.expr, keep + extra)
        except QualcodeError as exc:
            message = str(exc)
            if message.startswith("in saved query"):
                raise
            raise QueryError(f"in saved query '{ref.name}' (column {ref.column}): {exc}") from exc
        finally:
            if self._stack and self._stack[-1] == ref.name.casefold():
                self._stack.pop()

    # ------------------------------------------------------------------ codes

    def find_code(self, ref: Ref) -> int:
        codes = self.data.codes
        found = [c for c in codes if c.name == ref.name] or [
            c for c in codes if c.name.casefold() == ref.name.casefold()
        ]
        if not found:
            raise _unknown("code", ref.name, [c.name for c in codes], ref.column)
        code = found[0]
        if ref.kind == "theme" and code.parent_id is not None:
            parent = self.data.code_by_id[code.parent_id].name
            raise QueryError(
                f"'{code.name}' is not a theme (it is under '{parent}') at column {ref.column}"
            )
        return code.id


def unit(starts: list[int], position: int) -> int:
    """Index of the unit (turn or sentence) holding ``position``: the last one starting at or
    before it (text before the first unit belongs to the first)."""
    return max(bisect.bisect_right(starts, position) - 1, 0)


def fuse(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping ones fused (touching ones stay apart)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_date(value: str) -> bool:
    """Whether ``value`` is a calendar date written YYYY-MM-DD (what compares as text in
    date order)."""
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def compare(actual: str | None, op: str, value: str) -> bool:
    """``actual op value``: numbers as numbers, text case-insensitively; missing is false."""
    if actual is None:
        return False
    x: float | str
    y: float | str
    a, b = number(actual), number(value)
    if a is not None and b is not None:
        x, y = a, b
    else:
        x, y = actual.strip().casefold(), value.strip().casefold()
    if op == "=":
        return x == y
    if op == "!=":
        return x != y
    if isinstance(x, float) != isinstance(y, float):  # pragma: no cover - both same kind
        return False
    return {
        "<": x < y,  # type: ignore[operator]
        "<=": x <= y,  # type: ignore[operator]
        ">": x > y,  # type: ignore[operator]
        ">=": x >= y,  # type: ignore[operator]
    }[op]


def _in_text(message: str, column: int) -> str:
    """A search error inside ``TEXT "…"`` with its column counted in the whole query (the
    search counts from its own first character, which follows the quote at ``column``)."""
    found = re.search(r" at column (\d+)", message)
    if found is None:
        return f"in TEXT at column {column}: {message}"
    at = column + int(found.group(1))
    return f"in TEXT: {message[: found.start()]} at column {at}{message[found.end() :]}"


def _unknown(kind: str, name: str, names: list[str], column: int) -> QueryError:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return QueryError(f"no {kind} named '{name}' at column {column}{hint}")
