"""``qualcode redact``: a copy of the project in which listed names are replaced in the text
itself, with every offset that points into the text remapped.

The copy is made from a consistent snapshot (``VACUUM INTO``), changed in one transaction, and
written out again with ``VACUUM INTO`` so that no freed page keeps an old value:

- each document's text gets every listed name replaced (see
  :class:`qualcode.report.pseudonymise.Replacer`); turns, sentences, codings, suggestions and
  consensus decisions (with the spans they chose) have their ``start``/``end`` remapped to the
  new text (a span that began or ended inside a name now begins or ends at the edge of its
  pseudonym), and word counts and text hashes are recomputed; memos and exemplars follow
  their codings by id;
- every other text value in every table (document, speaker and code names, attributes,
  memos, settings, saved queries, file paths…) gets the same replacement;
- the audit trail (``events``: its row images hold the old text), trained models (built from
  the old text), and the pseudonym table itself are emptied, and the full-text index is
  rebuilt from the new text.

The source project is never changed. Instantiate as ``Redactor(project.session)``.
"""

from __future__ import annotations

import bisect
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ProjectError
from qualcode.store.pseudonyms import Pseudonyms, Replacer
from qualcode.store.schema import text_hash
from qualcode.store.session import Session
from qualcode.text import count_words

OFFSET_TABLES = ("turns", "sentences", "codings", "suggestions", "consensus_decisions")
EMPTIED = ("events", "models", "pseudonyms")
SKIPPED = ("documents", "sqlite_sequence", "meta", *EMPTIED)


@dataclass(frozen=True)
class RedactResult:
    path: Path
    documents: int
    """Documents whose text changed."""
    replacements: int
    """Names replaced in document texts."""
    values: int
    """Other text values changed (names, attributes, memos…)."""


class OffsetMap:
    """Old offsets of one text to new ones, given the replacements made in it."""

    def __init__(self, spans: list[tuple[int, int, str]]) -> None:
        self.starts = [s for s, _, _ in spans]
        self.spans = spans
        self.shift_before: list[int] = []
        shift = 0
        for s, e, new in spans:
            self.shift_before.append(shift)
            shift += len(new) - (e - s)
        self.total = shift

    def __call__(self, x: int, side: str = "start") -> int:
        """The new offset of old offset ``x``. Inside a replaced name, a ``start`` moves to
        the start of its pseudonym and an ``end`` to its end."""
        i = bisect.bisect_right(self.starts, x) - 1
        if i < 0:
            return x
        s, e, new = self.spans[i]
        shift = self.shift_before[i]
        if x >= e:
            return x + shift + len(new) - (e - s)
        if x == s:
            return s + shift
        return s + shift + (len(new) if side == "end" else 0)


