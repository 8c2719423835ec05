"""Key terms by weighted log-odds with an informative Dirichlet prior (Monroe et al. 2008).

Hand derivation on the hand-made project (see test_analysis_fixture.py). Counted lemmas are
the non-stop-word lemmas of the turns: 50 in the corpus. Peer support's passages hold 20:
  a1 S1 group support work heavy | S2 colleague listen week | S3 feel hard patient
  b2 S2 supervisor ask good question | S4 colleague support tire | c3 S1 member support group
Prior α_w = corpus count of w, α_0 = 50; rest n_j = 30.
  support   y_i 3, y 3:  δ = ln(6/64) − ln(3/77) = 0.87807, σ² = 1/6 + 1/3     -> z = 1.2418
  colleague y_i 2, y 2:  δ = ln(4/66) − ln(2/78) = 0.86020, σ² = 1/4 + 1/2     -> z = 0.9933
  group     y_i 2, y 5:  δ = ln(7/63) − ln(8/72) = 0                            -> z = 0
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qualcode.analysis import load_corpus
from qualcode.analysis.corpus import Corpus
from qualcode.analysis.keyterms import Lemmatizer, TermIndex, key_terms, log_odds_z, z_score
from qualcode.store import Project
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    path, _ = build_hand_project(tmp_path_factory.mktemp("hand"))
    with Project.open(path) as project:
        return load_corpus(project)


def test_hand_computed_z() -> None:
    delta = math.log(6 / 64) - math.log(3 / 77)
    assert delta == pytest.approx(0.87807, abs=1e-5)
    assert z_score(3, 20, 0, 30, 3, 50) == pytest.approx(delta / math.sqrt(1 / 6 + 1 / 3))
    assert z_score(3, 20, 0, 30, 3, 50) == pytest.approx(1.2418, abs=1e-4)
    assert z_score(2, 20, 0, 30, 2, 50) == pytest.approx(0.9933, abs=1e-4)
    assert z_score(2, 20, 3, 30, 5, 50) == pytest.approx(0.0, abs=1e-12)


def test_vectorised_formula_matches_scalar() -> None:
    import numpy as np

    y_i = np.array([3, 2, 2, 0])
    y_j = np.array([0, 0, 3, 5])
    alpha = (y_i + y_j).astype(float)
    z = log_odds_z(y_i, y_j, alpha)
    n_i, n_j, a0 = 7, 8, 15
    for w in range(4):
        assert z[w] == pytest.approx(z_score(y_i[w], n_i, y_j[w], n_j, alpha[w], a0))


def test_key_terms_ordering_on_hand_project(corpus: Corpus) -> None:
    index = TermIndex(corpus)
    assert int(index.total.sum()) == 50
    passages = corpus.passages([corpus.find_code("Peer support").id])
    assert int(index.counts(passages).sum()) == 20
    terms = key_terms(index, passages, top=5, z_min=-0.5)
    assert [(t.lemma, t.count, t.rest) for t in terms] == [
        ("support", 3, 0),
        ("colleague", 2, 0),
        ("group", 2, 3),
    ]
    assert [t.z for t in terms] == pytest.approx([1.2418, 0.9933, 0.0], abs=1e-4)
    # With the 5% threshold nothing in a 118-word corpus is distinctive enough.
    assert key_terms(index, passages) == []


def test_lemmatizer_exclusions() -> None:
    lem = Lemmatizer(exclude=["Anna"])
    assert lem.lemma("patients") == "patient"
    assert lem.lemma("Patients") == "patient"
    assert lem.lemma("patient's") == "patient"
    assert lem.lemma("ran") == "run"
    for dropped in ("Anna", "anna", "the", "forty", "don't", "I'm", "a"):
        assert lem.lemma(dropped) is None, dropped


def test_speaker_names_never_counted(tmp_path: Path) -> None:
    path, _ = build_hand_project(tmp_path, memos=False)
    with Project.open(path) as project:
        # A participant who names another speaker: the name must not become a key term.
        project.documents.rename_speaker("c3", "Dan", "Support")
        c = load_corpus(project)
    index = TermIndex(c)
    assert "support" not in index.vocab
    assert "dan" not in index.vocab
