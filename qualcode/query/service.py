"""What the CLI and the workbench call to run, show, save and code the results of a query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.query.engine import QueryEngine, QueryPassage, Spans, TextSearch
from qualcode.query.parser import Expr, Ref, parse_query
from qualcode.store import Project
from qualcode.store.attributes import attribute_types
from qualcode.store.codings import CodingInput
from qualcode.store.invariants import clean_name
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


def saved_refs(text: str) -> list[str]:
    """The saved queries a query's text uses (``QUERY name``), in order; none when the text
    does not parse (it cannot be run either, and says why when it is)."""
    try:
        parsed = parse_query(text)
    except QualcodeError:
        return []
    out: list[str] = []
    stack: list[Expr] = [parsed.expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            if node.kind == "query":
                out.append(node.name)
        else:
            stack += [node.right, node.left]
    return out


def save_query(project: Project, name: str, text: str) -> str | None:
    """Save ``text`` as ``name``; returns the name of the saved query it replaced, if any.

    A save that would make saved queries use one another in a circle is refused here rather
    than when one of them is next run (the new text is the only new edge, so any circle runs
    through ``name``)."""
    saved = SavedQueries(project.session)
    name = clean_name(name, "query")
    texts = {q.name.casefold(): (q.name, q.query) for q in saved.list()}
    old = saved.find(name)
    texts[name.casefold()] = (old.name if old else name, text)
    circle = _circle(name.casefold(), texts)
    if circle:
        raise QualcodeError(
            f"saving '{name}' would make saved queries use one another in a circle: "
            + " → ".join(circle)
        )
    saved.save(name, text)
    return old.name if old else None


def _circle(start: str, texts: dict[str, tuple[str, str]]) -> list[str]:
    """A path of names from ``start`` back to itself through ``QUERY`` references, or []."""
    seen: set[str] = set()

    def visit(key: str, path: list[str]) -> list[str]:
        for ref in saved_refs(texts[key][1]):
            target = ref.casefold()
            if target == start:
                return [*path, texts[start][0]]
            if target in texts and target not in seen:
                seen.add(target)
                found = visit(target, [*path, texts[target][0]])
                if found:
                    return found
        return []

    return visit(start, [texts[start][0]])


def delete_query(project: Project, name: str) -> str:
    """Delete a saved query (returns its stored name), refusing while others use it."""
    saved = SavedQueries(project.session)
    old = saved.get(name)
    users = [
        q.name
        for q in saved.list()
        if q.id != old.id and old.name.casefold() in {r.casefold() for r in saved_refs(q.query)}
    ]
    if users:
        raise QualcodeError(
            f"saved query '{old.name}' is used by {', '.join(users)} (QUERY {old.name}): "
            f"change or delete {'it' if len(users) == 1 else 'them'} first"
        )
    saved.delete(old.name)
    return old.name


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
        left, body, right = kwic(text, p.start, p.end, words)
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
