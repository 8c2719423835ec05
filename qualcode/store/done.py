"""Done-marks: a coder says "I have finished coding this document".

Agreement counts, per coder, only the documents that coder marked done (see
:mod:`qualcode.analysis.agreement_data`); merging carries the marks from file to file.

Migration 4 created ``done_marks`` as a ``WITHOUT ROWID`` table keyed by (document, coder).
The audited row path (:meth:`Session.insert`, undo and redo) identifies rows by ``rowid``, so on
such a table a mark is written inside an audited action but is not undoable; unmarking is the
undo. If a later migration gives the table a rowid (an ``id`` column), marks become undoable
through the ordinary path with no change here.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.store import lookup
from qualcode.store.session import Session, now


@dataclass(frozen=True)
class DoneMark:
    document: str
    coder: str
    marked_at: str


class DoneMarks:
    """The done-marks of one project (``DoneMarks(project.session)``)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # ------------------------------------------------------------------ reading

    def list(self, coder: str | None = None, documents: Sequence[str | int] = ()) -> list[DoneMark]:
        """Every mark (of one coder, of some documents: an unknown document is an error)."""
        sql = (
            "SELECT d.name, k.name, m.marked_at FROM done_marks m "
            "JOIN documents d ON d.id = m.document_id JOIN coders k ON k.id = m.coder_id"
        )
        where: list[str] = []
        args: list[str | int] = []
        if coder is not None:
            where.append("k.name = ?")
            args.append(coder)
        if documents:
            ids = list(dict.fromkeys(lookup.document_id(self.s, d) for d in documents))
            where.append(f"d.id IN ({', '.join('?' * len(ids))})")
            args += ids
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY k.name, d.name"
        return [DoneMark(r[0], r[1], r[2]) for r in self.s.conn.execute(sql, args)]

    def marks(self) -> dict[str, set[str]]:
        """Documents marked done, per coder name (the shape agreement reads)."""
        out: dict[str, set[str]] = {}
        for mark in self.list():
            out.setdefault(mark.coder, set()).add(mark.document)
        return out

    def is_done(self, document: str | int, coder: str | None = None) -> bool:
        doc_id = lookup.document_id(self.s, document)
        coder_id = self.s.lookup_coder_id(coder or self.s.coder)
        if coder_id is None:
            return False
        return (
            self.s.conn.execute(
                "SELECT 1 FROM done_marks WHERE document_id = ? AND coder_id = ?",
                (doc_id, coder_id),
            ).fetchone()
            is not None
        )

    # ------------------------------------------------------------------ writing

    def mark(self, document: str | int, done: bool = True) -> bool:
        """Mark (or with ``done=False`` unmark) a document done for the current coder.

        Returns False when nothing changed (already marked, or not marked)."""
        return self.mark_many([document], done)[0]

    def mark_many(self, documents: Sequence[str | int], done: bool = True) -> builtins.list[bool]:
        """Mark (or unmark) several documents as one action, so one audit event.

        Every document is looked up before anything is written: one unknown name changes
        nothing (``qualcode done P a nodoc`` must not mark ``a`` and then fail). Returns, per
        document, whether its mark changed; no action is recorded when none did."""
        ids = [lookup.document_id(self.s, d) for d in documents]
        changing = [i for i in dict.fromkeys(ids) if self.is_done(i) != done]
        if changing:
            names = [lookup.document_name(self.s, i) for i in changing]
            what = names[0] if len(names) == 1 else f"{len(names)} documents"
            verb = "Marked" if done else "Unmarked"
            with self.s.action(
                "document.done" if done else "document.undone",
                f"{verb} {what} done for {self.s.coder}",
            ):
                coder_id = self.s.coder_id()
                for doc_id in changing:
                    self.write(doc_id, coder_id, done)
        seen: set[int] = set()
        changed = []
        for doc_id in ids:  # a name given twice changed at most once
            changed.append(doc_id in changing and doc_id not in seen)
            seen.add(doc_id)
        return changed

    def toggle(self, document: str | int) -> bool:
        """Flip the current coder's mark on a document; returns the new state."""
        done = not self.is_done(document)
        self.mark(document, done)
        return done

    def write(
        self, document_id: int, coder_id: int, done: bool = True, marked_at: str | None = None
    ) -> bool:
        """Add or remove one mark inside the caller's action (merging uses this); True when
        something changed."""
        self.s.require_action()
        exists = self.s.conn.execute(
            "SELECT 1 FROM done_marks WHERE document_id = ? AND coder_id = ?",
            (document_id, coder_id),
        ).fetchone()
        if bool(exists) == done:
            return False
        if done:
            self.s.insert(
                "done_marks",
                {"document_id": document_id, "coder_id": coder_id, "marked_at": marked_at or now()},
            )
            return True
        (row_id,) = self.s.conn.execute(
            "SELECT id FROM done_marks WHERE document_id = ? AND coder_id = ?",
            (document_id, coder_id),
        ).fetchone()
        self.s.delete("done_marks", int(row_id))
        return True
