"""What changed, said once: the messages a change posts so each pane refreshes only what it
shows of it.

The coding controller (:mod:`qualcode.tui.controller`) returns these with every change it makes;
the widget that asked posts them, and they bubble up to the workbench screen, which refreshes:

* :class:`CodingsChanged` — codings added, removed or moved in one document: that document's
  transcript codings, its row in the documents list, and the counts of the codes named;
* :class:`CodebookChanged` — codes added, edited, moved, merged or deleted: the codebook tree,
  colours and names in the transcript, and every count (a merge or delete moves codings too);
* :class:`MemosChanged` — a memo written or cleared: the code detail when it shows that code;
* :class:`PinsChanged` — quick keys re-pinned: the codebook labels only;
* :class:`ProjectChanged` — anything else (another program committed, an undo that touched
  several kinds of rows): everything is read again.

They are plain Textual messages and can be made without a running app, so the controller's
tests assert on them directly.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.message import Message


class CodingsChanged(Message):
    """Codings changed in ``document_id`` (``None``: possibly in several documents), for the
    codes in ``code_ids`` (empty: any code)."""

    def __init__(
        self,
        document_id: int | None,
        code_ids: Iterable[int] = (),
        jump: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.document_id = document_id
        self.code_ids = frozenset(code_ids)
        self.jump = jump  # a span to show (undo/redo of a coding in the open document)

    def __repr__(self) -> str:
        return f"CodingsChanged({self.document_id}, {sorted(self.code_ids)})"


class CodebookChanged(Message):
    """The code tree changed; ``select`` is a code to highlight once it is redrawn."""

    def __init__(self, select: int | None = None) -> None:
        super().__init__()
        self.select = select

    def __repr__(self) -> str:
        return f"CodebookChanged(select={self.select})"


class MemosChanged(Message):
    """A memo on ``target_type`` ``target_id`` was written or cleared."""

    def __init__(self, target_type: str, target_id: int | None) -> None:
        super().__init__()
        self.target_type = target_type
        self.target_id = target_id

    def __repr__(self) -> str:
        return f"MemosChanged({self.target_type!r}, {self.target_id})"


class PinsChanged(Message):
    """Quick-key pins changed."""

    def __repr__(self) -> str:
        return "PinsChanged()"


class ProjectChanged(Message):
    """Anything may have changed: read everything again."""

    def __repr__(self) -> str:
        return "ProjectChanged()"


__all__ = [
    "CodebookChanged",
    "CodingsChanged",
    "MemosChanged",
    "PinsChanged",
    "ProjectChanged",
]
