"""The project schema as an ordered list of migrations.

Each migration is a function over a ``sqlite_utils.Database`` and is applied once, in order,
inside the caller's transaction; ``meta.schema_version`` records how far a file has come. A file
whose version is newer than :data:`SCHEMA_VERSION` was made by a newer qualcode and is refused
for writing, so an old program never damages data it does not understand.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from qualcode.text import count_words

if TYPE_CHECKING:
    from sqlite_utils import Database

Migration = Callable[["Database"], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction.

    ``executescript`` would COMMIT whatever transaction is open first, so a migration would no
    longer be all-or-nothing; statements are split with SQLite's own completeness check."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    if pending.strip():
        conn.execute(pending)


def _m001_initial(db: Database) -> None:
    run_script(
        db.conn,
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS coders (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS documents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            source_format TEXT NOT NULL,
            source_path TEXT,
            word_count INTEGER NOT NULL DEFAULT 0,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS document_attributes (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (document_id, key)
        );
        CREATE TABLE IF NOT EXISTS speakers (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            UNIQUE (document_id, name)
        );
        CREATE TABLE IF NOT EXISTS speaker_attributes (
            speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (speaker_id, key)
        );
        CREATE TABLE IF NOT EXISTS turns (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            speaker_id INTEGER REFERENCES speakers(id) ON DELETE SET NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            timestamp TEXT,
            CHECK (0 <= start AND start <= "end"),
            UNIQUE (document_id, idx)
        );
        CREATE TABLE IF NOT EXISTS sentences (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            turn_id INTEGER REFERENCES turns(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            CHECK (0 <= start AND start < "end")
        );
        CREATE INDEX IF NOT EXISTS sentences_doc ON sentences(document_id, start);
        CREATE TABLE IF NOT EXISTS codes (
            id INTEGER PRIMARY KEY,
            parent_id INTEGER REFERENCES codes(id),
            name TEXT NOT NULL UNIQUE,
            brief TEXT NOT NULL DEFAULT '',
            definition TEXT NOT NULL DEFAULT '',
            when_to_use TEXT NOT NULL DEFAULT '',
            when_not_to_use TEXT NOT NULL DEFAULT '',
            example TEXT NOT NULL DEFAULT '',
            color TEXT,
            keywords TEXT NOT NULL DEFAULT '[]',
            patterns TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS codings (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL REFERENCES codes(id),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            memo TEXT,
            origin TEXT NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual', 'rule', 'model')),
            created_at TEXT NOT NULL,
            CHECK (0 <= start AND start < "end")
        );
        CREATE INDEX IF NOT EXISTS codings_doc ON codings(document_id, start);
        CREATE INDEX IF NOT EXISTS codings_code ON codings(code_id);
        CREATE TABLE IF NOT EXISTS memos (
            id INTEGER PRIMARY KEY,
            target_type TEXT NOT NULL
                CHECK (target_type IN ('project', 'document', 'code', 'coding')),
            target_id INTEGER,
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (target_type, target_id, coder_id)
        );
        CREATE TABLE IF NOT EXISTS suggestions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('rule', 'model')),
            reason TEXT NOT NULL DEFAULT '',
            score REAL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'rejected')),
            coding_id INTEGER REFERENCES codings(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            decided_at TEXT,
            UNIQUE (document_id, code_id, start, "end", source)
        );
        CREATE TABLE IF NOT EXISTS models (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            codebook_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            data BLOB NOT NULL,
            metrics TEXT NOT NULL DEFAULT '{}',
            thresholds TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE IF NOT EXISTS events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            coder_id INTEGER REFERENCES coders(id),
            action TEXT NOT NULL,
            summary TEXT NOT NULL,
            changes TEXT NOT NULL DEFAULT '[]',
            undoable INTEGER NOT NULL DEFAULT 1,
            reverted INTEGER NOT NULL DEFAULT 0,
            redo_available INTEGER NOT NULL DEFAULT 0,
            reverted_by INTEGER
        );
        CREATE VIRTUAL TABLE IF NOT EXISTS turns_fts USING fts5(text, tokenize = 'unicode61');
        """,
    )


