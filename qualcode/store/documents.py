"""Documents with their turns, sentences, speakers and attributes.

A document keeps two hashes: ``sha256`` of the imported file's bytes (to skip re-importing the
same file) and ``text_sha256`` of the stored text after newline normalisation (to recognise the
same transcript in another project file, whatever its original bytes or line endings).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.attributes import upsert_attribute
from qualcode.store.codings import Codings
from qualcode.store.invariants import (
    check_spans,
    clean_name,
    normalise_guid,
    not_found,
)
from qualcode.store.memos import Memos
from qualcode.store.records import Coding, Document, SearchHit, Sentence, Speaker, Turn
from qualcode.store.schema import text_hash
from qualcode.store.search import search_turns
from qualcode.store.session import Session, new_guid, now
from qualcode.text import WordIndex, clip


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
    guid: str | None = None  # kept from another project file (merge, REFI-QDA); else new


class Documents:
    def __init__(self, session: Session, codings: Codings, memos: Memos) -> None:
        self.s = session
        self.codings = codings
        self.memos = memos

    def add(self, doc: DocumentInput) -> int:
        """Store an imported transcript with its turns, sentences and attributes.

        Imports are audited but not undoable: they are large, and removing a document is an
        explicit command of its own.
        """
        if self.s.conn.execute("SELECT 1 FROM documents WHERE name = ?", (doc.name,)).fetchone():
            raise ProjectError(f"a document named '{doc.name}' already exists")
        index, turn_words = _words(doc)
        with self.s.action("document.import", f"Imported {doc.name}", undoable=False) as act:
            doc_id = self.s.insert(
                "documents",
                {
                    "guid": self._new_guid(doc.guid),
                    "name": doc.name,
                    "text": doc.text,
                    "sha256": doc.sha256,
                    "text_sha256": text_hash(doc.text),
                    "source_format": doc.source_format,
                    "source_path": doc.source_path,
                    "word_count": sum(turn_words),
                    "imported_at": now(),
                },
                record=False,
            )
            self._store_structure(doc_id, doc, index, turn_words)
            for key, value in sorted(doc.attributes.items()):
                self.s.insert(
                    "document_attributes",
                    {"document_id": doc_id, "key": key, "value": str(value)},
                    record=False,
                )
            act.changes.append({"table": "documents", "rowid": doc_id, "name": doc.name})
        return doc_id

    def _new_guid(self, wanted: str | None) -> str:
        if wanted is None:
            return new_guid()
        guid = normalise_guid(wanted)
        if self.s.conn.execute("SELECT 1 FROM documents WHERE guid = ?", (guid,)).fetchone():
            raise ProjectError(f"a document with GUID {guid} is already in the project")
        return guid

    def _store_structure(
        self, doc_id: int, doc: DocumentInput, index: WordIndex, turn_words: list[int]
    ) -> None:
        """Turns, speakers, sentences (each with its word count) and the search index; the
        document's word count (stored with its row) is the words of its turns: speaker labels
        and timestamps are not what anyone said. ``index`` and ``turn_words`` come from
        :func:`_words`, counted once per document."""
        check_spans(len(doc.text), [(t.start, t.end) for t in doc.turns], "turn", allow_empty=True)
        check_spans(len(doc.text), list(doc.sentences), "sentence")
        self.s.require_action()
        text = doc.text
        speaker_ids: dict[str, int] = {}
        for name in dict.fromkeys(t.speaker for t in doc.turns if t.speaker):
            cur = self.s.conn.execute(
                "INSERT INTO speakers(document_id, name) VALUES (?, ?)",
                (doc_id, clean_name(name, "speaker")),
            )
            speaker_ids[name] = int(cur.lastrowid or 0)
        # Ids are handed out here so all turns go in one executemany: inserting 30,000 turns
        # one execute at a time (only to learn each id) was a quarter of an import.
        first = self.s.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM turns").fetchone()[0]
        turn_ids = list(range(first, first + len(doc.turns)))
        self.s.conn.executemany(
            'INSERT INTO turns(id, document_id, idx, speaker_id, start, "end", timestamp, words) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    turn_id,
                    doc_id,
                    idx,
                    speaker_ids.get(turn.speaker) if turn.speaker else None,
                    turn.start,
                    turn.end,
                    turn.timestamp,
                    turn_words[idx],
                )
                for idx, (turn_id, turn) in enumerate(zip(turn_ids, doc.turns, strict=True))
            ],
        )
        # The index keeps no copy of the text (external content): it reads it through the
        # turn_texts view, so a project stays close to the size of its corpus.
        self.s.conn.executemany(
            "INSERT INTO turns_fts(rowid, text) VALUES (?, ?)",
            [(tid, text[t.start : t.end]) for tid, t in zip(turn_ids, doc.turns, strict=True)],
        )
        self.s.conn.executemany(
            'INSERT INTO sentences(document_id, start, "end", words) VALUES (?, ?, ?, ?)',
            [
                (doc_id, start, end, n)
                for (start, end), n in zip(
                    doc.sentences, index.counts(list(doc.sentences)), strict=True
                )
            ],
        )

    def _unindex(self, doc_id: int) -> None:
        """Take a document's turns out of the search index while its text is still there (an
        external-content index finds the tokens to remove by reading the text)."""
        self.s.conn.execute(
            "INSERT INTO turns_fts(turns_fts, rowid, text) SELECT 'delete', v.id, v.text "
            "FROM turn_texts v JOIN turns t ON t.id = v.id WHERE t.document_id = ?",
            (doc_id,),
        )

    def replace(self, doc: DocumentInput, drop_unplaced: bool = False) -> list[str]:
        """Re-import a changed file under an existing name, carrying its codings over.

        Each coding is re-anchored by finding its exact passage in the new text (the occurrence
        nearest its old position). If any cannot be placed, nothing changes unless
        ``drop_unplaced`` is given; the return value lists what was dropped, so a researcher is
        never silently robbed of codings.
        """
        old = self.get(doc.name)
        codings = self.codings.list(document=old.id)
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
                f"(e.g. '{clip(old.text[unplaced[0].start : unplaced[0].end], 40)}'); nothing was "
                "changed. Import it under another name (--as NAME) or pass --drop-unplaced"
            )
        index, turn_words = _words(doc)
        with self.s.action("document.replace", f"Re-imported changed {doc.name}", undoable=False):
            doc_id = old.id
            self._unindex(doc_id)
            for table in ("sentences", "turns", "speakers", "document_attributes"):
                self.s.conn.execute(f"DELETE FROM {table} WHERE document_id = ?", (doc_id,))
            self._reanchor_decided_suggestions(doc_id, old.text, doc.text)
            self.s.conn.execute(
                "UPDATE documents SET text = ?, sha256 = ?, text_sha256 = ?, source_format = ?, "
                "source_path = ?, word_count = ?, imported_at = ? WHERE id = ?",
                (
                    doc.text,
                    doc.sha256,
                    text_hash(doc.text),
                    doc.source_format,
                    doc.source_path,
                    sum(turn_words),
                    now(),
                    doc_id,
                ),
            )
            self._store_structure(doc_id, doc, index, turn_words)
            for key, value in sorted(doc.attributes.items()):
                self.s.conn.execute(
                    "INSERT INTO document_attributes(document_id, key, value) VALUES (?, ?, ?)",
                    (doc_id, key, str(value)),
                )
            for coding, start, end in placed:
                self.codings.set_span(coding.id, start, end)
            for coding in unplaced:
                self.codings.delete_row(coding.id)
        return [f"{c.code} [{c.start}:{c.end}]" for c in unplaced]

    def _reanchor_decided_suggestions(self, doc_id: int, old_text: str, new_text: str) -> None:
        """Pending suggestions go (auto-coding re-runs on the new text); accepted and rejected
        ones are decisions, so they move with their passage like codings do, and only go if
        the passage is gone. A rejected passage is then not suggested again."""
        self.s.conn.execute(
            "DELETE FROM suggestions WHERE document_id = ? AND status = 'pending'", (doc_id,)
        )
        rows = self.s.conn.execute(
            'SELECT id, start, "end" FROM suggestions WHERE document_id = ?', (doc_id,)
        ).fetchall()
        for sid, start, end in rows:
            new_start = _nearest_occurrence(new_text, old_text[start:end], start)
            if new_start is None:
                self.s.conn.execute("DELETE FROM suggestions WHERE id = ?", (sid,))
            else:
                self.s.conn.execute(
                    'UPDATE OR IGNORE suggestions SET start = ?, "end" = ? WHERE id = ?',
                    (new_start, new_start + (end - start), sid),
                )

    def remove(self, name: str) -> None:
        """Delete a document with its codings (audited, not undoable)."""
        doc = self.get(name)
        n = self.s.conn.execute(
            "SELECT COUNT(*) FROM codings WHERE document_id = ?", (doc.id,)
        ).fetchone()[0]
        with self.s.action(
            "document.remove", f"Removed {doc.name} and its {n} coding(s)", undoable=False
        ):
            self._unindex(doc.id)
            for (coding_id,) in self.s.conn.execute(
                "SELECT id FROM codings WHERE document_id = ?", (doc.id,)
            ).fetchall():
                self.codings.delete_row(coding_id)
            self.memos.delete_on("document", doc.id)
            # Not undoable, so the document's text is not copied into the audit trail; its
            # turns, sentences, speakers and suggestions go with it (ON DELETE CASCADE).
            self.s.delete("documents", doc.id, record=False)

    def all(self) -> list[Document]:
        """All documents in name order, with their counts for listings (text left out)."""
        return [self._document_row(r, with_text=False) for r in self._document_rows("1", ())]

    def find(self, name_or_id: str | int) -> Document | None:
        rows = self._document_rows(*_document_where(name_or_id), with_text=True)
        return self._document_row(rows[0], with_text=True) if rows else None

    def get(self, name_or_id: str | int) -> Document:
        """One document with its full text; a clear error naming close matches if absent."""
        found = self.find(name_or_id)
        if found is None:
            names = lookup.document_names(self.s)
            raise ProjectError(not_found("document", str(name_or_id), names))
        return found

    def _document_rows(
        self, where: str, args: tuple[Any, ...], with_text: bool = False
    ) -> list[tuple[Any, ...]]:
        text = ", d.text" if with_text else ""
        return self.s.conn.execute(
            f"""
            SELECT d.id, d.name, d.sha256, d.source_format, d.word_count, d.imported_at,
                   length(d.text),
                   (SELECT COUNT(*) FROM speakers s WHERE s.document_id = d.id),
                   (SELECT COUNT(*) FROM turns t WHERE t.document_id = d.id),
                   (SELECT COUNT(*) FROM codings c WHERE c.document_id = d.id),
                   d.guid, d.text_sha256{text}
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
            guid=r[10],
            text_sha256=r[11],
            text=r[12] if with_text else "",
        )

    def length(self, document: str | int) -> int:
        """Characters of a document's text (without reading the text itself)."""
        doc_id = lookup.document_id(self.s, document)
        row = self.s.conn.execute("SELECT length(text) FROM documents WHERE id = ?", (doc_id,))
        return int(row.fetchone()[0])

    def word_count(self, document: str | int) -> int:
        """Words a document's speakers said (counted at import)."""
        doc_id = lookup.document_id(self.s, document)
        row = self.s.conn.execute("SELECT word_count FROM documents WHERE id = ?", (doc_id,))
        return int(row.fetchone()[0])

    def by_hash(self, sha256: str) -> Document | None:
        """The document imported from a file with these bytes, if any."""
        row = self.s.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else self.get(int(row[0]))

    def by_text_hash(self, text_sha256: str) -> Document | None:
        """The document whose stored text hashes to this (the same transcript in any file)."""
        row = self.s.conn.execute(
            "SELECT id FROM documents WHERE text_sha256 = ? ORDER BY id", (text_sha256,)
        ).fetchone()
        return None if row is None else self.get(int(row[0]))

    def search(self, query: str, limit: int = 200) -> list[SearchHit]:
        """Full-text search over every turn (see :func:`qualcode.store.search.fts_query`)."""
        return search_turns(self.s, query, limit)

    def turns(self, document: str | int) -> list[Turn]:
        doc_id = lookup.document_id(self.s, document)
        rows = self.s.conn.execute(
            'SELECT t.id, t.idx, s.name, t.start, t."end", t.timestamp FROM turns t '
            "LEFT JOIN speakers s ON s.id = t.speaker_id WHERE t.document_id = ? ORDER BY t.idx",
            (doc_id,),
        ).fetchall()
        return [
            Turn(id=r[0], index=r[1], speaker=r[2], start=r[3], end=r[4], timestamp=r[5])
            for r in rows
        ]

    def sentences(self, document: str | int) -> list[Sentence]:
        """A document's sentences in order, each with the turn that holds it (if any)."""
        doc_id = lookup.document_id(self.s, document)
        return [
            Sentence(id=n, turn_id=turn[0] if turn else None, start=start, end=end)
            for n, (start, end, turn) in enumerate(sentences_in_turns(self.s, doc_id))
        ]

    # ------------------------------------------------------------ attributes & speakers

    def attributes(self, document: str | int) -> dict[str, str]:
        doc_id = lookup.document_id(self.s, document)
        return dict(
            self.s.conn.execute(
                "SELECT key, value FROM document_attributes WHERE document_id = ? ORDER BY key",
                (doc_id,),
            ).fetchall()
        )

    def all_attributes(self) -> dict[str, dict[str, str]]:
        """``{document name: {key: value}}`` for every document, for filters and crosstabs."""
        out: dict[str, dict[str, str]] = {}
        for name, key, value in self.s.conn.execute(
            "SELECT d.name, a.key, a.value FROM document_attributes a "
            "JOIN documents d ON d.id = a.document_id ORDER BY d.name, a.key"
        ):
            out.setdefault(name, {})[key] = value
        return out

    def set_attribute(self, document: str | int, key: str, value: str) -> None:
        doc_id = lookup.document_id(self.s, document)
        with self.s.action("attribute.set", f"Set {key}={value} on document {document}"):
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
            args = (lookup.document_id(self.s, document),)
        rows = self.s.conn.execute(sql + " ORDER BY d.name, s.id", args).fetchall()
        attrs: dict[int, dict[str, str]] = {}
        for sid, key, value in self.s.conn.execute(
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
        return lookup.speaker_id(self.s, document, name)

    def rename_speaker(self, document: str | int, old: str, new: str) -> None:
        """Rename a speaker within one document; merging into an existing name is refused."""
        new = clean_name(new, "speaker")
        sid = self._speaker_id(document, old)
        doc_id = lookup.document_id(self.s, document)
        clash = self.s.conn.execute(
            "SELECT 1 FROM speakers WHERE document_id = ? AND name = ?", (doc_id, new)
        ).fetchone()
        if clash:
            raise ProjectError(f"{document} already has a speaker named '{new}'")
        with self.s.action("speaker.rename", f"Renamed speaker {old} to {new} in {document}"):
            self.s.update("speakers", sid, {"name": new})

    def set_speaker_attribute(
        self, document: str | int, speaker: str, key: str, value: str
    ) -> None:
        sid = self._speaker_id(document, speaker)
        with self.s.action("attribute.set", f"Set {key}={value} on speaker {speaker}"):
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
        with self.s.action("attribute.import", summary):
            for doc_name, attrs in document_attrs.items():
                doc = self.find(doc_name)
                if doc is None:
                    unmatched.append(f"document '{doc_name}'")
                    continue
                for key, value in attrs.items():
                    self._upsert_attribute("document_attributes", "document_id", doc.id, key, value)
            for (in_document, speaker_name), attrs in speaker_attrs.items():
                sql = "SELECT id FROM speakers WHERE name = ?"
                args = [speaker_name]
                if in_document is not None:
                    sql += " AND document_id = (SELECT id FROM documents WHERE name = ?)"
                    args.append(in_document)
                ids = [r[0] for r in self.s.conn.execute(sql, args)]
                if not ids:
                    where = f" in '{in_document}'" if in_document else ""
                    unmatched.append(f"speaker '{speaker_name}'{where}")
                for sid in ids:
                    for key, value in attrs.items():
                        self._upsert_attribute("speaker_attributes", "speaker_id", sid, key, value)
        return unmatched

    def _upsert_attribute(
        self, table: str, owner: str, owner_id: int, key: str, value: str
    ) -> None:
        upsert_attribute(self.s, table, owner, owner_id, key, value)


def sentences_in_turns(
    session: Session, document_id: int
) -> list[tuple[int, int, tuple[int, int, int] | None]]:
    """(start, end, holding turn as (id, start, end) or None) for a document's sentences in
    order. Import cuts sentences at turn boundaries, so a sentence lies inside one turn unless
    the document has none there."""
    turns = session.conn.execute(
        'SELECT id, start, "end" FROM turns WHERE document_id = ? ORDER BY idx', (document_id,)
    ).fetchall()
    starts = [t[1] for t in turns]
    out: list[tuple[int, int, tuple[int, int, int] | None]] = []
    for start, end in session.conn.execute(
        'SELECT start, "end" FROM sentences WHERE document_id = ? ORDER BY start', (document_id,)
    ):
        i = bisect.bisect_right(starts, start) - 1
        out.append((start, end, turns[i] if i >= 0 and turns[i][2] >= end else None))
    return out


def _words(doc: DocumentInput) -> tuple[WordIndex, list[int]]:
    """A document's words, found once, and the words of each of its turns."""
    index = WordIndex(doc.text)
    return index, index.counts([(t.start, t.end) for t in doc.turns])


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
