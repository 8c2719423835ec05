"""Pilot test: the workbench's cases dialog (P) ties one participant's speakers in two
documents to one case, sets a case attribute, and z undoes each change (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from textual.widgets import Input, OptionList

from qualcode.store import Project
from qualcode.tui.screens.cases import CasesScreen
from qualcode.tui.screens.workbench import WorkbenchScreen

SIZE = (160, 48)


def linked_cases(path: Path) -> list[tuple[str, set[tuple[str, str]], dict[str, str]]]:
    with Project.open(path) as project:
        return [
            (c.name, set(c.speakers), c.attributes)
            for c in project.cases.list(include_unlinked=False)
        ]


async def test_cases_dialog_assigns_one_case_and_undo(
    cli: Callable[..., Result], make_app, tmp_path: Path
) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "astrid_1.txt").write_text(
        "Interviewer: How was it?\nAstrid: I felt alone.\n"
        "Interviewer: And then?\nAstrid: Less so.\n",
        encoding="utf-8",
    )
    (d / "astrid_2.txt").write_text(
        "Interviewer: A year later?\nAstrid: Less alone.\nInterviewer: Oh?\nAstrid: Yes.\n",
        encoding="utf-8",
    )
    assert cli("init", "s.qc").exit_code == 0
    result = cli("import", "s.qc", d)
    assert result.exit_code == 0, result.output
    path = tmp_path / "s.qc"
    assert linked_cases(path) == []

    app = make_app(path=path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CasesScreen)
        # Two speakers in no case (the interviewer is not a case).
        assert [(s.document, s.speaker, s.case) for s in dialog.speakers] == [
            ("astrid_1", "Astrid", ""),
            ("astrid_2", "Astrid", ""),
        ]
        # The first: Enter picks it, type a new case, Enter assigns.
        await pilot.press("enter")
        await pilot.press(*"P01")
        await pilot.pause()
        effect = str(dialog.query_one("#case-effect").render())
        assert "joins a new case P01" in effect
        await pilot.press("enter")
        await pilot.pause()
        # The second: highlight it, type the existing case (any case), Ctrl+R.
        listing = dialog.query_one("#case-list", OptionList)
        second = next(i for i, s in enumerate(dialog.speakers) if s.document == "astrid_2")
        listing.highlighted = listing.get_option_index(f"s{second}")
        await pilot.pause()
        dialog.query_one("#case-field", Input).value = "p01"
        await pilot.pause()
        assert "joins existing case P01" in str(dialog.query_one("#case-effect").render())
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert dialog.changes == 2
        assert linked_cases(path) == [("P01", {("astrid_1", "Astrid"), ("astrid_2", "Astrid")}, {})]
        # A case attribute, typed as key=value on the selected speaker's case.
        dialog.query_one("#case-field", Input).value = "age=34"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert linked_cases(path)[0][2] == {"age": "34"}
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        # z undoes one change at a time: the attribute, then the second assignment.
        await pilot.press("z")
        await pilot.pause()
        assert linked_cases(path)[0][2] == {}
        await pilot.press("z")
        await pilot.pause()
        assert linked_cases(path) == [("P01", {("astrid_1", "Astrid")}, {})]
        await pilot.press("z")
        await pilot.pause()
    assert linked_cases(path) == []
