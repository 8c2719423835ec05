"""The main screen: documents, transcript and codebook side by side.

The screen lays out the panes, turns coding keys into calls on the
:class:`~qualcode.tui.controller.CodingController` (which makes every change, one store action
each), and refreshes what the resulting messages (:mod:`qualcode.tui.messages`) say changed:
after a coding, the shown document's codings, its row in the documents list and the counts of
the codes involved — never every document and every count. The codebook pane
(:mod:`qualcode.tui.widgets.codebook_pane`) owns its own keys and dialogs. Nothing here writes
SQL, and nothing here imports spaCy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from qualcode.errors import QualcodeError
from qualcode.store import Project, blind
from qualcode.store import workbench as wb
from qualcode.store.records import Code, Coding
from qualcode.tui.controller import CodingController, Outcome
from qualcode.tui.messages import (
    CodebookChanged,
    CodingsChanged,
    MemosChanged,
    PinsChanged,
    ProjectChanged,
)
from qualcode.tui.widgets.codebook import CodebookTree
from qualcode.tui.widgets.codebook_pane import PANE_BINDINGS, CodebookPane
from qualcode.tui.widgets.documents import DocumentList, DocumentOptions
from qualcode.tui.widgets.transcript import Transcript

TREE_BINDINGS = PANE_BINDINGS  # the codebook pane's keys (the help lists them under its name)


class WorkbenchScreen(Screen[None]):
    """Read a transcript, select passages, apply codes, and edit the codebook."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        # Shown only while moving a coding's boundaries (check_action), so first in the footer.
        Binding(
            "escape",
            "cancel_bounds",
            "Cancel move",
            priority=True,
            tooltip="Cancel moving a coding's boundaries",
        ),
        Binding(
            "enter,c",
            "code",
            "Code",
            tooltip="Code the selection: pick one or more codes, or type a new name",
        ),
        *[
            Binding(str(n), f"quick_code({n})", f"Code with pin {n}", show=False)
            for n in range(1, 10)
        ],
        Binding(
            "i", "codings_here", "Codings here", tooltip="Who coded what here; remove, memo, move"
        ),
        Binding("x", "remove_coding", "Uncode", tooltip="Remove a code from the selected passage"),
        Binding("m", "coding_memo", "Memo", tooltip="Write a memo on a coding at the cursor"),
        Binding(
            "E",
            "toggle_exemplar",
            "Exemplar",
            show=False,
            tooltip="Mark the coding at the cursor as an exemplar quote for summaries, or unmark",
        ),
        Binding(
            "M", "document_memo", "Doc memo", show=False, tooltip="Write a memo on the document"
        ),
        Binding("d", "focus_documents", "Docs", show=False, tooltip="Go to the documents list"),
        Binding("C", "focus_codebook", "Codebook", show=False, tooltip="Go to the codebook"),
        Binding(
            "B",
            "toggle_blind",
            "Blind",
            show=False,
            tooltip="Blind coding: show only your codings, or everyone's",
        ),
        Binding(
            "F",
            "toggle_done",
            "Done",
            show=False,
            tooltip="Mark this document done (finished) for you, or not done again",
        ),
        Binding(
            "S",
            "speakers",
            "Speakers",
            show=False,
            tooltip="Rename or merge speakers in every document, mark the interviewer",
        ),
        Binding(
            "P",
            "cases",
            "Cases",
            show=False,
            tooltip="Participants as cases: assign speakers to a case, set case attributes",
        ),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.controller = CodingController(project)
        self.document_id: int | None = None
        self.editing: Coding | None = None  # coding whose boundaries are being moved
        self._flash = ""  # a one-off note for the status line, cleared when the cursor moves
        self._data_version = 0
        # Blind coding (issue 13): only this coder's codings are shown and counted; on by
        # default when more than one coder's codings are in the project (set on mount), B
        # toggles it.
        self.blind = False
        self._done = False  # the shown document is marked done by this coder

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left", classes="pane"):
                yield DocumentList(id="documents")
            with Vertical(id="center", classes="pane"):
                yield Transcript(id="transcript")
            yield CodebookPane(self.controller, id="right", classes="pane")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#left").border_title = "Documents (d)"
        self.query_one("#left").border_subtitle = "speakers · words · coded"
        self.pane.border_title = "Codebook (C)"
        self.pane.border_subtitle = "codings: this doc/all"
        self._data_version = self.project.data_version
        self.blind = blind.blind_by_default(self.project)
        self.reload(first=True)
        self.transcript.focus()
        interval = getattr(self.app, "poll_interval", 1.5)
        if interval:
            self.set_interval(interval, self.poll_external_changes)

    # ------------------------------------------------------------------ parts

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def pane(self) -> CodebookPane:
        return self.query_one(CodebookPane)

    @property
    def code_tree(self) -> CodebookTree:
        return self.query_one(CodebookTree)

    @property
    def documents(self) -> DocumentList:
        return self.query_one(DocumentList)

    @property
    def codes(self) -> list[Code]:
        return self.pane.codes

    @property
    def color_map(self) -> dict[int, str]:
        return self.pane.color_map

    @property
    def pins(self) -> dict[int, int]:
        return self.pane.pins

    def code_name(self, code_id: int) -> str:
        return self.pane.code_name(code_id)

    # ------------------------------------------------------------------ loading

    def reload(self, first: bool = False) -> None:
        """Read everything the screen shows again: on open, after a codebook edit, and when
        another program changed the file. A coding never comes here (see
        :meth:`_codings_changed`)."""
        project = self.project
        rows = blind.document_rows(project, self.blind_coder)
        ids = {r.id for r in rows}
        if self.document_id not in ids:
            self.document_id = rows[0].id if rows else None
            first = True
        self.documents.set_rows(rows, self.document_id)
        doc_counts = (
            blind.code_counts(project, self.document_id, coder=self.blind_coder)
            if self.document_id
            else {}
        )
        self.pane.load(project.codebook.codes(), doc_counts, wb.pins(project))
        if self.blind:  # the codebook's totals as this coder's too
            self.code_tree.update_counts({}, blind.code_counts(project, coder=self.blind_coder))
        names = {c.id: c.name for c in self.codes}
        if first:
            self._load_document()
        else:
            self.transcript.set_code_style(self.color_map, names)
            if self.document_id is not None:
                self.transcript.set_codings(self.shown_codings(self.document_id))
        self._update_status()

    # ------------------------------------------------------------------ coders (issue 13)

    @property
    def blind_coder(self) -> str | None:
        """Whose codings the screen shows and counts: this coder's while blind, else None."""
        return self.project.coder if self.blind else None

    def shown_codings(self, document_id: int) -> list[Coding]:
        """The codings the transcript shows: only this coder's while coding blind."""
        from qualcode.store.done import DoneMarks

        if document_id == self.document_id:
            self._done = DoneMarks(self.project.session).is_done(document_id)
        coder = self.project.coder if self.blind else None
        return self.project.codings.list(document=document_id, coder=coder)

    def action_toggle_blind(self) -> None:
        self.blind = not self.blind
        self.reload()
        self.notify(
            "Blind coding: only your codings are shown"
            if self.blind
            else "Showing every coder's codings",
            timeout=2,
        )
        self._update_status()

    def action_toggle_done(self) -> None:
        from qualcode.store.done import DoneMarks

        if self.document_id is None:
            return
        try:
            self._done = DoneMarks(self.project.session).toggle(self.document_id)
        except QualcodeError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        name = self.query_one("#center").border_title or "document"
        self.notify(f"{name}: {'done' if self._done else 'not done'} for {self.project.coder}")
        self._update_status()

    def _load_document(self) -> None:
        transcript = self.transcript
        names = {c.id: c.name for c in self.codes}
        center = self.query_one("#center")
        if self.document_id is None:
            transcript.load("", [], [], [], self.color_map, names)
            center.border_title = "No documents: qualcode import PROJECT FILES"
            return
        documents = self.project.documents
        doc = documents.get(self.document_id)
        transcript.load(
            doc.text,
            documents.turns(doc.id),
            documents.sentences(doc.id),
            self.shown_codings(doc.id),
            self.color_map,
            names,
        )
        rows = self.documents.rows
        position = next((i for i, r in enumerate(rows, 1) if r.id == doc.id), 0)
        center.border_title = doc.name
        center.border_subtitle = f"document {position}/{len(rows)} · d documents · ? help"

    def open_document(
        self, document_id: int, span: tuple[int, int] | None = None, exact: bool = False
    ) -> None:
        """Show a document (and optionally a passage in it)."""
        self._end_bounds()
        if document_id != self.document_id:
            self.document_id = document_id
            self._load_document()
            self.documents.set_rows(self.documents.rows, self.document_id)
            self.code_tree.set_doc_counts(
                blind.code_counts(self.project, document_id, coder=self.blind_coder)
            )
        if span is not None:
            self.transcript.jump_to(span[0], span[1], exact=exact)
        self._update_status()

    def poll_external_changes(self) -> None:
        """Another program (a CLI command, a colleague's session) committed: show it."""
        try:
            version = self.project.data_version
        except sqlite3.Error:
            return
        if version != self._data_version:
            self._data_version = version
            self.reload()
            self.notify("The project was changed by another program; view updated.", timeout=3)

    # ------------------------------------------------------------------ what changed

    @on(CodingsChanged)
    def _codings_changed(self, event: CodingsChanged) -> None:
        """Codings changed in one document: its codings (if shown), its row in the list and
        the counts of the codes concerned; each an indexed query of that document or code."""
        event.stop()
        document = event.document_id
        if document is None or not event.code_ids:
            self.reload()
            return
        project = self.project
        shown = document == self.document_id
        if shown:
            self.transcript.set_codings(self.shown_codings(document))
        row = blind.document_row(project, document, self.blind_coder)
        if row is not None:
            self.documents.update_row(row)
        coder = self.blind_coder
        totals = blind.code_counts(project, code_ids=event.code_ids, coder=coder)
        here = (
            blind.code_counts(project, document, code_ids=event.code_ids, coder=coder)
            if shown
            else {}
        )
        self.code_tree.update_counts(here, totals)
        if shown and event.jump is not None:
            self.transcript.jump_to(*event.jump, exact=True)
        self._update_status()

    @on(CodebookChanged)
    def _codebook_changed(self, event: CodebookChanged) -> None:
        event.stop()
        self.reload()
        if event.select is not None:
            self.code_tree.select_code(event.select)

    @on(MemosChanged)
    def _memos_changed(self, event: MemosChanged) -> None:
        event.stop()
        if event.target_type == "code":
            self.pane.show_detail(self.code_tree.code_id)
        elif event.target_type == "coding" and self.document_id is not None:
            self.transcript.set_codings(self.shown_codings(self.document_id))

    @on(PinsChanged)
    def _pins_changed(self, event: PinsChanged) -> None:
        event.stop()
        self.pane.set_pins(self.controller.pins())

    @on(ProjectChanged)
    def _project_changed(self, event: ProjectChanged) -> None:
        event.stop()
        self.reload()

    def report(self, outcome: Outcome, flash: bool = False, timeout: float = 3) -> bool:
        """Post what a change changed and say what it did: in the status line (``flash``:
        coding is repeated all day, and a toast re-lays out the whole screen) or a toast."""
        if outcome.error:
            self.notify(outcome.error, severity="error", timeout=6)
            return False
        for message in outcome.messages:
            self.post_message(message)
        if outcome.ok and flash:
            self._flash = outcome.note
            self._update_status()
        elif outcome.note:
            self.notify(outcome.note, timeout=timeout if outcome.ok else 2)
        return outcome.ok

    # ------------------------------------------------------------------ status

    def _update_status(self) -> None:
        status = self.query_one("#status", Static)
        t = self.transcript
        coder = self.project.coder
        if self.document_id is None or not t.units:
            status.update(f" {coder} │ no document")
            return
        doc = self.query_one("#center").border_title or ""
        start, end = t.selection
        here = t.codings_at_selection()
        row = self.documents.row(self.document_id)
        pct = row.coded if row is not None else 0
        text = Text()
        text.append(f" {coder} ", style="bold")
        if self._flash:
            # First, so an 80-column terminal still shows what the last key did.
            text.append(f"│ {self._flash} ", style="bold green")
        text.append(f"│ {doc} │ turn {t.current_turn + 1}/{len(t.turns)}")
        text.append(f" · sentence {t.cursor + 1}/{len(t.units)} · {pct:.0%} coded")
        text.append(f" │ {end - start} chars selected")
        if here:
            text.append(f" │ {len(here)} coding(s) here", style="bold")
        if self.editing is not None:
            # Keys first: on 80 columns the end of this line is cut off.
            text = Text(
                " Enter saves · Esc cancels · Shift+←/→ end by a word, < > start, Shift+↑/↓ by a"
                f" sentence │ moving the boundaries of '{self.editing.code}'",
                style="bold reverse",
            )
        if self.project.read_only:
            text.append("  READ-ONLY (newer project version)", style="bold red")
        if self.editing is None:
            if self._done:
                text.append(" │ done", style="bold green")
            if self.blind:
                text.append(" │ blind (B)", style="bold")
        status.update(text)

    @on(Transcript.SelectionChanged)
    def _selection_changed(self) -> None:
        self._flash = ""
        self._update_status()

    @on(DocumentList.Opened)
    def _document_opened(self, event: DocumentList.Opened) -> None:
        self.open_document(event.document_id)
        self.action_focus_transcript()  # on a narrow screen this hides the list again

    # ------------------------------------------------------------------ coding

    def _target_span(self) -> tuple[int, int] | None:
        t = self.transcript
        if self.document_id is None or not t.units:
            self.notify("Open a document first", severity="warning")
            return None
        start, end = t.selection
        if start >= end:
            start, end = t.units[t.cursor]
        return start, end

    def action_code(self) -> None:
        if self.editing is not None:
            self._save_bounds()
            return
        if self._target_span() is None:
            return
        from qualcode.tui.screens.picker import CodePicker

        self.app.push_screen(CodePicker(self.codes, self.color_map), self._picked)

    def _picked(self, result: list[int | str] | None) -> None:
        if not result:
            return
        span = self._target_span()
        if span is None:
            return
        ids = [item for item in result if isinstance(item, int)]
        names = [item for item in result if isinstance(item, str)]
        if not names:
            self.apply_codes(ids, span)
            return
        self._ask_parent(names[0], ids, span)

    def _ask_parent(self, name: str, ids: list[int], span: tuple[int, int]) -> None:
        """A code made from the picker goes where the researcher says, by default under the
        theme of the code highlighted in the codebook (Enter accepts that)."""
        from qualcode.tui.screens.dialogs import TOP_LEVEL, ChooseCodeScreen

        theme = self.pane.theme_of(self.code_tree.code_id)

        def chosen(target: int | str | None) -> None:
            if target is None:
                self.notify(f"Code '{name}' not created", timeout=2)
                return
            parent = None if target == TOP_LEVEL else int(target)
            if self.document_id is None:
                return
            outcome = self.controller.create_code_and_apply(
                name, parent, self.document_id, *span, also=ids, shown=self.transcript.codings
            )
            if self.report(outcome, flash=True):
                where = (
                    "at the top level" if parent is None else f"under '{self.code_name(parent)}'"
                )
                self.notify(f"Created code '{name}' {where}", timeout=3)

        self.app.push_screen(
            ChooseCodeScreen(
                f"New code '{name}' goes under… (Enter: the highlighted one)",
                self.codes,
                self.color_map,
                allow_top=True,
                default=theme.id if theme else None,
            ),
            chosen,
        )

    def apply_codes(self, code_ids: list[int], span: tuple[int, int] | None = None) -> bool:
        span = span or self._target_span()
        if span is None or self.document_id is None:
            return False
        outcome = self.controller.code(
            self.document_id,
            *span,
            code_ids,
            shown=self.transcript.codings,
            names={c.id: c.name for c in self.codes},
        )
        return self.report(outcome, flash=True)

    def action_quick_code(self, slot: int) -> None:
        code_id = self.pins.get(slot)
        if code_id is None:
            self.notify(
                f"Nothing pinned to {slot}: highlight a code in the codebook (C) and press {slot}",
                severity="warning",
            )
            return
        self.apply_codes([code_id])

    def action_codings_here(self) -> None:
        here = self.transcript.codings_at_selection()
        if not here:
            self.notify("No codings on this passage")
            return
        from qualcode.tui.screens.dialogs import CodingsHereScreen

        self.app.push_screen(CodingsHereScreen(here, self.color_map), self._coding_chosen)

    def _coding_chosen(self, result: tuple[str, int] | None) -> None:
        if result is None:
            return
        what, coding_id = result
        coding = next((c for c in self.transcript.codings if c.id == coding_id), None)
        if coding is None:
            return
        if what == "remove":
            self._remove(coding)
        elif what == "memo":
            self._edit_coding_memo(coding)
        elif what == "bounds":
            self._start_bounds(coding)
        else:
            self.transcript.select(coding.start, coding.end)

    def _choose_coding(self, on_chosen: Callable[[Coding], None], verb: str) -> None:
        here = self.transcript.codings_at_selection()
        if not here:
            self.notify(f"No coding here to {verb}")
            return
        if len(here) == 1:
            on_chosen(here[0])
            return
        from qualcode.tui.screens.dialogs import CodingsHereScreen

        def chosen(result: tuple[str, int] | None) -> None:
            if result is None:
                return
            match = next((c for c in here if c.id == result[1]), None)
            if match is None:
                return
            if result[0] == "select":
                on_chosen(match)  # Enter on a coding does what the key that opened the list said
            else:
                self._coding_chosen(result)

        self.app.push_screen(CodingsHereScreen(here, self.color_map, purpose=verb), chosen)

    def action_remove_coding(self) -> None:
        self._choose_coding(self._remove, "remove")

    def _remove(self, coding: Coding) -> None:
        self.report(self.controller.remove(coding))

    def action_toggle_exemplar(self) -> None:
        self._choose_coding(self._toggle_exemplar, "mark as exemplar")

    def _toggle_exemplar(self, coding: Coding) -> None:
        from qualcode.store.exemplars import Exemplars

        try:
            marked = Exemplars(self.project.session).toggle(coding.id)
        except QualcodeError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        state = "now an exemplar quote" if marked else "no longer an exemplar quote"
        self.notify(f"'{coding.code}' here is {state}", timeout=2)

    def action_coding_memo(self) -> None:
        self._choose_coding(self._edit_coding_memo, "memo")

    def _edit_coding_memo(self, coding: Coding) -> None:
        from qualcode.tui.screens.dialogs import MemoScreen

        current = self.controller.memo("coding", coding.id)

        def save(text: str | None) -> None:
            if text is not None and text != current:
                outcome = self.controller.set_memo("coding", coding.id, text)
                if outcome.ok and not text:
                    outcome.note = "Memo cleared"
                self.report(outcome, timeout=2)

        self.app.push_screen(MemoScreen(f"Memo on '{coding.code}'", current), save)

    def action_document_memo(self) -> None:
        if self.document_id is None:
            return
        from qualcode.tui.screens.dialogs import MemoScreen

        document_id = self.document_id
        label = self.query_one("#center").border_title
        current = self.controller.memo("document", document_id)

        def save(text: str | None) -> None:
            if text is not None and text != current:
                self.report(self.controller.set_memo("document", document_id, text), timeout=2)

        self.app.push_screen(MemoScreen(f"Your memo on document '{label}'", current), save)

    # ------------------------------------------------------------------ boundaries

    def _start_bounds(self, coding: Coding) -> None:
        self.editing = coding
        self.transcript.select(coding.start, coding.end)
        self.transcript.focus()
        self._update_status()

    def _save_bounds(self) -> None:
        coding, self.editing = self.editing, None
        if coding is None:
            return
        outcome = self.controller.move(coding, *self.transcript.selection)
        if outcome.ok or outcome.error:
            self.report(outcome, timeout=2)
        self._update_status()

    def _end_bounds(self) -> None:
        if self.editing is not None:
            self.editing = None
            self._update_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_bounds":
            return self.editing is not None
        return True

    def action_cancel_bounds(self) -> None:
        coding = self.editing
        self._end_bounds()
        if coding is not None:
            self.transcript.select(coding.start, coding.end)
            self.notify("Boundaries unchanged", timeout=2)

    # ------------------------------------------------------------------ speakers (issue 11)

    def action_speakers(self) -> None:
        """Rename or merge a speaker in every document, or mark the interviewer (undoable)."""
        from qualcode.store.speakers import Speakers
        from qualcode.tui.screens.speakers import SpeakerChange, SpeakersScreen

        if self.project.read_only:
            self.notify("This project is open read-only.", severity="error", timeout=4)
            return
        people = Speakers(self.project.session)

        def apply(change: SpeakerChange | None) -> None:
            if change is None:
                return
            try:
                if change.kind == "rename":
                    count = people.rename(change.old, change.new)
                    note = f"Renamed {change.old} to {change.new} in {count} document(s)"
                elif change.kind == "merge":
                    count = people.merge(change.old, change.new)
                    note = f"Merged {change.old} into {change.new} in {count} document(s)"
                else:
                    people.set_interviewer(change.old, change.new == "yes")
                    role = "interviewer" if change.new == "yes" else "not interviewer"
                    note = f"{change.old}: {role}"
            except QualcodeError as exc:
                self.notify(str(exc), severity="error", timeout=6)
                return
            self._data_version = self.project.data_version
            self.reload(first=True)
            self.notify(f"{note} (z undoes)", timeout=4)

        self.app.push_screen(SpeakersScreen(people.names()), apply)

    def action_cases(self) -> None:
        """Participants as cases: tie speakers to cases, set case attributes (each undoable)."""
        from qualcode.tui.screens.cases import CasesScreen

        if self.project.read_only:
            self.notify("This project is open read-only.", severity="error", timeout=4)
            return

        def done(changes: int | None) -> None:
            if changes:
                self._data_version = self.project.data_version
                self.reload()

        self.app.push_screen(CasesScreen(self.project.cases), done)

    # ------------------------------------------------------------------ undo / redo

    def undo(self) -> None:
        self._end_bounds()
        self.report(self.controller.undo(), timeout=4)

    def redo(self) -> None:
        self._end_bounds()
        self.report(self.controller.redo(), timeout=4)

    # ------------------------------------------------------------------ focus

    def action_focus_documents(self) -> None:
        self.add_class("-show-docs")
        self.query_one(DocumentOptions).focus()

    def action_focus_codebook(self) -> None:
        self.code_tree.focus()

    def action_focus_transcript(self) -> None:
        self.remove_class("-show-docs")
        self.transcript.focus()
