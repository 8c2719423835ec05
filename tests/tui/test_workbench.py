"""Pilot tests: each workbench flow driven by key presses, checked in the database and on screen."""

from __future__ import annotations

import sqlite3
import sys
import types
from pathlib import Path

import pytest

from qualcode.store import Project
from qualcode.tui import app as app_module
from qualcode.tui.app import QualcodeApp
from qualcode.tui.commands import binding_commands
from qualcode.tui.screens.dialogs import (
    ChooseCodeScreen,
    CodeFormScreen,
    CodingsHereScreen,
    ConfirmScreen,
    MemoScreen,
    MessageScreen,
)
from qualcode.tui.screens.finding import RetrieveScreen, SearchScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.picker import CodePicker
from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.widgets.codebook import CodebookTree
from qualcode.tui.widgets.transcript import Transcript

from .conftest import CODER

SIZE = (160, 48)


def bench(app: QualcodeApp) -> WorkbenchScreen:
    screen = app.workbench
    assert screen is not None
    return screen


def shown(transcript: Transcript) -> str:
    """The transcript rows as drawn, top to bottom (visible rows only)."""
    height = transcript.scrollable_content_region.height
    return "\n".join(transcript.render_line(y).text for y in range(height))


def status(app: QualcodeApp) -> str:
    return str(bench(app).query_one("#status").render())


def notes(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications]


def my_codings(path: Path) -> list:  # type: ignore[type-arg]
    with Project.open(path) as project:
        return project.codings.list(coder=CODER)


