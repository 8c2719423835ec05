"""What the CLI and the workbench call to run, show, save and code the results of a query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.query.engine import QueryEngine, QueryPassage, Spans, TextSearch
from qualcode.query.parser import parse_query
from qualcode.store import Project
from qualcode.store.attributes import attribute_types
from qualcode.store.codings import CodingInput
from qualcode.store.queries import SavedQueries
from qualcode.store.query_data import QueryData
from qualcode.store.search import kwic, search_text
from qualcode.store.session import Session


@dataclass(frozen=True)
class QueryResult:
    text: str
    passages: list[QueryPassage]
    engine: QueryEngine


def search_spans(session: Session) -> TextSearch:
    """A full-text search as a query operand: every match, as document offsets."""

    def run(query: str) -> Spans:
        out: Spans = {}
        for hit in search_text(session, query, limit=10**9):
            out.setdefault(hit.document_id, []).extend(hit.matches)
        return out

    return run


def engine_for(project: Project, data: QueryData | None = None) -> QueryEngine:
    saved = SavedQueries(project.session)
    return QueryEngine(
        data if data is not None else QueryData(project.session),
        saved=lambda name: saved.get(name).query,
        search=search_spans(project.session),
        types=attribute_types(project.session),
    )


def run_query(project: Project, text: str, engine: QueryEngine | None = None) -> QueryResult:
    """Parse and run a coding query (see :mod:`qualcode.query.engine`)."""
    parsed = parse_query(text)
    engine = engine or engine_for(project)
    return QueryResult(text, engine.run(parsed), engine)


def search_as_query(search: str) -> str:
    """A full-text search as the text of a coding query (``TEXT "..."``), to save it."""
    if '"' not in search:
        return f'TEXT "{search}"'
    if "'" not in search:
        return f"TEXT '{search}'"
    raise QualcodeError("a search holding both ' and \" cannot be saved as a query")


def passage_rows(
    engine: QueryEngine, passages: list[QueryPassage], words: int = 6
) -> list[dict[str, Any]]:
    """One row per passage: document, offsets, speaker, case, text and ``words`` words of
    context each side (0: none)."""
    if words < 0:
        raise QualcodeError(f"the context is a number of words, 0 or more, not {words}")
    data = engine.data
    rows = []
    for p in passages:
        text = data.text(p.document_id)
        person = data.persons[p.person_id]
        left, body, right = _context(text, p.start, p.end, words)
        rows.append(
            {
                "document": p.document,
                "start": p.start,
                "end": p.end,
                "speaker": person.name if person.is_speaker else None,
                "case": case_label(person) if person.is_participant else None,
                "text": text[p.start : p.end],
                "before": left,
                "after": right,
                "context": left + body + right,
            }
        )
    return rows


def _context(text: str, start: int, end: int, words: int) -> tuple[str, str, str]:
    """(before, passage, after) on one line; ``kwic`` reads 0 words as "all of them" (its
    ``[-words]`` index), so no context is handled here."""
    if words == 0:
        return "", " ".join(text[start:end].split()), ""
    return kwic(text, start, end, words)


CASE_KEY = "participant"
"""The attribute tying speakers of several documents to one case (see qualcode.store.cases)."""


def case_label(person: Any) -> str:
    """A participant's case: its ``participant`` attribute, else ``Document/Speaker`` (or the
    document, when it has no speakers)."""
    tied = person.attributes.get(CASE_KEY, "").strip()
    if tied:
        return str(tied)
    return f"{person.document}/{person.name}" if person.is_speaker else person.document


def code_as(project: Project, result: QueryResult, name: str, parent: str | None = None) -> int:
    """Make a code of the results: the code and one coding per passage, one undoable action."""
    if not result.passages:
        raise QualcodeError("the query found no passages: nothing to code")
    with project.action("query.code_as", f"Coded {len(result.passages)} results as '{name}'"):
        code_id = project.codebook.add(name, parent=parent)
        project.codings.import_rows(
            [CodingInput(p.document_id, code_id, p.start, p.end) for p in result.passages],
            f"Coded the results of {result.text!r} as '{name}'",
        )
    return code_id


def sentence_around(project: Project, document_id: int, start: int, end: int) -> tuple[int, int]:
    """The stored sentence(s) holding ``[start, end)`` (the span itself when there are none):
    what coding a search result codes, and where jumping to it selects."""
    sentences = project.documents.sentences(document_id)
    inside = [s for s in sentences if s.start < end and start < s.end]
    if not inside:
        return start, end
    return min(s.start for s in inside), max(s.end for s in inside)


def code_spans(
    project: Project,
    spans: list[tuple[int, int, int]],
    codes: list[int | str],
    summary: str,
) -> tuple[list[int], int]:
    """Apply codes (ids, or names of new top-level codes) to ``(document id, start, end)``
    spans as one undoable action; returns the code ids and the codings added (a span that
    already has the code is skipped)."""
    if not spans or not codes:
        raise QualcodeError("nothing to code: choose results and a code")
    with project.action("search.code", summary):
        ids = [c if isinstance(c, int) else project.codebook.add(c) for c in codes]
        result = project.codings.import_rows(
            [CodingInput(d, c, s, e) for d, s, e in dict.fromkeys(spans) for c in ids], summary
        )
    return ids, result.added
