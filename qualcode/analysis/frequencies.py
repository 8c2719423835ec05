"""How often each code and theme occurs, in how many documents, for how many people.

Every row counts a code *together with its sub-codes*, so a theme's row is the theme as a whole.
``passages`` is the main count: a theme counts its codes' codings once per passage (the union
of overlapping spans in a document, see :mod:`qualcode.analysis.corpus`), so a sentence coded
with two sub-codes of one theme counts once for the theme. ``codings`` is the raw number of
coding records (two coders or two sub-codes on one passage make two).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from qualcode.analysis.corpus import Corpus, Passage


@dataclass(frozen=True)
class Frequency:
    code_id: int
    code: str
    depth: int
    has_children: bool
    codings: int
    passages: int
    documents: int
    speakers: int
    """Distinct persons the passages belong to (interviewers included, if coded)."""
    participants: int
    """Distinct participants (interviewers excluded): the "n" of "n of N participants"."""
    words: int
    share: float
    """``words`` / corpus words in scope (0 when the corpus is empty)."""


@dataclass(frozen=True)
class Totals:
    documents: int
    participants: int
    words: int
    codings: int
    coded_words: int
    coverage: float


def frequency_of(corpus: Corpus, code_id: int, per_code: Counter[int] | None = None) -> Frequency:
    """The row of one code (with its sub-codes)."""
    if per_code is None:
        per_code = Counter(c.code_id for c in corpus.codings)
    ids = corpus.descendants(code_id)
    codings = sum(per_code[i] for i in ids)
    return _row(corpus, code_id, corpus.passages(ids), codings)


def frequencies(corpus: Corpus) -> list[Frequency]:
    """One row per code in codebook order (themes first, then their codes, depth first)."""
    per_code = Counter(c.code_id for c in corpus.codings)
    return [frequency_of(corpus, code.id, per_code) for code in corpus.codes]


def totals(corpus: Corpus) -> Totals:
    coded = corpus.coverage_words()
    words = corpus.words
    return Totals(
        documents=len(corpus.documents),
        participants=len(corpus.participants),
        words=words,
        codings=len(corpus.codings),
        coded_words=coded,
        coverage=coded / words if words else 0.0,
    )


def _row(corpus: Corpus, code_id: int, passages: list[Passage], codings: int) -> Frequency:
    code = corpus.code(code_id)
    persons = {p.person_id for p in passages}
    words = corpus.passage_words(passages)
    return Frequency(
        code_id=code_id,
        code=code.name,
        depth=code.depth,
        has_children=bool(corpus.children(code_id)),
        codings=codings,
        passages=len(passages),
        documents=len({p.document_id for p in passages}),
        speakers=len(persons),
        participants=len({corpus.case_id(p) for p in persons if corpus.persons[p].is_participant}),
        words=words,
        share=words / corpus.words if corpus.words else 0.0,
    )
