"""Frequencies, the code × document matrix, crosstabs and filters on the hand-made project.

Every expected figure is derived by hand from the texts and codings listed in
``test_analysis_fixture.py``; the derivation is in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.analysis import Filters, load_corpus, parse_where
from qualcode.analysis.corpus import Corpus
from qualcode.analysis.frequencies import frequencies, totals
from qualcode.analysis.matrix import code_document_matrix, crosstab, sort_values
from qualcode.analysis.spans import merge_spans
from qualcode.errors import QualcodeError
from qualcode.store import Project
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture(scope="module")
def project_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_hand_project(tmp_path_factory.mktemp("hand"))
    return path


def corpus(path: Path, **filters: object) -> Corpus:
    with Project.open(path) as project:
        return load_corpus(project, Filters(**filters))  # type: ignore[arg-type]


def table(c: Corpus) -> dict[str, tuple[int, ...]]:
    return {
        f.code: (f.codings, f.passages, f.documents, f.speakers, f.participants, f.words)
        for f in frequencies(c)
    }


def test_totals(project_path: Path) -> None:
    t = totals(corpus(project_path))
    # Corpus: 52 + 33 + 33 words in turns. Participants: Anna, Ben, Cara, Dan (interviewers
    # excluded). Coded words: a1 S1..S6 = 43; b2 T0 + S1..S4 = 4+12+7+8 = 31; c3 S1..S4 = 28.
    assert (t.documents, t.participants, t.words, t.codings) == (3, 4, 118, 18)
    assert t.coded_words == 102
    assert t.coverage == pytest.approx(102 / 118)


def test_frequencies_by_hand(project_path: Path) -> None:
    rows = table(corpus(project_path))
    # (codings, passages, documents, speakers, participants, words)
    assert rows == {
        # Peer support: c1,c3 (a1; touching -> 2 passages), c9,c11 (b2, 2), c13=c17 (c3, 1
        # passage, two coders). Words 17+7 + 5+8 + 7 = 44.
        "Peer support": (6, 5, 3, 3, 3, 44),
        # Supervision: c2 (Anna), c8 (Ben), c18 (b2 interviewer), c15 (Dan): 4 speakers, 3
        # participants. Words 7 + 12 + 4 + 7 = 30.
        "Supervision": (4, 4, 3, 4, 3, 30),
        # Support = Peer support + Supervision: a1 c1+c2 nested -> 1 passage, c3 touches it -> 2;
        # b2 c18, c8+c9 -> 1, c11 -> 3 passages; c3 S1, S3 -> 2. 7 passages, 17+7+4+12+8+7+7 = 62.
        "Support": (10, 7, 3, 5, 4, 62),
        # Workload: a1 S4, S5; b2 "good questions. I am tired" (5 words); c3 S2. 8+6+5+6 = 25.
        "Workload": (4, 4, 3, 3, 3, 25),
        "Burnout": (2, 2, 2, 2, 2, 15),
        # Stress: a1 c4=c5 identical -> 1 passage (8), c7 (6); b2 c12 overlaps c10 -> one
        # passage "good questions. I am tired and close to burnout." (9); c3 (6) -> 4, 29 words.
        "Stress": (6, 4, 3, 3, 3, 29),
        "Joy": (2, 2, 2, 2, 2, 13),
    }
    shares = {f.code: f.share for f in frequencies(corpus(project_path))}
    assert shares["Support"] == pytest.approx(62 / 118)
    assert shares["Joy"] == pytest.approx(13 / 118)


def test_theme_counts_identical_subcode_spans_once(project_path: Path) -> None:
    rows = table(corpus(project_path))
    # c4 (Workload) and c5 (Burnout) have the same span: two codings, one Stress passage in a1
    # plus c7: the theme has 2 passages in a1 although its codes have 3.
    m = code_document_matrix(corpus(project_path))
    cells = {r.code: r.cells for r in m.rows}
    assert cells["Workload"][0] + cells["Burnout"][0] == 3
    assert cells["Stress"][0] == 2
    assert rows["Stress"][0] == 6 and rows["Stress"][1] == 4


def test_code_document_matrix(project_path: Path) -> None:
    m = code_document_matrix(corpus(project_path))
    assert m.documents == ("a1", "b2", "c3")
    assert {r.code: (r.cells, r.total) for r in m.rows} == {
        "Support": ((2, 3, 2), 7),
        "Peer support": ((2, 2, 1), 5),
        "Supervision": ((1, 2, 1), 4),
        "Stress": ((2, 1, 1), 4),
        "Workload": ((2, 1, 1), 4),
        "Burnout": ((1, 1, 0), 2),
        "Joy": ((1, 0, 1), 2),
    }


def cells(tab, code: str) -> list[tuple[int, int, int, float]]:  # noqa: ANN001
    row = next(r for r in tab.rows if r.code == code)
    return [(c.passages, c.cases_with, c.cases, round(c.percent, 2)) for c in row.cells]


def test_crosstab_documents_by_role(project_path: Path) -> None:
    tab = crosstab(corpus(project_path), "role", "document")
    assert tab.values == ("gp", "leader") and tab.cases == (2, 1)
    # Joy: a1 (gp) and c3 (leader): 1 of 2 gp documents = 50%, 1 of 1 leader = 100%.
    assert cells(tab, "Joy") == [(1, 1, 2, 50.0), (1, 1, 1, 100.0)]
    # Burnout: a1 and b2, both gp.
    assert cells(tab, "Burnout") == [(2, 2, 2, 100.0), (0, 0, 1, 0.0)]
    assert cells(tab, "Support") == [(5, 2, 2, 100.0), (2, 1, 1, 100.0)]


def test_crosstab_speakers_by_gender_excludes_interviewers(project_path: Path) -> None:
    tab = crosstab(corpus(project_path), "gender", "speaker")
    assert tab.values == ("female", "male") and tab.cases == (2, 2)
    # Supervision: Anna (f); Ben and Dan (m); the b2 interviewer's passage is not a case.
    assert cells(tab, "Supervision") == [(1, 1, 2, 50.0), (2, 2, 2, 100.0)]
    # Support: Anna 2 + Cara 1 = 3 (f); Ben 2 + Dan 1 = 3 (m); interviewer passage left out.
    assert cells(tab, "Support") == [(3, 2, 2, 100.0), (3, 2, 2, 100.0)]


def test_crosstab_speakers_inherit_document_attributes(project_path: Path) -> None:
    tab = crosstab(corpus(project_path), "country", "speaker")
    # Anna, Cara, Dan are in UK documents, Ben in SE; Workload: Ben (SE); Anna 2 + Cara (UK).
    assert tab.values == ("SE", "UK") and tab.cases == (1, 3)
    assert cells(tab, "Workload") == [(1, 1, 1, 100.0), (3, 2, 3, 66.67)]


def test_crosstab_missing_values_and_unknown_attribute(tmp_path: Path) -> None:
    path, _ = build_hand_project(tmp_path, memos=False)
    with Project.open(path) as project:
        project.documents.set_attribute("a1", "site", "north")
    tab = crosstab(corpus(path), "site", "document")
    assert tab.values == ("north", "(missing)") and tab.cases == (1, 2)
    with pytest.raises(QualcodeError, match="no document in scope has an attribute 'sex'"):
        crosstab(corpus(path), "sex", "document")


def test_filter_by_attribute(project_path: Path) -> None:
    c = corpus(project_path, where=parse_where(["role=leader"]))
    t = totals(c)
    # Only c3: 33 words, Cara and Dan.
    assert (t.documents, t.participants, t.words) == (1, 2, 33)
    rows = table(c)
    # Support in c3: c13+c17 (one passage) and c15: 3 codings, 2 passages, 7+7 words.
    assert rows["Support"] == (3, 2, 1, 2, 2, 14)
    assert rows["Burnout"] == (0, 0, 0, 0, 0, 0)


def test_filter_by_speaker_attribute_narrows_the_corpus(project_path: Path) -> None:
    c = corpus(project_path, where=parse_where(["gender=female"]))
    # Anna's turns 10+7+7+8+6+5 = 43 words, Cara's 7+6 = 13.
    assert totals(c).words == 56
    assert [p.name for p in c.participants] == ["Anna", "Cara"]


def test_filter_same_key_is_or_different_keys_and(project_path: Path) -> None:
    either = corpus(project_path, where=parse_where(["role=gp", "role=leader"]))
    assert totals(either).words == 118
    both = corpus(project_path, where=parse_where(["role=gp", "gender=male"]))
    assert [p.name for p in both.participants] == ["Ben"]


def test_filter_by_coder(project_path: Path) -> None:
    rows = table(corpus(project_path, coders=("bob",)))
    # bob coded only c17 (Peer support, c3 S1, 7 words); the corpus itself is unchanged.
    assert rows["Peer support"] == (1, 1, 1, 1, 1, 7)
    assert rows["Support"] == (1, 1, 1, 1, 1, 7)
    assert totals(corpus(project_path, coders=("bob",))).words == 118


def test_filter_by_speaker_and_document(project_path: Path) -> None:
    ben = corpus(project_path, speakers=("ben",))
    # Ben's turns: 7 + 5 + 7 + 8 = 27 words; Supervision only c8 (c18 is the interviewer's).
    assert totals(ben).words == 27
    assert table(ben)["Supervision"] == (1, 1, 1, 1, 1, 12)
    a1 = corpus(project_path, documents=("a1",))
    assert totals(a1).words == 52
    assert table(a1)["Peer support"] == (2, 2, 1, 1, 1, 24)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"documents": ("zz",)}, "no document named 'zz'"),
        ({"speakers": ("Anne",)}, "did you mean 'Anna'"),
        ({"coders": ("carol",)}, "no coder with codings named 'carol'"),
        ({"where": (("role", "nurse"),)}, "values: gp, leader"),
    ],
)
def test_bad_filters_are_user_errors(project_path: Path, filters: dict, message: str) -> None:
    with pytest.raises(QualcodeError, match=message):
        corpus(project_path, **filters)


def test_parse_where_rejects_malformed() -> None:
    assert parse_where(["role = gp"]) == (("role", "gp"),)
    with pytest.raises(QualcodeError, match="KEY=VALUE"):
        parse_where(["role"])


def test_merge_spans_fuses_overlaps_not_touching() -> None:
    assert merge_spans([(5, 9), (0, 5), (2, 3), (8, 12)]) == [(0, 5), (5, 12)]


def test_sort_values_is_natural() -> None:
    assert sort_values({"10", "9", "b", "A"}) == ["9", "10", "A", "b"]
