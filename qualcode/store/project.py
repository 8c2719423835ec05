"""``Project``: the one gateway to a project file.

Everything that reads or writes the SQLite file goes through here, so that each user action is
exactly one transaction that also writes its audit event, and so that undo/redo can be built on
the audit trail instead of on per-feature bookkeeping. Changes are recorded row by row
(table, rowid, before, after); undo replays them backwards after checking that nothing else has
touched those rows since, which keeps undo safe when the TUI and a CLI command share a file.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from qualcode.errors import ProjectError
from qualcode.store.records import (
    Code,
    Coding,
    Document,
    Event,
    Memo,
    SearchHit,
    Sentence,
    Speaker,
    Turn,
)
from qualcode.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 10_000
CODE_FIELDS = (
    "brief",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "example",
    "color",
    "keywords",
    "patterns",
)
JSON_CODE_FIELDS = ("keywords", "patterns")
MEMO_TARGETS = ("project", "document", "code", "coding")


def now() -> str:
    """UTC timestamp with second precision, ISO 8601: sortable and readable in Datasette."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class _Action:
    name: str
    summary: str
    undoable: bool
    changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CodebookChanges:
    """What loading a codebook did, for the one-paragraph report the CLI prints."""

    added: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)


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


class Project:
    """An open project file. Use :meth:`create` or :meth:`open`, ideally as a context manager."""

    def __init__(self, path: Path, conn: sqlite3.Connection, coder: str, read_only: bool) -> None:
        self.path = path
        self.conn = conn
        self.db = Database(conn)
        self.coder = coder
        self.read_only = read_only
        self._action: _Action | None = None
        self._coder_id: int | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def create(cls, path: str | Path, coder: str = "unknown") -> Project:
        """Create a new, empty project file. Refuses to overwrite an existing file."""
        path = Path(path)
        if path.exists():
            raise ProjectError(f"{path}: already exists; choose another name or open it")
        if not path.parent.exists():
            raise ProjectError(f"{path.parent}: folder does not exist")
        try:
            conn = _connect(path)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot create project ({exc})") from exc
        project = cls(path, conn, coder, read_only=False)
        project._migrate()
        return project

    @classmethod
    def open(cls, path: str | Path, coder: str = "unknown", migrate: bool = True) -> Project:
        """Open an existing project, bringing its schema up to date.

        A file from a newer qualcode opens read-only: reading is safe, writing could corrupt
        tables this version does not know about.
        """
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"{path}: no such project file (create one with 'qualcode init')")
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
        with open(path, "rb") as handle:
            header = handle.read(16)
        if header and header != b"SQLite format 3\x00":
            raise ProjectError(f"{path}: not a qualcode project (not an SQLite file)")
        try:
            conn = _connect(path)
            version = _schema_version(conn)
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{path}: cannot open project ({exc})") from exc
        if version is None:
            conn.close()
            raise ProjectError(f"{path}: SQLite file but not a qualcode project (no meta table)")
        project = cls(path, conn, coder, read_only=version > SCHEMA_VERSION)
        if version < SCHEMA_VERSION and migrate:
            project._migrate()
        return project

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return _schema_version(self.conn) or 0

    @property
    def data_version(self) -> int:
        """Changes whenever *another* connection commits: how the TUI notices CLI edits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _migrate(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            current = _schema_version(self.conn) or 0
            for number, migration in enumerate(MIGRATIONS, start=1):
                if number > current:
                    migration(self.db)
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )
            self.conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('created_at', ?)", (now(),)
            )
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ transactions

    @contextmanager
    def action(self, name: str, summary: str, undoable: bool = True) -> Iterator[_Action]:
        """One user action: one transaction and one audit event, or nothing at all."""
        if self.read_only:
            raise ProjectError(
                f"{self.path}: made by a newer qualcode (schema {self.schema_version}, this "
                f"version knows {SCHEMA_VERSION}); upgrade qualcode to change it"
            )
        if self._action is not None:
            # Nested calls join the outer action, so composite operations stay atomic.
            yield self._action
            return
        act = _Action(name, summary, undoable)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ProjectError(f"{self.path}: project is busy or locked ({exc})") from exc
        self._action = act
        try:
            yield act
            coder_id = self._current_coder_id()
            if act.undoable and act.changes:
                # A new action makes older undone actions un-redoable, as in any editor.
                self.conn.execute(
                    "UPDATE events SET redo_available = 0 WHERE redo_available = 1 AND coder_id = ?",
                    (coder_id,),
                )
            self.conn.execute(
                "INSERT INTO events(at, coder_id, action, summary, changes, undoable) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    now(),
                    coder_id,
                    act.name,
                    act.summary,
                    json.dumps(act.changes, ensure_ascii=False),
                    int(act.undoable and bool(act.changes)),
                ),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._coder_id = None
            raise
        finally:
            self._action = None

    def _current_coder_id(self) -> int:
        if self._coder_id is None:
            row = self.conn.execute(
                "SELECT id FROM coders WHERE name = ?", (self.coder,)
            ).fetchone()
            if row is None:
                cur = self.conn.execute(
                    "INSERT INTO coders(name, created_at) VALUES (?, ?)", (self.coder, now())
                )
                self._coder_id = int(cur.lastrowid or 0)
            else:
                self._coder_id = int(row[0])
        return self._coder_id

    def _require_action(self) -> _Action:
        if self._action is None:
            raise RuntimeError("write outside Project.action()")
        return self._action

    def _row(self, table: str, rowid: int) -> dict[str, Any] | None:
        cur = self.conn.execute(
            f"SELECT rowid AS __rowid, * FROM [{table}] WHERE rowid = ?", (rowid,)
        )
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
        data = dict(zip(names, row, strict=True))
        data.pop("__rowid")
        return data

    def _insert(self, table: str, values: dict[str, Any], record: bool = True) -> int:
        act = self._require_action()
        cols = ", ".join(f"[{k}]" for k in values)
        marks = ", ".join("?" for _ in values)
        cur = self.conn.execute(
            f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", tuple(values.values())
        )
        rowid = int(cur.lastrowid or 0)
        if record:
            act.changes.append(
                {"table": table, "rowid": rowid, "before": None, "after": self._row(table, rowid)}
            )
        return rowid

    def _update(self, table: str, rowid: int, values: dict[str, Any]) -> None:
        act = self._require_action()
        before = self._row(table, rowid)
        if before is None:
            raise ProjectError(f"{table} row {rowid} does not exist")
        sets = ", ".join(f"[{k}] = ?" for k in values)
        self.conn.execute(f"UPDATE [{table}] SET {sets} WHERE rowid = ?", (*values.values(), rowid))
        after = self._row(table, rowid)
        if after != before:
            act.changes.append({"table": table, "rowid": rowid, "before": before, "after": after})

    def _delete(self, table: str, rowid: int) -> None:
        act = self._require_action()
        before = self._row(table, rowid)
        if before is None:
            return
        self.conn.execute(f"DELETE FROM [{table}] WHERE rowid = ?", (rowid,))
        act.changes.append({"table": table, "rowid": rowid, "before": before, "after": None})

    # ------------------------------------------------------------ undo / redo

    def undo(self) -> Event | None:
        """Revert the current coder's most recent undoable action; None if there is none."""
        coder_id = self._lookup_coder_id()
        if coder_id is None:
            return None
        row = self.conn.execute(
            "SELECT id FROM events WHERE undoable = 1 AND reverted = 0 AND coder_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (coder_id,),
        ).fetchone()
        if row is None:
            return None
        event = self.event(int(row[0]))
        with self.action("undo", f"Undo: {event.summary}", undoable=False):
            self._replay_checked(event, backwards=True)
            undo_id = self._next_event_id()
            self.conn.execute(
                "UPDATE events SET reverted = 1, redo_available = 1, reverted_by = ? WHERE id = ?",
                (undo_id, event.id),
            )
        return event

    def redo(self) -> Event | None:
        """Re-apply the most recently undone action, unless a new action came since."""
        coder_id = self._lookup_coder_id()
        if coder_id is None:
            return None
        row = self.conn.execute(
            "SELECT id FROM events WHERE redo_available = 1 AND coder_id = ? "
            "ORDER BY reverted_by DESC LIMIT 1",
            (coder_id,),
        ).fetchone()
        if row is None:
            return None
        event = self.event(int(row[0]))
        with self.action("redo", f"Redo: {event.summary}", undoable=False):
            self._replay_checked(event, backwards=False)
            self.conn.execute(
                "UPDATE events SET reverted = 0, redo_available = 0, reverted_by = NULL "
                "WHERE id = ?",
                (event.id,),
            )
        return event

    def _next_event_id(self) -> int:
        row = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM events").fetchone()
        return int(row[0])

    def _lookup_coder_id(self) -> int | None:
        row = self.conn.execute("SELECT id FROM coders WHERE name = ?", (self.coder,)).fetchone()
        return None if row is None else int(row[0])

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
            table, rowid = change["table"], int(change["rowid"])
            expected, target = (
                (change["after"], change["before"])
                if backwards
                else (change["before"], change["after"])
            )
            current = self._row(table, rowid)
            if current != expected:
                verb = "undo" if backwards else "redo"
                raise ProjectError(
                    f"cannot {verb} '{event.summary}': it was changed since (in {table})"
                )
            if target is None:
                self._delete(table, rowid)
            elif current is None:
                values = {"rowid": rowid, **target}
                cols = ", ".join(f"[{k}]" for k in values)
                marks = ", ".join("?" for _ in values)
                self.conn.execute(
                    f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", tuple(values.values())
                )
            else:
                self._update(table, rowid, target)

    def events(self, limit: int = 50) -> list[Event]:
        """The audit trail, newest first."""
        rows = self.conn.execute(
            "SELECT e.id, e.at, c.name, e.action, e.summary, e.changes, e.undoable, e.reverted "
            "FROM events e LEFT JOIN coders c ON c.id = e.coder_id ORDER BY e.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [_event(r) for r in rows]

    def event(self, event_id: int) -> Event:
        row = self.conn.execute(
            "SELECT e.id, e.at, c.name, e.action, e.summary, e.changes, e.undoable, e.reverted "
            "FROM events e LEFT JOIN coders c ON c.id = e.coder_id WHERE e.id = ?",
            (event_id,),
        ).fetchone()
        if row is None:
            raise ProjectError(f"no event {event_id}")
        return _event(row)

    # ------------------------------------------------------------ documents

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
        import bisect

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
            self.conn.execute(
                "DELETE FROM suggestions WHERE document_id = ? AND status = 'pending'", (doc_id,)
            )
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
        """All documents in name order, with their counts for listings."""
        rows = self.conn.execute(
            """
            SELECT d.id, d.name, d.sha256, d.source_format, d.word_count, d.imported_at,
                   length(d.text),
                   (SELECT COUNT(*) FROM speakers s WHERE s.document_id = d.id),
                   (SELECT COUNT(*) FROM turns t WHERE t.document_id = d.id),
                   (SELECT COUNT(*) FROM codings c WHERE c.document_id = d.id)
            FROM documents d ORDER BY d.name
            """
        ).fetchall()
        return [
            Document(
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
                text="",
            )
            for r in rows
        ]

    def find_document(self, name_or_id: str | int) -> Document | None:
        if isinstance(name_or_id, int):
            row = self.conn.execute(
                "SELECT id FROM documents WHERE id = ?", (name_or_id,)
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT id FROM documents WHERE name = ?", (name_or_id,)
            ).fetchone()
        if row is None:
            return None
        return self.document(int(row[0]))

    def document(self, name_or_id: str | int) -> Document:
        """One document with its full text; a clear error naming close matches if absent."""
        if isinstance(name_or_id, int):
            where, arg = "d.id = ?", name_or_id
        else:
            where, arg = "d.name = ?", name_or_id
        r = self.conn.execute(
            f"""
            SELECT d.id, d.name, d.sha256, d.source_format, d.word_count, d.imported_at,
                   length(d.text),
                   (SELECT COUNT(*) FROM speakers s WHERE s.document_id = d.id),
                   (SELECT COUNT(*) FROM turns t WHERE t.document_id = d.id),
                   (SELECT COUNT(*) FROM codings c WHERE c.document_id = d.id),
                   d.text
            FROM documents d WHERE {where}
            """,
            (arg,),
        ).fetchone()
        if r is None:
            names = [row[0] for row in self.conn.execute("SELECT name FROM documents")]
            raise ProjectError(_not_found("document", str(name_or_id), names))
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
            text=r[10],
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

    # ------------------------------------------------------------ codes

    def codes(self) -> list[Code]:
        """Every code in tree order (parents before children, siblings by position)."""
        counts = dict(
            self.conn.execute("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id").fetchall()
        )
        rows = self.conn.execute(
            "SELECT id, parent_id, name, brief, definition, when_to_use, when_not_to_use, "
            "example, color, keywords, patterns, position FROM codes ORDER BY position, id"
        ).fetchall()
        by_parent: dict[int | None, list[tuple[Any, ...]]] = {}
        for r in rows:
            by_parent.setdefault(r[1], []).append(r)
        names = {r[0]: r[2] for r in rows}
        out: list[Code] = []

        def walk(parent: int | None, depth: int) -> None:
            for r in by_parent.get(parent, []):
                out.append(
                    Code(
                        id=r[0],
                        parent_id=r[1],
                        parent=names.get(r[1]),
                        name=r[2],
                        brief=r[3],
                        definition=r[4],
                        when_to_use=r[5],
                        when_not_to_use=r[6],
                        example=r[7],
                        color=r[8],
                        keywords=json.loads(r[9]),
                        patterns=json.loads(r[10]),
                        position=r[11],
                        depth=depth,
                        coding_count=counts.get(r[0], 0),
                        child_count=len(by_parent.get(r[0], [])),
                    )
                )
                walk(r[0], depth + 1)

        walk(None, 0)
        return out

    def code(self, name_or_id: str | int) -> Code:
        code_id = self._code_id(name_or_id)
        for code in self.codes():
            if code.id == code_id:
                return code
        raise ProjectError(f"no code {name_or_id}")  # pragma: no cover - _code_id checked

    def find_code(self, name: str) -> Code | None:
        row = self.conn.execute("SELECT id FROM codes WHERE name = ?", (name,)).fetchone()
        return None if row is None else self.code(int(row[0]))

    def _code_id(self, name_or_id: str | int) -> int:
        if isinstance(name_or_id, int):
            row = self.conn.execute("SELECT id FROM codes WHERE id = ?", (name_or_id,)).fetchone()
        else:
            row = self.conn.execute("SELECT id FROM codes WHERE name = ?", (name_or_id,)).fetchone()
            if row is None:
                row = self.conn.execute(
                    "SELECT id FROM codes WHERE name = ? COLLATE NOCASE", (name_or_id,)
                ).fetchone()
        if row is None:
            names = [r[0] for r in self.conn.execute("SELECT name FROM codes")]
            raise ProjectError(_not_found("code", str(name_or_id), names))
        return int(row[0])

    def descendant_ids(self, name_or_id: str | int) -> list[int]:
        """The code and all codes below it: what a theme counts."""
        root = self._code_id(name_or_id)
        rows = self.conn.execute(
            "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL "
            "SELECT c.id FROM codes c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub",
            (root,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def add_code(self, name: str, parent: str | int | None = None, **fields: Any) -> int:
        name = _clean_name(name)
        if self.conn.execute("SELECT 1 FROM codes WHERE name = ?", (name,)).fetchone():
            raise ProjectError(f"a code named '{name}' already exists")
        parent_id = self._code_id(parent) if parent is not None else None
        values = _code_values(fields)
        position = self.conn.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM codes WHERE parent_id IS ?", (parent_id,)
        ).fetchone()[0]
        where = f" under '{self.code(parent_id).name}'" if parent_id else ""
        with self.action("code.add", f"Added code '{name}'{where}"):
            return self._insert(
                "codes", {"name": name, "parent_id": parent_id, "position": position, **values}
            )

    def update_code(self, name_or_id: str | int, **fields: Any) -> None:
        code_id = self._code_id(name_or_id)
        values = _code_values(fields)
        if not values:
            return
        name = self.code(code_id).name
        with self.action("code.update", f"Edited {', '.join(sorted(values))} of '{name}'"):
            self._update("codes", code_id, values)

    def rename_code(self, name_or_id: str | int, new_name: str) -> None:
        code_id = self._code_id(name_or_id)
        new_name = _clean_name(new_name)
        old = self.code(code_id).name
        clash = self.conn.execute(
            "SELECT id FROM codes WHERE name = ? AND id != ?", (new_name, code_id)
        ).fetchone()
        if clash:
            raise ProjectError(f"a code named '{new_name}' already exists; merge them instead")
        with self.action("code.rename", f"Renamed code '{old}' to '{new_name}'"):
            self._update("codes", code_id, {"name": new_name})

    def move_code(self, name_or_id: str | int, new_parent: str | int | None) -> None:
        """Re-parent a code (None makes it top level); a code cannot move under itself."""
        code_id = self._code_id(name_or_id)
        parent_id = self._code_id(new_parent) if new_parent is not None else None
        if parent_id is not None and parent_id in self.descendant_ids(code_id):
            raise ProjectError("a code cannot be moved under itself or its own sub-codes")
        name = self.code(code_id).name
        where = f"under '{self.code(parent_id).name}'" if parent_id else "to the top level"
        position = self.conn.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM codes WHERE parent_id IS ?", (parent_id,)
        ).fetchone()[0]
        with self.action("code.move", f"Moved code '{name}' {where}"):
            self._update("codes", code_id, {"parent_id": parent_id, "position": position})

    def merge_codes(self, source: str | int, target: str | int) -> int:
        """Fold ``source`` into ``target``: its codings and sub-codes move over, then it goes.

        A coding that would duplicate one the target already has (same document, span and
        coder) is dropped rather than doubled. Returns how many codings moved.
        """
        src, dst = self._code_id(source), self._code_id(target)
        if src == dst:
            raise ProjectError("cannot merge a code into itself")
        if dst in self.descendant_ids(src):
            raise ProjectError("cannot merge a code into one of its own sub-codes")
        src_name, dst_name = self.code(src).name, self.code(dst).name
        moved = 0
        with self.action("code.merge", f"Merged code '{src_name}' into '{dst_name}'"):
            existing = {
                (r[0], r[1], r[2], r[3])
                for r in self.conn.execute(
                    'SELECT document_id, start, "end", coder_id FROM codings WHERE code_id = ?',
                    (dst,),
                )
            }
            for cid, doc_id, start, end, coder_id in self.conn.execute(
                'SELECT id, document_id, start, "end", coder_id FROM codings WHERE code_id = ?',
                (src,),
            ).fetchall():
                if (doc_id, start, end, coder_id) in existing:
                    self._delete_coding_row(cid)
                else:
                    self._update("codings", cid, {"code_id": dst})
                    moved += 1
            for (child,) in self.conn.execute(
                "SELECT id FROM codes WHERE parent_id = ?", (src,)
            ).fetchall():
                self._update("codes", child, {"parent_id": dst})
            self._retarget_memos("code", src, dst)
            for (sid,) in self.conn.execute(
                "SELECT id FROM suggestions WHERE code_id = ?", (src,)
            ).fetchall():
                self._delete("suggestions", sid)
            self._delete("codes", src)
        return moved

    def delete_code(self, name_or_id: str | int, force: bool = False) -> int:
        """Delete a code. Policy: a code with codings or sub-codes is only deleted with
        ``force``; then its codings (and their memos) go too and its sub-codes move up to its
        parent. Undo brings all of it back. Returns the number of codings deleted."""
        code_id = self._code_id(name_or_id)
        code = self.code(code_id)
        if (code.coding_count or code.child_count) and not force:
            raise ProjectError(
                f"code '{code.name}' has {code.coding_count} coding(s) and {code.child_count} "
                "sub-code(s); use --force to delete it with its codings (sub-codes move up), "
                "or merge it into another code"
            )
        with self.action("code.delete", f"Deleted code '{code.name}'"):
            for (cid,) in self.conn.execute(
                "SELECT id FROM codings WHERE code_id = ?", (code_id,)
            ).fetchall():
                self._delete_coding_row(cid)
            for (child,) in self.conn.execute(
                "SELECT id FROM codes WHERE parent_id = ?", (code_id,)
            ).fetchall():
                self._update("codes", child, {"parent_id": code.parent_id})
            for (mid,) in self.conn.execute(
                "SELECT id FROM memos WHERE target_type = 'code' AND target_id = ?", (code_id,)
            ).fetchall():
                self._delete("memos", mid)
            for (sid,) in self.conn.execute(
                "SELECT id FROM suggestions WHERE code_id = ?", (code_id,)
            ).fetchall():
                self._delete("suggestions", sid)
            self._delete("codes", code_id)
        return code.coding_count

    def _retarget_memos(self, target_type: str, old_id: int, new_id: int) -> None:
        for mid, coder_id in self.conn.execute(
            "SELECT id, coder_id FROM memos WHERE target_type = ? AND target_id = ?",
            (target_type, old_id),
        ).fetchall():
            clash = self.conn.execute(
                "SELECT id, text FROM memos WHERE target_type = ? AND target_id = ? "
                "AND coder_id = ?",
                (target_type, new_id, coder_id),
            ).fetchone()
            if clash:
                old_text = self.conn.execute(
                    "SELECT text FROM memos WHERE id = ?", (mid,)
                ).fetchone()[0]
                self._update(
                    "memos",
                    int(clash[0]),
                    {"text": f"{clash[1]}\n\n{old_text}", "updated_at": now()},
                )
                self._delete("memos", mid)
            else:
                self._update("memos", mid, {"target_id": new_id})

    def apply_codebook(
        self, name: str, entries: Sequence[tuple[str, str | None, dict[str, Any]]]
    ) -> CodebookChanges:
        """Merge a codebook into the project by code name, as one undoable action.

        ``entries`` are (name, parent name, fields) with parents listed before children. New
        codes are added, existing ones get changed definitions and parents, and codes the
        codebook does not mention are kept with their codings: loading never deletes work.
        """
        changes = CodebookChanges()
        with self.action("codebook.load", f"Loaded codebook '{name}'"):
            for position, (code_name, parent_name, fields) in enumerate(entries):
                values = _code_values(fields)
                parent_id = self._code_id(parent_name) if parent_name else None
                row = self.conn.execute(
                    "SELECT id FROM codes WHERE name = ? COLLATE NOCASE", (code_name,)
                ).fetchone()
                if row is None:
                    self._insert(
                        "codes",
                        {"name": code_name, "parent_id": parent_id, "position": position, **values},
                    )
                    changes.added.append(code_name)
                    continue
                code_id = int(row[0])
                before = self._row("codes", code_id) or {}
                wanted = {**values, "parent_id": parent_id}
                differing = {k: v for k, v in wanted.items() if before.get(k) != v}
                if differing:
                    self._update("codes", code_id, differing)
                    changes.updated.append(
                        (code_name, sorted("parent" if k == "parent_id" else k for k in differing))
                    )
                else:
                    changes.unchanged += 1
            named = {entry[0].lower() for entry in entries}
            changes.kept = [c.name for c in self.codes() if c.name.lower() not in named]
            self._set_setting_row("codebook_name", name)
        return changes

    def _set_setting_row(self, key: str, value: str) -> None:
        row = self.conn.execute("SELECT rowid FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            self._insert("settings", {"key": key, "value": value})
        else:
            self._update("settings", int(row[0]), {"value": value})

    # ------------------------------------------------------------ codings

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
        doc = self.document(document)
        code_id = self._code_id(code)
        _check_span(doc.text, start, end)
        if origin not in ("manual", "rule", "model"):
            raise ProjectError(f"unknown coding origin '{origin}'")
        with self.action(
            "coding.add",
            f"Coded '{self.code(code_id).name}' on {doc.name} [{start}:{end}] "
            f"'{_clip(doc.text[start:end])}'",
        ):
            coder_id = self._current_coder_id()
            dup = self.conn.execute(
                "SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND start = ? "
                'AND "end" = ? AND coder_id = ?',
                (doc.id, code_id, start, end, coder_id),
            ).fetchone()
            if dup:
                raise ProjectError(f"that passage already has code '{self.code(code_id).name}'")
            return self._insert(
                "codings",
                {
                    "document_id": doc.id,
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
        rows = self.conn.execute(
            f"""
            SELECT c.id, c.document_id, d.name, c.code_id, o.name, c.start, c."end", k.name,
                   c.memo, c.origin, c.created_at, substr(d.text, c.start + 1, c."end" - c.start)
            FROM codings c
            JOIN documents d ON d.id = c.document_id
            JOIN codes o ON o.id = c.code_id
            JOIN coders k ON k.id = c.coder_id
            WHERE {where}
            ORDER BY d.name, c.start, c."end", o.name, c.id
            """,
            args,
        ).fetchall()
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
                text=r[11],
            )
            for r in rows
        ]

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
        label = target_type if target is None else f"{target_type} {target}"
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

    # ------------------------------------------------------------ search & settings

    def search(self, query: str, limit: int = 200) -> list[SearchHit]:
        """Full-text search over turns (FTS5). Plain words are ANDed; quotes make phrases."""
        match = _fts_query(query)
        if not match:
            return []
        try:
            rows = self.conn.execute(
                'SELECT t.id, d.name, s.name, t.start, t."end", turns_fts.text '
                "FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid "
                "JOIN documents d ON d.id = t.document_id "
                "LEFT JOIN speakers s ON s.id = t.speaker_id "
                "WHERE turns_fts MATCH ? ORDER BY d.name, t.start LIMIT ?",
                (match, limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise ProjectError(f"cannot search for {query!r}: {exc}") from exc
        return [
            SearchHit(turn_id=r[0], document=r[1], speaker=r[2], start=r[3], end=r[4], text=r[5])
            for r in rows
        ]

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self.action("setting.set", f"Set {key} = {value}"):
            self._set_setting_row(key, value)


# ---------------------------------------------------------------- helpers


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":  # pragma: no cover - e.g. network file systems
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _schema_version(conn: sqlite3.Connection) -> int | None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        return 0 if tables == 0 else None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _event(r: tuple[Any, ...]) -> Event:
    return Event(
        id=r[0],
        at=r[1],
        coder=r[2],
        action=r[3],
        summary=r[4],
        changes=json.loads(r[5]),
        undoable=bool(r[6]),
        reverted=bool(r[7]),
    )


def _check_span(text: str, start: int, end: int) -> None:
    if not (0 <= start < end <= len(text)):
        raise ProjectError(
            f"span [{start}:{end}] is not inside the document (0 to {len(text)}, start < end)"
        )


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


def _clip(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ProjectError("a code name cannot be empty")
    return name


def _code_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(CODE_FIELDS)
    if unknown:
        raise ProjectError(f"unknown code field(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None and key != "color":
            continue
        values[key] = json.dumps(value, ensure_ascii=False) if key in JSON_CODE_FIELDS else value
    return values


def _not_found(kind: str, name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"no {kind} named '{name}'{hint}"


def _fts_query(query: str) -> str:
    """Turn what a researcher types into a safe FTS5 query: words ANDed, quoted phrases kept,
    a trailing ``*`` kept as a prefix search."""
    import re

    parts = re.findall(r'"[^"]+"|\S+', query)
    terms: list[str] = []
    for part in parts:
        if part.startswith('"') and part.endswith('"'):
            inner = part[1:-1].replace('"', "")
            if inner.strip():
                terms.append(f'"{inner}"')
            continue
        prefix = part.endswith("*")
        word = re.sub(r"[^\w]", " ", part).strip()
        for piece in word.split():
            terms.append(f'"{piece}"' + ("*" if prefix else ""))
    return " ".join(terms)
