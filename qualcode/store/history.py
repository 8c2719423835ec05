"""Undo and redo, built on the audit trail.

Every action's row changes are stored in ``events.changes``; undo replays them backwards after
checking each row is exactly as the action left it, so an undo never clobbers someone else's
later edit (the TUI and a CLI command may share the file). Undo is per coder.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store.records import Event
from qualcode.store.session import Session, decode_changes

# Deleting one of these rows would take its memos with it (ON DELETE CASCADE) without an
# audit record; undo and redo refuse instead, as for any later work that depends on the row.
_MEMO_COLUMN = {"documents": "document_id", "codes": "code_id", "codings": "coding_id"}


class History:
    """Undo, redo and the audit trail of one project."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def undo(self) -> Event | None:
        """Revert the current coder's most recent undoable action; None if there is none."""
        coder_id = self.s.lookup_coder_id(self.s.coder)
        if coder_id is None:
            return None
        row = self.s.conn.execute(
            "SELECT id FROM events WHERE undoable = 1 AND reverted = 0 AND coder_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (coder_id,),
        ).fetchone()
        if row is None:
            return None
        event = self.event(int(row[0]))
        with self.s.action("undo", f"Undo: {event.summary}", undoable=False):
            self._replay_checked(event, backwards=True)
            undo_id = self._next_event_id()
            self.s.conn.execute(
                "UPDATE events SET reverted = 1, redo_available = 1, reverted_by = ? WHERE id = ?",
                (undo_id, event.id),
            )
        return event

    def redo(self) -> Event | None:
        """Re-apply the most recently undone action, unless a new action came since."""
        coder_id = self.s.lookup_coder_id(self.s.coder)
        if coder_id is None:
            return None
        row = self.s.conn.execute(
            "SELECT id FROM events WHERE redo_available = 1 AND coder_id = ? "
            "ORDER BY reverted_by DESC LIMIT 1",
            (coder_id,),
        ).fetchone()
        if row is None:
            return None
        event = self.event(int(row[0]))
        with self.s.action("redo", f"Redo: {event.summary}", undoable=False):
            self._replay_checked(event, backwards=False)
            self.s.conn.execute(
                "UPDATE events SET reverted = 0, redo_available = 0, reverted_by = NULL "
                "WHERE id = ?",
                (event.id,),
            )
        return event

    def _next_event_id(self) -> int:
        row = self.s.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM events").fetchone()
        return int(row[0])

    def _replay_checked(self, event: Event, backwards: bool) -> None:
        """Replay, turning a broken reference into a clear refusal (the action rolls back)."""
        try:
            self._replay(event, backwards)
        except sqlite3.IntegrityError as exc:
            verb = "undo" if backwards else "redo"
            raise ProjectError(
                f"cannot {verb} '{event.summary}': later changes depend on it ({exc})"
            ) from exc

    def _replay(self, event: Event, backwards: bool) -> None:
        changes = list(reversed(event.changes)) if backwards else list(event.changes)
        for change in changes:
            if "before" not in change or "after" not in change:
                continue  # a note about non-undoable bulk work (an import), not a row change
            table, rowid = change["table"], int(change["rowid"])
            expected, target = (
                (change["after"], change["before"])
                if backwards
                else (change["before"], change["after"])
            )
            current = self.s.row(table, rowid)
            if not _same_row(current, expected):
                verb = "undo" if backwards else "redo"
                raise ProjectError(
                    f"cannot {verb} '{event.summary}': it was changed since (in {table})"
                )
            if target is None:
                column = _MEMO_COLUMN.get(table)
                if (
                    column
                    and self.s.conn.execute(
                        f"SELECT 1 FROM memos WHERE {column} = ?", (rowid,)
                    ).fetchone()
                ):
                    verb = "undo" if backwards else "redo"
                    raise ProjectError(
                        f"cannot {verb} '{event.summary}': a memo written since is attached "
                        "to what it would remove; delete that memo first"
                    )
                self.s.delete(table, rowid)
            elif current is None:
                self.s.restore(table, {"rowid": rowid, **target})
            else:
                self.s.update(table, rowid, target)

    def events(self, limit: int = 50) -> list[Event]:
        """The audit trail, newest first."""
        rows = self.s.conn.execute(
            "SELECT e.id, e.at, c.name, e.action, e.summary, e.changes, e.undoable, e.reverted "
            "FROM events e LEFT JOIN coders c ON c.id = e.coder_id ORDER BY e.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [_event(r) for r in rows]

    def event(self, event_id: int) -> Event:
        row = self.s.conn.execute(
            "SELECT e.id, e.at, c.name, e.action, e.summary, e.changes, e.undoable, e.reverted "
            "FROM events e LEFT JOIN coders c ON c.id = e.coder_id WHERE e.id = ?",
            (event_id,),
        ).fetchone()
        if row is None:
            raise ProjectError(f"no event {event_id}")
        return _event(row)


def _same_row(current: dict[str, Any] | None, expected: dict[str, Any] | None) -> bool:
    """A row is as an action left it when every column the action recorded still holds its
    value; columns added by a later migration (which the record cannot know) are left out."""
    if current is None or expected is None:
        return current is expected
    return all(current.get(key) == value for key, value in expected.items())


def _event(r: tuple[Any, ...]) -> Event:
    return Event(
        id=r[0],
        at=r[1],
        coder=r[2],
        action=r[3],
        summary=r[4],
        changes=decode_changes(r[5]),
        undoable=bool(r[6]),
        reverted=bool(r[7]),
    )
