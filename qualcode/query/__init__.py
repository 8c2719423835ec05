"""Coding queries over a project: the language (:mod:`.parser`), what each operator returns
(:mod:`.engine`) and the service the CLI and the workbench share (:mod:`.service`)."""

from qualcode.query.engine import QueryEngine, QueryError, QueryPassage, compare, fuse
from qualcode.query.parser import QuerySyntaxError, parse_query
from qualcode.query.service import (
    QueryResult,
    code_as,
    engine_for,
    passage_rows,
    run_query,
    search_spans,
)

__all__ = [
    "QueryEngine",
    "QueryError",
    "QueryPassage",
    "QueryResult",
    "QuerySyntaxError",
    "code_as",
    "compare",
    "engine_for",
    "fuse",
    "parse_query",
    "passage_rows",
    "run_query",
    "search_spans",
]
