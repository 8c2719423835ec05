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
        cons = Consensus(p.session)
        cons.copy_agreed("anna", "ben")
        settled = build_summary(load_corpus(p, Filters(coders=("consensus",))), project_path=team)
        assert (
            "The codings reported here are those of consensus, the consensus of anna and ben: 0 of the 3 passage(s) where they differed were settled; 3 are still open."
            in settled.agreement[0]
        )
        assert "coded the material:" not in " ".join(settled.methods)
        assert "The codings are those of the consensus coder consensus (" in settled.methods[0]
        for d in cons.disagreements("anna", "ben"):
            cons.settle(d, "a", "anna", "ben")
        done = build_summary(load_corpus(p, Filters(coders=("consensus",))), project_path=team)
        assert "all 3 passage(s) where they differed were settled." in done.agreement[0]
        # Any name can hold the consensus: the summary recognises it.
        final = Consensus(p.session, "final")
        final.settle(final.disagreements("anna", "ben")[0], "b", "anna", "ben")
        other = build_summary(load_corpus(p, Filters(coders=("final",))), project_path=team)
        assert other.agreement and "those of final" in other.agreement[0]
        assert "1 of the 3 passage(s)" in other.agreement[0]


def test_consensus_coder_cannot_be_a_person(team: Path) -> None:
    """Settling replaces the consensus coder's codings in the cluster: into a real coder it
    would delete their own work, so it is refused and nothing changes."""
    with Project.open(team, coder="lead") as p:
        before = p.session.conn.execute("SELECT COUNT(*) FROM codings").fetchone()[0]
        for name in ("anna", "ben"):
            cons = Consensus(p.session, name)
            d = cons.disagreements("anna", "ben")[0]
            with pytest.raises(ProjectError, match="cannot be one of the coders compared"):
                cons.settle(d, "b", "anna", "ben")
        p.coder = "carl"
        p.codings.add("doc1", "Insight", 0, 10)
        carl = Consensus(p.session, "carl")
        with pytest.raises(ProjectError, match="has 1 coding\\(s\\) of their own"):
            carl.settle(carl.disagreements("anna", "ben")[0], "neither", "anna", "ben")
        with pytest.raises(ProjectError, match="has 1 coding"):
            carl.copy_agreed("anna", "ben")
        after = p.session.conn.execute("SELECT COUNT(*) FROM codings").fetchone()[0]
        assert after == before + 1  # only carl's own coding
        with pytest.raises(ProjectError, match="cannot be empty"):
            Consensus(p.session, "  ")


def test_decisions_do_not_depend_on_the_order_of_the_coders(team: Path) -> None:
    with Project.open(team, coder="lead") as p:
        cons = Consensus(p.session)
        first = cons.disagreements("anna", "ben")[0]
        cons.settle(first, "a", "anna", "ben")  # anna's spans
        swapped = cons.disagreements("ben", "anna")
        assert swapped[0].decision == "b"  # still anna's: B in this order
        cons.settle(swapped[0], "a", "ben", "anna")  # now ben's
        assert cons.disagreements("anna", "ben")[0].decision == "b"
        assert p.session.conn.execute("SELECT COUNT(*) FROM consensus_decisions").fetchone()[0] == 1


def test_default_agreement_and_blind_coding_leave_consensus_coders_out(team: Path) -> None:
    from qualcode.analysis.agreement_data import agreement
    from qualcode.store.blind import blind_by_default

    with Project.open(team, coder="lead") as p:
        cons = Consensus(p.session, "final")
        cons.copy_agreed("anna", "ben")
        assert agreement(p).coders == ("anna", "ben") or list(agreement(p).coders) == [
            "anna",
            "ben",
        ]
        assert "final" in agreement(p, coders=["anna", "final"]).coders
        assert blind_by_default(p)
    solo = team.with_name("solo.qc")
    with Project.create(solo, coder="anna") as p:
        p.documents.add(simple_document())
        p.codebook.add("Emotions")
        p.codings.add("doc1", "Emotions", 48, 70)
        p.coder = "final"
        p.codings.add("doc1", "Emotions", 48, 70)
        assert blind_by_default(p)  # two people, as far as anyone can tell
        final_id = p.session.lookup_coder_id("final")
        assert final_id is not None
        with p.session.action("test", "mark"):
            p.session.update("coders", final_id, {"is_consensus": 1})
        assert not blind_by_default(p)  # one person and their consensus copy


SCHEMA4 = Path(__file__).parent / "fixtures" / "schema4_consensus.qc"


