"""Workbench screens for issue 14 (Pilot): the query screen (run, save, code as, jump), the
matrix screen (Enter on a cell lists its passages, Enter on one jumps), the saturation screen,
and the search screen's keyword-in-context lines, coding of marked results and saving."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from qualcode.store import Project
from qualcode.store.queries import SavedQueries
from qualcode.tui.app import QualcodeApp

SIZE = (160, 48)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory, demo_master: Path) -> Path:
    path = tmp_path_factory.mktemp("demo14") / "demo.qc"
    shutil.copy(demo_master, path)
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.qc"
    shutil.copyfile(demo_template, target)
    return target


def run(path: Path, body: Callable[[QualcodeApp, object], Awaitable[None]]) -> None:
    async def main() -> None:
        app = QualcodeApp(path, coder="tester", poll_interval=0)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await body(app, pilot)

    asyncio.run(main())


@pytest.mark.slow
def test_query_matrix_and_saturation_screens(demo: Path) -> None:
    from textual.widgets import Input, OptionList

    from qualcode.tui.screens.queries import NameScreen, QueriesScreen

    async def body(app: QualcodeApp, pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("Q")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueriesScreen)
        screen.query_one(Input).value = '"Knowing oneself" AND'
        await pilot.press("enter")
        await pilot.pause()
        assert "expected a code name after AND at column" in str(
            screen.query_one("#query-status").render()
        )
        screen.query_one(Input).value = '"Knowing oneself" OR "Being proactive"'
        screen.query_one(Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        results = screen.query_one("#query-results", OptionList)
        result = screen.result
        assert result is not None
        assert results.option_count == len(result.passages) > 0
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"knowing", "enter")
        await pilot.pause()
        with Project.open(demo) as project:
            assert SavedQueries(project.session).get("knowing").query.startswith('"Knowing')
        screen.query_one(Input).focus()  # ctrl+k works from the query box too
        await pilot.press("ctrl+k")
        await pilot.pause()
        await pilot.press(*"Self and action", "enter")
        await pilot.pause()
        with Project.open(demo) as project:
            coded = project.codings.list(code="Self and action")
            assert len(coded) == len(result.passages)
        saved = screen.query_one("#saved", OptionList)
        saved.focus()
        saved.highlighted = 0
        await pilot.press("delete")
        await pilot.pause()
        with Project.open(demo) as project:
            assert SavedQueries(project.session).find("knowing") is None
        first = result.passages[0]
        results.focus()
        results.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        bench = app.workbench
        assert bench is not None and app.screen is bench
        assert bench.transcript.selection == (first.start, first.end)
        await matrix_screen(app, pilot)
        await saturation_screen(app, pilot)

    run(demo, body)


async def matrix_screen(app: QualcodeApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """The matrix screen opens a cell and jumps to one of its passages."""
    from textual.widgets import DataTable, OptionList

    from qualcode.tui.screens.matrix import MatrixScreen

    await pilot.press("X")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MatrixScreen)
    await app.workers.wait_for_complete()  # the matrix is counted in a worker
    await pilot.pause()
    table = screen.query_one(DataTable)
    m = screen.matrix
    assert m is not None and m.columns == ["gp", "leader"]
    i = next(i for i, r in enumerate(m.cells) if r[0])
    table.focus()
    table.move_cursor(row=i, column=1)
    await pilot.press("enter")
    await pilot.pause()
    passages = screen.query_one("#cell-passages", OptionList)
    assert passages.option_count == len(m.cells[i][0])
    target = m.cells[i][0][0]
    await pilot.press("enter")
    await pilot.pause()
    assert app.screen is app.workbench
    assert app.workbench.transcript.selection == (target.start, target.end)


async def saturation_screen(app: QualcodeApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """The saturation screen shows the curve, the conclusion and the method."""
    from textual.widgets import Input

    from qualcode.tui.screens.saturation import SaturationScreen

    await pilot.press("Y")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SaturationScreen)
    text = str(screen.query_one("#sat-conclusion").render())
    assert "Saturation" in text and "Guest G, Namey E, Chen M (2020)" in text
    assert "█" in str(screen.query_one("#sat-curve").render())
    screen.query_one("#sat-order", Input).value = "nope"
    screen.query_one("#sat-order", Input).focus()
    await pilot.press("enter")
    await pilot.pause()
    assert "no document has an attribute 'nope'" in str(
        screen.query_one("#sat-conclusion").render()
    )


def test_search_results_show_context_can_be_coded_and_saved(demo: Path) -> None:
    from textual.widgets import Input, OptionList

    from qualcode.tui.screens.finding import SearchScreen
    from qualcode.tui.screens.picker import CodePicker
    from qualcode.tui.screens.queries import NameScreen

    async def body(app: QualcodeApp, pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("slash")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#search-q", Input).value = "lonely OR alone"
        await pilot.pause()
        assert isinstance(screen, SearchScreen)
        results = screen.query_one("#search-results", OptionList)
        assert results.option_count >= 2
        first = str(results.get_option_at_index(0).prompt)
        assert "alone" in first.lower() or "lonely" in first.lower()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"alone", "enter")
        await pilot.pause()
        with Project.open(demo) as project:
            assert SavedQueries(project.session).get("alone").query == 'TEXT "lonely OR alone"'
        results.focus()
        await pilot.press("space", "down", "space")
        await pilot.pause()
        assert len(screen.marked) == 2
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"Loneliness", "enter")
        await pilot.pause()
        with Project.open(demo) as project:
            coded = project.codings.list(code="Loneliness")
            assert 1 <= len(coded) <= 2
            for c in coded:
                text = project.documents.get(c.document).text[c.start : c.end].lower()
                assert "alone" in text or "lonely" in text

    run(demo, body)


def test_workbench_saves_and_deletes_through_the_same_checks(demo: Path) -> None:
    """The queries screen refuses what `qualcode query --save/--delete` refuses: a circle of
    saved queries, and deleting one another query uses."""
    from textual.widgets import Input, OptionList

    from qualcode.query.service import save_query

    with Project.open(demo) as project:
        save_query(project, "first", '"Knowing oneself"')
        save_query(project, "second", "QUERY first")

    async def body(app: QualcodeApp, pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("Q")
        await pilot.pause()
        screen = app.screen
        saved = screen.query_one("#saved", OptionList)
        saved.focus()
        saved.highlighted = next(
            i for i in range(saved.option_count) if saved.get_option_at_index(i).id == "first"
        )
        await pilot.press("delete")
        await pilot.pause()
        with Project.open(demo) as project:
            assert SavedQueries(project.session).find("first") is not None
        screen.query_one(Input).value = "QUERY second"
        screen.query_one(Input).focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press(*"first", "enter")
        await pilot.pause()
        with Project.open(demo) as project:
            assert SavedQueries(project.session).get("first").query == '"Knowing oneself"'

    run(demo, body)
