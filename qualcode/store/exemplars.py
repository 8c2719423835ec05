"""Exemplars: codings a researcher marked as the quotes a report should use first.

One row per coding (``exemplars.coding_id``, cascading with the coding). Every write is an
audited, undoable action. Instantiate as ``Exemplars(project.session)``.
"""

from __future__ import annotations

from qualcode.errors import ProjectError
from qualcode.store.session import Session, now


class Exemplars:
    def __init__(self, session: Session) -> None:
        self.s = session

    def ids(self) -> set[int]:
        """Coding ids marked as exemplars."""
        return {int(r[0]) for r in self.s.conn.execute("SELECT coding_id FROM exemplars")}

    def is_exemplar(self, coding_id: int) -> bool:
        row = self.s.conn.execute(
            "SELECT 1 FROM exemplars WHERE coding_id = ?", (coding_id,)
        ).fetchone()
        return row is not None

    def _check(self, coding_id: int) -> None:
        if not self.s.conn.execute("SELECT 1 FROM codings WHERE id = ?", (coding_id,)).fetchone():
            raise ProjectError(f"no coding with id {coding_id}")

    def mark(self, coding_id: int) -> bool:
        """Mark a coding as an exemplar; False when it already was one."""
        self._check(coding_id)
        if self.is_exemplar(coding_id):
            return False
        with self.s.action("exemplar.mark", f"Marked coding {coding_id} as an exemplar"):
            self.s.insert(
                "exemplars",
                {"coding_id": coding_id, "coder_id": self.s.coder_id(), "marked_at": now()},
            )
        return True

    def unmark(self, coding_id: int) -> bool:
        """Remove the exemplar mark; False when the coding was not marked."""
        if not self.is_exemplar(coding_id):
            return False
        with self.s.action("exemplar.unmark", f"Unmarked coding {coding_id} as an exemplar"):
            self.s.delete("exemplars", coding_id)
        return True

    def toggle(self, coding_id: int) -> bool:
        """Flip the mark (the workbench key); returns whether the coding is now an exemplar."""
        if self.is_exemplar(coding_id):
            self.unmark(coding_id)
            return False
        self.mark(coding_id)
        return True
