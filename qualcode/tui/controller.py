"""The coding controller: every change the workbench makes, over the store, without Textual.

Screens and widgets ask the controller to code a passage, remove or move a coding, write a
memo, pin a code, edit the codebook, undo or redo. Each method makes one store action (so one
``z`` takes it back) and returns an :class:`Outcome`: whether it worked, one line saying what
happened (or why not), the new ids, and the messages (:mod:`qualcode.tui.messages`) that say
what changed, which the caller posts so only the panes showing that data refresh.

Nothing here draws, and nothing here catches a user's mistake silently: a store error becomes
``Outcome.error`` with the store's own one-line message. ``tests/test_coding_controller.py``
drives it on a project in ``tmp_path`` with no app running.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textual.message import Message

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store import workbench as wb
from qualcode.store.records import Code, Coding, Event
from qualcode.tui.messages import (
    CodebookChanged,
    CodingsChanged,
    MemosChanged,
    PinsChanged,
    ProjectChanged,
)


@dataclass
class Outcome:
    """What a change did: ``ok`` and ``note`` (for the status line), or ``error``."""

    ok: bool = True
    note: str = ""
    error: str | None = None
    value: Any = None
    messages: list[Message] = field(default_factory=list)
    event: Event | None = None

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls(ok=False, error=error)

    @classmethod
    def nothing(cls, note: str) -> Outcome:
        """Nothing to do (not an error): the note says why."""
        return cls(ok=False, note=note)


class CodingController:
    """Coding, memos, pins, codebook edits and undo for one open project and coder."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @property
    def coder(self) -> str:
        return self.project.session.coder

    # ------------------------------------------------------------------ helpers

    def _run(self, change: Callable[[], Any]) -> tuple[Any, str | None]:
        """Run one store change; a user error or a busy file becomes a message."""
        try:
            return change(), None
        except QualcodeError as exc:
            return None, str(exc)
        except sqlite3.Error as exc:
            return None, f"could not save: {exc}"

    def _code_names(self, code_ids: Iterable[int]) -> list[str]:
        names = {c.id: c.name for c in self.project.codebook.codes()}
        return [names.get(i, "?") for i in code_ids]

    def mine_on(self, document_id: int, start: int, end: int, shown: Sequence[Coding]) -> set[int]:
        """Codes this coder already put on exactly ``[start, end)`` (from the codings shown)."""
        return {
            c.code_id
            for c in shown
            if c.document_id == document_id
            and (c.start, c.end) == (start, end)
            and c.coder == self.coder
        }

    # ------------------------------------------------------------------ coding

    def code(
        self,
        document_id: int,
        start: int,
        end: int,
        code_ids: Sequence[int],
        shown: Sequence[Coding] | None = None,
        names: dict[int, str] | None = None,
    ) -> Outcome:
        """Apply codes to a passage (skipping those this coder already put there), one action.

        ``shown`` are the codings the caller already has for the document (the transcript's),
        so the check costs no query; ``names`` (code id -> name) likewise."""
        if shown is None:
            shown = self.project.codings.list(document=document_id, coder=self.coder)
        existing = self.mine_on(document_id, start, end, shown)
        todo = [i for i in dict.fromkeys(code_ids) if i not in existing]

        def labels(ids: Sequence[int]) -> list[str]:
            known = [(names or {}).get(i) for i in ids]
            return [str(n) for n in known] if all(known) else self._code_names(ids)

        if not todo:
            return Outcome.nothing("That passage already has " + ", ".join(labels(code_ids)))
        if len(todo) == 1:
            ids, error = self._run(
                lambda: [self.project.codings.add(document_id, todo[0], start, end)]
            )
        else:
            ids, error = self._run(
                lambda: self.project.codings.add_many(document_id, todo, start, end)
            )
        if error is not None:
            return Outcome.failed(error)
        return Outcome(
            note="Coded: " + ", ".join(labels(todo)),
            value=ids,
            messages=[CodingsChanged(document_id, todo)],
        )

    def create_code_and_apply(
        self,
        name: str,
        parent: int | None,
        document_id: int,
        start: int,
        end: int,
        also: Sequence[int] = (),
        shown: Sequence[Coding] | None = None,
    ) -> Outcome:
        """Create a code and code the passage with it (and with ``also``) in one action, so one
        ``z`` takes back both the code and the coding."""
        if shown is None:
            shown = self.project.codings.list(document=document_id, coder=self.coder)
        existing = self.mine_on(document_id, start, end, shown)
        todo = [i for i in dict.fromkeys(also) if i not in existing]
        project = self.project
        where = "at the top level" if parent is None else f"under '{self._code_names([parent])[0]}'"

        def create() -> int:
            store_level = getattr(project, "create_code_and_apply", None)
            with project.action("code.add", f"Created code '{name}' {where} and coded"):
                if store_level is not None:
                    new_id, _ = store_level(name, parent, document_id, start, end)
                else:
                    new_id = project.codebook.add(name, parent=parent)
                    project.codings.add(document_id, new_id, start, end)
                if todo:
                    project.codings.add_many(document_id, todo, start, end)
            return int(new_id)

        new_id, error = self._run(create)
        if error is not None:
            return Outcome.failed(error)
        coded = self._code_names([*todo, new_id])
        return Outcome(
            note="Coded: " + ", ".join(coded),
            value=new_id,
            messages=[CodebookChanged(select=new_id), CodingsChanged(document_id, [*todo, new_id])],
        )

    def remove(self, coding: Coding) -> Outcome:
        _, error = self._run(lambda: self.project.codings.remove(coding.id))
        if error is not None:
            return Outcome.failed(error)
        return Outcome(
            note=f"Removed '{coding.code}' (z undoes)",
            messages=[CodingsChanged(coding.document_id, [coding.code_id])],
        )

    def move(self, coding: Coding, start: int, end: int) -> Outcome:
        """Move a coding's boundaries."""
        if (start, end) == (coding.start, coding.end):
            return Outcome.nothing("Boundaries unchanged")
        _, error = self._run(lambda: self.project.codings.move(coding.id, start=start, end=end))
        if error is not None:
            return Outcome.failed(error)
        return Outcome(
            note=f"Moved '{coding.code}' to [{start}:{end}]",
            messages=[CodingsChanged(coding.document_id, [coding.code_id])],
        )

    # ------------------------------------------------------------------ memos

    def memo(self, target_type: str, target_id: int) -> str:
        """This coder's memo on a document, code or coding ('' if none)."""
        memos = self.project.memos.list(target_type, target_id)
        return next((m.text for m in memos if m.coder == self.coder), "")

    def memos_on(self, target_type: str, target_id: int) -> str:
        """Every coder's memo on a target, one per line as 'coder: text'."""
        return "\n".join(
            f"{m.coder}: {m.text}" for m in self.project.memos.list(target_type, target_id)
        )

    def set_memo(self, target_type: str, target_id: int, text: str) -> Outcome:
        """Write (or, with empty text, delete) this coder's memo."""
        if text == self.memo(target_type, target_id):
            return Outcome.nothing("Memo unchanged")
        _, error = self._run(lambda: self.project.memos.set(target_type, target_id, text))
        if error is not None:
            return Outcome.failed(error)
        return Outcome(
            note="Memo saved" if text else "Memo deleted",
            messages=[MemosChanged(target_type, target_id)],
        )

    # ------------------------------------------------------------------ pins

    def pins(self) -> dict[int, int]:
        return wb.pins(self.project)

    def pin(self, slot: int, code_id: int, name: str = "") -> Outcome:
        _, error = self._run(lambda: wb.set_pin(self.project, slot, code_id))
        if error is not None:
            return Outcome.failed(error)
        name = name or self._code_names([code_id])[0]
        return Outcome(note=f"Key {slot} now codes '{name}'", messages=[PinsChanged()])

    def unpin(self, code_id: int, name: str = "") -> Outcome:
        for slot, pinned in self.pins().items():
            if pinned == code_id:
                _, error = self._run(partial(wb.set_pin, self.project, slot, None))
                if error is not None:
                    return Outcome.failed(error)
        name = name or self._code_names([code_id])[0]
        return Outcome(note=f"Unpinned '{name}'", messages=[PinsChanged()])

    # ------------------------------------------------------------------ codebook

    def add_code(self, name: str, parent: int | None, fields: dict[str, Any]) -> Outcome:
        values = {k: v for k, v in fields.items() if v}
        new_id, error = self._run(lambda: self.project.codebook.add(name, parent=parent, **values))
        if error is not None:
            return Outcome.failed(error)
        return Outcome(
            note=f"Added code '{name}'", value=new_id, messages=[CodebookChanged(select=new_id)]
        )

    def edit_code(self, code: Code, name: str, fields: dict[str, Any]) -> Outcome:
        """Rename a code and/or change its fields, one action."""
        changed: dict[str, Any] = {k: v for k, v in fields.items() if (getattr(code, k) or "") != v}
        if "color" in changed and not changed["color"]:
            changed["color"] = None
        if not changed and name == code.name:
            return Outcome.nothing("Nothing changed")
        project = self.project

        def change() -> None:
            with project.action("code.edit", f"Edited code '{code.name}'"):
                if name != code.name:
                    project.codebook.rename(code.id, name)
                if changed:
                    project.codebook.update(code.id, **changed)

        _, error = self._run(change)
        if error is not None:
            return Outcome.failed(error)
        return Outcome(note=f"Saved '{name}'", messages=[CodebookChanged(select=code.id)])

    def move_code(self, code: Code, parent: int | None) -> Outcome:
        _, error = self._run(lambda: self.project.codebook.move(code.id, parent))
        if error is not None:
            return Outcome.failed(error)
        where = "to the top level" if parent is None else f"under '{self._code_names([parent])[0]}'"
        return Outcome(
            note=f"Moved '{code.name}' {where}", messages=[CodebookChanged(select=code.id)]
        )

    def merge_code(self, code: Code, target: int) -> Outcome:
        name = self._code_names([target])[0]
        moved, error = self._run(lambda: self.project.codebook.merge(code.id, target))
        if error is not None:
            return Outcome.failed(error)
        return Outcome(
            note=f"Merged '{code.name}' into '{name}' ({moved} coding(s) moved)",
            value=moved,
            messages=[CodebookChanged(select=target)],
        )

    def delete_code(self, code: Code) -> Outcome:
        _, error = self._run(lambda: self.project.codebook.delete(code.id, force=True))
        if error is not None:
            return Outcome.failed(error)
        return Outcome(note=f"Deleted '{code.name}' (z undoes)", messages=[CodebookChanged()])

    def choices_for(self, code: Code, codes: Sequence[Code]) -> list[Code]:
        """Codes ``code`` may be moved under or merged into: not itself nor its sub-codes."""
        blocked = set(self.project.codebook.descendant_ids(code.id))
        return [c for c in codes if c.id not in blocked]

    # ------------------------------------------------------------------ undo / redo

    def undo(self) -> Outcome:
        return self._step(forward=False)

    def redo(self) -> Outcome:
        return self._step(forward=True)

    def _step(self, forward: bool) -> Outcome:
        history = self.project.history
        event, error = self._run(history.redo if forward else history.undo)
        if error is not None:
            return Outcome.failed(error)
        if event is None:
            return Outcome.nothing("Nothing to redo" if forward else "Nothing to undo")
        verb = "Redone" if forward else "Undone"
        return Outcome(note=f"{verb}: {event.summary}", event=event, messages=changes_of(event))