# ------------------------------------------------------------------ migration 2
#
# Stable identity and one home for memos. Tables that gain a GUID, or whose ids must never be
# reused, are rebuilt (SQLite can add neither AUTOINCREMENT nor a UNIQUE column in place):
# sqlite-utils' ``transform()`` cannot declare AUTOINCREMENT, so these few rebuilds are plain
# SQL, following SQLite's documented procedure (foreign keys off, copy, drop, rename; see
# ``Session.migrate``). Every row is copied; the undo history is rewritten to the new row shape
# so actions taken before the upgrade can still be undone.

_GUID_TABLES = ("coders", "documents", "codes", "codings", "memos")

_M002_TABLES = {
    "coders": """
        CREATE TABLE coders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        )""",
    "documents": """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            source_format TEXT NOT NULL,
            source_path TEXT,
            word_count INTEGER NOT NULL DEFAULT 0,
            imported_at TEXT NOT NULL
        )""",
    "codes": """
        CREATE TABLE codes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            parent_id INTEGER REFERENCES codes(id),
            name TEXT NOT NULL UNIQUE,
            brief TEXT NOT NULL DEFAULT '',
            definition TEXT NOT NULL DEFAULT '',
            when_to_use TEXT NOT NULL DEFAULT '',
            when_not_to_use TEXT NOT NULL DEFAULT '',
            example TEXT NOT NULL DEFAULT '',
            color TEXT,
            keywords TEXT NOT NULL DEFAULT '[]',
            patterns TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL DEFAULT 0
        )""",
    "codings": """
        CREATE TABLE codings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL REFERENCES codes(id),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            origin TEXT NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual', 'rule', 'model')),
            created_at INTEGER NOT NULL,
            CHECK (0 <= start AND start < "end")
        )""",
    "memos": """
        CREATE TABLE memos (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            target_type TEXT NOT NULL
                CHECK (target_type IN ('project', 'document', 'code', 'coding')),
            document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
            code_id INTEGER REFERENCES codes(id) ON DELETE CASCADE,
            coding_id INTEGER REFERENCES codings(id) ON DELETE CASCADE,
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (
                (target_type = 'project' AND document_id IS NULL AND code_id IS NULL
                    AND coding_id IS NULL)
                OR (target_type = 'document' AND document_id IS NOT NULL AND code_id IS NULL
                    AND coding_id IS NULL)
                OR (target_type = 'code' AND code_id IS NOT NULL AND document_id IS NULL
                    AND coding_id IS NULL)
                OR (target_type = 'coding' AND coding_id IS NOT NULL AND document_id IS NULL
                    AND code_id IS NULL)
            )
        )""",
    "suggestions": """
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('rule', 'model')),
            reason TEXT NOT NULL DEFAULT '',
            score REAL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'rejected')),
            coding_id INTEGER REFERENCES codings(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            decided_at TEXT,
            UNIQUE (document_id, code_id, start, "end", source)
        )""",
    "sentences": """
        CREATE TABLE sentences (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            words INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (document_id, start),
            CHECK (0 <= start AND start < "end")
        ) WITHOUT ROWID""",
    "events": """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            coder_id INTEGER REFERENCES coders(id),
            action TEXT NOT NULL,
            summary TEXT NOT NULL,
            changes TEXT NOT NULL DEFAULT '[]',
            undoable INTEGER NOT NULL DEFAULT 1,
            reverted INTEGER NOT NULL DEFAULT 0,
            redo_available INTEGER NOT NULL DEFAULT 0,
            reverted_by INTEGER
        )""",
}

