"""The corpus an analysis looks at: the project's data narrowed by filters, plus passages.

Definitions used by every figure qualcode reports
--------------------------------------------------
*Person*: whoever a stretch of text belongs to — a speaker of a document, or, for turns without
a speaker, the document itself (see :class:`qualcode.store.analysis_data.PersonRow`).
*Participant*: a person who is not an interviewer/moderator (``Interviewer``, ``I``, ``Q``…, or
``role=interviewer``); in a document with no named speakers, the document's pseudo-person.
"n of N participants" counts these.
*Case*: a participant as a person, who may speak in several documents: speakers sharing a
``participant`` attribute are one case, so a participant interviewed twice counts once in
"n of N participants" and in crosstabs by participant attribute (:meth:`Corpus.case_id`).

*Scope*: the filters select persons (by document, by speaker name, by attribute value — a
person's attributes are its document's attributes overlaid by its own) and codings (by coder).
The corpus in scope is the text of the turns of the selected persons; its word count is the
denominator of every "share of corpus". A coding is in scope when its person (the speaker of the
turn holding most of it) and its coder are selected.

*Passage*: for a set of codes (one code, or a theme with its sub-codes), the passages are the
union of that set's coded spans within each document, fused where spans overlap (share at least
one character). Two sub-codes of a theme on the same or overlapping text make one passage of the
theme; spans that only touch (``[a, b)`` and ``[b, c)``) stay two passages. A passage belongs to
the person whose turn holds most of it. Counts in tables are passages unless they say codings.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

from qualcode.analysis.spans import merge_spans, word_bounds
from qualcode.binning import parse_edges
from qualcode.errors import QualcodeError
from qualcode.store.analysis_data import (
    AnalysisData,
    CodeRow,
    CodingRow,
    DocumentRow,
    PersonRow,
    TurnRow,
    attribute_span,
)

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Filters:
    """What to look at. Empty tuples mean "everything".

    ``where`` pairs are ANDed across keys and ORed within one key, so
    ``role=gp role=leader country=UK`` means (gp or leader) and UK. A value that starts with
    ``>=``, ``<=``, ``>`` or ``<`` (``--where interviewed>=2024-03-01``) compares: as dates for
    a ``date`` attribute, as numbers for a ``number`` one (or when both sides are numbers);
    comparisons on one key are ANDed (a range).

    ``bins`` groups a number attribute into ranges for crosstabs and summaries:
    ``(("years_in_group", (0, 5, 10, 20)),)`` gives the values ``0–<5``, ``5–<10``, ``10–20``
    (and ``<0`` / ``>20`` outside). ``no_interviewer`` leaves interviewer talk out of the
    corpus (coverage, shares, quotes).
    """

    documents: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    coders: tuple[str, ...] = ()
    bins: tuple[tuple[str, tuple[float, ...]], ...] = ()
    no_interviewer: bool = False

    @property
    def active(self) -> bool:
        return bool(
            self.documents or self.speakers or self.where or self.coders or self.no_interviewer
        )

    def describe(self) -> list[str]:
        """One readable line per active filter, for report headers."""
        lines = []
        if self.documents:
            lines.append("documents: " + ", ".join(self.documents))
        if self.speakers:
            lines.append("speakers: " + ", ".join(self.speakers))
        for key in dict.fromkeys(k for k, v in self.where if not _comparison(v)):
            values = [v for k, v in self.where if k == key and not _comparison(v)]
            lines.append(f"{key} = {' or '.join(values)}")
        for key, value in self.where:
            if (cmp := _comparison(value)) is not None:
                lines.append(f"{key} {cmp[0]} {cmp[1]}")
        if self.coders:
            lines.append("coders: " + ", ".join(self.coders))
        if self.no_interviewer:
            lines.append("interviewer talk left out")
        return lines


_OPERATORS = (">=", "<=", ">", "<")


def _comparison(value: str) -> tuple[str, str] | None:
    """``">=2024-01-01"`` -> ``(">=", "2024-01-01")``; None for a plain value."""
    for op in _OPERATORS:
        if value.startswith(op):
            return op, value[len(op) :].strip()
    return None


def parse_where(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``["role=leader"]`` -> ``(("role", "leader"),)``; ``years>=5`` -> ``(("years",
    ">=5"),)`` (a comparison); a malformed item is a user error."""
    out = []
    for item in items:
        key, op, value = _split_condition(item)
        if not op or not key.strip() or not value.strip():
            raise QualcodeError(
                f"--where needs KEY=VALUE or KEY>=VALUE, e.g. role=leader (got {item!r})"
            )
        prefix = "" if op == "=" else op
        out.append((key.strip(), prefix + value.strip()))
    return tuple(out)


