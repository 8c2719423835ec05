"""The project schema as an ordered list of migrations.

Each migration is a function over a ``sqlite_utils.Database`` and is applied once, in order,
inside the caller's transaction; ``meta.schema_version`` records how far a file has come. A file
whose version is newer than :data:`SCHEMA_VERSION` was made by a newer qualcode and is refused
for writing, so an old program never damages data it does not understand.
"""

from collections.abc import Callable

from sqlite_utils import Database

Migration = Callable[[Database], None]


def _m001_initial(db: Database) -> None:
    db.executescript(
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
        """
    )


MIGRATIONS: list[Migration] = [_m001_initial]
SCHEMA_VERSION = len(MIGRATIONS)
