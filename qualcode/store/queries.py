"""Saved queries: a name and the text of a query (coding query or search), kept in the project.

Saving, replacing and deleting are undoable actions like any other change. The text is stored as
typed; :mod:`qualcode.query` parses it when it is run, so a saved query follows renamed codes
only if its text is edited (a run names the missing code, with the column).

The store does not parse queries, so :func:`qualcode.query.service.save_query` and
:func:`~qualcode.query.service.delete_query` are the way in for people's actions: they refuse a
save that makes saved queries use one another in a circle and a delete while another query
uses the one deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.errors import ProjectError
from qualcode.store.invariants import clean_name
from qualcode.store.session import Session, now


@dataclass(frozen=True)
class SavedQuery:
    id: int
    name: str
    query: str
    created_at: str


class SavedQueries:
    def __init__(self, session: Session) -> None:
        self.s = session

    def list(self) -> list[SavedQuery]:
        rows = self.s.conn.execute(
            "SELECT id, name, query, created_at FROM saved_queries ORDER BY name COLLATE NOCASE"
        )
        return [SavedQuery(*r) for r in rows]

    def find(self, name: str) -> SavedQuery | None:
        row = self.s.conn.execute(
            "SELECT id, name, query, created_at FROM saved_queries WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            row = self.s.conn.execute(
                "SELECT id, name, query, created_at FROM saved_queries "
                "WHERE name = ? COLLATE NOCASE",
                (name,),
            ).fetchone()
        return SavedQuery(*row) if row else None

    def get(self, name: str) -> SavedQuery:
        found = self.find(name)
        if found is None:
            known = ", ".join(q.name for q in self.list()) or "none saved yet"
            raise ProjectError(f"no saved query named '{name}' (saved: {known})")
        return found

    def save(self, name: str, query: str) -> int:
        """Save ``query`` under ``name``, replacing the text of a query of that name."""
        name = clean_name(name, "query")
        if not query.strip():
            raise ProjectError("a saved query needs some text")
        old = self.find(name)
        with self.s.action("query.save", f"Saved query '{name}': {query[:60]}"):
            if old is not None:
                self.s.update("saved_queries", old.id, {"query": query})
                return old.id
            return self.s.insert(
                "saved_queries", {"name": name, "query": query, "created_at": now()}
            )

    def delete(self, name: str) -> None:
        old = self.get(name)
        with self.s.action("query.delete", f"Deleted saved query '{old.name}'"):
            self.s.delete("saved_queries", old.id)