def changes_of(event: Event) -> list[Message]:
    """The messages an undone or redone event calls for, from the rows it touched: a coding
    in one document refreshes that document; a code refreshes the codebook; anything else
    refreshes everything."""
    tables: set[str] = set()
    documents: set[int] = set()
    code_ids: set[int] = set()
    memos: list[MemosChanged] = []
    jump: tuple[int, int] | None = None
    for change in event.changes:
        table = str(change.get("table"))
        tables.add(table)
        row = change.get("after") or change.get("before") or {}
        if table == "codings":
            if row.get("document_id") is not None:
                documents.add(int(row["document_id"]))
            if row.get("code_id") is not None:
                code_ids.add(int(row["code_id"]))
            if jump is None and row.get("start") is not None:
                jump = (int(row["start"]), int(row["end"]))
        elif table == "memos":
            target_type = row.get("target_type")
            target_id = row.get("target_id")
            if target_type is None:  # a memo row that names its target by foreign key
                for kind in ("document", "code", "coding"):
                    if row.get(f"{kind}_id") is not None:
                        target_type, target_id = kind, row[f"{kind}_id"]
            memos.append(MemosChanged(str(target_type or "project"), target_id))
    if not tables:
        return []
    if tables <= {"codings", "memos", "suggestions"}:
        out: list[Message] = []
        if "codings" in tables:
            document = next(iter(documents)) if len(documents) == 1 else None
            out.append(CodingsChanged(document, code_ids, jump=jump if document else None))
        return out + memos
    if tables <= {"settings"}:
        return [PinsChanged()]
    if "codes" in tables and tables <= {"codes", "codings", "memos", "suggestions"}:
        return [CodebookChanged(), *memos]
    return [ProjectChanged()]
