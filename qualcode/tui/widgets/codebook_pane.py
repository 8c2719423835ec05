"""The codebook pane: the code tree with its counts, the highlighted code's definition, and
every codebook edit (add, edit, move, merge, delete, memo, pin) with its dialogs and keys.

The pane holds what the workbench knows of the codebook (codes in tree order, their colours,
the pins) and changes it only through the :class:`~qualcode.tui.controller.CodingController`;
each change posts the messages the controller returns, and the screen refreshes what they name.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from qualcode.store.records import Code
from qualcode.tui.colors import code_colors
from qualcode.tui.controller import CodingController, Outcome
from qualcode.tui.widgets.codebook import CodebookTree, CodeDetail

PANE_BINDINGS = [
    Binding("a", "add_code", "Add code", tooltip="Add a code under the highlighted theme"),
    Binding("e", "edit_code", "Edit", tooltip="Name, definitions and colour of the code"),
    Binding("R", "rename_code", "Rename", show=False, tooltip="Rename the highlighted code"),
    Binding("M", "move_code", "Move", tooltip="Put the highlighted code under another"),
    Binding("J", "merge_code", "Merge", tooltip="Fold the highlighted code into another"),
    Binding("delete,D", "delete_code", "Delete", tooltip="Delete the highlighted code (asks)"),
    Binding("m", "code_memo", "Memo", tooltip="Write a memo on the highlighted code"),
    Binding("escape", "screen.focus_transcript", "Back to text", show=False),
    *[
        Binding(str(n), f"pin({n})", f"Pin to {n}", show=False, tooltip=f"Pin the code to key {n}")
        for n in range(1, 10)
    ],
    Binding("0", "pin(0)", "Unpin", show=False, tooltip="Unpin the highlighted code"),
]


class CodebookPane(Vertical):
    """Tree above, definition below; its keys work while the tree has focus."""

    BINDINGS = list[Binding | tuple[str, str] | tuple[str, str, str]](PANE_BINDINGS)
    DEFAULT_CSS = """
    CodebookPane { height: 1fr; }
    """

    def __init__(
        self, controller: CodingController, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.controller = controller
        self.codes: list[Code] = []
        self.by_id: dict[int, Code] = {}
        self.color_map: dict[int, str] = {}
        self.pins: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        yield CodebookTree(id="codebook")
        yield CodeDetail(id="detail")

    @property
    def codebook_tree(self) -> CodebookTree:
        return self.query_one(CodebookTree)

    @property
    def code_id(self) -> int | None:
        return self.codebook_tree.code_id

    # ------------------------------------------------------------------ showing

    def load(self, codes: list[Code], doc_counts: dict[int, int], pins: dict[int, int]) -> None:
        """The whole codebook (on open, after a codebook edit, after another program)."""
        self.codes = codes
        self.by_id = {c.id: c for c in codes}
        self.color_map = code_colors(codes)
        self.pins = pins
        self.codebook_tree.set_codes(codes, self.color_map, doc_counts, pins)
        self.show_detail(self.codebook_tree.code_id)

    def set_pins(self, pins: dict[int, int]) -> None:
        self.pins = pins
        self.codebook_tree.set_pins(pins)

    def code_name(self, code_id: int) -> str:
        code = self.by_id.get(code_id)
        return code.name if code is not None else "?"

    def theme_of(self, code_id: int | None) -> Code | None:
        """The theme a code belongs to (itself when it is a theme)."""
        code = self.by_id.get(code_id) if code_id is not None else None
        while code is not None and code.parent_id is not None:
            parent = self.by_id.get(code.parent_id)
            if parent is None:
                break
            code = parent
        return code

    def show_detail(self, code_id: int | None) -> None:
        code = self.by_id.get(code_id) if code_id is not None else None
        memo = self.controller.memos_on("code", code.id) if code is not None else ""
        self.query_one(CodeDetail).show_code(
            code, self.color_map.get(code_id or -1, "#888888"), memo or None
        )

    @on(CodebookTree.CodeHighlighted)
    def _highlighted(self, event: CodebookTree.CodeHighlighted) -> None:
        self.show_detail(event.code_id)

    # ------------------------------------------------------------------ changing

    def report(self, outcome: Outcome, toast: bool = True) -> bool:
        """Post what changed and say so; False when nothing was done."""
        if outcome.error:
            self.notify(outcome.error, severity="error", timeout=6)
            return False
        for message in outcome.messages:
            self.post_message(message)
        if outcome.note and (toast or not outcome.ok):
            self.notify(outcome.note, timeout=3)
        return outcome.ok

    def _selected_code(self) -> Code | None:
        code = (
            self.by_id.get(self.codebook_tree.code_id)
            if self.codebook_tree.code_id is not None
            else None
        )
        if code is None:
            self.notify("Highlight a code in the codebook first (C)", severity="warning")
        return code

    def action_add_code(self) -> None:
        from qualcode.tui.screens.dialogs import CodeForm, CodeFormScreen

        parent = (
            self.by_id.get(self.codebook_tree.code_id)
            if self.codebook_tree.code_id is not None
            else None
        )
        if parent is not None and parent.depth > 0 and parent.parent_id is not None:
            parent = self.by_id.get(parent.parent_id, parent)
        where = f" under '{parent.name}'" if parent else " (top level)"

        def save(form: CodeForm | None) -> None:
            if form is None:
                return
            outcome = self.controller.add_code(
                form.name, parent.id if parent else None, form.fields
            )
            if outcome.ok:
                outcome.note += where
            self.report(outcome)

        self.app.push_screen(CodeFormScreen(f"New code{where}"), save)

    def action_edit_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import CodeForm, CodeFormScreen

        def save(form: CodeForm | None) -> None:
            if form is not None:
                outcome = self.controller.edit_code(code, form.name, form.fields)
                if outcome.ok or outcome.error:  # "nothing changed" needs no word
                    self.report(outcome)

        self.app.push_screen(CodeFormScreen(f"Edit '{code.name}'", code), save)

    def action_rename_code(self) -> None:
        self.action_edit_code()

    def action_move_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import TOP_LEVEL, ChooseCodeScreen

        def moved(target: int | str | None) -> None:
            if target is None:
                return
            parent = None if target == TOP_LEVEL else int(target)
            self.report(self.controller.move_code(code, parent))

        choices = self.controller.choices_for(code, self.codes)
        self.app.push_screen(
            ChooseCodeScreen(f"Move '{code.name}' under…", choices, self.color_map, allow_top=True),
            moved,
        )

    def action_merge_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import ChooseCodeScreen

        def merged(target: int | str | None) -> None:
            if isinstance(target, int):
                self.report(self.controller.merge_code(code, target))

        choices = self.controller.choices_for(code, self.codes)
        self.app.push_screen(
            ChooseCodeScreen(f"Merge '{code.name}' into…", choices, self.color_map), merged
        )

    def action_delete_code(self) -> None:
        code = self._selected_code()
        if code is None:
            return
        from qualcode.tui.screens.dialogs import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.report(self.controller.delete_code(code))

        detail = ""
        codings = self.codebook_tree.total(code.id)
        if codings or code.child_count:
            detail = (
                f"It has {codings} coding(s), which are deleted with it, and "
                f"{code.child_count} sub-code(s), which move up a level. Undo (z) brings it back."
            )
        self.app.push_screen(ConfirmScreen(f"Delete code '{code.name}'?", detail), confirmed)

    def action_code_memo(self) -> None:
        code_id = self.codebook_tree.code_id
        if code_id is None:
            return
        from qualcode.tui.screens.dialogs import MemoScreen

        current = self.controller.memo("code", code_id)

        def save(text: str | None) -> None:
            if text is not None and text != current:
                self.report(self.controller.set_memo("code", code_id, text), toast=True)

        self.app.push_screen(
            MemoScreen(f"Your memo on code '{self.code_name(code_id)}'", current), save
        )

    def action_pin(self, slot: int) -> None:
        code_id = self.codebook_tree.code_id
        if code_id is None:
            return
        name = self.code_name(code_id)
        if slot == 0:
            self.report(self.controller.unpin(code_id, name))
        else:
            self.report(self.controller.pin(slot, code_id, name))


__all__ = ["PANE_BINDINGS", "CodebookPane"]