_M002_INDEXES = """
    CREATE INDEX IF NOT EXISTS codings_doc ON codings(document_id, start);
    CREATE INDEX IF NOT EXISTS codes_parent ON codes(parent_id, position);
    CREATE INDEX IF NOT EXISTS documents_text_hash ON documents(text_sha256);
    CREATE UNIQUE INDEX IF NOT EXISTS memos_one_per_target
        ON memos(coder_id, target_type, COALESCE(document_id, code_id, coding_id, 0));
    CREATE INDEX IF NOT EXISTS memos_document ON memos(document_id) WHERE document_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS memos_code ON memos(code_id) WHERE code_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS memos_coding ON memos(coding_id) WHERE coding_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS suggestions_coding ON suggestions(coding_id)
        WHERE coding_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS suggestions_code ON suggestions(code_id, status);
    CREATE INDEX IF NOT EXISTS events_undo ON events(coder_id, id) WHERE undoable = 1;
    CREATE INDEX IF NOT EXISTS events_redo ON events(coder_id) WHERE redo_available = 1;
"""

VIEWS = """
    DROP VIEW IF EXISTS coded_passages;
    DROP VIEW IF EXISTS code_tree;
    DROP VIEW IF EXISTS memo_notes;
    CREATE VIEW code_tree AS
    WITH RECURSIVE up(id, theme_id, depth, path) AS (
        SELECT id, id, 0, name FROM codes WHERE parent_id IS NULL
        UNION ALL
        SELECT c.id, up.theme_id, up.depth + 1, up.path || ' > ' || c.name
        FROM codes c JOIN up ON c.parent_id = up.id
    )
    SELECT c.id AS code_id, c.guid AS code_guid, c.name AS code, p.name AS parent,
           t.name AS theme, up.depth AS depth, up.path AS path, c.brief AS brief,
           c.color AS color
    FROM up JOIN codes c ON c.id = up.id JOIN codes t ON t.id = up.theme_id
    LEFT JOIN codes p ON p.id = c.parent_id;
    CREATE VIEW coded_passages AS
    SELECT k.id AS coding_id, k.guid AS coding_guid, d.name AS document, ct.code AS code,
           ct.theme AS theme, o.name AS coder,
           (SELECT s.name FROM turns t JOIN speakers s ON s.id = t.speaker_id
             WHERE t.document_id = k.document_id AND t.start <= k.start
             ORDER BY t.idx DESC LIMIT 1) AS speaker,
           (SELECT a.value FROM turns t
             JOIN speaker_attributes a ON a.speaker_id = t.speaker_id AND a.key = 'participant'
             WHERE t.document_id = k.document_id AND t.start <= k.start
             ORDER BY t.idx DESC LIMIT 1) AS "case",
           k.start AS start, k."end" AS "end",
           substr(d.text, k.start + 1, k."end" - k.start) AS text,
           k.origin AS origin,
           strftime('%Y-%m-%dT%H:%M:%SZ', k.created_at, 'unixepoch') AS created_at
    FROM codings k
    JOIN documents d ON d.id = k.document_id
    JOIN code_tree ct ON ct.code_id = k.code_id
    JOIN coders o ON o.id = k.coder_id;
    CREATE VIEW memo_notes AS
    SELECT m.id AS memo_id, m.guid AS memo_guid, m.target_type AS target_type,
           CASE m.target_type
             WHEN 'project' THEN 'the project'
             WHEN 'document' THEN (SELECT name FROM documents WHERE id = m.document_id)
             WHEN 'code' THEN (SELECT name FROM codes WHERE id = m.code_id)
             ELSE (SELECT o.name || ' on ' || d.name || ' [' || k.start || ':' || k."end" || ']'
                   FROM codings k JOIN codes o ON o.id = k.code_id
                   JOIN documents d ON d.id = k.document_id WHERE k.id = m.coding_id)
           END AS target,
           c.name AS coder, m.text AS text, m.created_at AS created_at,
           m.updated_at AS updated_at
    FROM memos m JOIN coders c ON c.id = m.coder_id;
"""