def test_decisions_move_out_of_settings_with_their_history(tmp_path: Path) -> None:
    """tests/fixtures/schema4_consensus.qc was made by the previous version (schema 4): anna
    and ben differ on Safety, Anger and Burnout; "lead" settled them (union, A's, neither),
    re-settled Anger as B's and undid that, undid Burnout and redid it. The decisions were
    settings rows then; migration 5 moves them into consensus_decisions and rewrites the undo
    history, so what was decided reads the same and every step still undoes and redoes."""
    import shutil
    import sqlite3

    path = tmp_path / "old.qc"
    shutil.copy(SCHEMA4, path)
    conn = sqlite3.connect(path)
    old_settings = conn.execute("SELECT key FROM settings WHERE key LIKE 'consensus:%'").fetchall()
    # A decision about a coder that no longer exists cannot move: it must stay, not vanish.
    conn.execute(
        "INSERT INTO settings(key, value) VALUES "
        '(\'consensus:consensus:nobody|ben:1:1:52:111\', \'{"choice": "a", "spans": []}\')'
    )
    conn.commit()
    conn.close()
    assert len(old_settings) == 3
    with Project.open(path, coder="lead") as project:
        conn = project.session.conn
        assert conn.execute("SELECT key FROM settings WHERE key LIKE 'consensus:%'").fetchall() == [
            ("consensus:consensus:nobody|ben:1:1:52:111",)
        ]
        cons = Consensus(project.session)
        assert cons.settled_pair() == ["anna", "ben"]
        assert cons.decisions("anna", "ben") == {
            "1:1:52:111": "union",
            "1:2:173:213": "a",
            "1:3:215:228": "neither",
        }
        rows = conn.execute(
            "SELECT choice, spans, decided_by_id = (SELECT id FROM coders WHERE name = 'lead') "
            "FROM consensus_decisions ORDER BY id"
        ).fetchall()
        assert rows == [("union", "[[52,111]]", 1), ("a", "[[173,201]]", 1), ("neither", "[]", 1)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # The pre-upgrade history still replays: undo the redone Burnout decision, then the
        # Anger one; redo both.
        assert project.history.undo() is not None
        assert "1:3:215:228" not in cons.decisions("anna", "ben")
        assert project.history.undo() is not None
        assert cons.decisions("anna", "ben") == {"1:1:52:111": "union"}
        assert project.history.redo() is not None and project.history.redo() is not None
        assert cons.decisions("anna", "ben")["1:2:173:213"] == "a"
        # New decisions get ids past every id the history mentions.
        reused = conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'consensus_decisions'"
        ).fetchone()[0]
        assert reused >= conn.execute("SELECT MAX(id) FROM consensus_decisions").fetchone()[0]
        settle = cons.disagreements("anna", "ben")[1]
        cons.settle(settle, "b", "anna", "ben")
        assert cons.decisions("anna", "ben")["1:2:173:213"] == "b"
        assert project.history.undo() is not None
        assert cons.decisions("anna", "ben")["1:2:173:213"] == "a"


def test_deleting_a_code_takes_its_decisions_and_undo_brings_them_back(team: Path) -> None:
    with Project.open(team, coder="lead") as project:
        cons = Consensus(project.session)
        for d in cons.disagreements("anna", "ben"):
            cons.settle(d, "union", "anna", "ben")
        decided = cons.decisions("anna", "ben")
        assert decided
        code_id = cons.disagreements("anna", "ben")[0].code_id
        project.codebook.delete(code_id, force=True)
        left = cons.decisions("anna", "ben")
        assert len(left) < len(decided)
        assert all(key.split(":")[1] != str(code_id) for key in left)
        project.history.undo()
        assert cons.decisions("anna", "ben") == decided
        with pytest.raises(Exception, match="CHECK constraint failed"):
            with project.session.action("test", "bad choice"):
                project.session.update(
                    "consensus_decisions",
                    int(project.session.conn.execute(
                        "SELECT MIN(id) FROM consensus_decisions").fetchone()[0]),
                    {"choice": "maybe"},
                )  # fmt: skip


def test_redacted_copy_keeps_decisions_on_the_moved_text(team: Path, tmp_path: Path) -> None:
    """Redaction shortens the text before the disagreements ("Interviewer" -> "I"): the decisions,
    like the codings, move with it, so the copy still knows what was settled."""
    from qualcode.store.pseudonyms import Pseudonyms
    from qualcode.store.redact import Redactor

    out = tmp_path / "shared.qc"
    with Project.open(team, coder="lead") as project:
        cons = Consensus(project.session)
        for d in cons.disagreements("anna", "ben"):
            cons.settle(d, "union", "anna", "ben")
        Pseudonyms(project.session).set("Interviewer", "I")
        Redactor(project.session).write(out)
    with Project.open(out, coder="lead") as red:
        cons = Consensus(red.session)
        found = cons.disagreements("anna", "ben")
        assert found and all(d.decision == "union" for d in found)
        text = red.documents.get("doc1").text
        assert text.startswith("I: How did")
        for d in found:
            spans = [tuple(s) for s in json.loads(red.session.conn.execute(
                "SELECT spans FROM consensus_decisions WHERE start = ?", (d.start,)
            ).fetchone()[0])]  # fmt: skip
            assert spans == union(d.a_spans, d.b_spans)
            assert all(0 <= s < e <= len(text) for s, e in spans)


def test_a_merged_consensus_coder_stays_one(team: Path, tmp_path: Path) -> None:
    """Merging a file that holds settled codings brings its consensus coder as one, so the
    team file does not compare it as a person."""
    from qualcode.store.consensus import consensus_coders
    from qualcode.store.merge import merge_files

    with Project.open(team, coder="lead") as p:
        Consensus(p.session).copy_agreed("anna", "ben")
    target = tmp_path / "other.qc"
    merge_files(target, [team], "lead")
    with Project.open(target, coder="lead") as p:
        assert consensus_coders(p.session) == ["consensus"]
        assert set(p.codings.coders()) >= {"anna", "ben", "consensus"}
