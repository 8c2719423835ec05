"""Full-text search over turns (FTS5): the one parser from what a researcher types to FTS5."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from qualcode.errors import ProjectError
from qualcode.store.records import SearchHit
from qualcode.store.session import Session

_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class TextQuery:
    """What a researcher typed, as an FTS5 expression plus the phrases to check afterwards.

    The index records which turns hold a word, not where (``detail = none`` keeps a project
    near the size of its corpus), so a phrase is searched as its words and then confirmed on
    the text of each matching turn, token by token as FTS5's ``unicode61`` tokenizer reads it
    (case and diacritics folded)."""

    match: str
    phrases: tuple[tuple[str, ...], ...] = ()


def parse_text_query(query: str) -> TextQuery:
    """Words ANDed, quoted phrases kept (as their words, then checked), a trailing ``*`` kept
    as a prefix search; anything FTS5 would read as syntax is quoted away."""
    terms: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for part in re.findall(r'"[^"]+"|\S+', query):
        if part.startswith('"') and part.endswith('"'):
            words = tuple(fold(w) for w in _TOKEN.findall(part[1:-1]))
            terms.extend(f'"{w}"' for w in words)
            if len(words) > 1:
                phrases.append(words)
            continue
        prefix = part.endswith("*")
        for piece in _TOKEN.findall(part):
            terms.append(f'"{piece}"' + ("*" if prefix else ""))
    return TextQuery(" ".join(terms), tuple(phrases))


def fts_query(query: str) -> str:
    """The FTS5 expression for what a researcher typed (see :func:`parse_text_query`)."""
    return parse_text_query(query).match


def fold(word: str) -> str:
    """A token as unicode61 compares it: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def has_phrase(text: str, phrase: tuple[str, ...]) -> bool:
    """Whether the folded tokens of ``text`` contain ``phrase`` as a run."""
    tokens = [fold(t) for t in _TOKEN.findall(text)]
    n = len(phrase)
    first = phrase[0]
    return any(tokens[i : i + n] == list(phrase) for i, t in enumerate(tokens) if t == first)


def search_turns(session: Session, query: str, limit: int = 200) -> list[SearchHit]:
    """Full-text search over turns (FTS5): words ANDed, quoted phrases, prefixes with ``*``."""
    parsed = parse_text_query(query)
    if not parsed.match:
        return []
    hits: list[SearchHit] = []
    try:
        rows = session.conn.execute(
            'SELECT t.id, d.name, s.name, t.start, t."end", turns_fts.text '
            "FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid "
            "JOIN documents d ON d.id = t.document_id "
            "LEFT JOIN speakers s ON s.id = t.speaker_id "
            "WHERE turns_fts MATCH ? ORDER BY d.name, t.start",
            (parsed.match,),
        )
        for r in rows:
            if all(has_phrase(r[5], phrase) for phrase in parsed.phrases):
                hits.append(
                    SearchHit(
                        turn_id=r[0], document=r[1], speaker=r[2], start=r[3], end=r[4], text=r[5]
                    )
                )
                if len(hits) >= limit:
                    break
    except sqlite3.OperationalError as exc:
        raise ProjectError(f"cannot search for {query!r}: {exc}") from exc
    return hits