def _split_condition(item: str) -> tuple[str, str, str]:
    """The first operator in ``item`` (``>=`` before ``>``): key, operator, value."""
    best: tuple[int, str] | None = None
    for op in (">=", "<=", "=", ">", "<"):
        at = item.find(op)
        if at > 0 and (best is None or at < best[0] or (at == best[0] and len(op) > len(best[1]))):
            best = (at, op)
    if best is None:
        return item, "", ""
    at, op = best
    return item[:at], op, item[at + len(op) :]


def parse_bins(attribute: str, text: str) -> tuple[str, tuple[float, ...]]:
    """``--bins 0,5,10,20`` for ``attribute``: at least two increasing numbers (read as a
    matrix reads them, :func:`qualcode.binning.parse_edges`)."""
    return attribute, tuple(parse_edges(text, at_least=2))


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def bin_labels(edges: Sequence[float]) -> list[str]:
    """The ranges of ``edges`` in order: ``0–<5``, ``5–<10``, ``10–20`` (the last closed)."""
    out = []
    for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        last = i == len(edges) - 2
        out.append(f"{_num(lo)}–{'' if last else '<'}{_num(hi)}")
    return out


def bin_value(value: str, edges: Sequence[float]) -> str:
    """The range label of a number attribute's value; ``<0``/``>20`` outside the edges,
    the value itself when it is not a number."""
    from qualcode.store.cases import parse_number

    number = parse_number(value)
    if number is None:
        return value
    if number < edges[0]:
        return f"<{_num(edges[0])}"
    if number > edges[-1]:
        return f">{_num(edges[-1])}"
    labels = bin_labels(edges)
    i = min(bisect.bisect_right(list(edges), number) - 1, len(labels) - 1)
    return labels[i]


def compare(value: str, op: str, bound: str, kind: str) -> bool:
    """Whether an attribute value satisfies ``value op bound`` (dates as dates, numbers as
    numbers); False when the value cannot be read as the bound's kind."""
    from qualcode.store.cases import parse_date, parse_number

    left: object
    right: object
    if kind == "date" or (kind == "text" and parse_date(bound) and parse_number(bound) is None):
        left, right = parse_date(value), parse_date(bound)
    else:
        left, right = parse_number(value), parse_number(bound)
    if left is None or right is None:
        return False
    if op == ">=":
        return left >= right  # type: ignore[operator]
    if op == "<=":
        return left <= right  # type: ignore[operator]
    if op == ">":
        return left > right  # type: ignore[operator]
    return left < right  # type: ignore[operator]


@dataclass(frozen=True)
class Passage:
    """A fused stretch of coded text for some set of codes (see the module docstring)."""

    document_id: int
    start: int
    end: int
    person_id: int
    turn_index: int
    code_ids: tuple[int, ...]
    coding_count: int


