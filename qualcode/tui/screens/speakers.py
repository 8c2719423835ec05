"""The speakers dialog: rename or merge a speaker in every document, mark the interviewer.

Opened from the workbench (``S``). It lists every speaker name of the project with its
documents, turns and role; Enter on a name puts it in the field, where the new name is typed.
Ctrl+R applies: a rename, or a merge when the new name already speaks somewhere (the dialog
says which before it is applied). ``ctrl+t`` toggles the interviewer role. The dialog returns
the change; the workbench makes it (one undoable action) and reloads.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.store.speakers import SpeakerName
from qualcode.tui.screens.dialogs import MODAL_CSS


@dataclass(frozen=True)
class SpeakerChange:
    """What the researcher asked for: ``rename``/``merge`` ``old`` to ``new``, or
    ``interviewer`` (``new`` is ``"yes"`` or ``"no"``)."""

    kind: str
    old: str
    new: str


class SpeakersScreen(ModalScreen[SpeakerChange | None]):
    """Project-wide speakers: pick one, type its new name, Ctrl+R to rename or merge."""

    BINDINGS = [
        Binding("ctrl+r", "apply", "Rename/merge"),
        Binding("ctrl+t", "toggle_interviewer", "Interviewer on/off"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = (
        MODAL_CSS.format(name="SpeakersScreen")
        + "SpeakersScreen OptionList { height: auto; max-height: 16; }"
    )

    def __init__(self, speakers: list[SpeakerName]) -> None:
        super().__init__()
        self.speakers = speakers
        self.selected: SpeakerName | None = speakers[0] if speakers else None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Speakers in every document", classes="title")
            yield OptionList(
                *[Option(self._row(s), id=str(i)) for i, s in enumerate(self.speakers)],
                id="speaker-list",
            )
            yield Input(
                self.selected.name if self.selected else "",
                placeholder="New name (an existing name merges)",
                id="speaker-name",
            )
            yield Static("", id="speaker-effect", classes="hint")
            yield Static(
                "Enter pick · type the new name · Ctrl+R rename/merge everywhere · "
                "Ctrl+T interviewer on/off · Esc cancel · z on the workbench undoes it",
                classes="hint",
            )

    @staticmethod
    def _row(s: SpeakerName) -> str:
        role = " · interviewer" if s.interviewer else ""
        docs = f"{len(s.documents)} document{'s' if len(s.documents) != 1 else ''}"
        return f"{s.name}  ({docs}, {s.turns} turns{role})"

    def on_mount(self) -> None:
        if not self.speakers:
            self.query_one("#speaker-effect", Static).update("No speakers in this project.")
        self.query_one(OptionList).focus()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.selected = self.speakers[int(event.option.id or 0)]
        self._effect()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.selected = self.speakers[int(event.option.id or 0)]
        field = self.query_one("#speaker-name", Input)
        field.value = self.selected.name
        field.focus()
        self._effect()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._effect()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_apply()

    def change(self) -> SpeakerChange | None:
        """The change the dialog would make now (None: nothing to do)."""
        if self.selected is None:
            return None
        new = self.query_one("#speaker-name", Input).value.strip()
        if not new or new == self.selected.name:
            return None
        kind = "merge" if any(s.name == new for s in self.speakers) else "rename"
        return SpeakerChange(kind, self.selected.name, new)

    def _effect(self) -> None:
        change = self.change()
        if change is None:
            text = ""
        elif change.kind == "merge":
            text = f"Merge '{change.old}' into '{change.new}' in every document"
        else:
            text = f"Rename '{change.old}' to '{change.new}' in every document"
        self.query_one("#speaker-effect", Static).update(text)

    def action_apply(self) -> None:
        change = self.change()
        if change is not None:
            self.dismiss(change)

    def action_toggle_interviewer(self) -> None:
        if self.selected is not None:
            flag = "no" if self.selected.interviewer else "yes"
            self.dismiss(SpeakerChange("interviewer", self.selected.name, flag))

    def action_cancel(self) -> None:
        self.dismiss(None)
