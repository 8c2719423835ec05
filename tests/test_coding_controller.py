"""The coding controller without an app: each change stored, one undo step, and the messages
that say what to refresh (only the document and codes it touched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.tui.controller import CodingController, changes_of
from qualcode.tui.messages import (
    CodebookChanged,
    CodingsChanged,
    MemosChanged,
    PinsChanged,
)

TEXT = "Interviewer: How was it?\n\nDoctor: The group felt safe. We talked about anger.\n"


def _doc(name: str) -> DocumentInput:
    a = TEXT.index("How")
    b = TEXT.index("The group")
    return DocumentInput(
        name=name,
        text=TEXT,
        sha256=name,
        source_format="txt",
        turns=[TurnInput(a, TEXT.index("\n\n"), "Interviewer"), TurnInput(b, len(TEXT) - 1, "D")],
        sentences=[(a, TEXT.index("?") + 1), (b, TEXT.index("safe.") + 5)],
    )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "p.qc", coder="ana")
    project.documents.add(_doc("one"))
    project.documents.add(_doc("two"))
    theme = project.codebook.add("Safety")
    project.codebook.add("Safe space", parent=theme)
    project.codebook.add("Anger")
    return project


def ids(project: Project) -> tuple[int, int, int, int]:
    one = project.documents.get("one").id
    safe = project.codebook.get("Safe space").id
    anger = project.codebook.get("Anger").id
    theme = project.codebook.get("Safety").id
    return one, safe, anger, theme


def test_code_stores_one_action_and_names_the_document_and_codes(project: Project) -> None:
    control = CodingController(project)
    one, safe, anger, _ = ids(project)
    start = TEXT.index("The group")
    end = TEXT.index("safe.") + 5
    outcome = control.code(one, start, end, [safe, anger])
    assert outcome.ok and outcome.error is None
    assert outcome.note == "Coded: Safe space, Anger"
    [message] = outcome.messages
    assert isinstance(message, CodingsChanged)
    assert message.document_id == one and message.code_ids == {safe, anger}
    stored = project.codings.list(document=one)
    assert {(c.code_id, c.start, c.end, c.coder) for c in stored} == {
        (safe, start, end, "ana"),
        (anger, start, end, "ana"),
    }
    # Again: nothing to do, said plainly, nothing stored, nothing to refresh.
    again = control.code(one, start, end, [safe], shown=stored)
    assert not again.ok and again.error is None and not again.messages
    assert again.note == "That passage already has Safe space"
    # One undo takes back both codes, and says which document to refresh.
    undone = control.undo()
    assert undone.ok and undone.note.startswith("Undone: ")
    assert project.codings.list(document=one) == []
    [refresh] = undone.messages
    assert isinstance(refresh, CodingsChanged)
    assert refresh.document_id == one and refresh.code_ids == {safe, anger}
    assert refresh.jump == (start, end)


def test_remove_move_and_errors(project: Project) -> None:
    control = CodingController(project)
    one, safe, _, _ = ids(project)
    start = TEXT.index("The group")
    control.code(one, start, start + 9, [safe])
    [coding] = project.codings.list(document=one)
    moved = control.move(coding, start, start + 15)
    assert moved.ok and moved.note == f"Moved 'Safe space' to [{start}:{start + 15}]"
    assert project.codings.get(coding.id).end == start + 15
    assert control.move(project.codings.get(coding.id), start, start + 15).note == (
        "Boundaries unchanged"
    )
    # A span outside the text is the store's error, returned as one line, not raised.
    bad = control.move(project.codings.get(coding.id), 0, 10_000)
    assert not bad.ok and bad.error and "not inside the document" in bad.error
    removed = control.remove(project.codings.get(coding.id))
    assert removed.ok and [type(m) for m in removed.messages] == [CodingsChanged]
    assert project.codings.list() == []


def test_create_code_and_apply_is_one_undo_step(project: Project) -> None:
    control = CodingController(project)
    one, safe, _, theme = ids(project)
    start = TEXT.index("We talked")
    end = len(TEXT) - 1
    outcome = control.create_code_and_apply("Talking", theme, one, start, end, also=[safe])
    assert outcome.ok, outcome.error
    new_id = outcome.value
    assert project.codebook.get(new_id).parent_id == theme
    assert {c.code_id for c in project.codings.list(document=one)} == {safe, new_id}
    assert isinstance(outcome.messages[0], CodebookChanged)
    assert outcome.messages[0].select == new_id
    control.undo()
    assert project.codebook.find("Talking") is None
    assert project.codings.list() == []


def test_memos_pins_and_codebook_edits(project: Project) -> None:
    control = CodingController(project)
    one, safe, anger, theme = ids(project)
    saved = control.set_memo("document", one, "long pauses")
    assert saved.ok and saved.note == "Memo saved"
    assert [(m.target_type, m.target_id) for m in saved.messages] == [("document", one)]  # type: ignore[attr-defined]
    assert isinstance(saved.messages[0], MemosChanged)
    assert control.memo("document", one) == "long pauses"
    assert control.set_memo("document", one, "long pauses").note == "Memo unchanged"
    assert control.set_memo("document", one, "").note == "Memo deleted"
    assert control.memo("document", one) == ""

    pinned = control.pin(3, anger)
    assert pinned.note == "Key 3 now codes 'Anger'" and isinstance(pinned.messages[0], PinsChanged)
    assert control.pins() == {3: anger}
    control.unpin(anger)
    assert control.pins() == {}

    code = project.codebook.get(safe)
    edited = control.edit_code(code, "Safe place", {"brief": "feels safe"})
    assert edited.ok and isinstance(edited.messages[0], CodebookChanged)
    assert project.codebook.get(safe).name == "Safe place"
    assert project.codebook.get(safe).brief == "feels safe"
    assert control.edit_code(project.codebook.get(safe), "Safe place", {}).note == "Nothing changed"
    assert [
        c.id for c in control.choices_for(project.codebook.get(theme), project.codebook.codes())
    ] == [anger]
    merged = control.merge_code(project.codebook.get(safe), anger)
    assert merged.ok and project.codebook.find("Safe place") is None


def test_changes_of_an_event_name_what_to_refresh(project: Project) -> None:
    control = CodingController(project)
    one, safe, _, _ = ids(project)
    control.code(one, 0, 5, [safe])
    event = project.history.events(1)[0]
    [message] = changes_of(event)
    assert isinstance(message, CodingsChanged) and message.document_id == one
    control.add_code("Hope", None, {})
    assert isinstance(changes_of(project.history.events(1)[0])[0], CodebookChanged)
