"""Read models for the coding workbench (the TUI), built on :class:`Project`.

The workbench needs a few views that the general ``Project`` API does not offer in one call: how
much of each document is coded, how often each code is used in one document, retrieval rows with
speaker and surrounding sentence, attribute filters, and pinned quick-key codes. They live here
so the TUI never writes SQL and ``project.py`` stays the general gateway.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ProjectError
from qualcode.store.project import Project
from qualcode.store.schema import SCHEMA_VERSION

PINS_SETTING = "tui.pins"


@dataclass(frozen=True)
class DocumentRow:
    """One line of the documents list."""

    id: int
    name: str
    speakers: int
    words: int
    codings: int
    coded: float  # share of the document's characters covered by at least one coding


@dataclass(frozen=True)
class Passage:
    """A coded passage for the retrieval screen, with where it sits."""

    coding_id: int
    document_id: int
    document: str
    code: str
    code_id: int
    coder: str
    start: int
    end: int
    speaker: str | None
    context_start: int  # the surrounding sentence(s), so a quote can be read in context
    context_end: int
    context: str


def check_openable(path: str | Path) -> None:
    """Fail fast, with one clear line, if the workbench could not use ``path``.

    ``Project.open`` waits up to its busy timeout on a locked file; the workbench should say at
    once that another program holds the file rather than hang for seconds. A file from a newer
    qualcode is refused here because the workbench exists to write.
    """
    path = Path(path)
    if not path.exists():
        raise ProjectError(f"{path}: no such project file (create one with 'qualcode init')")
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a project file")
    try:
        conn = sqlite3.connect(str(path), timeout=1.0)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot open project ({exc})") from exc
    try:
        conn.execute("PRAGMA busy_timeout = 1000")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "locked" in message or "busy" in message:
            raise ProjectError(
                f"{path}: locked by another program; close it and try again"
            ) from exc
        if "no such table" in message:
            raise ProjectError(f"{path}: SQLite file but not a qualcode project") from exc
        raise ProjectError(f"{path}: cannot open project ({message})") from exc
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: not a qualcode project ({exc})") from exc
    finally:
        conn.close()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: made by a newer qualcode (schema {version}, this version knows "
            f"{SCHEMA_VERSION}); upgrade qualcode to open it"
        )


def set_busy_timeout(project: Project, milliseconds: int) -> None:
    """How long a write waits for another program's transaction before giving up.

    The CLI can wait the default ten seconds; the workbench cannot, because its event loop
    would freeze that long. A short wait then a clear "busy" message is kinder.
    """
    project.session.conn.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")


def covered_length(spans: list[tuple[int, int]]) -> int:
    """Characters covered by the union of spans (overlaps counted once)."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def document_rows(project: Project) -> list[DocumentRow]:
    """Every document with speaker count, words, codings and the share coded.

    Two queries in all, whatever the size of the project: one over documents (no text read,
    only its length), one over the codings' spans (in table order: ``covered_length`` sorts
    each document's few spans, cheaper than SQLite ordering 30,000 rows through an index)."""
    conn = project.session.conn
    spans: dict[int, list[tuple[int, int]]] = {}
    for doc_id, start, end in conn.execute('SELECT document_id, start, "end" FROM codings'):
        spans.setdefault(doc_id, []).append((start, end))
    rows = []
    for doc_id, name, length, words, speakers in conn.execute(_DOCUMENTS_SQL + " ORDER BY d.name"):
        rows.append(_document_row(doc_id, name, length, words, speakers, spans.get(doc_id, [])))
    return rows


def document_row(project: Project, document_id: int) -> DocumentRow | None:
    """One document's row: what the list redraws after its codings changed (indexed reads
    of that document only, never a scan of the project's codings)."""
    conn = project.session.conn
    found = conn.execute(_DOCUMENTS_SQL + " WHERE d.id = ?", (document_id,)).fetchone()
    if found is None:
        return None
    spans = conn.execute(
        'SELECT start, "end" FROM codings WHERE document_id = ? ORDER BY start', (document_id,)
    ).fetchall()
    doc_id, name, length, words, speakers = found
    return _document_row(doc_id, name, length, words, speakers, spans)


_DOCUMENTS_SQL = (
    "SELECT d.id, d.name, length(d.text), d.word_count, "
    "(SELECT COUNT(*) FROM speakers s WHERE s.document_id = d.id) FROM documents d"
)


def _document_row(
    doc_id: int, name: str, length: int, words: int, speakers: int, spans: list[tuple[int, int]]
) -> DocumentRow:
    return DocumentRow(
        id=int(doc_id),
        name=str(name),
        speakers=int(speakers),
        words=int(words or 0),
        codings=len(spans),
        coded=covered_length(spans) / length if length else 0.0,
    )


