"""The main screen: documents, transcript and codebook side by side, and every coding action.

All changes go through ``Project`` methods (one action each, so each is undoable); after a
change the screen re-reads what it shows (:meth:`WorkbenchScreen.reload`). Nothing here writes
SQL, and nothing here imports spaCy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store import workbench as wb
from qualcode.store.records import Code, Coding
from qualcode.tui.colors import code_colors
from qualcode.tui.history import step_history
from qualcode.tui.widgets.codebook import CodebookTree, CodeDetail
from qualcode.tui.widgets.documents import DocumentList, DocumentOptions
from qualcode.tui.widgets.transcript import Transcript

TREE_BINDINGS = [
    Binding("a", "screen.add_code", "Add code"),
    Binding("e", "screen.edit_code", "Edit"),
    Binding("R", "screen.rename_code", "Rename", show=False),
    Binding("M", "screen.move_code", "Move"),
    Binding("J", "screen.merge_code", "Merge"),
    Binding("delete,D", "screen.delete_code", "Delete"),
    Binding("m", "screen.code_memo", "Memo"),
    Binding("escape", "screen.focus_transcript", "Back to text", show=False),
    *[Binding(str(n), f"screen.pin({n})", f"Pin to {n}", show=False) for n in range(1, 10)],
    Binding("0", "screen.pin(0)", "Unpin", show=False),
]


class WorkbenchTree(CodebookTree):
    BINDINGS = TREE_BINDINGS


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
        Binding("enter,c", "code", "Code"),
        *[
            Binding(str(n), f"quick_code({n})", f"Code with pin {n}", show=False)
            for n in range(1, 10)
        ],
        Binding("i", "codings_here", "Codings here"),
        Binding("x", "remove_coding", "Uncode"),
        Binding("m", "coding_memo", "Memo"),
        Binding("M", "document_memo", "Doc memo", show=False),
        Binding("d", "focus_documents", "Docs", show=False),
        Binding("C", "focus_codebook", "Codebook", show=False),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.document_id: int | None = None
        self.codes: list[Code] = []
        self.color_map: dict[int, str] = {}
        self.pins: dict[int, int] = {}
        self.editing: Coding | None = None  # coding whose boundaries are being moved
        self._flash = ""  # a one-off note for the status line, cleared when the cursor moves
        self._data_version = 0

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left", classes="pane"):
                yield DocumentList(id="documents")
            with Vertical(id="center", classes="pane"):
                yield Transcript(id="transcript")
            with Vertical(id="right", classes="pane"):
                yield WorkbenchTree(id="codebook")
                yield CodeDetail(id="detail")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#left").border_title = "Documents (d)"
        self.query_one("#left").border_subtitle = "speakers · words · coded"
        self.query_one("#right").border_title = "Codebook (C)"
        self.query_one("#right").border_subtitle = "codings: this doc/all"
        self._data_version = self.project.data_version
        self.reload(first=True)
        self.query_one(Transcript).focus()
        interval = getattr(self.app, "poll_interval", 1.5)
        if interval:
            self.set_interval(interval, self.poll_external_changes)

    # ------------------------------------------------------------------ loading

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def tree(self) -> CodebookTree:
        return self.query_one(CodebookTree)

    def reload(self, first: bool = False) -> None:
        """Re-read codes, documents and the shown document's codings from the project."""
        self.codes = self.project.codes()
        self.color_map = code_colors(self.codes)
        self.pins = wb.pins(self.project)
        rows = wb.document_rows(self.project)
        ids = [r.id for r in rows]
        if self.document_id not in ids:
            self.document_id = ids[0] if ids else None
            first = True
        self.query_one(DocumentList).set_rows(rows, self.document_id)
        names = {c.id: c.name for c in self.codes}
        transcript = self.transcript
        if first:
            self._load_document()
        else:
            transcript.set_code_style(self.color_map, names)
            if self.document_id is not None:
                transcript.set_codings(self.project.codings(document=self.document_id))
        self._refresh_tree()
        self._update_status()

    def _load_document(self) -> None:
        transcript = self.transcript
        names = {c.id: c.name for c in self.codes}
        if self.document_id is None:
            transcript.load("", [], [], [], self.color_map, names)
            self.query_one("#center").border_title = "No documents: qualcode import PROJECT FILES"
            return
        doc = self.project.document(self.document_id)
        transcript.load(
            doc.text,
            self.project.turns(doc.id),
            self.project.sentences(doc.id),
            self.project.codings(document=doc.id),
            self.color_map,
            names,
        )
        rows = self.query_one(DocumentList).rows
        position = next((i for i, r in enumerate(rows, 1) if r.id == doc.id), 0)
        self.query_one("#center").border_title = doc.name
        self.query_one(
            "#center"
        ).border_subtitle = f"document {position}/{len(rows)} · d documents · ? help"

    def _refresh_tree(self) -> None:
        counts = wb.code_counts(self.project, self.document_id) if self.document_id else {}
        self.tree.set_codes(self.codes, self.color_map, counts, self.pins)
        self._show_detail(self.tree.code_id)

    def open_document(
        self, document_id: int, span: tuple[int, int] | None = None, exact: bool = False
    ) -> None:
        """Show a document (and optionally a passage in it)."""
        self._end_bounds()
        if document_id != self.document_id:
            self.document_id = document_id
            self._load_document()
            self.query_one(DocumentList).set_rows(
                self.query_one(DocumentList).rows, self.document_id
            )
            self._refresh_tree()
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

    # ------------------------------------------------------------------ status & detail

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
        pct = next(
            (r.coded for r in self.query_one(DocumentList).rows if r.id == self.document_id), 0
        )
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
        status.update(text)

    def _show_detail(self, code_id: int | None) -> None:
        code = next((c for c in self.codes if c.id == code_id), None)
        memo = None
        if code is not None:
            memos = self.project.memos("code", code.id)
            memo = "\n".join(f"{m.coder}: {m.text}" for m in memos) or None
        self.query_one(CodeDetail).show_code(
            code, self.color_map.get(code_id or -1, "#888888"), memo
        )

    @on(Transcript.SelectionChanged)
    def _selection_changed(self) -> None:
        self._flash = ""
        self._update_status()

    @on(CodebookTree.CodeHighlighted)
    def _code_highlighted(self, event: CodebookTree.CodeHighlighted) -> None:
        self._show_detail(event.code_id)

    @on(DocumentList.Opened)
    def _document_opened(self, event: DocumentList.Opened) -> None:
        self.open_document(event.document_id)
        self.action_focus_transcript()  # on a narrow screen this hides the list again

    # ------------------------------------------------------------------ helpers

    def attempt(self, what: Callable[[], Any]) -> Any:
        """Run a project change; a user error becomes a notification, never a crash."""
        try:
            return what()
        except QualcodeError as exc:
            self.notify(str(exc), severity="error", timeout=6)
        except sqlite3.Error as exc:
            self.notify(f"could not save: {exc}", severity="error", timeout=6)
        return None

    def after_change(self) -> None:
        self.reload()
        # Our own commits do not move data_version; keep the baseline in step anyway.
        self._data_version = self.project.data_version

    def _target_span(self) -> tuple[int, int] | None:
        t = self.transcript
        if self.document_id is None or not t.units:
            self.notify("Open a document first", severity="warning")
            return None
        start, end = t.selection
        if start >= end:
            start, end = t.units[t.cursor]
        return start, end

    def code_name(self, code_id: int) -> str:
        return next((c.name for c in self.codes if c.id == code_id), "?")

    # ------------------------------------------------------------------ coding

    def action_code(self) -> None:
        if self.editing is not None:
            self._save_bounds()
            return
        span = self._target_span()
        if span is None:
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

    def _theme_of(self, code_id: int | None) -> Code | None:
        """The theme a code belongs to (itself when it is a theme)."""
        code = next((c for c in self.codes if c.id == code_id), None)
        while code is not None and code.parent_id is not None:
            parent = next((c for c in self.codes if c.id == code.parent_id), None)
            if parent is None:
                break
            code = parent
        return code

    def _ask_parent(self, name: str, ids: list[int], span: tuple[int, int]) -> None:
        """A code made from the picker goes where the researcher says, by default under the
        theme of the code highlighted in the codebook (Enter accepts that)."""
        from qualcode.tui.screens.dialogs import TOP_LEVEL, ChooseCodeScreen

        theme = self._theme_of(self.tree.code_id)

        def chosen(target: int | str | None) -> None:
            if target is None:
                self.notify(f"Code '{name}' not created", timeout=2)
                return
            parent = None if target == TOP_LEVEL else int(target)
            where = "at the top level" if parent is None else f"under '{self.code_name(parent)}'"
            doc_id = self.document_id
            if doc_id is None:
                return
            todo = [i for i in ids if i not in self._mine_on(span)]
            project = self.project

            def create_and_code() -> int:
                # One action, so one z takes back both the code and the coding.
                with project.action("code.add", f"Created code '{name}' {where} and coded"):
                    new_id = project.add_code(name, parent=parent)
                    project.add_codings(doc_id, [*todo, new_id], *span)
                return new_id

            new_id = self.attempt(create_and_code)
            if new_id is None:
                return
            self.after_change()
            self.tree.select_code(int(new_id))
            self.notify(f"Created code '{name}' {where}", timeout=3)
            self._flash = "Coded: " + ", ".join(map(self.code_name, [*todo, int(new_id)]))
            self._update_status()

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

    def _mine_on(self, span: tuple[int, int]) -> set[int]:
        """Codes this coder already put on exactly ``span``."""
        return {
            c.code_id
            for c in self.transcript.codings
            if (c.start, c.end) == span and c.coder == self.project.coder
        }

    def apply_codes(self, code_ids: list[int], span: tuple[int, int] | None = None) -> bool:
        span = span or self._target_span()
        if span is None or self.document_id is None:
            return False
        doc_id = self.document_id
        start, end = span
        existing = self._mine_on(span)
        todo = [i for i in code_ids if i not in existing]
        if not todo:
            self.notify("That passage already has " + ", ".join(map(self.code_name, code_ids)))
            return False
        if len(todo) == 1:
            done = self.attempt(lambda: self.project.add_coding(doc_id, todo[0], start, end))
        else:
            done = self.attempt(lambda: self.project.add_codings(doc_id, todo, start, end))
        if done is None:
            return False
        self.after_change()
        # Said in the status line rather than a toast: a toast re-lays out the whole screen
        # and coding is the action repeated all day.
        self._flash = "Coded: " + ", ".join(map(self.code_name, todo))
        self._update_status()
        return True

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
        if self.attempt(lambda: self.project.remove_coding(coding.id)) is not None:
            self.after_change()
            self.notify(f"Removed '{coding.code}' (z undoes)", timeout=3)

    def action_coding_memo(self) -> None:
        self._choose_coding(self._edit_coding_memo, "memo")

    def _edit_coding_memo(self, coding: Coding) -> None:
        from qualcode.tui.screens.dialogs import MemoScreen

        def save(text: str | None) -> None:
            if text is None or text == (coding.memo or ""):
                return
            if self.attempt(lambda: self.project.update_coding(coding.id, memo=text)) is None:
                return
            self.after_change()
            self.notify("Memo saved" if text else "Memo cleared", timeout=2)

        self.app.push_screen(MemoScreen(f"Memo on '{coding.code}'", coding.memo or ""), save)

    def action_document_memo(self) -> None:
        if self.document_id is None:
            return
        self._edit_memo("document", self.document_id, self.query_one("#center").border_title)

    def action_code_memo(self) -> None:
        code_id = self.tree.code_id
        if code_id is None:
            return
        self._edit_memo("code", code_id, self.code_name(code_id))

    def _edit_memo(self, target_type: str, target_id: int, label: str | None) -> None:
        from qualcode.tui.screens.dialogs import MemoScreen

        mine = [
            m for m in self.project.memos(target_type, target_id) if m.coder == self.project.coder
        ]
        current = mine[0].text if mine else ""

        def save(text: str | None) -> None:
            if text is None or text == current:
                return
            done = self.attempt(lambda: self.project.set_memo(target_type, target_id, text) or True)
            if done:
                self.after_change()
                self.notify("Memo saved" if text else "Memo deleted", timeout=2)

        self.app.push_screen(MemoScreen(f"Your memo on {target_type} '{label}'", current), save)

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
        start, end = self.transcript.selection
        if (start, end) == (coding.start, coding.end):
            self._update_status()
            return
        if self.attempt(
            lambda: self.project.update_coding(coding.id, start=start, end=end) or True
        ):
            self.after_change()
            self.notify(f"Moved '{coding.code}' to [{start}:{end}]", timeout=2)
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

    # ------------------------------------------------------------------ undo / redo

    def undo(self) -> None:
        self._undo_redo(forward=False)

    def redo(self) -> None:
        self._undo_redo(forward=True)

    def _undo_redo(self, forward: bool) -> None:
        self._end_bounds()
        event = step_history(self, self.project, forward)
        if event is None:
            return
        self.after_change()
        for change in event.changes:
            row = change.get("before") or change.get("after") or {}
            if change.get("table") == "codings" and row.get("document_id") == self.document_id:
                self.transcript.jump_to(int(row["start"]), int(row["end"]), exact=True)
                break

    # ------------------------------------------------------------------ focus

    def action_focus_documents(self) -> None:
        self.add_class("-show-docs")
        self.query_one(DocumentOptions).focus()

    def action_focus_codebook(self) -> None:
        self.tree.focus()

    def action_focus_transcript(self) -> None:
        self.remove_class("-show-docs")
        self.transcript.focus()

    # ------------------------------------------------------------------ codebook editing

    def _selected_code(self) -> Code | None:
        code_id = self.tree.code_id
        code = next((c for c in self.codes if c.id == code_id), None)
        if code is None:
            self.notify("Highlight a code in the codebook first (C)", severity="warning")
        return code

    def action_add_code(self) -> None:
        from qualcode.tui.screens.dialogs import CodeForm, CodeFormScreen

        parent = next((c for c in self.codes if c.id == self.tree.code_id), None)
        if parent is not None and parent.depth > 0 and parent.parent_id is not None:
            parent = next((c for c in self.codes if c.id == parent.parent_id), parent)
        where = f" under '{parent.name}'" if parent else " (top level)"

        def save(form: CodeForm | None) -> None:
            if form is None:
                return
            fields = {k: v for k, v in form.fields.items() if v}
            code_id = self.attempt(
                lambda: self.project.add_code(
                    form.name, parent=parent.id if parent else None, **fields
                )
            )
            if code_id is not None:
                self.after_change()
                self.tree.select_code(int(code_id))
                self.notify(f"Added code '{form.name}'{where}", timeout=3)

        self.app.push_screen(CodeFormScreen(f"New code{where}"), save)

    def action_edit_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import CodeForm, CodeFormScreen

        def save(form: CodeForm | None) -> None:
            if form is None:
                return
            project = self.project

            def change() -> bool:
                changed = {k: v for k, v in form.fields.items() if (getattr(code, k) or "") != v}
                if "color" in changed and not changed["color"]:
                    changed["color"] = None  # type: ignore[assignment]
                if not changed and form.name == code.name:
                    return False
                with project.action("code.edit", f"Edited code '{code.name}'"):
                    if form.name != code.name:
                        project.rename_code(code.id, form.name)
                    if changed:
                        project.update_code(code.id, **changed)
                return True

            if self.attempt(change):
                self.after_change()
                self.notify(f"Saved '{form.name}'", timeout=2)

        self.app.push_screen(CodeFormScreen(f"Edit '{code.name}'", code), save)

    def action_rename_code(self) -> None:
        self.action_edit_code()

    def action_move_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import TOP_LEVEL, ChooseCodeScreen

        blocked = set(self.project.descendant_ids(code.id))
        choices = [c for c in self.codes if c.id not in blocked]

        def moved(target: int | str | None) -> None:
            if target is None:
                return
            parent = None if target == TOP_LEVEL else int(target)
            if self.attempt(lambda: self.project.move_code(code.id, parent) or True):
                self.after_change()
                where = (
                    "to the top level" if parent is None else f"under '{self.code_name(parent)}'"
                )
                self.notify(f"Moved '{code.name}' {where}", timeout=3)

        self.app.push_screen(
            ChooseCodeScreen(f"Move '{code.name}' under…", choices, self.color_map, allow_top=True),
            moved,
        )

    def action_merge_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import ChooseCodeScreen

        blocked = set(self.project.descendant_ids(code.id))
        choices = [c for c in self.codes if c.id not in blocked]

        def merged(target: int | str | None) -> None:
            if not isinstance(target, int):
                return
            name = self.code_name(target)
            moved = self.attempt(lambda: self.project.merge_codes(code.id, target))
            if moved is not None:
                self.after_change()
                self.tree.select_code(target)
                self.notify(f"Merged '{code.name}' into '{name}' ({moved} coding(s) moved)")

        self.app.push_screen(
            ChooseCodeScreen(f"Merge '{code.name}' into…", choices, self.color_map), merged
        )

    def action_delete_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            if self.attempt(lambda: self.project.delete_code(code.id, force=True)) is not None:
                self.after_change()
                self.notify(f"Deleted '{code.name}' (z undoes)", timeout=3)

        detail = ""
        if code.coding_count or code.child_count:
            detail = (
                f"It has {code.coding_count} coding(s), which are deleted with it, and "
                f"{code.child_count} sub-code(s), which move up a level. Undo (z) brings it back."
            )
        self.app.push_screen(ConfirmScreen(f"Delete code '{code.name}'?", detail), confirmed)

    def action_pin(self, slot: int) -> None:
        code_id = self.tree.code_id
        if code_id is None:
            return
        if slot == 0:
            for s, c in list(self.pins.items()):
                if c == code_id:
                    self.attempt(lambda s=s: wb.set_pin(self.project, s, None))
            self.notify(f"Unpinned '{self.code_name(code_id)}'", timeout=2)
        else:
            self.attempt(lambda: wb.set_pin(self.project, slot, code_id))
            self.notify(f"Key {slot} now codes '{self.code_name(code_id)}'", timeout=3)
        self.after_change()
