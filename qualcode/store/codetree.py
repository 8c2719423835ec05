"""The code tree as a value: the one copy of parent/child logic for every layer.

Store, analysis, reports and the workbench all ask the same questions of a codebook: what are
a code's children, everything below it (what a theme counts), which theme it belongs to, how
deep it sits. Each used to walk ``parent_id`` its own way; they now build a :class:`CodeTree`
from ``(id, parent_id)`` pairs in tree order and ask it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CodeTree:
    """Parent/child structure of a codebook, built once from (id, parent id) in tree order.

    A top-level code is a *theme*; a theme with children counts its whole subtree."""

    order: tuple[int, ...]
    parent: dict[int, int | None]
    _children: dict[int | None, tuple[int, ...]] = field(repr=False)

    @classmethod
    def build(cls, pairs: Iterable[tuple[int, int | None]]) -> CodeTree:
        """``pairs`` are (code id, parent id or None), siblings in codebook order; ``order``
        is then the tree order (each code before its sub-codes), walked without recursion so
        a deep tree cannot exhaust the stack."""
        parent: dict[int, int | None] = {}
        children: dict[int | None, list[int]] = {}
        for code_id, parent_id in pairs:
            parent[code_id] = parent_id
            children.setdefault(parent_id, []).append(code_id)
        frozen = {k: tuple(v) for k, v in children.items()}
        order: list[int] = []
        stack = list(reversed(frozen.get(None, ())))
        while stack:
            current = stack.pop()
            order.append(current)
            stack.extend(reversed(frozen.get(current, ())))
        return cls(tuple(order), parent, frozen)

    def __contains__(self, code_id: object) -> bool:
        return code_id in self.parent

    def __len__(self) -> int:
        return len(self.order)

    @property
    def themes(self) -> tuple[int, ...]:
        """Top-level codes in codebook order."""
        return self._children.get(None, ())

    def children(self, code_id: int | None) -> tuple[int, ...]:
        """Direct sub-codes in codebook order (``None``: the themes)."""
        return self._children.get(code_id, ())

    def descendants(self, code_id: int) -> list[int]:
        """The code itself, then everything below it in tree order: what a theme counts."""
        out: list[int] = []
        stack = [code_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(self._children.get(current, ())))
        return out

    def ancestors(self, code_id: int) -> list[int]:
        """Parent, grandparent, … up to the theme (empty for a theme)."""
        out: list[int] = []
        current = self.parent.get(code_id)
        while current is not None:
            out.append(current)
            current = self.parent.get(current)
        return out

    def theme_of(self, code_id: int) -> int:
        """The top-level code a code belongs to (a theme is its own theme)."""
        chain = self.ancestors(code_id)
        return chain[-1] if chain else code_id

    def depth(self, code_id: int) -> int:
        """0 for a theme, 1 for its sub-codes, and so on."""
        return len(self.ancestors(code_id))

    def is_leaf(self, code_id: int) -> bool:
        return not self._children.get(code_id)