def _m002_stable_ids(db: Database) -> None:
    conn = db.conn
    if "guid" in {r[1] for r in conn.execute("PRAGMA table_info(codings)")}:
        # Already in this shape (a file whose version stamp was lost): only make sure the
        # indexes and views exist. Running a migration twice must never change data.
        run_script(conn, _M002_INDEXES)
        run_script(conn, VIEWS)
        return
    guids: dict[tuple[str, int], str] = {}
    for table in ("coders", "documents", "codes", "codings"):
        for (rowid,) in conn.execute(f"SELECT id FROM {table}"):
            guids[(table, rowid)] = str(uuid.uuid4())
    old_memos = conn.execute(
        "SELECT id, target_type, target_id, coder_id, text, created_at, updated_at FROM memos"
    ).fetchall()
    coding_memos = conn.execute(
        "SELECT id, coder_id, memo, created_at FROM codings WHERE memo IS NOT NULL AND memo != ''"
    ).fetchall()
    coding_created = dict(conn.execute("SELECT id, created_at FROM codings").fetchall())
    high_water = _high_water_marks(conn)

    run_script(conn, VIEWS.split("CREATE VIEW", 1)[0])
    for table, create in _M002_TABLES.items():
        old_cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        conn.execute(create.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_new (", 1))
        if table == "memos":
            continue  # filled row by row below: the memo model changes shape
        new_cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}_new])")]
        shared = [c for c in new_cols if c in old_cols]
        # New NOT NULL columns get placeholders, replaced just below.
        extra = {"guid": "'v1-' || id", "text_sha256": "''"}
        added = [c for c in extra if c in new_cols and c not in old_cols]
        into = ", ".join([*(f'"{c}"' for c in shared), *added])
        # A coding's time is whole seconds since 1970 (see codings.py: the biggest table).
        convert = {"created_at": "CAST(strftime('%s', created_at) AS INTEGER)"}
        picked = [convert[c] if table == "codings" and c in convert else f'"{c}"' for c in shared]
        select = ", ".join([*picked, *(extra[c] for c in added)])
        # A duplicate sentence start (never made by qualcode) would break the new key: one goes.
        verb = "INSERT OR IGNORE" if table == "sentences" else "INSERT"
        conn.execute(f"{verb} INTO [{table}_new] ({into}) SELECT {select} FROM [{table}]")
        if "guid" in new_cols:
            conn.executemany(
                f"UPDATE [{table}_new] SET guid = ? WHERE id = ?",
                [(g, rowid) for (t, rowid), g in guids.items() if t == table],
            )
        if table == "documents":
            texts = conn.execute("SELECT id, text FROM documents_new").fetchall()
            conn.executemany(
                "UPDATE documents_new SET text_sha256 = ? WHERE id = ?",
                [(text_hash(text), doc_id) for doc_id, text in texts],
            )
    _m002_memos(conn, old_memos, coding_memos, coding_created, guids)
    # SQLite's procedure: drop the old table, then give the new one its name, so references
    # from other tables (which name the table, not the object) reach the new one.
    for table in _M002_TABLES:
        conn.execute(f"DROP TABLE [{table}]")
        conn.execute(f"ALTER TABLE [{table}_new] RENAME TO [{table}]")
    run_script(conn, _M002_INDEXES)
    run_script(conn, VIEWS)
    for table, mark in high_water.items():
        _raise_sequence(conn, table, mark)
    _m002_rewrite_history(conn, guids)


def epoch_seconds(stamp: object) -> int:
    """An ISO 8601 time (as qualcode wrote them) as whole seconds since 1970, UTC."""
    if isinstance(stamp, int):
        return stamp
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def text_hash(text: str) -> str:
    """SHA-256 of a document's stored text (after newline normalisation), so the same
    transcript matches across project files whatever the original file's bytes were."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _high_water_marks(conn: sqlite3.Connection) -> dict[str, int]:
    """The highest id each table has ever used, as far as the file can tell (its rows and its
    undo history): a deleted row's id must not be handed out again."""
    marks: dict[str, int] = {}
    for table in _M002_TABLES:
        if table == "sentences":
            continue  # keyed by (document, start): no ids to hand out
        row = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM [{table}]").fetchone()
        marks[table] = int(row[0])
    for (raw,) in conn.execute("SELECT changes FROM events"):
        try:
            changes = json.loads(raw)
        except ValueError:
            continue
        for change in changes if isinstance(changes, list) else []:
            table, rowid = change.get("table"), change.get("rowid")
            if table in marks and isinstance(rowid, int):
                marks[table] = max(marks[table], rowid)
    return marks


