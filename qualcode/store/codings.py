"""Codings: a code on a span of a document, by a coder.

The largest table of a project (tens of thousands of rows), so it is kept lean: the time a
coding was made is whole seconds since 1970 (``Coding.created_at`` gives it back as ISO 8601
text; the ``coded_passages`` view shows it as text too), and it has only the indexes the
workbench needs (by document and position).

Every coding carries a GUID that never changes and a row id that is never reused
(``AUTOINCREMENT``), so memos, suggestions, exports and merged files can point at it safely.
A coding's memos live in the memos table only (see :mod:`qualcode.store.memos`).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.codetree import CodeTree
from qualcode.store.invariants import check_coder_name, check_span, clean_name, normalise_guid
from qualcode.store.memos import Memos
from qualcode.store.records import Coding
from qualcode.store.schema import epoch_seconds
from qualcode.store.session import Session, iso_seconds, new_guid, now, now_seconds
from qualcode.text import clip

ORIGINS = ("manual", "rule", "model")


@dataclass(frozen=True)
class CodingInput:
    """One coding to load in bulk (``qualcode import-codings``, benchmarks, merges).

    Document and code are names or ids; ``line`` is where the row came from, for messages;
    ``coder`` None means the current coder."""

    document: str | int
    code: str | int
    start: int
    end: int
    coder: str | None = None
    origin: str = "manual"
    memo: str | None = None
    created_at: str | None = None
    line: int = 0
    guid: str | None = None  # kept from another project file; a coding already there is skipped


@dataclass(frozen=True)
class BulkResult:
    added: int
    skipped: int  # already present (same document, code, span and coder)
    memos: int


class Codings:
    def __init__(self, session: Session, memos: Memos) -> None:
        self.s = session
        self.memos = memos

    # ------------------------------------------------------------------ writing

    def add(
        self,
        document: str | int,
        code: str | int,
        start: int,
        end: int,
        origin: str = "manual",
    ) -> int:
        """Code ``text[start:end]`` of a document. Offsets are Python string indices."""
        doc_id = lookup.document_id(self.s, document)
        code_id = lookup.code_id(self.s, code)
        if origin not in ORIGINS:
            raise ProjectError(f"unknown coding origin '{origin}'")
        # Only the length and a short excerpt are read: add runs in bulk (demo, accepted
        # suggestions) and must not load a long transcript, or the whole code tree, per call.
        name, length, excerpt = self.s.conn.execute(
            "SELECT name, length(text), substr(text, ? + 1, min(? - ?, 80)) FROM documents "
            "WHERE id = ?",
            (start, end, start, doc_id),
        ).fetchone()
        check_span(length, start, end)
        code_name = lookup.code_name(self.s, code_id)
        with self.s.action(
            "coding.add", f"Coded '{code_name}' on {name} [{start}:{end}] '{clip(excerpt, 40)}'"
        ):
            coder_id = self.s.coder_id()
            dup = self.s.conn.execute(
                "SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND start = ? "
                'AND "end" = ? AND coder_id = ?',
                (doc_id, code_id, start, end, coder_id),
            ).fetchone()
            if dup:
                raise ProjectError(f"that passage already has code '{code_name}'")
            return self.s.insert(
                "codings",
                {
                    "guid": new_guid(),
                    "document_id": doc_id,
                    "code_id": code_id,
                    "start": start,
                    "end": end,
                    "coder_id": coder_id,
                    "origin": origin,
                    "created_at": now_seconds(),
                },
            )

    def add_many(
        self, document: str | int, codes: Sequence[str | int], start: int, end: int
    ) -> list[int]:
        """Apply several codes to one passage as a single undoable action."""
        doc_id = lookup.document_id(self.s, document)
        names = [lookup.code_name(self.s, lookup.code_id(self.s, c)) for c in codes]
        doc_name = lookup.document_name(self.s, doc_id)
        with self.s.action(
            "coding.add", f"Coded {', '.join(repr(n) for n in names)} on {doc_name} [{start}:{end}]"
        ):
            return [self.add(doc_id, c, start, end) for c in codes]

    def remove(self, coding_id: int) -> Coding:
        """Remove a coding with its memos (one undoable action); returns what was removed."""
        coding = self.get(coding_id)
        with self.s.action(
            "coding.remove",
            f"Removed '{coding.code}' from {coding.document} [{coding.start}:{coding.end}]",
        ):
            self.delete_row(coding_id)
        return coding

    def remove_many(self, coding_ids: Sequence[int]) -> list[Coding]:
        """Remove several codings as one undoable action."""
        removed = [self.get(int(i)) for i in dict.fromkeys(coding_ids)]
        with self.s.action(
            "coding.remove", f"Removed coding(s) {', '.join(str(c.id) for c in removed)}"
        ):
            for coding in removed:
                self.delete_row(coding.id)
        return removed

    def delete_row(self, coding_id: int) -> None:
        """Delete a coding inside the caller's action, with its memos, unlinking suggestions
        that were accepted into it. The one way any repository deletes a coding."""
        self.memos.delete_on("coding", coding_id)
        for (sid,) in self.s.conn.execute(
            "SELECT id FROM suggestions WHERE coding_id = ?", (coding_id,)
        ).fetchall():
            self.s.update("suggestions", sid, {"coding_id": None})
        self.s.delete("codings", coding_id)

    def move(self, coding_id: int, start: int | None = None, end: int | None = None) -> None:
        """Move a coding's boundaries (one undoable action)."""
        coding = self.get(coding_id)
        new_start = coding.start if start is None else start
        new_end = coding.end if end is None else end
        if (new_start, new_end) == (coding.start, coding.end):
            return
        length = self.s.conn.execute(
            "SELECT length(text) FROM documents WHERE id = ?", (coding.document_id,)
        ).fetchone()[0]
        check_span(length, new_start, new_end)
        with self.s.action(
            "coding.update", f"Changed boundaries of '{coding.code}' on {coding.document}"
        ):
            self.s.update("codings", coding_id, {"start": new_start, "end": new_end})

    def set_span(self, coding_id: int, start: int, end: int) -> None:
        """Re-anchor a coding inside the caller's action (re-import of a changed text)."""
        self.s.update("codings", coding_id, {"start": start, "end": end})

    def import_rows(self, rows: Sequence[CodingInput], summary: str) -> BulkResult:
        """Load many codings as ONE undoable action (``qualcode import-codings``).

        Every row is checked (origin, span inside its document, coder name) before anything
        is written; rows that repeat a coding already present (same document, code, span and
        coder) are skipped, so loading a file twice adds nothing. The undo record holds each
        inserted row, built from the values written rather than read back, which keeps the
        cost per coding flat however many there are.
        """
        docs: dict[str | int, tuple[int, int]] = {}
        for doc_id, name, length in self.s.conn.execute(
            "SELECT id, name, length(text) FROM documents"
        ):
            docs[doc_id] = docs[name] = (doc_id, length)
        codes: dict[str | int, int] = {}
        for code_id, name in self.s.conn.execute("SELECT id, name FROM codes"):
            codes[code_id] = codes[name] = code_id
        resolved: list[tuple[CodingInput, int, int]] = []
        for row in rows:
            where = f"line {row.line}: " if row.line else ""
            try:
                if row.origin not in ORIGINS:
                    raise ProjectError(f"unknown coding origin '{row.origin}'")
                if row.document not in docs:
                    lookup.document_id(self.s, row.document)  # raises, naming close matches
                doc_id, length = docs[row.document]
                code_id = codes.get(row.code) or lookup.code_id(self.s, row.code)
                check_span(length, row.start, row.end)
                if row.coder is not None:
                    self.coder_name(row.coder)
                if row.guid is not None:
                    normalise_guid(row.guid)
            except ProjectError as exc:
                raise ProjectError(f"{where}{exc}") from None
            resolved.append((row, doc_id, code_id))
        added = skipped = memo_count = 0
        with self.s.action("coding.import", summary) as act:
            coders: dict[str | None, int] = {None: self.s.coder_id()}
            existing = {
                tuple(r)
                for r in self.s.conn.execute(
                    'SELECT document_id, code_id, start, "end", coder_id FROM codings'
                )
            }
            guids = {r[0] for r in self.s.conn.execute("SELECT guid FROM codings")}
            stamp = now()
            seconds = now_seconds()
            for row, doc_id, code_id in resolved:
                if row.coder not in coders:
                    coders[row.coder] = self.ensure_coder(str(row.coder))
                coder_id = coders[row.coder]
                key = (doc_id, code_id, row.start, row.end, coder_id)
                guid = normalise_guid(row.guid) if row.guid else new_guid()
                if key in existing or guid in guids:
                    skipped += 1
                    continue
                existing.add(key)
                guids.add(guid)
                values: dict[str, Any] = {
                    "guid": guid,
                    "document_id": doc_id,
                    "code_id": code_id,
                    "start": row.start,
                    "end": row.end,
                    "coder_id": coder_id,
                    "origin": row.origin,
                    "created_at": epoch_seconds(row.created_at) if row.created_at else seconds,
                }
                cols = ", ".join(f'"{k}"' for k in values)
                cur = self.s.conn.execute(
                    f"INSERT INTO codings ({cols}) VALUES ({', '.join('?' * len(values))})",
                    tuple(values.values()),
                )
                coding_id = int(cur.lastrowid or 0)
                act.changes.append(
                    {
                        "table": "codings",
                        "rowid": coding_id,
                        "before": None,
                        "after": {"id": coding_id, **values},
                    }
                )
                added += 1
                if row.memo:
                    self.s.insert(
                        "memos",
                        {
                            "guid": new_guid(),
                            "target_type": "coding",
                            "coding_id": coding_id,
                            "coder_id": coder_id,
                            "text": row.memo,
                            "created_at": stamp,
                            "updated_at": stamp,
                        },
                    )
                    memo_count += 1
            act.summary = f"{summary}: {added} added, {skipped} already present"
        return BulkResult(added=added, skipped=skipped, memos=memo_count)

    def coder_name(self, name: str) -> str:
        """The stored form of a coder name: a coder this project already has keeps their
        name as it is; a new one must pass :func:`check_coder_name` (a comma allowed: these
        coders come with data, named by other tools)."""
        cleaned = clean_name(name, "coder")
        if self.s.lookup_coder_id(cleaned) is not None:
            return cleaned
        return check_coder_name(name, allow_comma=True)

    def ensure_coder(self, name: str, guid: str | None = None) -> int:
        """A coder by name, created (inside the caller's action, with ``guid`` when it comes
        from another project file) if this project has not seen them yet."""
        name = self.coder_name(name)
        found = self.s.lookup_coder_id(name)
        if found is not None:
            return found
        return self.s.insert(
            "coders",
            {
                "guid": normalise_guid(guid) if guid else new_guid(),
                "name": name,
                "created_at": now(),
            },
            record=False,
        )

    # ------------------------------------------------------------------ reading

    def get(self, coding_id: int) -> Coding:
        rows = self._rows("c.id = ?", (coding_id,))
        if not rows:
            raise ProjectError(f"no coding with id {coding_id}")
        return rows[0]

    def list(
        self,
        document: str | int | None = None,
        code: str | int | None = None,
        coder: str | None = None,
        include_subcodes: bool = False,
    ) -> builtins.list[Coding]:
        """Codings in document and position order, optionally filtered."""
        clauses: builtins.list[str] = []
        args: builtins.list[Any] = []
        if document is not None:
            clauses.append("c.document_id = ?")
            args.append(lookup.document_id(self.s, document))
        if code is not None:
            root = lookup.code_id(self.s, code)
            ids = self.code_tree().descendants(root) if include_subcodes else [root]
            clauses.append(f"c.code_id IN ({', '.join('?' for _ in ids)})")
            args.extend(ids)
        if coder is not None:
            clauses.append("k.name = ?")
            args.append(coder)
        return self._rows(" AND ".join(clauses) or "1", tuple(args))

    def counts_by_coder(self) -> builtins.list[tuple[str, int]]:
        """(coder, codings) for every coder with codings, most codings first."""
        return [
            (str(r[0]), int(r[1]))
            for r in self.s.conn.execute(
                "SELECT k.name, COUNT(*) FROM codings c JOIN coders k ON k.id = c.coder_id "
                "GROUP BY k.name ORDER BY COUNT(*) DESC, k.name"
            )
        ]

    def code_ids_used_by(self, coders: Sequence[str]) -> set[int]:
        """Ids of the codes these coders applied."""
        if not coders:
            return set()
        marks = ", ".join("?" * len(coders))
        return {
            int(r[0])
            for r in self.s.conn.execute(
                f"SELECT DISTINCT c.code_id FROM codings c JOIN coders k ON k.id = c.coder_id "
                f"WHERE k.name IN ({marks})",
                tuple(coders),
            )
        }

    def coder_guids(self) -> builtins.list[tuple[str, str]]:
        """(name, GUID) of every coder, in the order they joined the project."""
        return [
            (r[0], r[1]) for r in self.s.conn.execute("SELECT name, guid FROM coders ORDER BY id")
        ]

    def coders(self) -> builtins.list[str]:
        return [r[0] for r in self.s.conn.execute("SELECT name FROM coders ORDER BY name")]

    def code_tree(self) -> CodeTree:
        return CodeTree.build(
            self.s.conn.execute("SELECT id, parent_id FROM codes ORDER BY position, id")
        )

    def _rows(self, where: str, args: tuple[Any, ...]) -> builtins.list[Coding]:
        # Passage text is sliced in Python from one read of each document: substr() in SQL
        # would make SQLite load the whole document text once per coding.
        rows = self.s.conn.execute(
            f"""
            SELECT c.id, c.document_id, d.name, c.code_id, o.name, c.start, c."end", k.name,
                   c.origin, c.created_at, c.guid
            FROM codings c
            JOIN documents d ON d.id = c.document_id
            JOIN codes o ON o.id = c.code_id
            JOIN coders k ON k.id = c.coder_id
            WHERE {where}
            ORDER BY d.name, c.start, c."end", o.name, c.id
            """,
            args,
        ).fetchall()
        texts: dict[int, str] = {}
        for doc_id in {r[1] for r in rows}:
            texts[doc_id] = self.s.conn.execute(
                "SELECT text FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()[0]
        memos = self.memos.coding_memos([r[0] for r in rows])
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
                memo=memos.get(r[0]),
                origin=r[8],
                created_at=iso_seconds(r[9]),
                text=texts[r[1]][r[5] : r[6]],
                guid=r[10],
            )
            for r in rows
        ]
