"""What a report needs from the project beyond the corpus: codebook facts, every memo with its
author and date, the exemplar marks and the pseudonym table.

Loaded once from an open project (:func:`load_context`) and passed to
:func:`qualcode.report.summary.build_summary`; a plain value, so a summary can still be built
from a corpus alone (tests, the TUI) with :data:`EMPTY`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from qualcode.report.pseudonymise import Replacer


@dataclass(frozen=True)
class CodebookInfo:
    name: str
    version: str
    description: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class MemoInfo:
    kind: str
    """``project``, ``document``, ``code`` or ``coding``."""
    target_id: int | None
    target: str
    """A readable name of what the memo annotates (never a bare id)."""
    coder: str
    date: str
    """``YYYY-MM-DD`` of the last change."""
    text: str


@dataclass(frozen=True)
class ReportContext:
    codebook: CodebookInfo | None = None
    memos: tuple[MemoInfo, ...] = ()
    exemplars: frozenset[int] = frozenset()
    replacer: Replacer | None = None


EMPTY = ReportContext()


def load_context(project: Any, pseudonymise: bool = False) -> ReportContext:
    """Read the report context from an open :class:`~qualcode.store.Project`."""
    from qualcode.store.exemplars import Exemplars

    memos = tuple(
        MemoInfo(
            kind=m.target_type,
            target_id=m.target_id,
            target=m.target,
            coder=m.coder,
            date=(m.updated_at or m.created_at or "")[:10],
            text=m.text,
        )
        for m in project.memos.list()
    )
    replacer = None
    if pseudonymise:
        from qualcode.report.pseudonymise import load_replacer

        replacer = load_replacer(project)
    return ReportContext(
        codebook=codebook_info(project),
        memos=memos,
        exemplars=frozenset(Exemplars(project.session).ids()),
        replacer=replacer,
    )


def codebook_info(project: Any) -> CodebookInfo | None:
    """Name, version, description and sources of the codebook loaded into the project.

    Read from the settings ``codebook_version``, ``codebook_description`` and
    ``codebook_sources`` (a JSON list) when ``codebook load`` stored them; otherwise from the
    shipped codebook of the same name, if there is one."""
    settings = project.settings
    name = settings.get("codebook_name")
    if not name:
        return None
    version = settings.get("codebook_version")
    description = settings.get("codebook_description")
    sources_raw = settings.get("codebook_sources")
    sources: tuple[str, ...] = ()
    if sources_raw:
        try:
            sources = tuple(str(s) for s in json.loads(sources_raw))
        except (ValueError, TypeError):
            sources = (sources_raw,)
    if version is None and description is None and not sources:
        shipped = _shipped(name)
        if shipped is not None:
            return shipped
    return CodebookInfo(name, version or "", description or "", sources)


def _shipped(name: str) -> CodebookInfo | None:
    try:
        from qualcode.codebook import load_codebook
        from qualcode.resources import codebooks_dir

        for path in sorted(codebooks_dir().glob("*.yaml")):
            book = load_codebook(path)
            if book.name == name:
                return CodebookInfo(
                    book.name, str(book.version), book.description, tuple(book.sources)
                )
    except Exception:  # noqa: BLE001 - a missing or broken shipped codebook is no error here
        return None
    return None