def _raise_sequence(conn: sqlite3.Connection, table: str, mark: int) -> None:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    if row is None:
        conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", (table, mark))
    elif int(row[0]) < mark:
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (mark, table))


def _m002_memos(
    conn: sqlite3.Connection,
    old_memos: list[tuple[Any, ...]],
    coding_memos: list[tuple[Any, ...]],
    coding_created: dict[int, str],
    guids: dict[tuple[str, int], str],
) -> None:
    """Memos move to one home with real foreign keys.

    A memo whose target is gone, or whose coding row id was reused by a later coding (the memo
    is older than the coding it points at), is kept as a project memo that says where it was:
    never deleted, never shown on the wrong passage. Memos written into ``codings.memo`` join
    the memos table as that coding's coder's memo.
    """
    live = {
        "document": {r[0] for r in conn.execute("SELECT id FROM documents")},
        "code": {r[0] for r in conn.execute("SELECT id FROM codes")},
        "coding": set(coding_created),
    }
    column = {"document": "document_id", "code": "code_id", "coding": "coding_id"}
    taken: dict[tuple[int, str, int], int] = {}
    for memo_id, target_type, target_id, coder_id, text, created, updated in old_memos:
        orphan = target_type != "project" and (
            target_id not in live.get(target_type, set())
            or (target_type == "coding" and created < coding_created.get(target_id, created))
        )
        values: dict[str, Any] = {"target_type": "project"}
        if orphan:
            text = f"(memo on {target_type} {target_id}, which no longer exists)\n{text}"
        elif target_type != "project":
            values = {"target_type": target_type, column[target_type]: target_id}
        key = (coder_id, values["target_type"], int(target_id or 0) if not orphan else 0)
        if key in taken:
            conn.execute(
                "UPDATE memos_new SET text = text || char(10) || char(10) || ? WHERE id = ?",
                (text, taken[key]),
            )
            continue
        values.update(
            id=memo_id,
            guid=str(uuid.uuid4()),
            coder_id=coder_id,
            text=text,
            created_at=created,
            updated_at=updated,
        )
        guids[("memos", memo_id)] = values["guid"]
        cols = ", ".join(values)
        conn.execute(
            f"INSERT INTO memos_new ({cols}) VALUES ({', '.join('?' for _ in values)})",
            tuple(values.values()),
        )
        taken[key] = memo_id
    for coding_id, coder_id, text, created in coding_memos:
        key = (coder_id, "coding", coding_id)
        if key in taken:
            existing = conn.execute(
                "SELECT text FROM memos_new WHERE id = ?", (taken[key],)
            ).fetchone()
            if text not in existing[0]:
                conn.execute(
                    "UPDATE memos_new SET text = ? WHERE id = ?",
                    (f"{existing[0]}\n\n{text}", taken[key]),
                )
            continue
        guid = str(uuid.uuid4())
        cur = conn.execute(
            "INSERT INTO memos_new(guid, target_type, coding_id, coder_id, text, created_at, "
            "updated_at) VALUES (?, 'coding', ?, ?, ?, ?, ?)",
            (guid, coding_id, coder_id, text, created, created),
        )
        memo_id = int(cur.lastrowid or 0)
        guids[("memos", memo_id)] = guid
        taken[key] = memo_id


