"""The session: one open project file, its transactions and its audit trail.

A :class:`Session` owns the SQLite connection (WAL, foreign keys, busy timeout), runs the
migrations on open, and provides :meth:`Session.action`, the one way to change data: a
transaction that also writes its audit event. Inside an action, :meth:`Session.insert`,
:meth:`Session.update` and :meth:`Session.delete` record each row's before and after, which is
what undo and redo replay. Repositories (documents, codebook, codings, memos, suggestions,
models, settings, history) take a session explicitly; none of them owns a connection.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import ProjectError
from qualcode.store.invariants import check_coder_name
from qualcode.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000


def now() -> str:
    """UTC timestamp with second precision, ISO 8601: sortable and readable in Datasette."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_seconds() -> int:
    """The current time as whole seconds since 1970 (how codings keep their time)."""
    return int(datetime.now(UTC).timestamp())


def iso_seconds(seconds: int | str) -> str:
    """Whole seconds since 1970 as the ISO 8601 text :func:`now` writes (text is passed
    through: a time already written as text stays as it was)."""
    if isinstance(seconds, str):
        return seconds
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_guid() -> str:
    """A GUID for a new document, code, coding, memo or coder: lower case, no braces, as
    REFI-QDA writes them. It never changes, so merged and exchanged files can match rows."""
    return str(uuid.uuid4())


@dataclass
class Action:
    """The action in progress: its audit summary and the row changes undo will replay."""

    name: str
    summary: str
    undoable: bool
    changes: list[dict[str, Any]] = field(default_factory=list)