class Redactor:
    def __init__(self, session: Session) -> None:
        self.s = session

    def write(self, output: str | Path, pairs: list[tuple[str, str]] | None = None) -> RedactResult:
        """Write the redacted copy to ``output`` (a new file) with the project's pseudonym
        table, or ``pairs`` when given."""
        output = Path(output)
        if output.exists() or output.is_symlink():
            raise ProjectError(f"{output} exists: choose a new file name for the redacted copy")
        if output.resolve() == Path(self.s.path).resolve():
            raise ProjectError("the redacted copy must be a new file, not the project itself")
        replacer = Replacer(pairs if pairs is not None else Pseudonyms(self.s).pairs())
        if not replacer:
            raise ProjectError(
                "the pseudonym table is empty: add names first "
                "(qualcode pseudonyms P --add NAME PSEUDONYM, or --suggest)"
            )
        work = output.with_name(f".{output.name}.redact-{os.getpid()}.part")
        for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            leftover.unlink(missing_ok=True)
        try:
            self.s.conn.execute("VACUUM INTO ?", (str(work),))
            conn = sqlite3.connect(work, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("PRAGMA foreign_keys = OFF")
                conn.execute("BEGIN IMMEDIATE")
                docs, names = _redact_texts(conn, replacer)
                values = _redact_values(conn, replacer)
                for table in EMPTIED:
                    conn.execute(f"DELETE FROM [{table}]")
                conn.execute("INSERT INTO turns_fts(turns_fts) VALUES ('rebuild')")
                conn.execute("COMMIT")
                problems = conn.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise ProjectError(f"redaction broke {len(problems)} references")
                conn.execute("VACUUM INTO ?", (str(output),))
            finally:
                conn.close()
        except sqlite3.Error as exc:
            output.unlink(missing_ok=True)
            raise ProjectError(f"cannot write the redacted copy: {exc}") from exc
        except BaseException:
            output.unlink(missing_ok=True)
            raise
        finally:
            for leftover in (
                work,
                Path(f"{work}-wal"),
                Path(f"{work}-shm"),
                Path(f"{work}-journal"),
            ):
                leftover.unlink(missing_ok=True)
        return RedactResult(output, docs, names, values)


def _redact_texts(conn: sqlite3.Connection, replacer: Replacer) -> tuple[int, int]:
    changed = names = 0
    for doc_id, text in conn.execute("SELECT id, text FROM documents ORDER BY id").fetchall():
        spans = replacer.spans(text)
        if not spans:
            continue
        changed += 1
        names += len(spans)
        pieces, last = [], 0
        for s, e, new in spans:
            pieces += [text[last:s], new]
            last = e
        pieces.append(text[last:])
        new_text = "".join(pieces)
        remap = OffsetMap(spans)
        digest = text_hash(new_text)
        conn.execute(
            "UPDATE documents SET text = ?, text_sha256 = ?, sha256 = ?, word_count = ? "
            "WHERE id = ?",
            (new_text, digest, digest, count_words(new_text), doc_id),
        )
        for table in OFFSET_TABLES:
            _remap_table(conn, table, doc_id, remap, new_text)
    return changed, names


def _remap_table(
    conn: sqlite3.Connection, table: str, doc_id: int, remap: OffsetMap, text: str
) -> None:
    """Move every span of one document in ``table`` to the new text. Rows are read, deleted
    and written back, so tables keyed by their offsets (sentences) never collide midway."""
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
    cols = ", ".join(f"[{c}]" for c in columns)
    rows = conn.execute(f"SELECT {cols} FROM [{table}] WHERE document_id = ?", (doc_id,)).fetchall()
    if not rows:
        return
    at_start, at_end = columns.index("start"), columns.index("end")
    at_words = columns.index("words") if "words" in columns else None
    at_spans = columns.index("spans") if "spans" in columns else None
    moved = []
    for row in rows:
        values = list(row)
        values[at_start] = remap(row[at_start], "start")
        values[at_end] = remap(row[at_end], "end")
        if at_spans is not None:  # a JSON list of [start, end] pairs
            values[at_spans] = json.dumps(
                [[remap(a, "start"), remap(b, "end")] for a, b in json.loads(row[at_spans])],
                separators=(",", ":"),
            )
        if at_words is not None:
            values[at_words] = count_words(text, values[at_start], values[at_end])
        moved.append(values)
    conn.execute(f"DELETE FROM [{table}] WHERE document_id = ?", (doc_id,))
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", moved)


def _redact_values(conn: sqlite3.Connection, replacer: Replacer) -> int:
    """Replace names in every other text value of every ordinary table."""
    changed = 0
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            "AND name NOT LIKE 'turns_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for table in tables:
        if table in SKIPPED:
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        changed += _replace_columns(conn, replacer, table, columns)
    doc_columns = [
        c for c in (r[1] for r in conn.execute("PRAGMA table_info(documents)")) if c != "text"
    ]
    changed += _replace_columns(conn, replacer, "documents", doc_columns)
    return changed


def _replace_columns(
    conn: sqlite3.Connection, replacer: Replacer, table: str, columns: list[str]
) -> int:
    changed = 0
    cols = ", ".join(f"[{c}]" for c in columns)
    info = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
    keys = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5] > 0]
    try:
        conn.execute(f"SELECT rowid FROM [{table}] LIMIT 1")
        key_sql, key_cols = "rowid = ?", ["rowid"]
    except sqlite3.OperationalError:  # a WITHOUT ROWID table: its primary key
        key_sql = " AND ".join(f"[{k}] = ?" for k in keys)
        key_cols = [f"[{k}]" for k in keys]
    width = len(key_cols)
    for row in conn.execute(f"SELECT {', '.join(key_cols)}, {cols} FROM [{table}]").fetchall():
        updates = {}
        for column, value in zip(columns, row[width:], strict=True):
            if isinstance(value, str):
                new = replacer.text(value)
                if new != value:
                    updates[column] = new
        if updates:
            sets = ", ".join(f"[{c}] = ?" for c in updates)
            conn.execute(
                f"UPDATE [{table}] SET {sets} WHERE {key_sql}", (*updates.values(), *row[:width])
            )
            changed += 1
    return changed