def _m002_rewrite_history(conn: sqlite3.Connection, guids: dict[tuple[str, int], str]) -> None:
    """Undo records hold whole rows; give them the new row shape (GUIDs, memo targets, no
    ``codings.memo``) so that undo and redo of pre-upgrade actions still work."""
    live: dict[tuple[str, int], str] = {}
    for table in _GUID_TABLES:
        for rowid, guid in conn.execute(f"SELECT id, guid FROM [{table}]"):
            live[(table, rowid)] = guid

    def guid_for(table: str, rowid: int) -> str:
        key = (table, rowid)
        if key not in live:
            live[key] = guids.get(key) or str(uuid.uuid4())
        return live[key]

    updates = []
    for event_id, raw in conn.execute("SELECT id, changes FROM events").fetchall():
        try:
            changes = json.loads(raw)
        except ValueError:
            continue
        touched = False
        for change in changes if isinstance(changes, list) else []:
            table = change.get("table")
            if table not in _GUID_TABLES:
                continue
            for side in ("before", "after"):
                row = change.get(side)
                if not isinstance(row, dict):
                    continue
                touched = True
                row["guid"] = guid_for(table, int(change["rowid"]))
                if table == "codings":
                    row.pop("memo", None)
                    row["created_at"] = epoch_seconds(row.get("created_at"))
                elif table == "documents" and "text" in row:
                    row["text_sha256"] = text_hash(row["text"])
                elif table == "memos":
                    target_type, target_id = row.get("target_type"), row.pop("target_id", None)
                    for kind, col in (
                        ("document", "document_id"),
                        ("code", "code_id"),
                        ("coding", "coding_id"),
                    ):
                        row[col] = target_id if target_type == kind else None
        if touched:
            updates.append(
                (json.dumps(changes, ensure_ascii=False, separators=(",", ":")), event_id)
            )
    conn.executemany("UPDATE events SET changes = ? WHERE id = ?", updates)


# ------------------------------------------------------------------ migration 3
#
# A project at most twice the size of its corpus: the search index stops keeping a second copy
# of every turn's text (FTS5 "external content": it reads the text through the ``turn_texts``
# view when it needs it) and keeps which turns hold a word, not where (``detail = none``: phrases
# are checked on the matching turns' text, see ``store/search.py``); turns and sentences carry
# their word counts, stored once at import so counts never need the text again.

FTS = """
    DROP VIEW IF EXISTS turn_texts;
    CREATE VIEW turn_texts AS
    SELECT t.id AS id, substr(d.text, t.start + 1, t."end" - t.start) AS text
    FROM turns t JOIN documents d ON d.id = t.document_id;
    CREATE VIRTUAL TABLE turns_fts USING fts5(
        text, content = 'turn_texts', content_rowid = 'id', tokenize = 'unicode61',
        detail = none, columnsize = 0
    );
"""


def _m003_compact(db: Database) -> None:
    conn = db.conn
    run_script(conn, "DROP TABLE IF EXISTS turns_fts;")
    run_script(conn, FTS)
    conn.execute("INSERT INTO turns_fts(turns_fts) VALUES ('rebuild')")
    for table in ("turns", "sentences"):
        if "words" not in db[table].columns_dict:
            db[table].add_column("words", int, not_null_default=0)  # type: ignore[union-attr]
    for doc_id, text in conn.execute("SELECT id, text FROM documents").fetchall():
        turns = conn.execute(
            'SELECT id, start, "end" FROM turns WHERE document_id = ?', (doc_id,)
        ).fetchall()
        conn.executemany(
            "UPDATE turns SET words = ? WHERE id = ?",
            [(count_words(text, start, end), turn_id) for turn_id, start, end in turns],
        )
        sentences = conn.execute(
            'SELECT start, "end" FROM sentences WHERE document_id = ?', (doc_id,)
        ).fetchall()
        conn.executemany(
            "UPDATE sentences SET words = ? WHERE document_id = ? AND start = ?",
            [(count_words(text, start, end), doc_id, start) for start, end in sentences],
        )


