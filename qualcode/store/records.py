"""Plain read-only records that ``Project`` returns, so callers never see SQL rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    id: int
    name: str
    sha256: str
    source_format: str
    word_count: int
    imported_at: str
    length: int
    speaker_count: int
    turn_count: int
    coding_count: int
    text: str = ""
    guid: str = ""
    text_sha256: str = ""


@dataclass(frozen=True)
class Turn:
    id: int
    index: int
    speaker: str | None
    start: int
    end: int
    timestamp: str | None = None


@dataclass(frozen=True)
class Sentence:
    id: int
    turn_id: int | None
    start: int
    end: int


@dataclass(frozen=True)
class Speaker:
    id: int
    document: str
    name: str
    turn_count: int
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Code:
    id: int
    parent_id: int | None
    parent: str | None
    name: str
    brief: str
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    color: str | None
    keywords: list[str]
    patterns: list[Any]
    position: int
    depth: int
    coding_count: int
    child_count: int
    guid: str = ""
    negation: str | None = None  # auto-coding's handling of negated matches; None: default


@dataclass(frozen=True)
class Coding:
    id: int
    document_id: int
    document: str
    code_id: int
    code: str
    start: int
    end: int
    coder: str
    memo: str | None
    origin: str
    created_at: str
    text: str
    guid: str = ""


@dataclass(frozen=True)
class Memo:
    """A memo on the project, a document, a code or a coding (one of ``target_type``), with
    the name of what it annotates so listings never show a bare database id."""

    id: int
    target_type: str
    target_id: int | None
    coder: str
    text: str
    created_at: str
    updated_at: str
    target: str = ""
    guid: str = ""


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    coder: str | None
    action: str
    summary: str
    changes: list[dict[str, Any]]
    undoable: bool
    reverted: bool


@dataclass(frozen=True)
class SearchHit:
    turn_id: int
    document: str
    speaker: str | None
    start: int
    end: int
    text: str