def code_counts(
    project: Project, document_id: int | None = None, code_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """``{code id: codings}`` in one document, or in the whole project; with ``code_ids``,
    for those codes only (each an indexed count, so a coding's refresh never scans)."""
    conn = project.session.conn
    if code_ids is not None:
        ids = sorted(set(code_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        if document_id is None:
            rows = conn.execute(
                f"SELECT code_id, COUNT(*) FROM codings WHERE code_id IN ({marks}) "
                "GROUP BY code_id",
                ids,
            )
        else:
            rows = conn.execute(
                f"SELECT code_id, COUNT(*) FROM codings WHERE document_id = ? AND code_id IN "
                f"({marks}) GROUP BY code_id",
                (document_id, *ids),
            )
        found = {int(code_id): int(n) for code_id, n in rows}
        return {i: found.get(i, 0) for i in ids}
    if document_id is None:
        rows = conn.execute("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id")
    else:
        rows = conn.execute(
            "SELECT code_id, COUNT(*) FROM codings WHERE document_id = ? GROUP BY code_id",
            (document_id,),
        )
    return {int(code_id): int(n) for code_id, n in rows}


def attribute_choices(project: Project) -> list[tuple[str, str]]:
    """Every (key, value) pair on documents or speakers, for the retrieval filter."""
    rows = project.session.conn.execute(
        "SELECT key, value FROM document_attributes UNION "
        "SELECT key, value FROM speaker_attributes ORDER BY 1, 2"
    ).fetchall()
    return [(str(k), str(v)) for k, v in rows]


def retrieve(
    project: Project,
    code: str | int,
    include_subcodes: bool = True,
    attribute: tuple[str, str] | None = None,
) -> list[Passage]:
    """Every passage coded with ``code`` (and its sub-codes), with speaker and context.

    ``attribute`` keeps passages whose document, or whose speaker, has that key=value: role is
    usually a document attribute in interviews but a speaker attribute in focus groups.
    """
    codings = project.codings.list(code=code, include_subcodes=include_subcodes)
    if attribute is not None:
        key, value = attribute
        docs = {
            int(r[0])
            for r in project.session.conn.execute(
                "SELECT document_id FROM document_attributes WHERE key = ? AND value = ?",
                (key, value),
            )
        }
        speakers = {
            int(r[0])
            for r in project.session.conn.execute(
                "SELECT speaker_id FROM speaker_attributes WHERE key = ? AND value = ?",
                (key, value),
            )
        }
    out: list[Passage] = []
    cache: dict[int, _DocIndex] = {}
    for coding in codings:
        index = cache.get(coding.document_id)
        if index is None:
            index = cache[coding.document_id] = _DocIndex.load(project, coding.document_id)
        speaker_id, speaker = index.speaker_at(coding.start)
        if attribute is not None and coding.document_id not in docs and speaker_id not in speakers:
            continue
        c_start, c_end = index.context(coding.start, coding.end)
        out.append(
            Passage(
                coding_id=coding.id,
                document_id=coding.document_id,
                document=coding.document,
                code=coding.code,
                code_id=coding.code_id,
                coder=coding.coder,
                start=coding.start,
                end=coding.end,
                speaker=speaker,
                context_start=c_start,
                context_end=c_end,
                context=index.text[c_start:c_end],
            )
        )
    return out


@dataclass
class _DocIndex:
    text: str
    turn_starts: list[int]
    turns: list[tuple[int, int, int | None, str | None]]
    sent_starts: list[int]
    sentences: list[tuple[int, int]]

    @classmethod
    def load(cls, project: Project, document_id: int) -> _DocIndex:
        text = project.session.conn.execute(
            "SELECT text FROM documents WHERE id = ?", (document_id,)
        ).fetchone()[0]
        turns = [
            (int(r[0]), int(r[1]), r[2], r[3])
            for r in project.session.conn.execute(
                'SELECT t.start, t."end", t.speaker_id, s.name FROM turns t '
                "LEFT JOIN speakers s ON s.id = t.speaker_id WHERE t.document_id = ? "
                "ORDER BY t.start",
                (document_id,),
            )
        ]
        sentences = [
            (int(r[0]), int(r[1]))
            for r in project.session.conn.execute(
                'SELECT start, "end" FROM sentences WHERE document_id = ? ORDER BY start',
                (document_id,),
            )
        ]
        return cls(
            text=text,
            turn_starts=[t[0] for t in turns],
            turns=turns,
            sent_starts=[s[0] for s in sentences],
            sentences=sentences,
        )

    def speaker_at(self, offset: int) -> tuple[int | None, str | None]:
        i = bisect.bisect_right(self.turn_starts, offset) - 1
        if i < 0:
            return None, None
        return self.turns[i][2], self.turns[i][3]

    def context(self, start: int, end: int) -> tuple[int, int]:
        """The span of the sentences that the passage starts and ends in."""
        i = bisect.bisect_right(self.sent_starts, start) - 1
        j = bisect.bisect_left(self.sent_starts, end) - 1
        c_start = self.sentences[i][0] if i >= 0 and self.sentences[i][1] > start else start
        c_end = self.sentences[j][1] if j >= 0 and self.sentences[j][1] >= end else end
        return min(c_start, start), max(c_end, end)


# ---------------------------------------------------------------- pinned codes


def pins(project: Project) -> dict[int, int]:
    """Quick-key slot (1-9) -> code id, dropping codes that no longer exist."""
    raw = project.settings.get(PINS_SETTING)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    existing = {int(r[0]) for r in project.session.conn.execute("SELECT id FROM codes")}
    out: dict[int, int] = {}
    for slot, code_id in data.items():
        if str(slot).isdigit() and 1 <= int(slot) <= 9 and int(code_id) in existing:
            out[int(slot)] = int(code_id)
    return out


def set_pin(project: Project, slot: int, code_id: int | None) -> None:
    """Pin a code to quick key ``slot`` (or clear it). A preference, so not undoable: Ctrl+Z
    should take back coding, not keyboard set-up."""
    if not 1 <= slot <= 9:
        raise ProjectError("quick keys are 1 to 9")
    current = pins(project)
    if code_id is None:
        current.pop(slot, None)
    else:
        current = {s: c for s, c in current.items() if c != code_id}
        current[slot] = code_id
    value = json.dumps({str(s): c for s, c in sorted(current.items())})
    # A preference, not research data: kept off the undo stack.
    project.settings.set(PINS_SETTING, value, undoable=False)