# ------------------------------------------------------------------ migration 4
#
# Tables for team coding, queries and reports: done-marks per coder and document, saved
# queries, exemplar codings, the pseudonym table, attribute types, the interviewer role of a
# speaker, and a negation flag on suggestions.

_M004 = """
    CREATE TABLE IF NOT EXISTS done_marks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        coder_id INTEGER NOT NULL REFERENCES coders(id),
        marked_at TEXT NOT NULL,
        UNIQUE (document_id, coder_id)
    );
    CREATE TABLE IF NOT EXISTS saved_queries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        query TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS exemplars (
        coding_id INTEGER PRIMARY KEY REFERENCES codings(id) ON DELETE CASCADE,
        coder_id INTEGER NOT NULL REFERENCES coders(id),
        marked_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS pseudonyms (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        pseudonym TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS attribute_types (
        key TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('text', 'number', 'date'))
    );
"""


def _m004_team_queries_reports(db: Database) -> None:
    run_script(db.conn, _M004)
    if "is_interviewer" not in db["speakers"].columns_dict:
        # NULL: decided by the default names (Interviewer, I, Int, IV, Moderator, Facilitator)
        db["speakers"].add_column("is_interviewer", int)  # type: ignore[union-attr]
    if "negation" not in db["codes"].columns_dict:
        # NULL: the project default (skip); else skip, flag or ignore (invariants.NEGATION_MODES)
        db["codes"].add_column("negation", str)  # type: ignore[union-attr]
    if "negated" not in db["suggestions"].columns_dict:
        db["suggestions"].add_column("negated", int, not_null_default=0)  # type: ignore[union-attr]


# ------------------------------------------------------------------ migration 5
#
# Consensus decisions get a table of their own. They were kept in ``settings`` under keys that
# spelled out coder names and document/code ids, so a deleted code left its decisions behind
# and nothing checked that they pointed anywhere. Each decision becomes a row with foreign
# keys; the undo history is rewritten to match, so pre-upgrade decisions still undo and redo.
# A settings row that cannot be read as a decision (a coder, document or code no longer
# there) is left where it is: nothing is lost. ``coders.is_consensus`` marks the coders that
# hold settled codings rather than their own, so agreement, blind coding and summaries can
# tell them from the people who coded.

_M005 = """
    CREATE TABLE IF NOT EXISTS consensus_decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        consensus_coder_id INTEGER NOT NULL REFERENCES coders(id),
        coder_a_id INTEGER NOT NULL REFERENCES coders(id),
        coder_b_id INTEGER NOT NULL REFERENCES coders(id),
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        choice TEXT NOT NULL
            CHECK (choice IN ('a', 'b', 'union', 'intersection', 'neither', 'edit')),
        spans TEXT NOT NULL,
        decided_by_id INTEGER REFERENCES coders(id),
        decided_at TEXT,
        UNIQUE (consensus_coder_id, coder_a_id, coder_b_id, document_id, code_id, start, "end")
    );
"""


