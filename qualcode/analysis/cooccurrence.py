"""Which codes occur together, how often, and how strongly (Jaccard index).

Three ways for two passages to *meet*:

``overlap``
    They share at least one character. Nested spans meet; touching spans ``[a, b)`` and
    ``[b, c)`` do not (they are neighbours, not one passage).
``turn``
    They fall (at least partly) in the same speaker turn.
``sentences`` with window N
    They are at most N sentences apart: with sentence indices ``[f, l]`` covered by each
    passage, ``f_b - l_a <= N`` and ``f_a - l_b <= N``. N = 0 means sharing a sentence.

Each rule is an interval test, so every mode is computed the same way: passages become
half-open intervals in their mode's coordinates (characters; turn indices ``[first, last+1)``;
sentence indices ``[first, last+1+N)``), and a sweep line over the intervals sorted by start
reports the meeting pairs (:func:`qualcode.analysis.spans.sweep_overlaps`) in O(n log n + k),
not by comparing every pair of codings.

Units and Jaccard. For a pair of codes A and B, link every two of their passages that meet —
an A passage with a B passage, and also two A passages (or two B passages) with each other;
each connected group of linked passages, and each passage linked to nothing, is one *unit*
(one stretch of talk where A and/or B occur). ``count`` = |A ∩ B| = units holding both codes;
Jaccard = |A ∩ B| / |A ∪ B| = count / all units of the pair — 1 when the codes always appear
together, 0 when never (Jaccard 1901; as the co-occurrence "c-coefficient" of ATLAS.ti, but
over units so it never exceeds 1: one long A passage holding three B passages is one unit, not
three co-occurrences). Same-code links matter only for ``turn`` and ``sentences`` (passages of
one code never overlap — they are fused): without them two A passages in one turn would be two
units when no B is there but one unit when a B joins them, so A ∪ B would not be a set of units
of one kind and "same turn" Jaccard would not equal |turns with both| / |turns with either|.

Levels: ``code`` treats every code on its own codings (a theme's own codings only); ``theme``
treats each top-level code with all its sub-codes as one.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from qualcode.analysis.corpus import Corpus, Passage
from qualcode.analysis.spans import sweep_overlaps
from qualcode.errors import QualcodeError

MODES = ("overlap", "turn", "sentences")
LEVELS = ("code", "theme")


@dataclass(frozen=True)
class Cooccurrence:
    a_id: int
    a: str
    b_id: int
    b: str
    count: int
    units: int
    a_passages: int
    b_passages: int

    @property
    def jaccard(self) -> float:
        return self.count / self.units if self.units else 0.0


@dataclass(frozen=True)
class CooccurrenceTable:
    mode: str
    window: int
    level: str
    codes: tuple[tuple[int, str], ...]
    passages: dict[int, int]
    pairs: tuple[Cooccurrence, ...]
    """Pairs that meet at least once, in codebook order of (a, b)."""

    def get(self, a: int, b: int) -> Cooccurrence | None:
        for pair in self.pairs:
            if {pair.a_id, pair.b_id} == {a, b}:
                return pair
        return None

    def describe(self) -> str:
        """The meeting rule as a verb phrase: "passages {describe()}"."""
        if self.mode == "overlap":
            return "overlap (share text)"
        if self.mode == "turn":
            return "fall in the same speaker turn"
        if self.window == 0:
            return "share a sentence"
        return f"are at most {self.window} sentence{'s' if self.window > 1 else ''} apart"


def cooccurrence(
    corpus: Corpus, mode: str = "overlap", window: int = 0, level: str = "code"
) -> CooccurrenceTable:
    """Co-occurrence of every pair of codes (or themes) in scope; see the module docstring."""
    if mode not in MODES:
        raise QualcodeError(f"co-occurrence mode must be one of {', '.join(MODES)}")
    if level not in LEVELS:
        raise QualcodeError(f"co-occurrence level must be one of {', '.join(LEVELS)}")
    if window < 0:
        raise QualcodeError("the sentence window must be 0 or more")
    if level == "theme":
        units = [(t.id, t.name, corpus.descendants(t.id)) for t in corpus.themes]
    else:
        units = [(c.id, c.name, [c.id]) for c in corpus.codes]
    order = {uid: i for i, (uid, _, _) in enumerate(units)}
    interval = _interval_fn(corpus, mode, window)

    by_doc: dict[int, list[tuple[int, int, tuple[int, int]]]] = {}
    passages: dict[int, int] = {}
    for uid, _, ids in units:
        found = corpus.passages(ids)
        passages[uid] = len(found)
        for k, p in enumerate(found):
            lo, hi = interval(p)
            by_doc.setdefault(p.document_id, []).append((lo, hi, (uid, k)))

    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    same: dict[int, list[tuple[int, int]]] = {}
    for doc_id in sorted(by_doc):
        for (ua, ka), (ub, kb) in sweep_overlaps(by_doc[doc_id]):
            if ua == ub:
                same.setdefault(ua, []).append((ka, kb))
                continue
            if order[ua] > order[ub]:
                ua, ka, ub, kb = ub, kb, ua, ka
            edges.setdefault((ua, ub), []).append((ka, kb))
    # Passages of one code that meet each other form one group before any pair is looked at.
    group_of = {uid: _groups(passages[uid], same.get(uid, [])) for uid, _, _ in units}

    names = {uid: name for uid, name, _ in units}
    pairs = []
    for (ua, ub), links in sorted(edges.items(), key=lambda e: (order[e[0][0]], order[e[0][1]])):
        ga, gb = group_of[ua], group_of[ub]
        groups, nodes = _components([(ga[0][ka], gb[0][kb]) for ka, kb in links])
        all_units = ga[1] + gb[1] - nodes + groups
        pairs.append(
            Cooccurrence(
                ua, names[ua], ub, names[ub], groups, all_units, passages[ua], passages[ub]
            )
        )
    return CooccurrenceTable(
        mode=mode,
        window=window if mode == "sentences" else 0,
        level=level,
        codes=tuple((uid, name) for uid, name, _ in units),
        passages=passages,
        pairs=tuple(pairs),
    )


def _interval_fn(corpus: Corpus, mode: str, window: int) -> Callable[[Passage], tuple[int, int]]:
    if mode == "overlap":
        return lambda p: (p.start, p.end)
    if mode == "turn":
        bounds = {
            doc_id: ([t.start for t in ts], [t.end for t in ts])
            for doc_id, ts in corpus.data.turns.items()
        }
        extra = 0
    else:
        bounds = {
            doc_id: ([s for s, _ in ss], [e for _, e in ss])
            for doc_id, ss in corpus.data.sentences.items()
        }
        extra = window

    turns = corpus.data.turns if mode == "turn" else {}

    def interval(p: Passage) -> tuple[int, int]:
        if turns:
            turn = turns[p.document_id][p.turn_index]
            if turn.start <= p.start and p.end <= turn.end:  # the usual case: one turn
                return (p.turn_index, p.turn_index + 1)
        starts, ends = bounds[p.document_id]
        if not starts:
            return (0, 1 + extra)
        first = bisect.bisect_right(ends, p.start)  # first unit ending after the start
        last = bisect.bisect_left(starts, p.end) - 1  # last unit starting before the end
        first = min(first, len(starts) - 1)
        last = max(last, first)
        return (first, last + 1 + extra)

    return interval


def _groups(n: int, links: list[tuple[int, int]]) -> tuple[list[int], int]:
    """Group number of each of ``n`` passages of one code, joined by ``links``; and the count."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    roots: dict[int, int] = {}
    label = [roots.setdefault(find(k), len(roots)) for k in range(n)]
    return label, len(roots)


def _components(links: list[tuple[int, int]]) -> tuple[int, int]:
    """Connected components and node count of a bipartite graph given as (a, b) edges.

    Union-find with path halving; A passage k is node k, B passage k is node ~k (negative).
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ka, kb in links:
        b = ~kb
        if ka not in parent:
            parent[ka] = ka
        if b not in parent:
            parent[b] = b
        ra, rb = find(ka), find(b)
        if ra != rb:
            parent[ra] = rb
    roots = sum(1 for x, up in parent.items() if x == up)
    return roots, len(parent)