async def go_uncoded(pilot, transcript: Transcript) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Move to an uncoded sentence, so a new coding is the only one there."""
    await pilot.press("u")
    return transcript.selection


# ---------------------------------------------------------------- open


async def test_open_shows_documents_transcript_codebook(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = bench(app)
        transcript = screen.transcript
        with Project.open(demo_path) as project:
            first = project.documents.all()[0]
            text = project.documents.get(first.id).text
            n_codes = len(project.codebook.codes())
        assert transcript.text == text
        assert app.focused is transcript
        view = shown(transcript)
        assert "Interviewer" in view
        assert transcript.selection == transcript.units[0]
        assert f"{CODER} " in status(app) and first.name in status(app)
        assert len(screen.query_one(CodebookTree).codes) == n_codes
        options = screen.query_one("#doc-options")
        assert options.option_count == 9


async def test_missing_project_shows_message_not_crash(tmp_path: Path) -> None:
    app = QualcodeApp(tmp_path / "nope.qc", coder=CODER, poll_interval=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MessageScreen)
        assert "no such project file" in str(app.screen.query_one("#message-text").render())
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_newer_project_version_is_refused_clearly(demo_path: Path) -> None:
    conn = sqlite3.connect(demo_path)
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    app = QualcodeApp(demo_path, coder=CODER, poll_interval=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MessageScreen)
        assert "newer qualcode" in str(app.screen.query_one("#message-text").render())


def test_cli_open_missing_is_one_line_exit_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qualcode.cli import main

    result = CliRunner().invoke(main, ["open", str(tmp_path / "missing.qc")])
    assert result.exit_code == 1
    assert "no such project file" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- navigate & select


async def test_navigate_by_sentence_turn_paragraph_page(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        await pilot.press("down", "down")
        assert t.cursor == 2 and t.selection == t.units[2]
        await pilot.press("up")
        assert t.cursor == 1
        turn_before = t.current_turn
        await pilot.press("right_square_bracket")
        assert t.current_turn == turn_before + 1
        assert t.selection[0] == t.units[t.unit_at(t.turns[t.current_turn].start)][0]
        await pilot.press("left_square_bracket")
        assert t.current_turn == turn_before
        before = t.cursor
        await pilot.press("pagedown")
        assert t.cursor > before + 3
        await pilot.press("G")
        assert t.cursor == len(t.units) - 1
        assert t.scroll_offset.y > 0  # the cursor stays in view
        await pilot.press("g")
        assert t.cursor == 0 and t.scroll_offset.y == 0
        await pilot.press("right_curly_bracket")
        assert t.cursor > 0
        assert "sentence" in status(app)


async def test_next_coding_and_next_uncoded(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        assert t.codings, "the demo codes every document"
        await pilot.press("n")
        first = t.codings[0]
        assert t.selection == (first.start, first.end)
        await pilot.press("u")
        start, end = t.selection
        assert not [c for c in t.codings if c.start < end and start < c.end]


async def test_select_extend_shrink_word_turn(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        await pilot.press("down", "down")
        one = t.units[2]
        await pilot.press("shift+down")
        assert t.selection == (one[0], t.units[3][1])
        await pilot.press("shift+up")
        assert t.selection == one
        await pilot.press("shift+left")  # end one word earlier
        assert t.selection[0] == one[0] and t.selection[1] < one[1]
        await pilot.press("shift+right")
        assert t.selection == one
        await pilot.press("greater_than_sign")  # start one word later
        assert t.selection[0] > one[0]
        await pilot.press("less_than_sign")
        assert t.selection == one
        await pilot.press("t")
        turn = t.turns[t.current_turn]
        assert t.selection == (turn.start, turn.end)
        await pilot.press("escape")
        assert t.selection == t.units[t.cursor]


async def test_mouse_click_and_drag_select(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        row = next(i for i, line in enumerate(t.lines) if line.kind == "text" and i > 5)
        line = t.lines[row]
        await pilot.click(Transcript, offset=(4, row))
        assert t.cursor == t.unit_at(line.start + 2)
        # A drag from one word to another selects whole words between them.
        t._drag_anchor = line.start + 1
        t._dragged = False
        t.on_mouse_move(
            types.SimpleNamespace(x=2 + 20, y=row, button=1)  # type: ignore[arg-type]
        )
        start, end = t.selection
        assert start <= line.start + 1 < line.start + 20 <= end
        assert not t.text[start - 1 : start].strip() and not t.text[end : end + 1].strip()


# ---------------------------------------------------------------- code


async def test_code_with_picker_stores_and_draws(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        start, end = await go_uncoded(pilot, t)
        await pilot.press("enter")
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"knowing")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        rows = my_codings(demo_path)
        assert [(c.code, c.start, c.end) for c in rows] == [("Knowing oneself", start, end)]
        # Drawn: the margin names the code on the coded line, the status counts it.
        row = t.line_of_offset(start) - t.scroll_offset.y
        assert "Knowing oneself" in t.render_line(row).text
        assert "1 coding(s) here" in status(app)


async def test_picker_matches_definitions_and_multi_codes(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        start, end = await go_uncoded(pilot, t)
        await pilot.press("c")
        picker = app.screen
        assert isinstance(picker, CodePicker)
        await pilot.press(*"exposed")  # a word from a definition, not a name
        assert picker.shown, "definition words find codes"
        # No name matches, so creating 'exposed' comes first; the matches follow it.
        await pilot.press("down", "tab")
        first = picker.marked[0]
        await pilot.press(*["backspace"] * 7, *"secrecy", "tab", "enter")
        await pilot.pause()
        rows = my_codings(demo_path)
        assert {c.code_id for c in rows} == {first, picker.marked[1]}
        assert all((c.start, c.end) == (start, end) for c in rows)
        with Project.open(demo_path) as project:
            assert project.history.events(1)[0].action == "coding.add"  # one undoable action


async def test_create_code_from_picker(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await go_uncoded(pilot, bench(app).transcript)
        await pilot.press("enter", *"Brand new idea", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ChooseCodeScreen)  # where does it go?
        await pilot.press("enter")  # the default: the highlighted code's theme
        await pilot.pause()
        rows = my_codings(demo_path)
        assert [c.code for c in rows] == ["Brand new idea"]
        assert any("Brand new idea" in str(label) for label in _tree_labels(app))


def _tree_labels(app: QualcodeApp) -> list[str]:
    tree = bench(app).query_one(CodebookTree)
    return [str(node.label) for node in tree._all_nodes()]


async def test_pin_and_quick_key(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = bench(app)
        await pilot.press("C")
        assert app.focused is screen.code_tree
        await pilot.press("down", "down")
        code_id = screen.code_tree.code_id
        await pilot.press("3")
        assert screen.pins == {3: code_id}
        assert any(label.startswith("■ [3]") for label in _tree_labels(app))
        await pilot.press("escape")
        assert app.focused is screen.transcript
        await go_uncoded(pilot, screen.transcript)
        await pilot.press("3")
        await pilot.pause()
        assert [c.code_id for c in my_codings(demo_path)] == [code_id]


async def test_remove_coding_and_undo_redo(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        await go_uncoded(pilot, t)
        await pilot.press("enter", *"secrecy", "enter")
        await pilot.pause()
        assert len(my_codings(demo_path)) == 1
        await pilot.press("x")
        await pilot.pause()
        assert my_codings(demo_path) == []
        assert not t.codings_at_selection()
        await pilot.press("z")  # undo the removal
        await pilot.pause()
        assert len(my_codings(demo_path)) == 1
        assert any(n.startswith("Undone: Removed 'Secrecy'") for n in notes(app))
        assert t.codings_at_selection()
        await pilot.press("z")  # undo the coding itself
        assert my_codings(demo_path) == []
        assert any(n.startswith("Undone: Coded 'Secrecy'") for n in notes(app))
        await pilot.press("Z")
        assert len(my_codings(demo_path)) == 1
        assert any(n.startswith("Redone: Coded 'Secrecy'") for n in notes(app))


async def test_codings_here_lists_coders_and_moves_boundaries(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        start, end = await go_uncoded(pilot, t)
        await pilot.press("enter", *"secrecy", "enter", "i")
        assert isinstance(app.screen, CodingsHereScreen)
        assert "by tester" in str(
            app.screen.query_one("#here-options").get_option_at_index(0).prompt
        )
        await pilot.press("b")
        assert bench(app).editing is not None
        assert "moving the boundaries" in status(app)
        await pilot.press("shift+down", "enter")
        await pilot.pause()
        (coding,) = my_codings(demo_path)
        assert coding.start == start and coding.end > end
        assert bench(app).editing is None


@pytest.mark.slow
async def test_memos_on_coding_document_and_code(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = bench(app)
        await go_uncoded(pilot, screen.transcript)
        await pilot.press("enter", *"secrecy", "enter", "m")
        assert isinstance(app.screen, MemoScreen)
        await pilot.press(*"hidden agenda?", "ctrl+s")
        await pilot.pause()
        assert [c.memo for c in my_codings(demo_path)] == ["hidden agenda?"]
        await pilot.press("M", *"long pauses", "ctrl+s")
        await pilot.press("C", "m", *"check 2010 paper", "ctrl+s")
        await pilot.pause()
        with Project.open(demo_path) as project:
            memos = {(m.target_type, m.text) for m in project.memos.list()}
        assert ("document", "long pauses") in memos
        assert ("code", "check 2010 paper") in memos
        assert "check 2010 paper" in str(screen.query_one("#detail").render())


# ---------------------------------------------------------------- find


async def test_search_and_jump(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"fibromyalgia")
        await pilot.pause()
        results = app.screen.query_one("#search-results")
        assert results.option_count >= 1
        assert "fibromyalgia" in str(results.get_option_at_index(0).prompt).lower()
        await pilot.press("enter")
        await pilot.pause()
        t = bench(app).transcript
        start, end = t.selection
        assert "fibromyalgia" in t.text[start:end].lower()
        assert "fibromyalgia" in shown(t).lower()


async def test_retrieve_code_with_attribute_filter_and_jump(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = bench(app)
        theme = screen.codes[0]
        await pilot.press("r")
        retrieve = app.screen
        assert isinstance(retrieve, RetrieveScreen)
        with Project.open(demo_path) as project:
            expected = project.codings.list(code=theme.id, include_subcodes=True)
            leaders = {
                name
                for name, attrs in project.documents.all_attributes().items()
                if attrs.get("role") == "leader"
            }
        assert retrieve.query_one("#retrieve-results").option_count == len(expected)
        retrieve.query_one("#retrieve-attr").value = "role\x00leader"
        await pilot.pause()
        shown_targets = list(retrieve.targets.values())
        wanted = [c for c in expected if c.document in leaders]
        assert len(shown_targets) == len(wanted) > 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        first = wanted[0]
        assert screen.document_id == first.document_id
        assert screen.transcript.selection == (first.start, first.end)


# ---------------------------------------------------------------- codebook editing


@pytest.mark.slow
async def test_codebook_add_edit_move_merge_delete(make_app, demo_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = bench(app)
        await pilot.press("C", "a")
        assert isinstance(app.screen, CodeFormScreen)
        await pilot.press(*"Feeling watched", "ctrl+s")
        await pilot.pause()
        with Project.open(demo_path) as project:
            added = project.codebook.get("Feeling watched")
        assert added.parent == screen.codes[0].name
        assert any("Feeling watched" in label for label in _tree_labels(app))

        assert screen.code_tree.code_id == added.id
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, CodeFormScreen)
        form.query_one("#form-name").value = "Feeling observed"
        form.query_one("#form-when_to_use").text = "When a GP says the group watches them."
        await pilot.press("ctrl+s")
        await pilot.pause()
        with Project.open(demo_path) as project:
            edited = project.codebook.get(added.id)
        assert edited.name == "Feeling observed"
        assert edited.when_to_use.startswith("When a GP says")
        assert "When a GP says" in str(screen.query_one("#detail").render())

        await pilot.press("M")
        assert isinstance(app.screen, ChooseCodeScreen)
        await pilot.press("enter")  # first entry: the top level
        await pilot.pause()
        with Project.open(demo_path) as project:
            assert project.codebook.get(added.id).parent_id is None

        await pilot.press("J")
        await pilot.press(*"secrecy", "enter")
        await pilot.pause()
        with Project.open(demo_path) as project:
            assert project.codebook.find("Feeling observed") is None
            secrecy = project.codebook.get("Secrecy")
        assert screen.code_tree.code_id == secrecy.id

        await pilot.press("D")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        with Project.open(demo_path) as project:
            assert project.codebook.find("Secrecy") is None
        assert not any("Secrecy" in label for label in _tree_labels(app))
        await pilot.press("z")
        await pilot.pause()
        with Project.open(demo_path) as project:
            assert project.codebook.find("Secrecy") is not None
        assert any("Secrecy" in label for label in _tree_labels(app))


# ---------------------------------------------------------------- everything else


async def test_external_change_is_picked_up(make_app, demo_path: Path) -> None:
    app = make_app(poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = bench(app).transcript
        before = len(t.codings)
        start, end = t.units[0]
        with Project.open(demo_path, coder="colleague") as other:
            doc_id = bench(app).document_id
            other.codings.add(doc_id, "Secrecy", start, end)
        for _ in range(40):
            await pilot.pause(0.05)
            if len(t.codings) > before:
                break
        assert len(t.codings) == before + 1
        assert any(c.coder == "colleague" for c in t.codings)
        assert "Secrecy" in shown(t)


async def test_help_palette_theme(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The palette is derived from the bindings: each described key where it works now.
        commands = binding_commands(app.screen)
        titles = {c.title for c in commands}
        for title in (
            "Code the selection: pick one or more codes, or type a new name",
            "Retrieve every passage of the highlighted code",
            "Search every transcript",
            "Fold the highlighted code into another",
            "Next uncoded",
        ):
            assert title in titles, title
        assert "Cancel moving a coding's boundaries" not in titles  # only while moving
        keys = {c.title: c.help for c in commands}
        assert keys["Search every transcript"] == "Search · key /"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(app.screen.plain)
        assert "Next uncoded" in text and "Fold the highlighted code into another" in text
        for screen in ("Coding queries (Q)", "Matrix (X)", "Saturation (Y)", "Speakers (S)"):
            assert screen in text
        await pilot.press("escape")
        dark = app.current_theme.dark
        await pilot.press("T")
        assert app.current_theme.dark is not dark


async def test_plugin_screens(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.screen import Screen

    refreshed: list[bool] = []

    class FakeSummary(Screen[None]):
        BINDINGS = [("escape", "dismiss", "Back")]

        def __init__(self, project: Project) -> None:
            super().__init__()
            self.project = project

    module = types.ModuleType("fake_summary")
    module.SummaryScreen = FakeSummary  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_summary", module)
    monkeypatch.setitem(
        app_module.PLUGIN_SCREENS, "summary", ("fake_summary", "SummaryScreen", "Summary")
    )
    monkeypatch.setitem(
        app_module.PLUGIN_SCREENS, "review", ("no_such_module_x", "ReviewScreen", "Review")
    )
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        monkeypatch.setattr(app, "refresh_project", lambda: refreshed.append(True))
        await pilot.press("v")
        assert "Review is not available yet." in notes(app)
        await pilot.press("s")
        assert isinstance(app.screen, FakeSummary) and app.screen.project is app.project
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen) and refreshed


async def test_narrow_terminal_hides_documents_until_asked(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = bench(app)
        assert not screen.query_one("#left").display
        await pilot.press("d")
        await pilot.pause()
        assert screen.query_one("#left").display
        options = screen.query_one("#doc-options")
        await pilot.press(*"lead")  # typing in the list filters it
        await pilot.pause()
        assert options.option_count == 3
        await pilot.press(*["backspace"] * 4, "down")
        await pilot.pause()
        assert options.option_count == 9
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.document_id == screen.query_one("#documents").rows[1].id
        assert app.focused is screen.transcript


def test_startup_does_not_import_spacy() -> None:
    import subprocess

    code = (
        "import sys, qualcode.cli, qualcode.tui.app, qualcode.tui.screens.workbench, "
        "qualcode.tui.screens.finding, qualcode.tui.screens.dialogs, qualcode.tui.screens.picker; "
        "print('spacy' in sys.modules, 'qualcode.nlp.pipeline' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


async def test_busy_project_gives_a_message_not_a_freeze(demo_path: Path) -> None:
    app = QualcodeApp(demo_path, coder=CODER, poll_interval=0, busy_timeout_ms=100)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        blocker = sqlite3.connect(demo_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another program in the middle of a write
        try:
            await pilot.press("u", "enter", *"secrecy", "enter")
            await pilot.pause()
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert isinstance(app.screen, WorkbenchScreen)
        assert any("busy or locked" in n for n in notes(app))
        assert my_codings(demo_path) == []
