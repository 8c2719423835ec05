"""Co-occurrence by sweep line: overlaps (nested yes, touching no), same turn, N sentences,
and the Jaccard index — on the hand-made project, with the derivations in comments.

Passages (per code, own codings fused) and their positions:
  Peer support  P1 a1 S1..S2 (T1)   P2 a1 S3 incl. leading space, touches P1 (T1)
                P3 b2 S2 (T1)       P4 b2 S4 (T3)        P5 c3 S1 (T1, Cara)
  Supervision   V1 a1 S2 (T1)       V2 b2 T0 interviewer  V3 b2 S1..S2 (T1)   V4 c3 S3 (T2, Dan)
  Workload      W1 a1 S4 (T3)       W2 a1 S5 (T3)        W3 b2 "good questions. I am tired"
                (S2..S3, T1)        W4 c3 S2 (T1)
  Burnout       B1 a1 S4 (T3)       B2 b2 S3 (T1)
  Joy           J1 a1 S6 (T3)       J2 c3 S4 (T2)
Units of a pair = connected groups of linked passages + unlinked passages; count = groups
with both codes; Jaccard = count / units = count / (nA + nB - linked passages + count).
"""

from __future__ import annotations

import random

import pytest

from qualcode.analysis import load_corpus
from qualcode.analysis.cooccurrence import cooccurrence
from qualcode.analysis.corpus import Corpus
from qualcode.analysis.spans import overlaps, sweep_overlaps
from qualcode.errors import QualcodeError
from qualcode.store import Project
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    path, _ = build_hand_project(tmp_path_factory.mktemp("hand"))
    with Project.open(path) as project:
        return load_corpus(project)


def pairs(c: Corpus, **kw: object) -> dict[tuple[str, str], tuple[int, int, float]]:
    table = cooccurrence(c, **kw)  # type: ignore[arg-type]
    return {(p.a, p.b): (p.count, p.units, round(p.jaccard, 4)) for p in table.pairs}


def test_sweep_touching_spans_do_not_overlap() -> None:
    assert list(sweep_overlaps([(0, 5, "a"), (5, 9, "b")])) == []
    assert not overlaps(0, 5, 5, 9)


def test_sweep_nested_and_partial_spans_overlap() -> None:
    found = set(sweep_overlaps([(0, 10, "outer"), (3, 4, "inner"), (9, 12, "tail")]))
    assert found == {("outer", "inner"), ("outer", "tail")}


def test_sweep_matches_brute_force() -> None:
    rng = random.Random(7)
    items = []
    for i in range(300):
        start = rng.randrange(0, 1000)
        items.append((start, start + rng.randrange(1, 40), i))
    swept = {frozenset(p) for p in sweep_overlaps(items)}
    brute = {
        frozenset((a[2], b[2]))
        for i, a in enumerate(items)
        for b in items[i + 1 :]
        if overlaps(a[0], a[1], b[0], b[1])
    }
    assert swept == brute and len(swept) > 100


def test_overlap_mode(corpus: Corpus) -> None:
    assert pairs(corpus) == {
        # P1 holds V1 (nested), V3 holds P3 (nested); P2 only *touches* V1, so it stays alone.
        # Units: 5 + 4 - 4 linked + 2 groups = 7. (Were touching counted, P2 would join the
        # first group: 5 + 4 - 5 + 2 = 6 units, Jaccard 1/3.)
        ("Peer support", "Supervision"): (2, 7, round(2 / 7, 4)),
        # P3 (b2 S2) and W3 (starts inside S2): 5 + 4 - 2 + 1 = 8.
        ("Peer support", "Workload"): (1, 8, 0.125),
        ("Supervision", "Workload"): (1, 7, round(1 / 7, 4)),
        # W1 = B1 (identical spans) and W3 overlaps B2: 4 + 2 - 4 + 2 = 4.
        ("Workload", "Burnout"): (2, 4, 0.5),
    }


