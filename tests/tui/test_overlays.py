"""The summary and review screens over the workbench: app keys shown in their footers must do
what they say there (undo, search, retrieve), and help must describe every screen. Each test
failed before its fix (second new-user walkthrough)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.store import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.finding import RetrieveScreen, SearchScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.review import ReviewScreen
from qualcode.tui.screens.summary import SummaryScreen

from .test_newuser import footer_keys, settle
from .test_workbench import SIZE, bench, go_uncoded, my_codings, notes


async def code_one(app: QualcodeApp, pilot) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    span = await go_uncoded(pilot, bench(app).transcript)
    await pilot.press("enter", *"Knowing oneself", "enter")
    await pilot.pause()
    return span


@pytest.mark.slow
async def test_undo_on_the_summary_undoes_and_recounts(make_app, demo_path: Path) -> None:
    """'z Undo' was in the summary's footer but did nothing there."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await code_one(app, pilot)
        assert len(my_codings(demo_path)) == 1
        await pilot.press("s")
        await settle(app, pilot)
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        assert "Undo" in footer_keys(app)
        before = summary.summary
        await pilot.press("z")
        await settle(app, pilot)
        assert my_codings(demo_path) == []
        assert app.screen is summary, "undo stays on the summary"
        assert summary.summary is not before, "the figures were recomputed"
        assert any(n.startswith("Undone:") for n in notes(app))
        await pilot.press("Z")
        await settle(app, pilot)
        assert len(my_codings(demo_path)) == 1


async def test_search_from_the_summary_shows_the_passage(make_app, demo_path: Path) -> None:
    """Enter on a search result opened from the summary moved the hidden workbench: the
    summary stayed on top, so nothing seemed to happen."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("slash", *"group")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is bench(app)
        t = bench(app).transcript
        start, end = t.selection
        assert "group" in t.text[start:end].lower()
        assert app.focused is t


async def test_retrieve_from_review_shows_the_passage(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await code_one(app, pilot)
        with Project.open(demo_path) as project:
            code = project.codebook.get("Knowing oneself")
            first = project.codings.list(code="Knowing oneself")
        bench(app).code_tree.select_code(code.id)
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("r")
        await pilot.pause()
        retrieve = app.screen
        assert isinstance(retrieve, RetrieveScreen)
        target = next(iter(retrieve.targets.values()))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is bench(app)
        assert bench(app).transcript.selection == (target.start, target.end)
        assert (target.start, target.end) in {(c.start, c.end) for c in first}


async def test_help_describes_every_screen(make_app) -> None:
    """Help listed 'Esc Cancel' under Coding with no context and left out the search,
    retrieve, review and summary screens."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = help_screen.plain
        sections = {row.split(":", 1)[0] for row in rows}
        for wanted in ("Search", "Retrieve", "Review suggestions", "Theme summary"):
            assert wanted in sections, wanted
        assert "Review suggestions: A Accept all suggestions of this code (asks first)" in rows
        assert "Theme summary: e Export" in rows
        assert "Search: Enter Show in transcript" in rows
        coding_esc = [r for r in rows if r.startswith("Coding (transcript): Esc")]
        assert coding_esc == ["Coding (transcript): Esc Cancel moving a coding's boundaries"]
