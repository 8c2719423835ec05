"""Representative quotes: chosen by fixed rules, so the same project gives the same quotes.

Candidates are the coded spans (codings in scope) of a code set; identical spans count once.
Each is graded:

1. *readable* — between :data:`MIN_WORDS` and :data:`MAX_WORDS` words (8–60: long enough to
   carry a thought, short enough to print in a paper);
2. *complete* — starts where a stored sentence starts and ends where one ends (after trimming
   white space), i.e. it is whole sentences.

Readable beats unreadable, then complete beats partial, then earlier in the corpus (document
name, offset) wins — a plain, reproducible tie-break instead of a random sample.

Spread: quotes are taken round-robin over participants — every participant's best candidate
before anyone's second — with participants ordered by the grade of their best candidate, then by
how often they were quoted before in the same report (fewest first), then corpus position; non-participants (interviewers) are quoted only when the participants have no
candidates left. Within a person, a candidate of a
code not yet quoted is preferred among equally graded ones, so a theme's quotes also spread
over its codes. A candidate that overlaps an already chosen quote is skipped.

Exemplars: codings the researcher marked (``qualcode exemplar``, a key in the workbench) come
first, in corpus order, before any automatic choice fills the remaining places.

Attribution: as papers do it — the participant ID (the ``participant`` attribute, else the
speaker label; a pseudonym table replaces names on export) with chosen attribute values and
the turn's timestamp, e.g. ``GP01, female, 6 years in group (00:14:03)``. Never a file name or
a character offset (those stay in :attr:`Quote.location`, for the JSON export).

Display: a quote longer than MAX_WORDS is cut after its last whole sentence that fits (or at
MAX_WORDS words) and marked ``[…]``; a quote that starts or ends mid-sentence gets ``…``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qualcode.analysis.corpus import Corpus
from qualcode.analysis.spans import overlaps
from qualcode.store.analysis_data import CodingRow
from qualcode.text import WORD

MIN_WORDS = 8
MAX_WORDS = 60


@dataclass(frozen=True)
class Quote:
    text: str
    code_id: int
    code: str
    document: str
    speaker: str
    participant: str | None
    """The participant's ``participant`` attribute (an ID such as GP01), if any."""
    person_id: int
    is_participant: bool
    turn: int
    """1-based turn number in the document."""
    timestamp: str | None
    start: int
    end: int
    words: int
    complete: bool
    details: tuple[str, ...] = ()
    """Chosen attributes of the speaker, formatted (``female``, ``years in group: 6``)."""
    exemplar: bool = False
    coding_id: int = 0

    @property
    def label(self) -> str:
        """The participant ID (``GP01``), else the speaker label."""
        return self.participant or self.speaker

    @property
    def attribution(self) -> str:
        """``GP01, female, years in group: 6 (00:14:03)``: paper style."""
        stamp = f" ({self.timestamp})" if self.timestamp else ""
        return ", ".join((self.label, *self.details)) + stamp

    @property
    def location(self) -> str:
        """``gp01_astrid, turn 12 (00:14:03), chars 3456–3590``."""
        stamp = f" ({self.timestamp})" if self.timestamp else ""
        return f"{self.document}, turn {self.turn}{stamp}, chars {self.start}–{self.end}"


@dataclass(frozen=True)
class _Candidate:
    grade: tuple[int, int]
    exemplar: bool
    coding_id: int
    doc_order: int
    start: int
    end: int
    code_order: int
    code_id: int
    document_id: int
    person_id: int
    turn_index: int
    words: int
    complete: bool


