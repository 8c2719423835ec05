"""Pilot test: the workbench's speakers dialog renames and merges speakers in every document,
and z undoes it (issue 11)."""

from __future__ import annotations

from pathlib import Path

from qualcode.store import Project
from qualcode.tui.screens.speakers import SpeakersScreen
from qualcode.tui.screens.workbench import WorkbenchScreen

SIZE = (160, 48)


def speaker_names(path: Path) -> set[str]:
    with Project.open(path) as project:
        return {s.name for s in project.documents.speakers()}


async def test_speakers_dialog_renames_everywhere_and_undo(make_app, demo_path: Path) -> None:
    before = speaker_names(demo_path)
    assert "Interviewer" in before
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SpeakersScreen)
        names = [s.name for s in dialog.speakers]
        assert "Interviewer" in names
        interviewer = next(s for s in dialog.speakers if s.name == "Interviewer")
        assert interviewer.interviewer and len(interviewer.documents) == 7
        # Pick Interviewer and type a name nobody has: a rename.
        dialog.query_one("#speaker-list").highlighted = names.index("Interviewer")
        await pilot.press("enter")
        await pilot.pause()
        field = dialog.query_one("#speaker-name")
        field.value = ""
        await pilot.press(*"Researcher")
        await pilot.pause()
        assert "Rename 'Interviewer' to 'Researcher'" in str(
            dialog.query_one("#speaker-effect").render()
        )
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        after = speaker_names(demo_path)
        assert "Researcher" in after and "Interviewer" not in after
        # Typing an existing name offers a merge.
        await pilot.press("S")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SpeakersScreen)
        other = next(s.name for s in dialog.speakers if s.name != "Researcher")
        dialog.selected = next(s for s in dialog.speakers if s.name == other)
        dialog.query_one("#speaker-name").value = "Researcher"
        await pilot.pause()
        assert dialog.change() is not None and dialog.change().kind == "merge"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        await pilot.press("z")
        await pilot.pause()
    assert speaker_names(demo_path) == before
