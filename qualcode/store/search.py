"""Full-text search over turns (FTS5): the one parser from what a researcher types to FTS5."""

from __future__ import annotations

import re
import sqlite3

from qualcode.errors import ProjectError
from qualcode.store.records import SearchHit
from qualcode.store.session import Session


def search_turns(session: Session, query: str, limit: int = 200) -> list[SearchHit]:
    """Full-text search over turns (FTS5). Plain words are ANDed; quotes make phrases."""
    match = fts_query(query)
    if not match:
        return []
    try:
        rows = session.conn.execute(
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


def fts_query(query: str) -> str:
    """Turn what a researcher types into a safe FTS5 query: words ANDed, quoted phrases kept,
    a trailing ``*`` kept as a prefix search."""

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
