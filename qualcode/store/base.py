"""The project connection and its transactions: the ground every other part stands on.

``ProjectBase`` opens the file (WAL, foreign keys, busy timeout, migrations) and provides
:meth:`ProjectBase.action`, the one way to change data: a transaction that also writes its audit
event. Inside an action, ``_insert``/``_update``/``_delete`` record each row's before and after,
which is what undo and redo replay.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from qualcode.errors import ProjectError
from qualcode.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 10_000


def now() -> str:
    """UTC timestamp with second precision, ISO 8601: sortable and readable in Datasette."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class _Action:
    name: str
    summary: str
    undoable: bool
    changes: list[dict[str, Any]] = field(default_factory=list)


class ProjectBase:
    """An open project file; see :class:`qualcode.store.Project` for everything it can do."""

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
    def create(cls, path: str | Path, coder: str = "unknown") -> Self:
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
    def open(cls, path: str | Path, coder: str = "unknown", migrate: bool = True) -> Self:
        """Open an existing project, bringing its schema up to date.

        A file from a newer qualcode opens read-only: reading is safe, writing could corrupt
        tables this version does not know about.
        """
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"{path}: no such project file (create one with 'qualcode init')")
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
        # Never open() the file ourselves: closing any descriptor on it drops every POSIX lock
        # this process holds there, including those of other open connections, and another
        # process would then delete the WAL under them. SQLite itself says if it is no database.
        try:
            conn = _connect(path)
            version = _schema_version(conn)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise ProjectError(f"{path}: not a qualcode project (not an SQLite file)") from exc
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

    def __enter__(self) -> Self:
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


def _schema_version(conn: sqlite3.Connection) -> int | None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        return 0 if tables == 0 else None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _clip(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _not_found(kind: str, name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"no {kind} named '{name}'{hint}"