class Session:
    """An open project file: the connection, the current coder and the action in progress."""

    def __init__(self, path: Path, conn: sqlite3.Connection, coder: str, read_only: bool) -> None:
        self.path = path
        self.conn = conn
        self.coder = coder
        self.read_only = read_only
        self._action: Action | None = None
        self._coder_id: int | None = None
        self.read_only_reason = ""

    # ------------------------------------------------------------------ opening

    @classmethod
    def create(cls, path: str | Path, coder: str = "unknown") -> Session:
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
        session = cls(path, conn, coder, read_only=False)
        session.migrate()
        return session

    @classmethod
    def open(cls, path: str | Path, coder: str = "unknown", migrate: bool = True) -> Session:
        """Open an existing project, bringing its schema up to date.

        Never creates or re-stamps anything: an empty file, a foreign SQLite file or a broken
        ``meta`` table is refused with one line. A file from a newer qualcode opens read-only
        (reading is safe, writing could corrupt tables this version does not know about), and
        so does a file this process may not write (a read-only file, folder or mount): reading
        works, and every change is refused with a clear line rather than an SQLite error.
        """
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"{path}: no such project file (create one with 'qualcode init')")
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
        if path.stat().st_size == 0:
            raise ProjectError(
                f"{path}: empty file, not a qualcode project (create one with 'qualcode init')"
            )
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        # Never open() the file ourselves: closing any descriptor on it drops every POSIX lock
        # this process holds there, including those of other open connections, and another
        # process would then delete the WAL under them. SQLite itself says if it is no database.
        try:
            conn = _connect(path) if writable else _connect_read_only(path)
        except sqlite3.DatabaseError as exc:
            raise unreadable(path, exc, "open", "nothing was changed") from exc
        version = checked_schema_version(conn, path, "open", "nothing was changed")
        if version is None:
            conn.close()
            raise ProjectError(f"{path}: SQLite file but not a qualcode project (no meta table)")
        if version == 0:
            conn.close()
            raise ProjectError(
                f"{path}: SQLite file but not a qualcode project (no schema version)"
            )
        if not writable and version < SCHEMA_VERSION:
            conn.close()
            raise ProjectError(
                f"{path}: made by an older qualcode and read-only here; copy it somewhere "
                "writable so it can be upgraded"
            )
        session = cls(path, conn, coder, read_only=version > SCHEMA_VERSION or not writable)
        session.read_only_reason = (
            "" if writable else "this user cannot write the file or its folder"
        )
        if version < SCHEMA_VERSION and migrate:
            session.migrate()
        return session

    def close(self) -> None:
        self.conn.close()

    @property
    def db(self) -> Database:
        """The connection as a sqlite-utils ``Database`` (migrations, tests, scripts).

        Imported on first use: sqlite-utils pulls in numpy, a fifth of a second that every
        command, ``--help`` included, would otherwise pay."""
        from sqlite_utils import Database

        return Database(self.conn)

    @property
    def schema_version(self) -> int:
        return schema_version(self.conn) or 0

    @property
    def data_version(self) -> int:
        """Changes whenever *another* connection commits: how the TUI notices CLI edits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def migrate(self) -> None:
        """Run the migrations this file has not had, in order, in one transaction.

        Foreign keys are switched off for the duration, as SQLite's own procedure for
        rebuilding tables requires (dropping a table with foreign keys on would cascade into
        its children); ``foreign_key_check`` must come back empty before anything commits.
        """
        from qualcode.store.schema import MIGRATIONS

        self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            current = schema_version(self.conn) or 0
            db = self.db
            for number, migration in enumerate(MIGRATIONS, start=1):
                if number > current:
                    migration(db)
            broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ProjectError(
                    f"{self.path}: cannot upgrade: {len(broken)} row(s) point at missing rows "
                    f"(first: table {broken[0][0]} row {broken[0][1]}); nothing was changed"
                )
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
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")

    # ------------------------------------------------------------ transactions

    @contextmanager
    def action(self, name: str, summary: str, undoable: bool = True) -> Iterator[Action]:
        """One user action: one transaction and one audit event, or nothing at all.

        Nested calls join the outer action, so composite operations (create a code and apply
        it; delete a code with its codings and their memos) stay one undo step.
        """
        if self.read_only and self.read_only_reason:
            raise ProjectError(
                f"{self.path}: project is read-only ({self.read_only_reason}); copy it somewhere "
                "writable to change it"
            )
        if self.read_only:
            raise ProjectError(
                f"{self.path}: made by a newer qualcode (schema {self.schema_version}, this "
                f"version knows {SCHEMA_VERSION}); upgrade qualcode to change it"
            )
        if self._action is not None:
            yield self._action
            return
        act = Action(name, summary, undoable)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._storage_error(exc, summary) or ProjectError(
                f"{self.path}: project is busy or locked ({exc})"
            ) from exc
        self._action = act
        try:
            yield act
            coder_id = self.coder_id()
            undoable_now = act.undoable and bool(act.changes)
            if undoable_now:
                # A new action makes older undone actions un-redoable, as in any editor.
                self.conn.execute(
                    "UPDATE events SET redo_available = 0 WHERE redo_available = 1 AND coder_id = ?",
                    (coder_id,),
                )
            self.conn.execute(
                "INSERT INTO events(at, coder_id, action, summary, changes, undoable) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (now(), coder_id, act.name, act.summary, encode_changes(act.changes), undoable_now),
            )
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._coder_id = None
            if isinstance(exc, sqlite3.OperationalError):
                plain = self._storage_error(exc, act.summary)
                if plain is not None:
                    raise plain from exc
            raise
        finally:
            self._action = None

    def _storage_error(self, exc: sqlite3.Error, summary: str) -> ProjectError | None:
        """What the file system did to a write, in words a researcher can act on."""
        message = str(exc)
        if "disk is full" in message or "database or disk is full" in message:
            return ProjectError(
                f"{self.path}: the disk is full; nothing of '{summary}' was saved (the project "
                "is as it was); free some space and try again"
            )
        if "readonly" in message or "read-only" in message:
            return ProjectError(
                f"{self.path}: project is read-only ({message}); copy it somewhere writable "
                "to change it"
            )
        return None

    def switch_coder(self, name: str) -> None:
        if self._action is not None:
            raise RuntimeError("cannot switch coder inside an action")
        self.coder = name
        self._coder_id = None

    def require_action(self) -> Action:
        if self._action is None:
            raise RuntimeError("write outside Session.action()")
        return self._action

    def coder_id(self) -> int:
        """The current coder's id, creating the coder (with a GUID) on first write."""
        if self._coder_id is None:
            found = self.lookup_coder_id(self.coder)
            if found is None:
                self.require_action()
                self.coder = check_coder_name(self.coder)  # refused before it is stored
                found = self.lookup_coder_id(self.coder)
            if found is None:
                cur = self.conn.execute(
                    "INSERT INTO coders(guid, name, created_at) VALUES (?, ?, ?)",
                    (new_guid(), self.coder, now()),
                )
                found = int(cur.lastrowid or 0)
            self._coder_id = found
        return self._coder_id

    def lookup_coder_id(self, name: str) -> int | None:
        row = self.conn.execute("SELECT id FROM coders WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    # ------------------------------------------------------------ audited row writes

    def row(self, table: str, rowid: int) -> dict[str, Any] | None:
        """A row as a dict (the form the audit trail records), or None."""
        cur = self.conn.execute(f"SELECT * FROM [{table}] WHERE rowid = ?", (rowid,))
        found = cur.fetchone()
        if found is None:
            return None
        names = [d[0] for d in cur.description]
        return dict(zip(names, found, strict=True))

    def insert(self, table: str, values: dict[str, Any], record: bool = True) -> int:
        """Insert one row; recorded for undo unless ``record`` is False (bulk machine rows
        such as turns and sentences, which their action's summary describes)."""
        act = self.require_action()
        cols = ", ".join(f"[{k}]" for k in values)
        marks = ", ".join("?" for _ in values)
        cur = self.conn.execute(
            f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", tuple(values.values())
        )
        rowid = int(cur.lastrowid or 0)
        if record:
            act.changes.append(
                {"table": table, "rowid": rowid, "before": None, "after": self.row(table, rowid)}
            )
        return rowid

    def update(self, table: str, rowid: int, values: dict[str, Any]) -> None:
        act = self.require_action()
        before = self.row(table, rowid)
        if before is None:
            raise ProjectError(f"{table} row {rowid} does not exist")
        sets = ", ".join(f"[{k}] = ?" for k in values)
        self.conn.execute(f"UPDATE [{table}] SET {sets} WHERE rowid = ?", (*values.values(), rowid))
        after = self.row(table, rowid)
        if after != before:
            act.changes.append({"table": table, "rowid": rowid, "before": before, "after": after})

    def delete(self, table: str, rowid: int, record: bool = True) -> None:
        """Delete one row; recorded for undo unless ``record`` is False (a non-undoable
        action whose summary says what went, such as removing a whole document)."""
        act = self.require_action()
        if not record:
            self.conn.execute(f"DELETE FROM [{table}] WHERE rowid = ?", (rowid,))
            return
        before = self.row(table, rowid)
        if before is None:
            return
        self.conn.execute(f"DELETE FROM [{table}] WHERE rowid = ?", (rowid,))
        act.changes.append({"table": table, "rowid": rowid, "before": before, "after": None})

    def restore(self, table: str, values: dict[str, Any]) -> None:
        """Put back a deleted row exactly as it was (undo/redo only): same rowid, same GUID."""
        self.require_action()
        cols = ", ".join(f"[{k}]" for k in values)
        marks = ", ".join("?" for _ in values)
        self.conn.execute(
            f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", tuple(values.values())
        )


COMPRESS_ABOVE = 2048
"""Change records longer than this (in bytes of JSON) are stored zlib-compressed."""


def encode_changes(changes: list[dict[str, Any]]) -> str | bytes:
    """How an action's row changes are kept in ``events.changes``: compactly.

    Rows are lists of values under one column list per table, rather than a dict per row that
    repeats every column name, and a large record (a bulk import, a merge) is zlib-compressed
    (a BLOB in the column). Small records stay readable JSON text in Datasette.
    Format 2: ``{"v": 2, "cols": {table: [column, ...]}, "rows": [[table, rowid, before,
    after], ...], "notes": [...]}`` where before/after are value lists or null; ``notes`` are
    entries that are not row changes (markers of non-undoable bulk work)."""
    if not changes:
        return "[]"
    cols: dict[str, list[str]] = {}
    rows: list[list[Any]] = []
    notes: list[dict[str, Any]] = []
    for change in changes:
        if set(change) != {"table", "rowid", "before", "after"}:
            notes.append(change)
            continue
        table = change["table"]
        sample = change["after"] if change["after"] is not None else change["before"]
        known = cols.setdefault(table, list(sample))
        values: list[Any] = [change["rowid"]]
        for side in ("before", "after"):
            row = change[side]
            if row is None:
                values.append(None)
            elif set(row) == set(known):
                values.append([row[name] for name in known])
            else:  # a row of another shape (never expected): kept whole, in place
                values.append(row)
        rows.append([table, *values])
    text = json.dumps(
        {"v": 2, "cols": cols, "rows": rows, "notes": notes},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    data = text.encode("utf-8")
    if len(data) > COMPRESS_ABOVE:
        return zlib.compress(data, 6)
    return text


def decode_changes(raw: str | bytes) -> list[dict[str, Any]]:
    """The row changes of an event, whichever format it was written in (format 1: a list of
    ``{table, rowid, before, after}`` dicts)."""
    if isinstance(raw, bytes):
        raw = zlib.decompress(raw).decode("utf-8")
    data = json.loads(raw)
    if isinstance(data, list):
        return data
    cols: dict[str, list[str]] = data["cols"]
    out: list[dict[str, Any]] = []
    for table, rowid, before, after in data["rows"]:
        names = cols[table]
        out.append(
            {
                "table": table,
                "rowid": rowid,
                "before": _as_row(names, before),
                "after": _as_row(names, after),
            }
        )
    out.extend(data.get("notes", []))
    return out


def _as_row(names: list[str], values: list[Any] | dict[str, Any] | None) -> Any:
    if values is None or isinstance(values, dict):
        return values
    return dict(zip(names, values, strict=True))


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # pragma: no cover - e.g. network file systems
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that writes nothing, not even the WAL's shared-memory file: for a project
    this process may not change (``immutable``: SQLite then trusts nobody else writes either,
    which holds for a read-only folder or mount)."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def unreadable(path: Path, exc: sqlite3.DatabaseError, doing: str, nothing: str) -> ProjectError:
    """The one-line error for a file SQLite cannot read as a database."""
    if "not a database" in str(exc) or "malformed" in str(exc):
        return ProjectError(f"{path}: not a qualcode project (not an SQLite file)")
    return ProjectError(f"{path}: cannot {doing} project ({exc}); {nothing}")


def checked_schema_version(
    conn: sqlite3.Connection, path: Path, doing: str, nothing: str
) -> int | None:
    """:func:`schema_version`, each way a file can fail to be a project told in one line
    naming ``path`` (``doing``: "open", "read"; ``nothing``: what did not happen). The
    connection is closed when it fails."""
    try:
        return schema_version(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise unreadable(path, exc, doing, nothing) from exc
    except ValueError as exc:
        conn.close()
        raise ProjectError(f"{path}: broken project file ({exc}); {nothing}") from exc


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The file's schema version; 0 for an empty file, None for a foreign SQLite file.

    A version that is not a whole number raises ValueError: the file is broken, and guessing
    would risk running the wrong migrations over it."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        return 0 if tables == 0 else None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return 0
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise ValueError(f"its schema version is {str(row[0])[:20]!r}, not a number") from None
