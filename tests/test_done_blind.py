"""Done-marks (``qualcode done``) per coder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from qualcode.store import Project
from qualcode.store.done import DoneMarks
from tests.conftest import dump, simple_document

Run = Callable[..., Result]


def test_marks_are_per_coder(project_with_doc: Project) -> None:
    marks = DoneMarks(project_with_doc.session)
    assert marks.mark("doc1") is True
    assert marks.mark("doc1") is False
    assert marks.is_done("doc1")
    project_with_doc.coder = "ben"
    assert not marks.is_done("doc1")
    assert marks.toggle("doc1") is True
    assert marks.marks() == {"ann": {"doc1"}, "ben": {"doc1"}}
    assert marks.toggle("doc1") is False
    assert [(m.coder, m.document) for m in marks.list()] == [("ann", "doc1")]
    event = project_with_doc.history.events(1)[0]
    assert event.summary == "Unmarked doc1 done for ben"


def test_done_cli(cli: Run, tmp_path: Path) -> None:
    with Project.create(tmp_path / "s.qc", coder="x") as p:
        p.documents.add(simple_document())
    result = cli("done", "s.qc", "doc1", "--coder", "anna")
    assert result.exit_code == 0, result.output
    assert "doc1: done for anna" in result.output
    result = cli("done", "s.qc", "--list")
    assert "anna" in result.output and "doc1" in result.output
    result = cli("done", "s.qc", "doc1", "--undo", "--coder", "anna")
    assert "not done" in result.output
    result = cli("done", "s.qc", "nope")
    assert result.exit_code == 1
    assert "nope" in result.output


def two_documents(tmp_path: Path) -> Path:
    path = tmp_path / "s.qc"
    with Project.create(path, coder="x") as p:
        p.documents.add(simple_document("doc1"))
        p.documents.add(simple_document("doc2"))
    return path


def test_done_checks_every_name_before_marking(cli: Run, tmp_path: Path) -> None:
    """One unknown name (anywhere in the list) marks nothing: no partial apply."""
    path = two_documents(tmp_path)
    before = dump(path)
    result = cli("done", "s.qc", "doc1", "nodoc", "doc2", "--coder", "anna")
    assert result.exit_code == 1
    assert result.output.startswith("error: no document named 'nodoc'")
    assert result.output.count("\n") == 1
    assert dump(path) == before


def test_done_marks_several_documents_as_one_action(cli: Run, tmp_path: Path) -> None:
    path = two_documents(tmp_path)
    result = cli("done", "s.qc", "doc1", "doc2", "doc1", "--coder", "anna")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "doc1: done for anna",
        "doc2: done for anna",
        "doc1: done for anna (already)",
    ]
    with Project.open(path) as p:
        assert p.done.marks() == {"anna": {"doc1", "doc2"}}
        event = p.history.events(1)[0]
        assert event.summary == "Marked 2 documents done for anna"
        count = len(p.history.events(100))
    assert cli("done", "s.qc", "doc1", "doc2", "--coder", "anna").exit_code == 0
    with Project.open(path) as p:  # nothing changed: no event either
        assert len(p.history.events(100)) == count


def test_done_list_only_lists(cli: Run, tmp_path: Path) -> None:
    """--list with names lists the marks of those documents and marks nothing."""
    path = two_documents(tmp_path)
    before = dump(path)
    result = cli("done", "s.qc", "--list", "doc1", "--coder", "anna")
    assert result.exit_code == 0, result.output
    assert "doc1" not in result.output  # nobody marked it
    assert dump(path) == before
    assert cli("done", "s.qc", "doc1", "doc2", "--coder", "anna").exit_code == 0
    listed = cli("done", "s.qc", "--list", "doc2").output.splitlines()
    assert len(listed) == 3 and listed[2].startswith("anna   doc2 ")
    assert "doc1" in cli("done", "s.qc", "--list").output
    for args, message in [
        (("--list", "nodoc"), "error: no document named 'nodoc'"),
        (("--list", "doc1", "--undo"), "error: --list only lists; leave out --undo"),
        ((), "error: name a document (or pass --list)"),
    ]:
        before = dump(path)
        result = cli("done", "s.qc", *args)
        assert result.exit_code == 1 and result.output.startswith(message)
        assert result.output.count("\n") == 1
        assert dump(path) == before
    assert "--list" in cli("done", "--help").output


# ---------------------------------------------------------------- the workbench (Pilot)


def test_workbench_codes_blind_and_marks_done(tmp_path: Path) -> None:
    import asyncio

    from textual.widgets import Static

    from qualcode.tui.app import QualcodeApp

    path = tmp_path / "team.qc"
    with Project.create(path, coder="anna") as p:
        p.documents.add(simple_document())
        p.codebook.add("Emotions")
        p.codings.add("doc1", "Emotions", 48, 70)
        p.coder = "ben"
        p.codings.add("doc1", "Emotions", 72, 95)

    async def scenario() -> None:
        app = QualcodeApp(path, coder="ben", poll_interval=0)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            bench = app.workbench
            assert bench is not None and bench.blind
            assert [c.coder for c in bench.transcript.codings] == ["ben"]
            status = str(bench.query_one("#status", Static).render())
            assert "blind (B)" in status
            # Nothing of anna's shows in the counts either: the list and the codebook count ben's.
            assert bench.documents.row(bench.document_id).codings == 1
            emotions = bench.project.codebook.find("Emotions")
            assert emotions is not None and bench.code_tree.total(emotions.id) == 1
            assert bench.apply_codes([emotions.id], (0, 11))
            await pilot.pause()
            assert bench.code_tree.total(emotions.id) == 2  # ben's two, anna's still hidden
            assert bench.documents.row(bench.document_id).codings == 2
            await pilot.press("r")  # retrieval while blind: only ben's passages
            await pilot.pause()
            from qualcode.tui.screens.finding import RetrieveScreen

            retrieve = app.screen
            assert isinstance(retrieve, RetrieveScreen) and retrieve.coder == "ben"
            count = str(retrieve.query_one("#retrieve-count", Static).render())
            assert count.startswith("2 passage(s)") and "coded by ben" in count
            await pilot.press("w")  # everyone's, then anna's, then ben's again
            await pilot.pause()
            count = str(retrieve.query_one("#retrieve-count", Static).render())
            assert retrieve.coder is None and count.startswith("3 passage(s)")
            await pilot.press("w")
            await pilot.pause()
            count = str(retrieve.query_one("#retrieve-count", Static).render())
            assert retrieve.coder == "anna" and count.startswith("1 passage(s)")
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("B")
            await pilot.pause()
            assert sorted(c.coder for c in bench.transcript.codings) == ["anna", "ben", "ben"]
            assert bench.documents.row(bench.document_id).codings == 3
            assert bench.code_tree.total(emotions.id) == 3
            await pilot.press("F")
            await pilot.pause()
            assert "│ done" in str(bench.query_one("#status", Static).render())
            assert DoneMarks(bench.project.session).marks() == {"ben": {"doc1"}}
            await pilot.press("W")
            await pilot.pause()
            from qualcode.tui.screens.consensus import ConsensusScreen

            assert isinstance(app.screen, ConsensusScreen)
            assert app.screen.coders == ("anna", "ben") or app.screen.coders == ("ben", "anna")

    asyncio.run(scenario())


def test_one_coders_codings_are_not_hidden(tmp_path: Path) -> None:
    """The demo, or a copy coded by one person, opened by someone else: nothing to hide."""
    import asyncio

    from qualcode.tui.app import QualcodeApp

    path = tmp_path / "solo.qc"
    with Project.create(path, coder="anna") as p:
        p.documents.add(simple_document())
        p.codebook.add("Emotions")
        p.codings.add("doc1", "Emotions", 48, 70)

    async def scenario() -> None:
        app = QualcodeApp(path, coder="ben", poll_interval=0)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            assert app.workbench is not None and not app.workbench.blind
            assert [c.coder for c in app.workbench.transcript.codings] == ["anna"]

    asyncio.run(scenario())


def test_a_done_mark_is_one_undo_step(project_with_doc: Project) -> None:
    assert project_with_doc.done.mark("doc1")
    assert project_with_doc.done.marks() == {"ann": {"doc1"}}
    assert project_with_doc.history.undo() is not None
    assert project_with_doc.done.marks() == {}
    assert project_with_doc.history.redo() is not None
    assert project_with_doc.done.marks() == {"ann": {"doc1"}}