class Corpus:
    """The project's data in scope, with cached passages per code set."""

    def __init__(self, data: AnalysisData, filters: Filters | None = None) -> None:
        self.data = data
        self.filters = filters or Filters()
        self._check_filters()
        persons = self._select_persons()
        self.person_ids: frozenset[int] = frozenset(persons)
        self.persons: dict[int, PersonRow] = dict(data.persons)
        self.turns: dict[int, list[TurnRow]] = {}
        for doc in data.documents:
            kept = [t for t in data.turns[doc.id] if t.person_id in self.person_ids]
            if kept:
                self.turns[doc.id] = kept
        self.documents: list[DocumentRow] = [d for d in data.documents if d.id in self.turns]
        self._cases()
        self._apply_bins()
        self.participants: list[PersonRow] = [
            self.persons[p.id]
            for p in sorted(data.persons.values(), key=self._person_key)
            if p.id in self.person_ids and p.is_participant and self.case_id(p.id) == p.id
        ]
        """One person per case (its representative), in corpus order."""
        coders = set(self.filters.coders)
        self.codings: list[CodingRow] = [
            c
            for c in data.codings
            if c.person_id in self.person_ids
            and c.document_id in self.turns
            and (not coders or c.coder in coders)
        ]
        self._turn_starts = {doc_id: [t.start for t in ts] for doc_id, ts in data.turns.items()}
        self._scope_starts: dict[int, list[int]] = {}
        self._by_code: dict[int, list[CodingRow]] = {}
        for coding in self.codings:
            self._by_code.setdefault(coding.code_id, []).append(coding)
        self._doc_order = {d.id: i for i, d in enumerate(self.documents)}
        self._words: tuple[np.ndarray, np.ndarray] | None = None
        self.base: dict[int, int] = {}
        """Offset of each document in scope in one long virtual text (documents in name order,
        one character apart), so spans of many documents can be handled in one numpy call."""
        position = 0
        for doc in self.documents:
            self.base[doc.id] = position
            position += len(doc.text) + 1
        self._edges: dict[int, tuple[set[int], set[int]]] = {}
        self._passages: dict[frozenset[int], list[Passage]] = {}
        self._children: dict[int | None, list[int]] = {}
        for code in data.codes:
            self._children.setdefault(code.parent_id, []).append(code.id)

    # ---------------------------------------------------------------- filters

    def _check_filters(self) -> None:
        data, f = self.data, self.filters
        names = [d.name for d in data.documents]
        for name in f.documents:
            if name not in names:
                raise QualcodeError(_unknown("document", name, names))
        speakers = sorted({p.name for p in data.persons.values() if p.is_speaker})
        folded = {s.casefold() for s in speakers}
        for name in f.speakers:
            if name.casefold() not in folded:
                raise QualcodeError(_unknown("speaker", name, speakers))
        coders = sorted({c.coder for c in data.codings})
        for name in f.coders:
            if name not in coders:
                raise QualcodeError(_unknown("coder with codings", name, coders))
        for key, value in f.where:
            if (cmp := _comparison(value)) is not None:
                self._check_comparison(key, *cmp)
                continue
            values = sorted(
                {p.attributes[key] for p in data.persons.values() if key in p.attributes}
                | {d.attributes[key] for d in data.documents if key in d.attributes}
            )
            if not values:
                keys = sorted(
                    {k for p in data.persons.values() for k in p.attributes}
                    | {k for d in data.documents for k in d.attributes}
                )
                raise QualcodeError(_unknown("attribute", key, keys))
            if value.casefold() not in {v.casefold() for v in values}:
                raise QualcodeError(
                    f"no document or speaker has {key}={value} (values: {', '.join(values)})"
                )

    def _check_comparison(self, key: str, op: str, bound: str) -> None:
        from qualcode.store.cases import parse_date, parse_number

        data = self.data
        kind = data.attribute_types.get(key, "text")
        known = {k for p in data.persons.values() for k in p.attributes} | {
            k for d in data.documents for k in d.attributes
        }
        if key not in known:
            raise QualcodeError(_unknown("attribute", key, sorted(known)))
        if kind == "date" and parse_date(bound) is None:
            raise QualcodeError(f"{key} is a date: --where {key}{op}{bound} needs YYYY-MM-DD")
        if kind != "date" and parse_number(bound) is None and parse_date(bound) is None:
            raise QualcodeError(
                f"--where {key}{op}{bound}: compare with a number or a date (YYYY-MM-DD)"
            )

    def _select_persons(self) -> list[int]:
        f = self.filters
        docs = set(f.documents)
        speakers = {s.casefold() for s in f.speakers}
        wanted: dict[str, set[str]] = {}
        ranges: list[tuple[str, str, str]] = []
        for key, value in f.where:
            if (cmp := _comparison(value)) is not None:
                ranges.append((key, *cmp))
            else:
                wanted.setdefault(key, set()).add(value.casefold())
        types = self.data.attribute_types
        out = []
        for person in self.data.persons.values():
            if docs and person.document not in docs:
                continue
            if speakers and not (person.is_speaker and person.name.casefold() in speakers):
                continue
            if f.no_interviewer and not person.is_participant and person.is_speaker:
                continue
            if any(
                person.attributes.get(key, "").casefold() not in values
                for key, values in wanted.items()
            ):
                continue
            if any(
                key not in person.attributes
                or not compare(person.attributes[key], op, bound, types.get(key, "text"))
                for key, op, bound in ranges
            ):
                continue
            out.append(person.id)
        return out

    # ---------------------------------------------------------------- cases

    def _cases(self) -> None:
        """Persons that are one case share a representative (the first in corpus order),
        whose attributes are the case's: its speakers' attributes, the first value winning."""
        self._case_of: dict[int, int] = {}
        reps: dict[str, int] = {}
        merged: dict[int, dict[str, str]] = {}
        for person in sorted(self.data.persons.values(), key=self._person_key):
            if person.id not in self.person_ids or not person.is_participant:
                continue
            rep = reps.setdefault(person.case_key, person.id)
            self._case_of[person.id] = rep
            if rep == person.id:
                merged[rep] = dict(person.attributes)
            else:
                for key, value in person.attributes.items():
                    merged[rep].setdefault(key, value)
        for rep, attrs in merged.items():
            if attrs != self.persons[rep].attributes:
                self.persons[rep] = replace(self.persons[rep], attributes=attrs)

    def case_id(self, person_id: int) -> int:
        """The case a person is (the id of its case's representative); a person who is not a
        participant is its own case."""
        return self._case_of.get(person_id, person_id)

    def _apply_bins(self) -> None:
        """Number attributes named in ``--bins`` read as their range labels."""
        if not self.filters.bins:
            return
        bins = dict(self.filters.bins)

        def binned(attrs: dict[str, str]) -> dict[str, str]:
            return {k: bin_value(v, bins[k]) if k in bins else v for k, v in attrs.items()}

        for pid, person in list(self.persons.items()):
            if any(k in bins for k in person.attributes):
                self.persons[pid] = replace(person, attributes=binned(person.attributes))
        self.documents = [
            replace(d, attributes=binned(d.attributes))
            if any(k in bins for k in d.attributes)
            else d
            for d in self.documents
        ]

    def order_values(self, attribute: str, values: Iterable[str]) -> list[str] | None:
        """Values of a binned or date attribute in their natural order (every range in
        order, dates chronologically); None when the attribute is neither (callers sort as
        usual)."""
        from qualcode.store.cases import parse_date

        items = set(values)
        bins = dict(self.filters.bins)
        if attribute in bins:
            edges = bins[attribute]
            order = [f"<{_num(edges[0])}", *bin_labels(edges), f">{_num(edges[-1])}"]
            rank = {label: i for i, label in enumerate(order)}
            # Every range is a column, an empty one too: "0 of 0" says no case falls there.
            items |= set(bin_labels(edges))
            return sorted(items, key=lambda v: (rank.get(v, len(order)), v.casefold()))
        if self.data.attribute_types.get(attribute) == "date":
            return sorted(items, key=lambda v: (parse_date(v) is None, parse_date(v) or v, v))
        return None

    def _person_key(self, person: PersonRow) -> tuple[str, int, str]:
        return (person.document, 0 if person.is_speaker else 1, person.name)

    # ---------------------------------------------------------------- corpus facts

    @cached_property
    def words(self) -> int:
        """Words in the text in scope (turns of selected persons): the share denominator,
        from the word counts stored with each turn at import (the text is not read again)."""
        turns = [t for doc in self.documents for t in self.turns[doc.id]]
        if all(t.words is not None for t in turns):
            return sum(t.words or 0 for t in turns)
        return int(self.count_words([(t.document_id, t.start, t.end) for t in turns]).sum())

    def count_words(self, spans: Sequence[tuple[int, int, int]]) -> np.ndarray:
        """Words (``\\w+``) overlapping each ``(document id, start, end)`` span — the same
        count as ``len(re.findall(r"\\w+", text[start:end]))``: a word cut by an edge counts."""
        import numpy as np

        if self._words is None:
            parts = [word_bounds(doc.text) for doc in self.documents]
            bases = [self.base[doc.id] for doc in self.documents]
            empty = [np.zeros(0, dtype=np.int64)]
            self._words = (
                np.concatenate([s + b for (s, _), b in zip(parts, bases, strict=True)] or empty),
                np.concatenate([e + b for (_, e), b in zip(parts, bases, strict=True)] or empty),
            )
        if not spans:
            return np.zeros(0, dtype=np.int64)
        table = np.array([(self.base[d], s, e) for d, s, e in spans], dtype=np.int64).reshape(-1, 3)
        lo, hi = table[:, 0] + table[:, 1], table[:, 0] + table[:, 2]
        starts, ends = self._words
        return np.searchsorted(starts, hi, side="left") - np.searchsorted(ends, lo, side="right")

    def words_between(self, document_id: int, start: int, end: int) -> int:
        """Words overlapping ``[start, end)`` of a document in scope."""
        return int(self.count_words([(document_id, start, end)])[0])

    def sentence_edges(self, document_id: int) -> tuple[set[int], set[int]]:
        """Offsets where the document's stored sentences start, and where they end."""
        edges = self._edges.get(document_id)
        if edges is None:
            sents = self.data.sentences[document_id]
            edges = self._edges[document_id] = ({s for s, _ in sents}, {e for _, e in sents})
        return edges

    def codings_of(self, code_ids: Iterable[int]) -> list[CodingRow]:
        """Codings in scope of some codes, in corpus order."""
        ids = set(code_ids)
        if len(ids) == 1:
            return self._by_code.get(next(iter(ids)), [])
        found = [c for cid in ids for c in self._by_code.get(cid, [])]
        found.sort(key=lambda c: (self._doc_order[c.document_id], c.start, c.end, c.id))
        return found

    def doc(self, doc_id: int) -> DocumentRow:
        return self.data.doc_by_id[doc_id]

    def code(self, code_id: int) -> CodeRow:
        return self.data.code_by_id[code_id]

    @property
    def codes(self) -> list[CodeRow]:
        return self.data.codes

    @property
    def themes(self) -> list[CodeRow]:
        """Top-level codes in codebook order: the sections of a summary."""
        return [c for c in self.data.codes if c.parent_id is None]

    def children(self, code_id: int | None) -> list[int]:
        return self._children.get(code_id, [])

    def descendants(self, code_id: int) -> list[int]:
        """The code and every code below it, in codebook order."""
        out = [code_id]
        for child in self.children(code_id):
            out.extend(self.descendants(child))
        return out

    def find_code(self, name: str) -> CodeRow:
        for code in self.data.codes:
            if code.name == name:
                return code
        for code in self.data.codes:
            if code.name.casefold() == name.casefold():
                return code
        raise QualcodeError(_unknown("code", name, [c.name for c in self.data.codes]))

    def turn(self, document_id: int, index: int) -> TurnRow:
        return self.data.turns[document_id][index]

    # ---------------------------------------------------------------- passages

    def passages(self, code_ids: Iterable[int]) -> list[Passage]:
        """Fused passages of a set of codes, in (document name, start) order; cached."""
        key = frozenset(code_ids)
        cached = self._passages.get(key)
        if cached is not None:
            return cached
        spans: dict[int, list[tuple[int, int, int]]] = {}
        for cid in key:
            for c in self._by_code.get(cid, []):
                spans.setdefault(c.document_id, []).append((c.start, c.end, c.code_id))
        out: list[Passage] = []
        for doc in self.documents:
            items = spans.get(doc.id)
            if not items:
                continue
            items.sort()
            group_codes: set[int] = set()
            count = 0
            cur_start, cur_end = items[0][0], items[0][1]
            for start, end, code_id in items:
                if start < cur_end:
                    if end > cur_end:
                        cur_end = end
                else:
                    out.append(self._passage(doc.id, cur_start, cur_end, group_codes, count))
                    cur_start, cur_end, group_codes, count = start, end, set(), 0
                group_codes.add(code_id)
                count += 1
            out.append(self._passage(doc.id, cur_start, cur_end, group_codes, count))
        self._passages[key] = out
        return out

    def _passage(self, doc_id: int, start: int, end: int, codes: set[int], count: int) -> Passage:
        index = attribute_span(self.data.turns[doc_id], self._turn_starts[doc_id], start, end)
        person = self.data.turns[doc_id][index].person_id
        if len(codes) == 1:
            return Passage(doc_id, start, end, person, index, tuple(codes), count)
        order = sorted(codes, key=lambda c: self.code(c).order)
        return Passage(doc_id, start, end, person, index, tuple(order), count)

    def passage_words(self, passages: Iterable[Passage]) -> int:
        """Words of the corpus in scope inside the passages: the numerator of a share."""
        spans = [(p.document_id, p.start, p.end) for p in passages]
        return int(self.count_words(self.clip_to_scope(spans)).sum())

    def coverage_words(self) -> int:
        """Words of the corpus in scope inside any coded span in scope (each word once)."""
        spans: dict[int, list[tuple[int, int]]] = {}
        for c in self.codings:
            spans.setdefault(c.document_id, []).append((c.start, c.end))
        merged = [(d, s, e) for d, items in spans.items() for s, e in merge_spans(items)]
        return int(self.count_words(self.clip_to_scope(merged)).sum())

    def clip_to_scope(self, spans: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The parts of ``(document id, start, end)`` spans that lie in turns in scope.

        A share's numerator must be part of its denominator (:attr:`words`, the words of the
        turns in scope): a coding that runs across a turn boundary must not add the next
        speaker label's words, nor, under a speaker filter, the other speaker's words.
        """
        out = []
        for doc_id, start, end in spans:
            turns = self.turns[doc_id]
            starts = self._scope_starts.get(doc_id)
            if starts is None:
                starts = self._scope_starts[doc_id] = [t.start for t in turns]
            i = max(bisect.bisect_right(starts, start) - 1, 0)
            while i < len(turns) and turns[i].start < end:
                lo, hi = max(start, turns[i].start), min(end, turns[i].end)
                if lo < hi:
                    out.append((doc_id, lo, hi))
                i += 1
        return out


def _unknown(kind: str, name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"no {kind} named '{name}'{hint}"
