"""The codebook: a tree of themes and codes with counts, and the selected code's definition."""

from __future__ import annotations

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

    def set_codes(
        self,
        codes: list[Code],
        colors: dict[int, str],
        doc_counts: dict[int, int],
        pins: dict[int, int],
    ) -> None:
        """Rebuild, keeping the cursor on the same code and open themes open. When only the
        counts changed (the usual case after coding) the labels are updated in place, which
        keeps coding fast."""
        pin_of = {code_id: slot for slot, code_id in pins.items()}
        totals = _totals(codes)
        per_code = {c.id: c.coding_count for c in codes}
        labels = {}
        for code in codes:
            label = Text()
            label.append("■ ", style=colors.get(code.id, "#888888"))
            if code.id in pin_of:
                label.append(f"[{pin_of[code.id]}] ", style="bold")
            label.append(code.name, style="bold" if code.depth == 0 else "")
            here = sum(doc_counts.get(i, 0) for i in totals[code.id])
            total = sum(per_code.get(i, 0) for i in totals[code.id])
            if total:
                label.append(f" {here}/{total}", style="dim")
            labels[code.id] = label
        shape = [(c.id, c.parent_id, c.child_count > 0) for c in codes]
        if self.codes and shape == self._shape:
            self.codes = codes
            for node in self._all_nodes():
                label = labels.get(node.data) if node.data is not None else None
                if label is not None and label.markup != getattr(node, "_qc_markup", None):
                    node._qc_markup = label.markup  # type: ignore[attr-defined]
                    node.set_label(label)
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
            label = labels[code.id]
            if code.child_count:
                node = parent.add(label, data=code.id, expand=code.id in expanded or first_build)
            else:
                node = parent.add_leaf(label, data=code.id)
            node._qc_markup = label.markup  # type: ignore[attr-defined]
            nodes[code.id] = node
        self.root.expand()
        if keep is not None and keep in nodes:
            self.call_after_refresh(self._restore_cursor, keep)
        elif first_build and codes:
            self.call_after_refresh(self._restore_cursor, codes[0].id)

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
