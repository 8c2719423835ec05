"""The cases dialog: participants as cases across documents (issue 11).

Opened from the workbench (``P``). It lists every case with its attributes, and under each case
its speakers with their documents; a speaker in no case is listed as ``(no case)``. Enter on a
speaker puts its case in the field, where a case name or ``key=value`` is typed. Ctrl+R ties
the speaker to the case typed (an existing one or a new one; the dialog says which before it is
applied), Ctrl+U unties it, Ctrl+T sets ``key=value`` on the speaker's case (every speaker of
it); Enter in the field does Ctrl+T when the text has ``=``, else Ctrl+R. Each change is one
undoable action of :class:`~qualcode.store.cases.Cases`, said in a notification; the dialog
stays open with the list updated, and z on the workbench undoes each change.
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

from qualcode.errors import QualcodeError
from qualcode.store.cases import Case, Cases
from qualcode.tui.screens.dialogs import MODAL_CSS


@dataclass(frozen=True)
class CaseSpeaker:
    """One listed speaker: its document, its name, and its case (``""``: no case)."""

    document: str
    speaker: str
    case: str


class CasesScreen(ModalScreen[int]):
    """Cases with their speakers and attributes: pick a speaker, type a case or key=value.

    Dismissed with how many changes were made (the workbench reloads when there were any)."""

    BINDINGS = [
        Binding("ctrl+r", "assign", "Assign to case"),
        Binding("ctrl+u", "unassign", "Unassign", priority=True),
        Binding("ctrl+t", "set_attribute", "Set key=value"),
        Binding("escape", "close", "Close"),
    ]
    DEFAULT_CSS = (
        MODAL_CSS.format(name="CasesScreen")
        + "CasesScreen OptionList { height: auto; max-height: 20; }"
    )

    def __init__(self, cases: Cases) -> None:
        super().__init__()
        self.store = cases
        self.cases: list[Case] = []
        self.speakers: list[CaseSpeaker] = []
        self.selected: CaseSpeaker | None = None
        self.changes = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Cases (participants) across documents", classes="title")
            yield OptionList(id="case-list")
            yield Input(placeholder="Case name (new or existing), or key=value", id="case-field")
            yield Static("", id="case-effect", classes="hint")
            yield Static(
                "Enter pick a speaker · type a case, Ctrl+R assign (Enter too) · Ctrl+U unassign "
                "· type key=value, Ctrl+T set it on the case · Esc close · z on the workbench "
                "undoes each change",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.refresh_cases()
        if not self.speakers:
            self.query_one("#case-effect", Static).update("No participant speakers yet.")
        self.query_one(OptionList).focus()

    # ------------------------------------------------------------------ listing

    def refresh_cases(self) -> None:
        """Read the cases again and list them, keeping the selected speaker highlighted."""
        keep = (self.selected.document, self.selected.speaker) if self.selected else None
        self.cases = self.store.list()
        self.speakers = []
        options: list[Option] = []
        for case in self.cases:
            name = case.name if case.linked else ""
            if case.linked:
                options.append(Option(self._header(case), id=f"h{len(options)}", disabled=True))
            for document, speaker in case.speakers:
                row = CaseSpeaker(document, speaker, name)
                label = f"  {speaker} in {document}" if name else f"{speaker} in {document}"
                if not name:
                    label += "  (no case)"
                options.append(Option(label, id=f"s{len(self.speakers)}"))
                self.speakers.append(row)
        listing = self.query_one("#case-list", OptionList)
        listing.clear_options()
        listing.add_options(options)
        index = next(
            (
                i
                for i, s in enumerate(self.speakers)
                if keep is not None and (s.document, s.speaker) == keep
            ),
            0,
        )
        self.selected = self.speakers[index] if self.speakers else None
        if self.selected is not None:
            listing.highlighted = listing.get_option_index(f"s{index}")
        self._effect()

    @staticmethod
    def _header(case: Case) -> str:
        count = len(case.speakers)
        docs = len({d for d, _ in case.speakers})
        text = (
            f"{case.name}  ({count} speaker{'s' if count != 1 else ''}, "
            f"{docs} document{'s' if docs != 1 else ''})"
        )
        if case.attributes:
            text += "  " + ", ".join(f"{k}={v}" for k, v in sorted(case.attributes.items()))
        return text

    def _speaker_of(self, option: Option) -> CaseSpeaker | None:
        key = option.id or ""
        return self.speakers[int(key[1:])] if key.startswith("s") else None

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        found = self._speaker_of(event.option)
        if found is not None:
            self.selected = found
            self._effect()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        found = self._speaker_of(event.option)
        if found is None:
            return
        self.selected = found
        field = self.query_one("#case-field", Input)
        field.value = found.case
        field.focus()
        self._effect()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._effect()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if "=" in event.value:
            self.action_set_attribute()
        else:
            self.action_assign()

    # ------------------------------------------------------------------ what it would do

    @property
    def typed(self) -> str:
        return self.query_one("#case-field", Input).value.strip()

    def existing(self, name: str) -> Case | None:
        """The linked case of that name (case-insensitive), or None: a new case."""
        return next(
            (c for c in self.cases if c.linked and c.name.casefold() == name.casefold()), None
        )

    def _effect(self) -> None:
        s, text = self.selected, self.typed
        if s is None:
            note = ""
        elif "=" in text:
            key = text.partition("=")[0].strip()
            where = f"case {s.case}" if s.case else "(assign the speaker to a case first)"
            note = f"Ctrl+T: set {key}={text.partition('=')[2].strip()} on {where}"
        elif text and text.casefold() != s.case.casefold():
            case = self.existing(text)
            target = (
                f"existing case {case.name} ({len(case.speakers)} speaker(s))"
                if case is not None
                else f"a new case {text}"
            )
            note = f"Ctrl+R: {s.speaker} in {s.document} joins {target}"
        elif s.case:
            note = f"{s.speaker} in {s.document} is case {s.case} (Ctrl+U unassigns)"
        else:
            note = f"{s.speaker} in {s.document} is in no case: type a case name"
        self.query_one("#case-effect", Static).update(note)

    # ------------------------------------------------------------------ changes

    def _done(self, note: str) -> None:
        self.changes += 1
        self.notify(f"{note} (z on the workbench undoes)", timeout=4)
        self.query_one("#case-field", Input).value = ""
        self.refresh_cases()

    def _fail(self, exc: QualcodeError) -> None:
        self.notify(str(exc), severity="error", timeout=6)

    def action_assign(self) -> None:
        s, name = self.selected, self.typed
        if s is None or not name or "=" in name or name.casefold() == s.case.casefold():
            return
        case = self.existing(name)
        name = case.name if case is not None else name  # an existing case keeps its spelling
        try:
            self.store.assign(s.document, s.speaker, name)
        except QualcodeError as exc:
            self._fail(exc)
            return
        self._done(f"{s.speaker} in {s.document} is case {name}")

    def action_unassign(self) -> None:
        s = self.selected
        if s is None or not s.case:
            return
        try:
            self.store.unassign(s.document, s.speaker)
        except QualcodeError as exc:
            self._fail(exc)
            return
        self._done(f"{s.speaker} in {s.document} left case {s.case}")

    def action_set_attribute(self) -> None:
        s, text = self.selected, self.typed
        if s is None or "=" not in text:
            return
        if not s.case:
            self.notify(f"{s.speaker} in {s.document} is in no case: assign it first", timeout=4)
            return
        key, _, value = (part.strip() for part in text.partition("="))
        try:
            count = self.store.set_attribute(s.case, key, value)
        except QualcodeError as exc:
            self._fail(exc)
            return
        self._done(f"Set {key}={value} on case {s.case} ({count} speaker(s))")

    def action_close(self) -> None:
        self.dismiss(self.changes)
