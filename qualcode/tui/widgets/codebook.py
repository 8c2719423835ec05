"""The codebook: a tree of themes and codes with counts, and the selected code's definition."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from qualcode.store.records import Code


class CodebookTree(Tree[int]):
    """Themes and codes; each label shows codings in this document / in the project."""

    DEFAULT_CSS = """
    CodebookTree { height: 1fr; padding: 0; overflow-x: hidden; }
    """

    class CodeHighlighted(Message):
        def __init__(self, code_id: int | None) -> None:
            super().__init__()
            self.code_id = code_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Codebook", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.codes: list[Code] = []
        self._shape: list[tuple[int, int | None, bool]] = []
        self._colors: dict[int, str] = {}
        self._pin_of: dict[int, int] = {}
        self._doc_counts: dict[int, int] = {}  # code id -> codings in the shown document
        self._totals: dict[int, int] = {}  # code id -> codings in the project
        self._below: dict[int, set[int]] = {}  # code id -> itself and its descendants
        self._parent_of: dict[int, int | None] = {}
        self._node_of: dict[int, TreeNode[int]] = {}

    def _label(self, code: Code) -> Text:
        label = Text()
        label.append("■ ", style=self._colors.get(code.id, "#888888"))
        if code.id in self._pin_of:
            label.append(f"[{self._pin_of[code.id]}] ", style="bold")
        label.append(code.name, style="bold" if code.depth == 0 else "")
        below = self._below.get(code.id, {code.id})
        here = sum(self._doc_counts.get(i, 0) for i in below)
        total = sum(self._totals.get(i, 0) for i in below)
        if total:
            label.append(f" {here}/{total}", style="dim")
        return label

    def set_codes(
        self,
        codes: list[Code],
        colors: dict[int, str],
        doc_counts: dict[int, int],
        pins: dict[int, int],
    ) -> None:
        """Rebuild, keeping the cursor on the same code and open themes open. When only the
        counts changed the labels are updated in place."""
        self._colors = colors
        self._pin_of = {code_id: slot for slot, code_id in pins.items()}
        self._doc_counts = dict(doc_counts)
        self._totals = {c.id: c.coding_count for c in codes}
        self._below = _totals(codes)
        self._parent_of = {c.id: c.parent_id for c in codes}
        shape = [(c.id, c.parent_id, c.child_count > 0) for c in codes]
        if self.codes and shape == self._shape:
            self.codes = codes
            self._relabel(c.id for c in codes)
            return
        self._shape = shape
        keep = self.cursor_node.data if self.cursor_node is not None else None
        expanded = {n.data for n in self._all_nodes() if n.is_expanded and n.data is not None}
        first_build = not self.codes
        self.codes = codes
        self.clear()
        nodes: dict[int, TreeNode[int]] = {}
        for code in codes:
            parent = nodes.get(code.parent_id, self.root) if code.parent_id else self.root
            label = self._label(code)
            if code.child_count:
                node = parent.add(label, data=code.id, expand=code.id in expanded or first_build)
            else:
                node = parent.add_leaf(label, data=code.id)
            node._qc_markup = label.markup  # type: ignore[attr-defined]
            nodes[code.id] = node
        self._node_of = nodes
        self.root.expand()
        if keep is not None and keep in nodes:
            self.call_after_refresh(self._restore_cursor, keep)
        elif first_build and codes:
            self.call_after_refresh(self._restore_cursor, codes[0].id)

    def update_counts(self, doc_counts: dict[int, int], totals: dict[int, int]) -> None:
        """New counts for some codes (in the shown document, in the project): relabel those
        codes and the themes above them, nothing else."""
        self._doc_counts.update(doc_counts)
        self._totals.update(totals)
        touched: set[int] = set()
        for code_id in {*doc_counts, *totals}:
            current: int | None = code_id
            while current is not None and current not in touched:
                touched.add(current)
                current = self._parent_of.get(current)
        self._relabel(touched)

    def total(self, code_id: int) -> int:
        """Codings of this code (alone) in the project, as the tree last counted them."""
        return self._totals.get(code_id, 0)

    def set_doc_counts(self, doc_counts: dict[int, int]) -> None:
        """Another document is shown: every code's 'here' count changes."""
        self._doc_counts = dict(doc_counts)
        self._relabel(c.id for c in self.codes)

    def set_pins(self, pins: dict[int, int]) -> None:
        pin_of = {code_id: slot for slot, code_id in pins.items()}
        changed = {k for k in {*pin_of, *self._pin_of} if pin_of.get(k) != self._pin_of.get(k)}
        self._pin_of = pin_of
        self._relabel(changed)

    def _relabel(self, code_ids: Iterable[int]) -> None:
        by_id = {c.id: c for c in self.codes}
        for code_id in code_ids:
            code, node = by_id.get(code_id), self._node_of.get(code_id)
            if code is None or node is None:
                continue
            label = self._label(code)
            if label.markup != getattr(node, "_qc_markup", None):
                node._qc_markup = label.markup  # type: ignore[attr-defined]
                node.set_label(label)

    def _restore_cursor(self, code_id: int) -> None:
        for node in self._all_nodes():
            if node.data == code_id:
                self.move_cursor(node, animate=False)
                return

    def select_code(self, code_id: int) -> None:
        for node in self._all_nodes():
            if node.data == code_id:
                parent = node.parent
                while parent is not None:
                    parent.expand()
                    parent = parent.parent
                self.call_after_refresh(self._restore_cursor, code_id)
                return

    def _all_nodes(self) -> list[TreeNode[int]]:
        out: list[TreeNode[int]] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    @property
    def code_id(self) -> int | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[int]) -> None:
        event.stop()
        self.post_message(self.CodeHighlighted(event.node.data))


def _totals(codes: list[Code]) -> dict[int, set[int]]:
    """Each code with all its descendants: a theme counts its codes' codings too."""
    children: dict[int | None, list[int]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code.id)
    out: dict[int, set[int]] = {}

    def collect(code_id: int) -> set[int]:
        ids = {code_id}
        for child in children.get(code_id, []):
            ids |= collect(child)
        out[code_id] = ids
        return ids

    for root in children.get(None, []):
        collect(root)
    for code in codes:  # orphans (should not happen) still get an entry
        out.setdefault(code.id, {code.id})
    return out


class CodeDetail(Static):
    """Definition, when to use, when not to use and example of the highlighted code."""

    DEFAULT_CSS = """
    CodeDetail { height: auto; max-height: 50%; padding: 0 1; overflow-y: auto; }
    """

    def show_code(self, code: Code | None, color: str, memo: str | None = None) -> None:
        if code is None:
            self.update(Text("No code highlighted.", style="dim"))
            return
        text = Text()
        text.append("■ ", style=color)
        text.append(code.name, style="bold")
        if code.parent:
            text.append(f"  (in {code.parent})", style="dim")
        text.append("\n")
        if code.brief:
            text.append(code.brief + "\n", style="italic")
        for label, value in (
            ("Definition", code.definition),
            ("When to use", code.when_to_use),
            ("When not to use", code.when_not_to_use),
            ("Example", code.example),
            ("Memo", memo or ""),
        ):
            value = " ".join((value or "").split())
            if value:
                text.append(f"{label}: ", style="bold")
                text.append(value + "\n")
        self.update(text)
