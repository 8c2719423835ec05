"""The review screen driven through Pilot: accept/reject with one key, all of a code, undo,
sorting and filtering, and rule/model runs in a worker with a progress bar."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, ProgressBar, Static

from qualcode.nlp.autocode import autocode
from qualcode.store import Project
from qualcode.tui.screens.review import ReviewScreen
from tests.test_learn import build_project
from tests.test_rules import make_project


class Host(App[None]):
    """A minimal app standing in for the workbench: it pushes the review screen."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.refreshed = 0
        self.jumps: list[tuple[int, int, int]] = []

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.project))

    def refresh_project(self) -> None:
        self.refreshed += 1

    def jump_to(self, document_id: int, start: int, end: int, exact: bool = True) -> None:
        self.jumps.append((document_id, start, end))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    proj = make_project(tmp_path)
    autocode(proj)
    yield proj
    proj.close()


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Pilot needs an event loop; no async pytest plugin is assumed."""
    asyncio.run(test())


def rows(app: Host) -> list[str]:
    table = app.screen.query_one("#review-table", DataTable)
    return [table.get_row_at(i)[1] for i in range(table.row_count)]


def context(app: Host) -> str:
    return str(app.screen.query_one("#review-context", Static).render())


def test_accept_reject_undo_with_one_key(project: Project) -> None:
    async def scenario() -> None:
        app = Host(project)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            assert rows(app) == [
                "Emotions",
                "Long relationships",
                "Long relationships",
                "Not alone",
                "Scapegoating",
            ]
            shown = context(app)
            assert "I felt angry with her." in shown and "feel angry" in shown
            assert "Why (rule)" in shown and "anna" in shown
            first = screen.current
            await pilot.press("a")
            accepted = project.suggestions.get(first.id)
            assert accepted.status == "accepted"
            assert project.codings.get(accepted.coding_id).origin == "rule"
            assert rows(app)[0] == "Long relationships"  # the cursor moved on to the next one
            await pilot.press("x")
            assert project.suggestions.counts() == {"pending": 3, "accepted": 1, "rejected": 1}
            assert [e.action for e in project.history.events(limit=2)] == [
                "suggestion.reject",
                "suggestion.accept",
            ]
            await pilot.press("u")
            assert project.suggestions.counts() == {"pending": 4, "accepted": 1, "rejected": 0}
            await pilot.press("ctrl+z")
            assert project.suggestions.counts() == {"pending": 5, "accepted": 0, "rejected": 0}
            assert project.codings.list() == []
            assert len(rows(app)) == 5
            assert app.refreshed >= 4

    run(scenario)


def test_all_of_a_code_sort_filter_and_jump(project: Project) -> None:
    async def scenario() -> None:
        app = Host(project)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            await pilot.press("down")
            assert app.screen.current.code == "Long relationships"
            await pilot.press("f")
            assert rows(app) == ["Long relationships", "Long relationships"]
            await pilot.press("f")
            assert len(rows(app)) == 5
            await pilot.press("down", "A", "y")
            accepted = project.suggestions.list(status="accepted")
            assert [s.code for s in accepted] == ["Long relationships"] * 2
            assert "Accepted all 2 suggestion(s)" in project.history.events(limit=1)[0].summary
            assert "Long relationships" not in rows(app)
            await pilot.press("u")  # one action: both come back
            assert project.suggestions.counts()["pending"] == 5
            await pilot.press("o")
            assert app.screen.order == "score"
            await pilot.press("o")
            assert app.screen.order == "document"
            assert rows(app)[:2] == ["Emotions", "Long relationships"]
            await pilot.press("X", "enter")
            assert project.suggestions.counts()["rejected"] == 1
            await pilot.press("enter")
            item = app.screen.current
            assert app.jumps == [(item.document_id, item.start, item.end)]
            await pilot.press("escape")
            assert not isinstance(app.screen, ReviewScreen)

    run(scenario)


def test_all_of_a_code_asks_first_with_the_count(project: Project) -> None:
    """A and X accepted or rejected every suggestion of a code at once, without asking."""

    async def scenario() -> None:
        from qualcode.tui.screens.dialogs import ConfirmScreen

        app = Host(project)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            await pilot.press("down", "A")
            dialog = app.screen
            assert isinstance(dialog, ConfirmScreen)
            assert "Accept all 2 suggestions of 'Long relationships'?" == dialog.question
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            assert project.suggestions.counts() == {"pending": 5, "accepted": 0, "rejected": 0}
            await pilot.press("X")
            dialog = app.screen
            assert isinstance(dialog, ConfirmScreen)
            assert "Reject all 2 suggestions of 'Long relationships'?" == dialog.question
            await pilot.press("n")
            await pilot.pause()
            assert project.suggestions.counts()["rejected"] == 0
            await pilot.press("X", "enter")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            assert project.suggestions.counts() == {"pending": 3, "accepted": 0, "rejected": 2}
            assert rows(app) == ["Emotions", "Not alone", "Scapegoating"]

    run(scenario)


def test_rules_run_in_a_worker_with_progress(tmp_path: Path) -> None:
    async def scenario() -> None:
        project = make_project(tmp_path)
        app = Host(project)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            assert rows(app) == []
            assert "press R" in str(app.screen.query_one("#review-overview", Static).render())
            await pilot.press("R")
            await app.workers.wait_for_complete()
            await pilot.pause()
            bar = app.screen.query_one("#review-progress", ProgressBar)
            assert bar.total and bar.progress == bar.total
            assert len(rows(app)) == 5
            assert not app.screen.busy
            assert "5 new" in str(app.screen.query_one("#review-status").render())
        project.close()

    run(scenario)


def test_training_and_scoring_in_a_worker(tmp_path: Path) -> None:
    async def scenario() -> None:
        source = build_project(tmp_path / "gen.qc", documents=6, sentences=40, seed=3)
        path = tmp_path / "review.qc"
        shutil.copy(source, path)
        with Project.open(path, coder="ann") as project:
            for coding in project.codings.list(code="Joy")[:3]:
                project.codings.remove(coding.id)
            app = Host(project)
            async with app.run_test(size=(140, 40)) as pilot:
                await pilot.pause()
                await pilot.press("t")
                await pilot.press("o")  # the list stays usable while the worker runs
                await app.workers.wait_for_complete()
                await pilot.pause()
                status = str(app.screen.query_one("#review-status").render())
                assert status.startswith("Model:"), status
                assert project.models.load("suggest") is not None
                model_rows = project.suggestions.list(source="model")
                assert model_rows and len(rows(app)) == len(model_rows)
                assert "Why (model)" in context(app) or "model score" in context(app)

    run(scenario)
