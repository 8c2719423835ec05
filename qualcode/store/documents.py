"""Documents with their turns, sentences, speakers and attributes."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store.base import ProjectBase, _clip, _not_found, now
from qualcode.store.records import Coding, Document, Sentence, Speaker, Turn


@dataclass(frozen=True)
class TurnInput:
    """A turn to store: offsets into the document text and an optional speaker name."""

    start: int
    end: int
    speaker: str | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class DocumentInput:
    """Everything :meth:`Project.add_document` stores for one imported transcript."""

    name: str
    text: str
    sha256: str
    source_format: str
    turns: Sequence[TurnInput]
    sentences: Sequence[tuple[int, int]]
    attributes: dict[str, str] = field(default_factory=dict)
    source_path: str | None = None
    word_count: int = 0


class DocumentsMixin(ProjectBase):
    def add_document(self, doc: DocumentInput) -> int:
        """Store an imported transcript with its turns, sentences and attributes.

        Imports are audited but not undoable: they are large, and removing a document is an
        explicit command of its own.
        """
        if self.find_document(doc.name) is not None:
            raise ProjectError(f"a document named '{doc.name}' already exists")
        with self.action("document.import", f"Imported {doc.name}", undoable=False) as act:
            doc_id = self._insert(
                "documents",
                {
                    "name": doc.name,
                    "text": doc.text,
                    "sha256": doc.sha256,
                    "source_format": doc.source_format,
                    "source_path": doc.source_path,
                    "word_count": doc.word_count,
                    "imported_at": now(),
                },
                record=False,
            )
            self._store_structure(doc_id, doc)
            for key, value in sorted(doc.attributes.items()):
                self._insert(
                    "document_attributes",
                    {"document_id": doc_id, "key": key, "value": str(value)},
                    record=False,
                )
            act.changes.append({"table": "documents", "rowid": doc_id, "name": doc.name})
        return doc_id

    def _store_structure(self, doc_id: int, doc: DocumentInput) -> None:
        """Turns, speakers, sentences and the search index for a document's text."""
        _check_spans(doc.text, [(t.start, t.end) for t in doc.turns], "turn", allow_empty=True)
        _check_spans(doc.text, list(doc.sentences), "sentence")
        speaker_ids: dict[str, int] = {}
        for name in dict.fromkeys(t.speaker for t in doc.turns if t.speaker):
            cur = self.conn.execute(
                "INSERT INTO speakers(document_id, name) VALUES (?, ?)", (doc_id, name)
            )
            speaker_ids[name] = int(cur.lastrowid or 0)
        turn_ids: list[int] = []
        for idx, turn in enumerate(doc.turns):
            cur = self.conn.execute(
                'INSERT INTO turns(document_id, idx, speaker_id, start, "end", timestamp) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    idx,
                    speaker_ids.get(turn.speaker) if turn.speaker else None,
                    turn.start,
                    turn.end,
                    turn.timestamp,
                ),
            )
            turn_ids.append(int(cur.lastrowid or 0))
        self.conn.executemany(
            "INSERT INTO turns_fts(rowid, text) VALUES (?, ?)",
            [(tid, doc.text[t.start : t.end]) for tid, t in zip(turn_ids, doc.turns, strict=True)],
        )
        starts = [t.start for t in doc.turns]
        rows = []

        for start, end in doc.sentences:
            i = bisect.bisect_right(starts, start) - 1
            turn_id = turn_ids[i] if i >= 0 and doc.turns[i].end >= end else None
            rows.append((doc_id, turn_id, start, end))
        self.conn.executemany(
            'INSERT INTO sentences(document_id, turn_id, start, "end") VALUES (?, ?, ?, ?)', rows
        )

    def replace_document(self, doc: DocumentInput, drop_unplaced: bool = False) -> list[str]:
        """Re-import a changed file under an existing name, carrying its codings over.

        Each coding is re-anchored by finding its exact passage in the new text (the occurrence
        nearest its old position). If any cannot be placed, nothing changes unless
        ``drop_unplaced`` is given; the return value lists what was dropped, so a researcher is
        never silently robbed of codings.
        """
        old = self.document(doc.name)
        codings = self.codings(document=old.name)
        placed: list[tuple[Coding, int, int]] = []
        unplaced: list[Coding] = []
        for coding in codings:
            passage = old.text[coding.start : coding.end]
            new_start = _nearest_occurrence(doc.text, passage, coding.start)
            if new_start is None:
                unplaced.append(coding)
            else:
                placed.append((coding, new_start, new_start + len(passage)))
        if unplaced and not drop_unplaced:
            raise ProjectError(
                f"{doc.name}: the new text no longer contains {len(unplaced)} coded passage(s) "
                f"(e.g. '{_clip(old.text[unplaced[0].start : unplaced[0].end])}'); nothing was "
                "changed. Import it under another name (--as NAME) or pass --drop-unplaced"
            )
        with self.action("document.replace", f"Re-imported changed {doc.name}", undoable=False):
            doc_id = old.id
            turn_ids = [
                r[0]
                for r in self.conn.execute("SELECT id FROM turns WHERE document_id = ?", (doc_id,))
            ]
            self.conn.executemany("DELETE FROM turns_fts WHERE rowid = ?", [(t,) for t in turn_ids])
            for table in ("sentences", "turns", "speakers", "document_attributes"):
                self.conn.execute(f"DELETE FROM {table} WHERE document_id = ?", (doc_id,))
            self._reanchor_decided_suggestions(doc_id, old.text, doc.text)
            self.conn.execute(
                "UPDATE documents SET text = ?, sha256 = ?, source_format = ?, source_path = ?, "
                "word_count = ?, imported_at = ? WHERE id = ?",
                (
                    doc.text,
                    doc.sha256,
                    doc.source_format,
                    doc.source_path,
                    doc.word_count,
                    now(),
                    doc_id,
                ),
            )
            self._store_structure(doc_id, doc)
            for key, value in sorted(doc.attributes.items()):
                self.conn.execute(
                    "INSERT INTO document_attributes(document_id, key, value) VALUES (?, ?, ?)",
                    (doc_id, key, str(value)),
                )
            for coding, start, end in placed:
                self.conn.execute(
                    'UPDATE codings SET start = ?, "end" = ? WHERE id = ?', (start, end, coding.id)
                )
            for coding in unplaced:
                self.conn.execute("DELETE FROM codings WHERE id = ?", (coding.id,))
        return [f"{c.code} [{c.start}:{c.end}]" for c in unplaced]

    def _reanchor_decided_suggestions(self, doc_id: int, old_text: str, new_text: str) -> None:
        """Pending suggestions go (auto-coding re-runs on the new text); accepted and rejected
        ones are decisions, so they move with their passage like codings do, and only go if
        the passage is gone. A rejected passage is then not suggested again."""
        self.conn.execute(
            "DELETE FROM suggestions WHERE document_id = ? AND status = 'pending'", (doc_id,)
        )
        rows = self.conn.execute(
            'SELECT id, start, "end" FROM suggestions WHERE document_id = ?', (doc_id,)
        ).fetchall()
        for sid, start, end in rows:
            new_start = _nearest_occurrence(new_text, old_text[start:end], start)
            if new_start is None:
                self.conn.execute("DELETE FROM suggestions WHERE id = ?", (sid,))
            else:
                self.conn.execute(
                    'UPDATE OR IGNORE suggestions SET start = ?, "end" = ? WHERE id = ?',
                    (new_start, new_start + (end - start), sid),
                )

    def remove_document(self, name: str) -> None:
        """Delete a document with its codings (audited, not undoable)."""
        doc = self.document(name)
        n = self.conn.execute(
            "SELECT COUNT(*) FROM codings WHERE document_id = ?", (doc.id,)
        ).fetchone()[0]
        with self.action(
            "document.remove", f"Removed {doc.name} and its {n} coding(s)", undoable=False
        ):
            turn_ids = [
                r[0]
                for r in self.conn.execute("SELECT id FROM turns WHERE document_id = ?", (doc.id,))
            ]
            self.conn.executemany("DELETE FROM turns_fts WHERE rowid = ?", [(t,) for t in turn_ids])
            self.conn.execute(
                "DELETE FROM memos WHERE target_type = 'coding' AND target_id IN "
                "(SELECT id FROM codings WHERE document_id = ?)",
                (doc.id,),
            )
            self.conn.execute(
                "DELETE FROM memos WHERE target_type = 'document' AND target_id = ?", (doc.id,)
            )
            self.conn.execute("DELETE FROM documents WHERE id = ?", (doc.id,))

    def documents(self) -> list[Document]:
        """All documents in name order, with their counts for listings (text left out)."""
        return [self._document_row(r, with_text=False) for r in self._document_rows("1", ())]

    def find_document(self, name_or_id: str | int) -> Document | None:
        rows = self._document_rows(*_document_where(name_or_id), with_text=True)
        return self._document_row(rows[0], with_text=True) if rows else None

    def document(self, name_or_id: str | int) -> Document:
        """One document with its full text; a clear error naming close matches if absent."""
        found = self.find_document(name_or_id)
        if found is None:
            names = [row[0] for row in self.conn.execute("SELECT name FROM documents")]
            raise ProjectError(_not_found("document", str(name_or_id), names))
        return found

    def _document_rows(
        self, where: str, args: tuple[Any, ...], with_text: bool = False
    ) -> list[tuple[Any, ...]]:
        text = ", d.text" if with_text else ""
        return self.conn.execute(
            f"""
            SELECT d.id, d.name, d.sha256, d.source_format, d.word_count, d.imported_at,
                   length(d.text),
                   (SELECT COUNT(*) FROM speakers s WHERE s.document_id = d.id),
                   (SELECT COUNT(*) FROM turns t WHERE t.document_id = d.id),
                   (SELECT COUNT(*) FROM codings c WHERE c.document_id = d.id){text}
            FROM documents d WHERE {where} ORDER BY d.name
            """,
            args,
        ).fetchall()

    @staticmethod
    def _document_row(r: tuple[Any, ...], with_text: bool) -> Document:
        return Document(
            id=r[0],
            name=r[1],
            sha256=r[2],
            source_format=r[3],
            word_count=r[4],
            imported_at=r[5],
            length=r[6],
            speaker_count=r[7],
            turn_count=r[8],
            coding_count=r[9],
            text=r[10] if with_text else "",
        )

    def document_by_hash(self, sha256: str) -> Document | None:
        row = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else self.document(int(row[0]))

    def turns(self, document: str | int) -> list[Turn]:
        doc_id = self._document_id(document)
        rows = self.conn.execute(
            'SELECT t.id, t.idx, s.name, t.start, t."end", t.timestamp FROM turns t '
            "LEFT JOIN speakers s ON s.id = t.speaker_id WHERE t.document_id = ? ORDER BY t.idx",
            (doc_id,),
        ).fetchall()
        return [
            Turn(id=r[0], index=r[1], speaker=r[2], start=r[3], end=r[4], timestamp=r[5])
            for r in rows
        ]

    def sentences(self, document: str | int) -> list[Sentence]:
        doc_id = self._document_id(document)
        rows = self.conn.execute(
            'SELECT id, turn_id, start, "end" FROM sentences WHERE document_id = ? ORDER BY start',
            (doc_id,),
        ).fetchall()
        return [Sentence(id=r[0], turn_id=r[1], start=r[2], end=r[3]) for r in rows]

    def _document_id(self, document: str | int) -> int:
        if isinstance(document, int):
            return document
        row = self.conn.execute("SELECT id FROM documents WHERE name = ?", (document,)).fetchone()
        if row is None:
            names = [r[0] for r in self.conn.execute("SELECT name FROM documents")]
            raise ProjectError(_not_found("document", document, names))
        return int(row[0])

    # ------------------------------------------------------------ attributes & speakers

    def document_attributes(self, document: str | int) -> dict[str, str]:
        doc_id = self._document_id(document)
        return dict(
            self.conn.execute(
                "SELECT key, value FROM document_attributes WHERE document_id = ? ORDER BY key",
                (doc_id,),
            ).fetchall()
        )

    def all_document_attributes(self) -> dict[str, dict[str, str]]:
        """``{document name: {key: value}}`` for every document, for filters and crosstabs."""
        out: dict[str, dict[str, str]] = {}
        for name, key, value in self.conn.execute(
            "SELECT d.name, a.key, a.value FROM document_attributes a "
            "JOIN documents d ON d.id = a.document_id ORDER BY d.name, a.key"
        ):
            out.setdefault(name, {})[key] = value
        return out

    def set_document_attribute(self, document: str | int, key: str, value: str) -> None:
        doc_id = self._document_id(document)
        with self.action("attribute.set", f"Set {key}={value} on document {document}"):
            self._upsert_attribute("document_attributes", "document_id", doc_id, key, value)

    def speakers(self, document: str | int | None = None) -> list[Speaker]:
        sql = (
            "SELECT s.id, d.name, s.name, "
            "(SELECT COUNT(*) FROM turns t WHERE t.speaker_id = s.id) "
            "FROM speakers s JOIN documents d ON d.id = s.document_id"
        )
        args: tuple[Any, ...] = ()
        if document is not None:
            sql += " WHERE s.document_id = ?"
            args = (self._document_id(document),)
        rows = self.conn.execute(sql + " ORDER BY d.name, s.id", args).fetchall()
        attrs: dict[int, dict[str, str]] = {}
        for sid, key, value in self.conn.execute(
            "SELECT speaker_id, key, value FROM speaker_attributes ORDER BY key"
        ):
            attrs.setdefault(sid, {})[key] = value
        return [
            Speaker(
                id=r[0], document=r[1], name=r[2], turn_count=r[3], attributes=attrs.get(r[0], {})
            )
            for r in rows
        ]

    def _speaker_id(self, document: str | int, name: str) -> int:
        doc_id = self._document_id(document)
        row = self.conn.execute(
            "SELECT id FROM speakers WHERE document_id = ? AND name = ?", (doc_id, name)
        ).fetchone()
        if row is None:
            names = [
                r[0]
                for r in self.conn.execute(
                    "SELECT name FROM speakers WHERE document_id = ?", (doc_id,)
                )
            ]
            raise ProjectError(_not_found(f"speaker in {document}", name, names))
        return int(row[0])

    def rename_speaker(self, document: str | int, old: str, new: str) -> None:
        """Rename a speaker within one document; merging into an existing name is refused."""
        new = new.strip()
        if not new:
            raise ProjectError("a speaker name cannot be empty")
        sid = self._speaker_id(document, old)
        doc_id = self._document_id(document)
        clash = self.conn.execute(
            "SELECT 1 FROM speakers WHERE document_id = ? AND name = ?", (doc_id, new)
        ).fetchone()
        if clash:
            raise ProjectError(f"{document} already has a speaker named '{new}'")
        with self.action("speaker.rename", f"Renamed speaker {old} to {new} in {document}"):
            self._update("speakers", sid, {"name": new})

    def set_speaker_attribute(
        self, document: str | int, speaker: str, key: str, value: str
    ) -> None:
        sid = self._speaker_id(document, speaker)
        with self.action("attribute.set", f"Set {key}={value} on speaker {speaker}"):
            self._upsert_attribute("speaker_attributes", "speaker_id", sid, key, value)

    def set_attributes_bulk(
        self,
        document_attrs: dict[str, dict[str, str]],
        speaker_attrs: dict[tuple[str | None, str], dict[str, str]],
        summary: str,
    ) -> list[str]:
        """Apply a participants table as one undoable action.

        ``speaker_attrs`` is keyed by (document name or None for every document, speaker name).
        Returns the rows that matched nothing, so the caller can say so.
        """
        unmatched: list[str] = []
        with self.action("attribute.import", summary):
            for doc_name, attrs in document_attrs.items():
                doc = self.find_document(doc_name)
                if doc is None:
                    unmatched.append(f"document '{doc_name}'")
                    continue
                for key, value in attrs.items():
                    self._upsert_attribute("document_attributes", "document_id", doc.id, key, value)
            for (doc_name, speaker_name), attrs in speaker_attrs.items():
                sql, args = "SELECT id FROM speakers WHERE name = ?", [speaker_name]
                if doc_name is not None:
                    sql += " AND document_id = (SELECT id FROM documents WHERE name = ?)"
                    args.append(doc_name)
                ids = [r[0] for r in self.conn.execute(sql, args)]
                if not ids:
                    where = f" in '{doc_name}'" if doc_name else ""
                    unmatched.append(f"speaker '{speaker_name}'{where}")
                for sid in ids:
                    for key, value in attrs.items():
                        self._upsert_attribute("speaker_attributes", "speaker_id", sid, key, value)
        return unmatched

    def _upsert_attribute(
        self, table: str, owner: str, owner_id: int, key: str, value: str
    ) -> None:
        row = self.conn.execute(
            f"SELECT rowid FROM {table} WHERE {owner} = ? AND key = ?", (owner_id, key)
        ).fetchone()
        if row is None:
            self._insert(table, {owner: owner_id, "key": key, "value": value})
        else:
            self._update(table, int(row[0]), {"value": value})


def _check_spans(
    text: str, spans: list[tuple[int, int]], what: str, allow_empty: bool = False
) -> None:
    for start, end in spans:
        ok = 0 <= start <= end <= len(text) and (allow_empty or start < end)
        if not ok:
            raise ProjectError(f"{what} span [{start}:{end}] is outside the text")


def _nearest_occurrence(text: str, passage: str, near: int) -> int | None:
    best: int | None = None
    pos = text.find(passage)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(passage, pos + 1)
    return best


def _document_where(name_or_id: str | int) -> tuple[str, tuple[Any, ...]]:
    return (
        ("d.id = ?", (name_or_id,))
        if isinstance(name_or_id, int)
        else ("d.name = ?", (name_or_id,))
    )
