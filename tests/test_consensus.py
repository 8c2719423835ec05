"""Disagreements between two coders and the consensus coder (store, CLI and review screen)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from textual.app import App
from textual.widgets import DataTable, Input, Static

from qualcode.errors import ProjectError
from qualcode.store import Project
from qualcode.store.consensus import Consensus, clusters, intersection, union
from qualcode.tui.screens.consensus import BoundsScreen, ConsensusScreen
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
        p.documents.add(simple_document("doc0"))
        p.coder = "ben"
        p.codings.add("doc0", "Insight", 0, 10)
        p.codings.add("doc0", "Emotions", 0, 10)
        walk = cons.disagreements("anna", "ben")  # code by code, then document and position
        assert [(d.code, d.document, d.start) for d in walk] == [
            ("Emotions", "doc0", 0),
            ("Emotions", "doc1", 48),
            ("Emotions", "doc1", 120),
            ("Insight", "doc0", 0),
            ("Insight", "doc1", 140),
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


# ---------------------------------------------------------------- the review screen (Pilot)


class Host(App[None]):
    """A minimal app standing in for the workbench: it pushes the consensus screen."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.jumps: list[tuple[int, int, int]] = []

    def on_mount(self) -> None:
        self.push_screen(ConsensusScreen(self.project))

    def jump_to(self, document_id: int, start: int, end: int, exact: bool = True) -> None:
        self.jumps.append((document_id, start, end))


def decisions(app: Host) -> list[str]:
    table = app.screen.query_one("#consensus-table", DataTable)
    return [str(table.get_row_at(i)[4]) for i in range(table.row_count)]


def test_review_screen_settles_with_one_key_each(team: Path) -> None:
    async def scenario() -> None:
        with Project.open(team, coder="lead") as project:
            app = Host(project)
            async with app.run_test(size=(140, 40)) as pilot:
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, ConsensusScreen)
                assert screen.coders == ("anna", "ben")
                assert decisions(app) == ["open", "open", "open"]
                a_side = str(screen.query_one("#consensus-a", Static).render())
                assert "angry" in a_side
                await pilot.press("u")  # union of #1, cursor moves on to #2
                await pilot.press("n")  # neither for #2
                await pilot.pause()
                assert decisions(app) == ["union", "neither", "open"]
                await pilot.press("e")
                await pilot.pause()
                assert isinstance(app.screen, BoundsScreen)
                bounds = app.screen.query_one(Input)
                bounds.value = "141-150"
                await pilot.press("enter")
                await pilot.pause()
                assert decisions(app) == ["union", "neither", "edited boundaries"]
                assert [(c.start, c.end) for c in project.codings.list(coder="consensus")] == [
                    (48, 75),
                    (141, 150),
                ]
                await pilot.press("z")
                await pilot.pause()
                assert decisions(app) == ["union", "neither", "open"]
                await pilot.press("o")
                await pilot.pause()
                assert decisions(app) == ["open"]
                await pilot.press("a")
                await pilot.pause()
                assert decisions(app) == []
                await pilot.press("o", "up", "up", "enter")
                await pilot.pause()
                assert app.jumps and app.jumps[-1][1:] == (48, 75)

    asyncio.run(scenario())


def test_review_screen_without_two_coders(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Project.create(tmp_path / "solo.qc", coder="anna") as project:
            project.documents.add(simple_document())
            app = Host(project)
            async with app.run_test(size=(120, 30)) as pilot:
                await pilot.pause()
                text = str(app.screen.query_one("#consensus-overview", Static).render())
                assert "needs two coders" in text
                await pilot.press("a", "u")

    asyncio.run(scenario())


# ---------------------------------------------------------------- summaries


def test_summary_methods_name_coders_unit_and_statistics(team: Path) -> None:
    from qualcode.analysis import Filters, load_corpus
    from qualcode.report import SummaryOptions, build_summary

    with Project.open(team, coder="lead") as p:
        corpus = load_corpus(p, Filters())
        summary = build_summary(corpus, SummaryOptions(), project_path=team)
        first, table = summary.agreement
        assert first.startswith("Two coders (anna and ben) coded the material independently")
        assert "sentences as the unit" in first and "Cohen's kappa" in first
        assert "anna: the 1 document(s) coded (none marked done)" in first
        assert table.startswith("Agreement per code (% agreement / alpha / kappa; sentences):")
        assert "Emotions " in table and "Insight " in table
        assert summary.methods[-2:] == summary.agreement
        one = build_summary(load_corpus(p, Filters(coders=("anna",))), project_path=team)
        assert one.agreement == ()
        Consensus(p.session).copy_agreed("anna", "ben")
        settled = build_summary(load_corpus(p, Filters(coders=("consensus",))), project_path=team)
        assert "consensus the coders reached" in settled.agreement[0]