def _m005_consensus_decisions(db: Database) -> None:
    conn = db.conn
    run_script(conn, _M005)
    if "is_consensus" not in db["coders"].columns_dict:
        db["coders"].add_column("is_consensus", int, not_null_default=0)  # type: ignore[union-attr]
    coders = {str(name): int(i) for i, name in conn.execute("SELECT id, name FROM coders")}
    documents = {int(r[0]) for r in conn.execute("SELECT id FROM documents")}
    codes = {int(r[0]) for r in conn.execute("SELECT id FROM codes")}

    def decision(key: str, value: str) -> dict[str, Any] | None:
        """The consensus_decisions row a ``consensus:C:A|B:doc:code:start:end`` setting
        describes (without id), or None if it does not describe one that can exist."""
        try:
            names, doc, code, start, end = key[len("consensus:") :].rsplit(":", 4)
            consensus, pair = names.split(":", 1)
            a, b = pair.split("|", 1)
            record = json.loads(value)
            row = {
                "consensus_coder_id": coders[consensus],
                "coder_a_id": coders[a],
                "coder_b_id": coders[b],
                "document_id": int(doc),
                "code_id": int(code),
                "start": int(start),
                "end": int(end),
                "choice": str(record["choice"]),
                "spans": json.dumps(record.get("spans", []), separators=(",", ":")),
                "decided_by_id": coders.get(str(record.get("by"))),
                "decided_at": None,
            }
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if row["document_id"] not in documents or row["code_id"] not in codes:
            return None
        if a > b:  # a pair is stored in name order; A's and B's choices swap with it
            row["coder_a_id"], row["coder_b_id"] = row["coder_b_id"], row["coder_a_id"]
            row["choice"] = {"a": "b", "b": "a"}.get(str(row["choice"]), str(row["choice"]))
        if row["choice"] not in ("a", "b", "union", "intersection", "neither", "edit"):
            return None
        return row

    from qualcode.store.session import decode_changes, encode_changes

    # Every key a decision was ever stored under, live or only in the history, gets one id.
    # When a pre-upgrade decision was taken is not known (settings kept no time): NULL.
    live = conn.execute(
        "SELECT rowid, key, value FROM settings WHERE key LIKE 'consensus:%'"
    ).fetchall()
    events = conn.execute("SELECT id, changes FROM events ORDER BY id").fetchall()
    ids: dict[str, int] = {}
    stays: set[str] = set()
    next_id = 1
    for _rowid, key, value in live:
        row = decision(str(key), str(value))
        if row is None:
            stays.add(str(key))
            continue
        try:
            cur = conn.execute(
                f"INSERT INTO consensus_decisions ({', '.join(f'[{k}]' for k in row)}) "
                f"VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
        except sqlite3.IntegrityError:  # the same place settled with the coders swapped
            stays.add(str(key))
            continue
        ids[str(key)] = int(cur.lastrowid or 0)
        next_id = max(next_id, ids[str(key)] + 1)
        conn.execute("DELETE FROM settings WHERE rowid = ?", (_rowid,))
    updates = []
    for event_id, raw in events:
        try:
            changes = decode_changes(raw)
        except (ValueError, zlib.error):
            continue
        touched = False
        for change in changes:
            if change.get("table") != "settings":
                continue
            sides = [change.get("before"), change.get("after")]
            keys = {str(r.get("key")) for r in sides if isinstance(r, dict)}
            if len(keys) != 1:
                continue
            key = keys.pop()
            if not key.startswith("consensus:") or key in stays:
                continue
            rows = [
                decision(key, str(r.get("value"))) if isinstance(r, dict) else None for r in sides
            ]
            if any(r is None and s is not None for r, s in zip(rows, sides, strict=True)):
                continue
            if key not in ids:
                ids[key] = next_id
                next_id += 1
            change["table"] = "consensus_decisions"
            change["rowid"] = ids[key]
            for side, row in zip(("before", "after"), rows, strict=True):
                change[side] = None if row is None else {"id": ids[key], **row}
            touched = True
        if touched:
            updates.append((encode_changes(changes), event_id))
    conn.executemany("UPDATE events SET changes = ? WHERE id = ?", updates)
    conn.execute(
        "UPDATE coders SET is_consensus = 1 WHERE name = 'consensus' "
        "OR id IN (SELECT consensus_coder_id FROM consensus_decisions)"
    )
    if ids:  # ids the history holds are never handed out again
        seq = max(ids.values())
        conn.execute("DELETE FROM sqlite_sequence WHERE name = 'consensus_decisions'")
        conn.execute(
            "INSERT INTO sqlite_sequence(name, seq) VALUES ('consensus_decisions', ?)", (seq,)
        )


MIGRATIONS: list[Migration] = [
    _m001_initial,
    _m002_stable_ids,
    _m003_compact,
    _m004_team_queries_reports,
    _m005_consensus_decisions,
]
SCHEMA_VERSION = len(MIGRATIONS)