def select_quotes(
    corpus: Corpus,
    code_ids: list[int],
    n: int = 3,
    quoted_before: Mapping[int, int] | None = None,
    exemplars: frozenset[int] | set[int] = frozenset(),
    attributes: tuple[str, ...] = (),
) -> list[Quote]:
    """Up to ``n`` quotes for a code set (e.g. a theme with its codes), by the rules above.

    ``quoted_before`` counts quotes per person already used elsewhere (earlier themes of the
    same summary): among participants whose best candidates are equally graded, the less
    quoted go first, so a summary does not quote the same few people in every theme.
    ``exemplars`` are coding ids marked by the researcher: they are used first.
    ``attributes`` are the speaker attributes shown in each quote's attribution.
    """
    before = quoted_before or {}
    if n <= 0:
        return []
    wanted = set(code_ids)
    doc_order = {d.id: i for i, d in enumerate(corpus.documents)}
    seen: set[tuple[int, int, int]] = set()
    by_person: dict[int, list[_Candidate]] = {}
    spans: list[tuple[CodingRow, int, int]] = []
    marked: set[tuple[int, int, int]] = set()
    codings = corpus.codings_of(wanted)
    if exemplars:
        codings = sorted(codings, key=lambda c: c.id not in exemplars)
    for c in codings:
        text = corpus.doc(c.document_id).text
        start, end = _trim(text, c.start, c.end)
        if start >= end or (c.document_id, start, end) in seen:
            continue
        seen.add((c.document_id, start, end))
        if c.id in exemplars:
            marked.add((c.document_id, start, end))
        spans.append((c, start, end))
    counts = corpus.count_words([(c.document_id, s, e) for c, s, e in spans]).tolist()
    for (c, start, end), words in zip(spans, counts, strict=True):
        starts, ends = corpus.sentence_edges(c.document_id)
        complete = start in starts and end in ends
        readable = MIN_WORDS <= words <= MAX_WORDS
        cand = _Candidate(
            grade=(0 if readable else 1, 0 if complete else 1),
            exemplar=(c.document_id, start, end) in marked,
            coding_id=c.id,
            doc_order=doc_order[c.document_id],
            start=start,
            end=end,
            code_order=corpus.code(c.code_id).order,
            code_id=c.code_id,
            document_id=c.document_id,
            person_id=c.person_id,
            turn_index=c.turn_index,
            words=words,
            complete=complete,
        )
        by_person.setdefault(c.person_id, []).append(cand)
    for cands in by_person.values():
        cands.sort(key=_rank)
    people = sorted(
        by_person,
        key=lambda pid: (by_person[pid][0].grade, before.get(pid, 0), _rank(by_person[pid][0])),
    )
    chosen: list[_Candidate] = []
    used_codes: set[int] = set()
    picked = sorted(
        (c for cands in by_person.values() for c in cands if c.exemplar),
        key=lambda c: (c.doc_order, c.start, c.end, c.code_order),
    )
    for cand in picked:
        if len(chosen) < n and not _clashes(cand, chosen):
            chosen.append(cand)
            used_codes.add(cand.code_id)
    for pid in by_person:
        by_person[pid] = [c for c in by_person[pid] if not c.exemplar]
    participants = [p for p in people if corpus.persons[p].is_participant]
    others = [p for p in people if not corpus.persons[p].is_participant]
    for group in (participants, others):
        while len(chosen) < n and any(by_person[p] for p in group):
            for pid in group:
                if len(chosen) >= n:
                    break
                cands = [c for c in by_person[pid] if not _clashes(c, chosen)]
                by_person[pid] = cands
                if not cands:
                    continue
                best = min(cands, key=lambda c: (c.grade, c.code_id in used_codes, _rank(c)))
                cands.remove(best)
                chosen.append(best)
                used_codes.add(best.code_id)
    return [_quote(corpus, c, attributes) for c in chosen]


def _rank(c: _Candidate) -> tuple[tuple[int, int], int, int, int, int]:
    return (c.grade, c.doc_order, c.start, c.end, c.code_order)


def _clashes(c: _Candidate, chosen: list[_Candidate]) -> bool:
    return any(
        o.document_id == c.document_id and overlaps(o.start, o.end, c.start, c.end) for o in chosen
    )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def describe_attribute(key: str, value: str) -> str:
    """How an attribute reads in a quote's attribution: a bare value for words
    (``female``), ``key: value`` for numbers and dates (``years in group: 6``)."""
    value = " ".join(value.split())
    if len(value) <= 3 and value.isalpha():
        return value.upper()
    if any(ch.isdigit() for ch in value):
        return f"{key.replace('_', ' ')}: {value}"
    return value


def _quote(corpus: Corpus, c: _Candidate, attributes: tuple[str, ...] = ()) -> Quote:
    doc = corpus.doc(c.document_id)
    text = quote_text(doc.text, corpus.data.sentences[c.document_id], c.start, c.end)
    person = corpus.persons[c.person_id]
    turn = corpus.turn(c.document_id, c.turn_index)
    return Quote(
        text=text,
        code_id=c.code_id,
        code=corpus.code(c.code_id).name,
        document=doc.name,
        speaker=person.label,
        participant=person.attributes.get("participant") if person.is_participant else None,
        person_id=person.id,
        is_participant=person.is_participant,
        turn=c.turn_index + 1,
        timestamp=turn.timestamp,
        start=c.start,
        end=c.end,
        words=c.words,
        complete=c.complete,
        details=tuple(
            describe_attribute(key, person.attributes[key])
            for key in attributes
            if person.attributes.get(key, "").strip() and key != "participant"
        ),
        exemplar=c.exemplar,
        coding_id=c.coding_id,
    )


def quote_text(text: str, sentences: list[tuple[int, int]], start: int, end: int) -> str:
    """The span as printable quote text: one line, cut to MAX_WORDS, with ellipses marked."""
    cut = end
    if len(WORD.findall(text, start, end)) > MAX_WORDS:
        cut = start
        for s_start, s_end in sentences:
            if s_start < start or s_end > end:
                continue
            if len(WORD.findall(text, start, s_end)) > MAX_WORDS:
                break
            cut = s_end
        if cut == start:  # the first sentence alone is too long: cut at a word
            words = list(WORD.finditer(text, start, end))
            cut = words[MAX_WORDS - 1].end()
    body = " ".join(text[start:cut].split())
    starts = {s for s, _ in sentences}
    ends = {e for _, e in sentences}
    prefix = "" if start in starts else "…"
    if cut < end:
        suffix = " […]"
    else:
        suffix = "" if end in ends else "…"
    return f"{prefix}{body}{suffix}"
