"""Problems found by using the workbench as a new researcher would (in tmux), each pinned by a
Pilot test that failed before its fix."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Label, OptionList, Select

from qualcode.store import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import ChooseCodeScreen
from qualcode.tui.screens.finding import RetrieveScreen, SearchScreen
from qualcode.tui.screens.picker import CodePicker

from .conftest import CODER
from .test_workbench import SIZE, bench, go_uncoded, status

PEEK = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "print(c.execute('SELECT COUNT(*) FROM events').fetchone()[0]); c.close()"
)


def other_process_events(path: Path) -> int:
    """Open and close the project in another process, as any CLI command does."""
    out = subprocess.run(
        [sys.executable, "-c", PEEK, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


async def settle(app: QualcodeApp, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_summary_worker_keeps_the_apps_locks(make_app, demo_path: Path) -> None:
    """Opening the summary used to open a second Project in-process, whose header check
    (a plain open()/close() of the .qc file) dropped every POSIX lock the app held on it: the
    next CLI command then checkpointed and deleted the WAL under the running app, and all its
    later changes went to a deleted file."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        before = other_process_events(demo_path)
        assert Path(str(demo_path) + "-wal").exists(), "the WAL was deleted under the app"
        await pilot.press("u", "enter")  # code an uncoded sentence
        await pilot.press(*"Knowing oneself")
        await pilot.press("enter")
        await pilot.pause()
        assert bench(app).transcript.codings_at_selection()
        assert other_process_events(demo_path) == before + 1


async def test_typing_a_new_name_creates_it_under_the_chosen_theme(
    make_app, demo_path: Path
) -> None:
    """Typing 'Time pressure' + Enter applied 'Breathing space together' (its definition says
    'times' and 'pressure'), and a created code always went to the top level."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = bench(app)
        with Project.open(demo_path) as project:
            codes = {c.name: c for c in project.codebook.codes()}
        workload = codes["Workload and lack of time"]
        screen.code_tree.select_code(workload.id)
        await pilot.pause()
        span = await go_uncoded(pilot, screen.transcript)
        await pilot.press("enter", *"Time pressure")
        picker = app.screen
        assert isinstance(picker, CodePicker)
        assert picker.shown, "definition matches are still listed"
        await pilot.press("enter")
        await pilot.pause()
        chooser = app.screen
        assert isinstance(chooser, ChooseCodeScreen)
        highlighted = chooser.query_one(OptionList).highlighted_option
        assert highlighted is not None and highlighted.id == str(workload.parent_id)
        await pilot.press("enter")
        await pilot.pause()
        with Project.open(demo_path) as project:
            made = project.codebook.get("Time pressure")
            rows = project.codings.list(coder=CODER)
        assert made.parent_id == workload.parent_id
        assert [(c.code, c.start, c.end) for c in rows] == [("Time pressure", *span)]
        await pilot.press("z")  # one undo takes back the code and the coding
        await pilot.pause()
        with Project.open(demo_path) as project:
            assert "Time pressure" not in {c.name for c in project.codebook.codes()}
            assert project.codings.list(coder=CODER) == []


@pytest.mark.slow
async def test_picker_parent_can_be_top_level(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await go_uncoded(pilot, bench(app).transcript)
        await pilot.press("enter", *"Wholly new theme", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ChooseCodeScreen)
        await pilot.press(*["up"] * 60, "enter")  # the first entry: top level
        await pilot.pause()
        with Project.open(demo_path) as project:
            assert project.codebook.get("Wholly new theme").parent_id is None


async def test_search_lists_every_place_in_a_turn_and_jumps_to_it(
    make_app, demo_path: Path
) -> None:
    """A turn saying 'group' three times gave one result, and Enter always went to the first."""
    with Project.open(demo_path) as project:
        hits = project.documents.search("group")
        doc_ids = {d.name: d.id for d in project.documents.all()}
    hit, later = next(
        (h, m.start())
        for h in hits
        for m in re.finditer(r"\bgroup\b", h.text, flags=re.IGNORECASE)
        if m.start() >= 200
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"group")
        await pilot.pause()
        search = app.screen
        assert isinstance(search, SearchScreen)
        want = hit.start + later
        keys = [
            k
            for k, t in search.targets.items()
            if t.document_id == doc_ids[hit.document] and abs(t.start - want) < 80
        ]
        assert keys, "the later match in the turn is a result of its own"
        results = search.query_one("#search-results", OptionList)
        results.highlighted = int(keys[0])
        await pilot.press("enter")
        await pilot.pause()
        t = bench(app).transcript
        start, end = t.selection
        assert start <= search.targets[keys[0]].start < end
        assert start > hit.start, "not the turn's first sentence"
        assert "group" in t.text[start:end].lower()


def footer_keys(app: QualcodeApp) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [str(key.description) for key in app.screen.query(FooterKey)]


async def test_80_columns_show_what_coding_did_and_how_to_finish_a_move(
    make_app, demo_path: Path
) -> None:
    """On 80 columns the status line cut off 'Coded: …' and 'Enter saves · Esc cancels', and
    the footer did not mention Esc while moving boundaries."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await go_uncoded(pilot, bench(app).transcript)
        await pilot.press("enter", *"Knowing oneself", "enter")
        await pilot.pause()
        assert "Coded: Knowing oneself" in status(app)[:78]
        assert "Cancel move" not in footer_keys(app)
        await pilot.press("i", "b")
        await pilot.pause()
        assert bench(app).editing is not None
        assert "Enter saves · Esc cancels" in status(app)[:78]
        assert "Cancel move" in footer_keys(app)
        await pilot.press("escape")
        await pilot.pause()
        assert bench(app).editing is None


async def test_retrieve_filter_fits_80_columns(make_app, demo_path: Path) -> None:
    """With a long theme name the attribute filter sat past the right edge: 'a' focused an
    invisible Select."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = bench(app)
        longest = max(screen.codes, key=lambda c: len(c.name))
        screen.code_tree.select_code(longest.id)
        await pilot.pause()
        await pilot.press("r", "a")
        await pilot.pause()
        retrieve = app.screen
        assert isinstance(retrieve, RetrieveScreen)
        select = retrieve.query_one("#retrieve-attr", Select)
        assert app.focused is select
        assert select.region.width >= 20 and select.region.right <= 80
        assert longest.name in str(retrieve.query_one("#retrieve-code", Label).render())