def test_same_turn_mode(corpus: Corpus) -> None:
    # Passages of one code in the same turn are one unit too, so this is the Jaccard over
    # turns: Peer support turns {a1 T1, b2 T1, b2 T3, c3 T1}, Supervision {a1 T1, b2 T0,
    # b2 T1, c3 T2}, Workload {a1 T3, b2 T1, c3 T1}, Burnout {a1 T3, b2 T1}, Joy {a1 T3, c3 T2}.
    assert pairs(corpus, mode="turn") == {
        # a1 T1 and b2 T1 have both; 4 + 4 - 2 = 6 turns with either.
        ("Peer support", "Supervision"): (2, 6, round(1 / 3, 4)),
        # b2 T1 and c3 T1 have both; 4 + 3 - 2 = 5 (P1 and P2 share a1 T1: one unit).
        ("Peer support", "Workload"): (2, 5, 0.4),
        ("Peer support", "Burnout"): (1, 5, 0.2),
        ("Supervision", "Workload"): (1, 6, round(1 / 6, 4)),
        ("Supervision", "Burnout"): (1, 5, 0.2),
        # c3 T2 (Dan): V4 and J2.
        ("Supervision", "Joy"): (1, 5, 0.2),
        # a1 T3: W1, W2, B1 -> one group; b2 T1: W3, B2. 4 + 2 - 5 + 2 = 3.
        ("Workload", "Burnout"): (2, 3, round(2 / 3, 4)),
        ("Workload", "Joy"): (1, 4, 0.25),
        ("Burnout", "Joy"): (1, 3, round(1 / 3, 4)),
    }


def test_within_sentences(corpus: Corpus) -> None:
    # N = 0 (sharing a sentence) equals overlap here: every passage is whole sentences.
    assert pairs(corpus, mode="sentences", window=0) == pairs(corpus)
    one = pairs(corpus, mode="sentences", window=1)
    # Sentence indices include interviewer sentences. Supervision/Workload with N = 1:
    # b2 V3 [1..2] & W3 [2..3] meet; c3 V4 (S3, index 3) & W4 (S2, index 2) are adjacent;
    # a1 V1 (2) & W1 (5) are 3 apart; b2 V2 (0) & W3 (2) are 2 apart, but V2 is next to V3
    # (1) and W1 (5) next to W2 (6), so those join as one unit each:
    # {V2, V3, W3}, {V4, W4}, {V1}, {W1, W2} -> 2 of 4.
    assert one[("Supervision", "Workload")] == (2, 4, 0.5)
    # b2 P3 (S2, index 2) and B2 (S3, index 3) are adjacent; a1 P2 (S3, index 3) and B1 (S4,
    # index 5) are not (the interviewer's question lies between). Units: a1 {P1, P2} (adjacent),
    # {B1}; b2 {P3, B2}, {P4}; c3 {P5} -> 1 of 5.
    assert one[("Peer support", "Burnout")] == (1, 5, 0.2)
    two = pairs(corpus, mode="sentences", window=2)
    # a1: P1, P2, V1 linked; b2: V2 (0) now reaches P3 (2), with V3 -> {P3, V2, V3}; c3: P5 (1)
    # and V4 (3). P4 stays alone. 5 + 4 - 8 + 3 = 4 units.
    assert two[("Peer support", "Supervision")] == (3, 4, 0.75)


def test_theme_level(corpus: Corpus) -> None:
    # Support passages 7, Stress 4; only b2's Support S1..S2 meets Stress "good…burnout".
    assert pairs(corpus, level="theme") == {("Support", "Stress"): (1, 10, 0.1)}


def test_bad_arguments(corpus: Corpus) -> None:
    with pytest.raises(QualcodeError):
        cooccurrence(corpus, mode="paragraph")
    with pytest.raises(QualcodeError):
        cooccurrence(corpus, mode="sentences", window=-1)


def test_no_quadratic_join(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pairs come from the sweep line (patched out, no pairs are found)."""
    import qualcode.analysis.cooccurrence as module

    monkeypatch.setattr(module, "sweep_overlaps", lambda items: iter(()))
    assert cooccurrence(corpus).pairs == ()
