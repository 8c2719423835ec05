"""Memos: one per coder on the project, a document, a code or a coding.

A memo points at its target through a real foreign key (``document_id``, ``code_id`` or
``coding_id``, ``ON DELETE CASCADE``), so SQLite itself guarantees no memo outlives what it
annotates. The repositories that delete targets still delete their memos explicitly first,
through the audited path, so that undo brings the memos back with their target.
"""

from __future__ import annotations

import builtins
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.invariants import normalise_guid
from qualcode.store.records import Memo
from qualcode.store.session import Session, new_guid, now

MEMO_TARGETS = ("project", "document", "code", "coding")
TARGET_COLUMN = {"document": "document_id", "code": "code_id", "coding": "coding_id"}


class Memos:
    def __init__(self, session: Session) -> None:
        self.s = session

    def set(self, target_type: str, target: str | int | None, text: str) -> None:
        """Write (or with empty text, delete) the current coder's memo on a target."""
        target_id = self.target_id(target_type, target)
        where, args = _target_clause(target_type, target_id)
        row = self.s.conn.execute(
            f"SELECT m.id FROM memos m JOIN coders c ON c.id = m.coder_id WHERE {where} "
            "AND c.name = ?",
            (*args, self.s.coder),
        ).fetchone()
        if row is None and not text:
            return  # clearing a memo that does not exist: nothing to record
        label = self.label(target_type, target_id)
        with self.s.action("memo.set", f"{'Cleared' if not text else 'Wrote'} memo on {label}"):
            if row is None:
                stamp = now()
                values: dict[str, Any] = {
                    "guid": new_guid(),
                    "target_type": target_type,
                    "coder_id": self.s.coder_id(),
                    "text": text,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                if target_type != "project":
                    values[TARGET_COLUMN[target_type]] = target_id
                self.s.insert("memos", values)
            elif text:
                self.s.update("memos", int(row[0]), {"text": text, "updated_at": now()})
            else:
                self.s.delete("memos", int(row[0]))

    def add_for(
        self,
        target_type: str,
        target: str | int | None,
        coder_id: int,
        text: str,
        created_at: str | None = None,
        updated_at: str | None = None,
        guid: str | None = None,
    ) -> int | None:
        """Add another coder's memo inside the caller's action (merging, REFI-QDA import).

        Where that coder already has a memo on the target, the new text is appended unless it
        is already there; returns the memo id (None when nothing changed)."""
        target_id = self.target_id(target_type, target)
        where, args = _target_clause(target_type, target_id)
        row = self.s.conn.execute(
            f"SELECT m.id, m.text FROM memos m WHERE {where} AND m.coder_id = ?",
            (*args, coder_id),
        ).fetchone()
        if row is not None:
            if text in row[1]:
                return None
            self.s.update(
                "memos", int(row[0]), {"text": f"{row[1]}\n\n{text}", "updated_at": now()}
            )
            return int(row[0])
        stamp = created_at or now()
        values: dict[str, Any] = {
            "guid": normalise_guid(guid) if guid else new_guid(),
            "target_type": target_type,
            "coder_id": coder_id,
            "text": text,
            "created_at": stamp,
            "updated_at": updated_at or stamp,
        }
        if target_type != "project":
            values[TARGET_COLUMN[target_type]] = target_id
        return self.s.insert("memos", values)

    def target_id(self, target_type: str, target: str | int | None) -> int | None:
        """The row a memo target names; a clear error if it does not exist."""
        if target_type not in MEMO_TARGETS:
            raise ProjectError(f"memo target must be one of {', '.join(MEMO_TARGETS)}")
        if target_type == "project":
            return None
        if target is None:
            raise ProjectError(f"a {target_type} memo needs a target")
        if target_type == "document":
            return lookup.document_id(self.s, target)
        if target_type == "code":
            return lookup.code_id(self.s, target)
        try:
            coding = int(target)
        except (TypeError, ValueError):
            raise ProjectError(f"a coding is named by its number, not '{target}'") from None
        if not self.s.conn.execute("SELECT 1 FROM codings WHERE id = ?", (coding,)).fetchone():
            raise ProjectError(f"no coding with id {coding}")
        return coding

    def label(self, target_type: str, target_id: int | None) -> str:
        """How the audit trail and listings name a memo's target: by name, never a bare id."""
        if target_type == "project" or target_id is None:
            return "the project"
        if target_type == "coding":
            row = self.s.conn.execute(
                'SELECT o.name, d.name, k.start, k."end" FROM codings k '
                "JOIN codes o ON o.id = k.code_id JOIN documents d ON d.id = k.document_id "
                "WHERE k.id = ?",
                (target_id,),
            ).fetchone()
            return f"coding {target_id} ('{row[0]}' on {row[1]} [{row[2]}:{row[3]}])"
        if target_type == "document":
            return f"document '{lookup.document_name(self.s, target_id)}'"
        return f"code '{lookup.code_name(self.s, target_id)}'"

    def list(
        self, target_type: str | None = None, target: str | int | None = None
    ) -> builtins.list[Memo]:
        """Memos, optionally of one kind of target or one target, each naming its target."""
        clauses: builtins.list[str] = ["1"]
        args: builtins.list[Any] = []
        if target_type is not None:
            if target is not None or target_type == "project":
                where, extra = _target_clause(target_type, self.target_id(target_type, target))
                clauses.append(where)
                args.extend(extra)
            else:
                if target_type not in MEMO_TARGETS:
                    raise ProjectError(f"memo target must be one of {', '.join(MEMO_TARGETS)}")
                clauses.append("m.target_type = ?")
                args.append(target_type)
        rows = self.s.conn.execute(
            "SELECT m.id, m.target_type, COALESCE(m.document_id, m.code_id, m.coding_id), "
            "c.name, m.text, m.created_at, m.updated_at, n.target, m.guid "
            "FROM memos m JOIN coders c ON c.id = m.coder_id "
            "JOIN memo_notes n ON n.memo_id = m.id WHERE "
            + " AND ".join(clauses)
            + " ORDER BY m.target_type, COALESCE(m.document_id, m.code_id, m.coding_id), c.name",
            tuple(args),
        ).fetchall()
        return [
            Memo(
                id=r[0],
                target_type=r[1],
                target_id=r[2],
                coder=r[3],
                text=r[4],
                created_at=r[5],
                updated_at=r[6],
                target=r[7] or "",
                guid=r[8],
            )
            for r in rows
        ]

    def coding_memos(self, coding_ids: builtins.list[int]) -> dict[int, str]:
        """Every coder's memo text on each coding, joined, for listings of codings."""
        out: dict[int, builtins.list[str]] = {}
        for start in range(0, len(coding_ids), 500):
            chunk = coding_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for coding_id, text in self.s.conn.execute(
                f"SELECT m.coding_id, m.text FROM memos m JOIN coders c ON c.id = m.coder_id "
                f"WHERE m.coding_id IN ({marks}) ORDER BY c.name",
                chunk,
            ):
                out.setdefault(coding_id, []).append(text)
        return {k: "\n\n".join(v) for k, v in out.items()}

    # ------------------------------------------------- for the repositories that own targets

    def delete_on(self, target_type: str, target_id: int) -> None:
        """Delete (audited) every coder's memo on a target that is about to go."""
        column = TARGET_COLUMN[target_type]
        for (memo_id,) in self.s.conn.execute(
            f"SELECT id FROM memos WHERE {column} = ?", (target_id,)
        ).fetchall():
            self.s.delete("memos", memo_id)

    def retarget(self, target_type: str, old_id: int, new_id: int) -> None:
        """Move memos from one target to another (merging codes); where a coder already has a
        memo on the new target, the two texts are joined rather than one being lost."""
        column = TARGET_COLUMN[target_type]
        for memo_id, coder_id, text in self.s.conn.execute(
            f"SELECT id, coder_id, text FROM memos WHERE {column} = ?", (old_id,)
        ).fetchall():
            clash = self.s.conn.execute(
                f"SELECT id, text FROM memos WHERE {column} = ? AND coder_id = ?",
                (new_id, coder_id),
            ).fetchone()
            if clash:
                self.s.update(
                    "memos", int(clash[0]), {"text": f"{clash[1]}\n\n{text}", "updated_at": now()}
                )
                self.s.delete("memos", memo_id)
            else:
                self.s.update("memos", memo_id, {column: new_id})


def _target_clause(target_type: str, target_id: int | None) -> tuple[str, tuple[Any, ...]]:
    if target_type == "project":
        return "m.target_type = 'project'", ()
    return f"m.{TARGET_COLUMN[target_type]} = ?", (target_id,)
