"""Codings (a code on a span of a document) and memos."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store.base import ProjectBase, _clip, now
from qualcode.store.records import Coding, Memo

MEMO_TARGETS = ("project", "document", "code", "coding")


class CodingsMixin(ProjectBase):
    def add_coding(
        self,
        document: str | int,
        code: str | int,
        start: int,
        end: int,
        memo: str | None = None,
        origin: str = "manual",
    ) -> int:
        """Code ``text[start:end]`` of a document. Offsets are Python string indices."""
        doc_id = self._document_id(document)
        code_id = self._code_id(code)
        # Only the length and a short excerpt are read: add_coding runs in bulk (demo, accepted
        # suggestions) and must not load a long transcript, or the whole code tree, per call.
        name, length, excerpt = self.conn.execute(
            "SELECT name, length(text), substr(text, ? + 1, min(? - ?, 80)) FROM documents "
            "WHERE id = ?",
            (start, end, start, doc_id),
        ).fetchone()
        _check_span_length(length, start, end)
        if origin not in ("manual", "rule", "model"):
            raise ProjectError(f"unknown coding origin '{origin}'")
        code_name = self.conn.execute("SELECT name FROM codes WHERE id = ?", (code_id,)).fetchone()[
            0
        ]
        with self.action(
            "coding.add",
            f"Coded '{code_name}' on {name} [{start}:{end}] '{_clip(excerpt)}'",
        ):
            coder_id = self._current_coder_id()
            dup = self.conn.execute(
                "SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND start = ? "
                'AND "end" = ? AND coder_id = ?',
                (doc_id, code_id, start, end, coder_id),
            ).fetchone()
            if dup:
                raise ProjectError(f"that passage already has code '{code_name}'")
            return self._insert(
                "codings",
                {
                    "document_id": doc_id,
                    "code_id": code_id,
                    "start": start,
                    "end": end,
                    "coder_id": coder_id,
                    "memo": memo,
                    "origin": origin,
                    "created_at": now(),
                },
            )

    def add_codings(
        self, document: str | int, codes: Sequence[str | int], start: int, end: int
    ) -> list[int]:
        """Apply several codes to one passage as a single undoable action."""
        doc = self.document(document)
        names = [self.code(c).name for c in codes]
        with self.action(
            "coding.add", f"Coded {', '.join(repr(n) for n in names)} on {doc.name} [{start}:{end}]"
        ):
            return [self.add_coding(doc.id, c, start, end) for c in codes]

    def remove_coding(self, coding_id: int) -> Coding:
        coding = self.coding(coding_id)
        with self.action(
            "coding.remove",
            f"Removed '{coding.code}' from {coding.document} [{coding.start}:{coding.end}]",
        ):
            self._delete_coding_row(coding_id)
        return coding

    def _delete_coding_row(self, coding_id: int) -> None:
        for (mid,) in self.conn.execute(
            "SELECT id FROM memos WHERE target_type = 'coding' AND target_id = ?", (coding_id,)
        ).fetchall():
            self._delete("memos", mid)
        for (sid,) in self.conn.execute(
            "SELECT id FROM suggestions WHERE coding_id = ?", (coding_id,)
        ).fetchall():
            self._update("suggestions", sid, {"coding_id": None})
        self._delete("codings", coding_id)

    def update_coding(
        self,
        coding_id: int,
        start: int | None = None,
        end: int | None = None,
        memo: str | None = None,
    ) -> None:
        """Move a coding's boundaries and/or set its memo (empty string clears it)."""
        coding = self.coding(coding_id)
        values: dict[str, Any] = {}
        if start is not None or end is not None:
            new_start = coding.start if start is None else start
            new_end = coding.end if end is None else end
            text = self.conn.execute(
                "SELECT text FROM documents WHERE id = ?", (coding.document_id,)
            ).fetchone()[0]
            _check_span(text, new_start, new_end)
            values.update(start=new_start, end=new_end)
        if memo is not None:
            values["memo"] = memo or None
        if not values:
            return
        what = "memo" if set(values) == {"memo"} else "boundaries"
        with self.action(
            "coding.update", f"Changed {what} of '{coding.code}' on {coding.document}"
        ):
            self._update("codings", coding_id, values)

    def coding(self, coding_id: int) -> Coding:
        rows = self._coding_rows("c.id = ?", (coding_id,))
        if not rows:
            raise ProjectError(f"no coding with id {coding_id}")
        return rows[0]

    def codings(
        self,
        document: str | int | None = None,
        code: str | int | None = None,
        coder: str | None = None,
        include_subcodes: bool = False,
    ) -> list[Coding]:
        """Codings in document and position order, optionally filtered."""
        clauses: list[str] = []
        args: list[Any] = []
        if document is not None:
            clauses.append("c.document_id = ?")
            args.append(self._document_id(document))
        if code is not None:
            ids = self.descendant_ids(code) if include_subcodes else [self._code_id(code)]
            clauses.append(f"c.code_id IN ({', '.join('?' for _ in ids)})")
            args.extend(ids)
        if coder is not None:
            clauses.append("k.name = ?")
            args.append(coder)
        return self._coding_rows(" AND ".join(clauses) or "1", tuple(args))

    def _coding_rows(self, where: str, args: tuple[Any, ...]) -> list[Coding]:
        # Passage text is sliced in Python from one read of each document: substr() in SQL
        # would make SQLite load the whole document text once per coding.
        rows = self.conn.execute(
            f"""
            SELECT c.id, c.document_id, d.name, c.code_id, o.name, c.start, c."end", k.name,
                   c.memo, c.origin, c.created_at
            FROM codings c
            JOIN documents d ON d.id = c.document_id
            JOIN codes o ON o.id = c.code_id
            JOIN coders k ON k.id = c.coder_id
            WHERE {where}
            ORDER BY d.name, c.start, c."end", o.name, c.id
            """,
            args,
        ).fetchall()
        texts = self._document_texts({r[1] for r in rows})
        return [
            Coding(
                id=r[0],
                document_id=r[1],
                document=r[2],
                code_id=r[3],
                code=r[4],
                start=r[5],
                end=r[6],
                coder=r[7],
                memo=r[8],
                origin=r[9],
                created_at=r[10],
                text=texts[r[1]][r[5] : r[6]],
            )
            for r in rows
        ]

    def _document_texts(self, document_ids: set[int]) -> dict[int, str]:
        texts: dict[int, str] = {}
        for doc_id in document_ids:
            row = self.conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
            texts[doc_id] = row[0]
        return texts

    def coders(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM coders ORDER BY name")]

    # ------------------------------------------------------------ memos

    def set_memo(self, target_type: str, target: str | int | None, text: str) -> None:
        """Write (or with empty text, delete) the current coder's memo on a target."""
        if target_type not in MEMO_TARGETS:
            raise ProjectError(f"memo target must be one of {', '.join(MEMO_TARGETS)}")
        target_id = self._memo_target_id(target_type, target)
        row = self.conn.execute(
            "SELECT m.id FROM memos m JOIN coders c ON c.id = m.coder_id WHERE m.target_type = ? "
            "AND m.target_id IS ? AND c.name = ?",
            (target_type, target_id, self.coder),
        ).fetchone()
        if row is None and not text:
            return  # clearing a memo that does not exist: nothing to record
        label = self._memo_label(target_type, target_id)
        with self.action("memo.set", f"{'Cleared' if not text else 'Wrote'} memo on {label}"):
            if row is None and text:
                stamp = now()
                self._insert(
                    "memos",
                    {
                        "target_type": target_type,
                        "target_id": target_id,
                        "coder_id": self._current_coder_id(),
                        "text": text,
                        "created_at": stamp,
                        "updated_at": stamp,
                    },
                )
            elif row is not None and text:
                self._update("memos", int(row[0]), {"text": text, "updated_at": now()})
            elif row is not None:
                self._delete("memos", int(row[0]))

    def _memo_label(self, target_type: str, target_id: int | None) -> str:
        """How the audit trail names a memo's target: by name, so the log reads on its own."""
        if target_id is None:
            return "the project"
        if target_type == "coding":
            coding = self.coding(target_id)
            return f"coding {coding.id} ('{coding.code}' on {coding.document})"
        table = "documents" if target_type == "document" else "codes"
        name = self.conn.execute(f"SELECT name FROM {table} WHERE id = ?", (target_id,)).fetchone()
        return f"{target_type} '{name[0]}'"

    def _memo_target_id(self, target_type: str, target: str | int | None) -> int | None:
        if target_type == "project":
            return None
        if target is None:
            raise ProjectError(f"a {target_type} memo needs a target")
        if target_type == "document":
            return self._document_id(target)
        if target_type == "code":
            return self._code_id(target)
        return self.coding(int(target)).id

    def memos(self, target_type: str | None = None, target: str | int | None = None) -> list[Memo]:
        clauses, args = ["1"], []
        if target_type is not None:
            clauses.append("m.target_type = ?")
            args.append(target_type)
            if target is not None or target_type == "project":
                clauses.append("m.target_id IS ?")
                args.append(self._memo_target_id(target_type, target))
        rows = self.conn.execute(
            "SELECT m.id, m.target_type, m.target_id, c.name, m.text, m.created_at, m.updated_at "
            "FROM memos m JOIN coders c ON c.id = m.coder_id WHERE "
            + " AND ".join(clauses)
            + " ORDER BY m.target_type, m.target_id, c.name",
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
            )
            for r in rows
        ]


def _check_span(text: str, start: int, end: int) -> None:
    _check_span_length(len(text), start, end)


def _check_span_length(length: int, start: int, end: int) -> None:
    if not (0 <= start < end <= length):
        raise ProjectError(
            f"span [{start}:{end}] is not inside the document (0 to {length}, start < end)"
        )
