"""Disagreements between two coders and the consensus coder (store, CLI and review screen)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.errors import ProjectError
from qualcode.store import Project
from qualcode.store.consensus import Consensus, clusters, intersection, union
from tests.conftest import simple_document

Run = Callable[..., Result]


def test_span_helpers() -> None:
    assert union([(0, 5)], [(3, 9)]) == [(0, 9)]
    assert union([(0, 5)], [(5, 9)]) == [(0, 5), (5, 9)]  # touching spans stay apart
    assert intersection([(0, 5), (7, 12)], [(3, 10)]) == [(3, 5), (7, 10)]
    assert intersection([(0, 5)], [(6, 9)]) == []
    assert clusters([(0, 5), (20, 30)], [(3, 9), (40, 45)]) == [
        ((0, 9), [(0, 5)], [(3, 9)]),
        ((20, 30), [(20, 30)], []),
        ((40, 45), [], [(40, 45)]),
    ]


@pytest.fixture
def team(tmp_path: Path) -> Path:
    path = tmp_path / "team.qc"
    with Project.create(path, coder="anna") as p:
        p.documents.add(simple_document())
        p.codebook.add("Emotions")
        p.codebook.add("Insight")
        p.codings.add("doc1", "Emotions", 48, 70)  # ben: 48-75 -> boundaries differ
        p.codings.add("doc1", "Insight", 72, 95)  # ben: same -> agreed
        p.codings.add("doc1", "Insight", 140, 160)  # only anna
        p.coder = "ben"
        p.codings.add("doc1", "Emotions", 48, 75)
        p.codings.add("doc1", "Insight", 72, 95)
        p.codings.add("doc1", "Emotions", 120, 130)  # only ben
    return path


def test_disagreements_and_every_decision(team: Path) -> None:
    with Project.open(team, coder="lead") as p:
        cons = Consensus(p.session)
        found = cons.disagreements("anna", "ben")
        assert [(d.code, d.start, d.end, d.a_spans, d.b_spans) for d in found] == [
            ("Emotions", 48, 75, ((48, 70),), ((48, 75),)),
            ("Emotions", 120, 130, (), ((120, 130),)),
            ("Insight", 140, 160, ((140, 160),), ()),
        ]
        text, offset = cons.context(found[0])
        assert offset <= 48 and "angry" in text
        first, second, third = found
        cons.settle(first, "intersection", "anna", "ben")
        assert [(c.start, c.end) for c in p.codings.list(coder="consensus")] == [(48, 70)]
        cons.settle(first, "union", "anna", "ben")  # deciding again replaces
        assert [(c.start, c.end) for c in p.codings.list(coder="consensus")] == [(48, 75)]
        cons.settle(second, "neither", "anna", "ben")
        cons.settle(third, "edit", "anna", "ben", span=(141, 150))
        assert [d.decision for d in cons.disagreements("anna", "ben")] == [
            "union",
            "neither",
            "edit",
        ]
        event = p.history.events(1)[0]
        assert event.summary.startswith("Consensus of anna and ben on 'Insight' on doc1")
        assert "edited boundaries -> [141:150]" in event.summary
        p.history.undo()
        assert cons.disagreements("anna", "ben")[2].decision is None
        assert [(c.start, c.end) for c in p.codings.list(coder="consensus")] == [(48, 75)]
        cons.settle(third, "a", "anna", "ben")
        assert cons.copy_agreed("anna", "ben") == 1
        assert cons.copy_agreed("anna", "ben") == 0
        assert sorted((c.code, c.start) for c in p.codings.list(coder="consensus")) == [
            ("Emotions", 48),
            ("Insight", 72),
            ("Insight", 140),
        ]
        with pytest.raises(ProjectError, match="no coder 'carl'"):
            cons.disagreements("anna", "carl")
        with pytest.raises(ProjectError, match="START-END"):
            cons.settle(first, "edit", "anna", "ben")


def test_disagreements_cli(cli: Run, team: Path) -> None:
    result = cli("disagreements", team, "--coders", "anna,ben")
    assert result.exit_code == 0, result.output
    assert "#1  doc1  'Emotions'  [48:75]  open" in result.output
    assert "⟦" in result.output and "│" in result.output
    result = cli(
        "disagreements",
        team,
        "--coders",
        "anna,ben",
        "--settle",
        "1=b",
        "--edit",
        "3=141-150",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    assert data["open"] == 1
    assert [d["decision"] for d in data["disagreements"]] == ["b", None, "edit"]
    result = cli("disagreements", team, "--coders", "anna,ben", "--open", "--format", "csv")
    assert result.output.count("\n") == 2  # header and the one open disagreement
    result = cli("disagreements", team, "--coders", "anna,ben", "--settle", "9=a")
    assert result.exit_code == 1 and "no disagreement 9" in result.output
    result = cli("disagreements", team, "--coders", "anna")
    assert result.exit_code == 1 and "two coders" in result.output
    result = cli("summary", team, "--coder", "consensus", "--format", "json")
    assert result.exit_code == 0, result.output
