"""The report-side exports of ``qualcode export``: memos, a coded transcript, and the
pseudonymised variants of every export (see :mod:`qualcode.report.pseudonymise`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError

MEMO_FORMATS = {".md": "md", ".markdown": "md", ".docx": "docx", ".csv": "csv"}
DOCUMENT_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}


def _format(output: Path | None, table: dict[str, str], default: str, what: str) -> str:
    if output is None or str(output) == "-":
        return default
    fmt = table.get(output.suffix.lower())
    if fmt is None:
        kinds = "|".join(sorted({f".{v}" for v in table.values()}))
        raise QualcodeError(f"{what} are written as {kinds}: name the -o file accordingly")
    return fmt


def memos_bytes(corpus: Any, context: Any, output: Path | None) -> bytes:
    """Every memo in scope as Markdown, DOCX or CSV (by the -o suffix; stdout: Markdown)."""
    from qualcode.report.memos import memos_csv, memos_docx, memos_markdown
    from qualcode.report.summary import all_memos

    fmt = _format(output, MEMO_FORMATS, "md", "memos")
    notes = all_memos(corpus, context)
    if context.replacer:
        notes = context.replacer.deep(notes)
    if fmt == "docx":
        return memos_docx(notes)
    text = memos_csv(notes) if fmt == "csv" else memos_markdown(notes)
    return text.encode("utf-8")


def document_bytes(corpus: Any, context: Any, document: str, output: Path | None) -> bytes:
    """The coded transcript of one document as Markdown, HTML or DOCX."""
    from qualcode.report.transcript import (
        build_transcript,
        transcript_docx,
        transcript_html,
        transcript_markdown,
    )

    fmt = _format(output, DOCUMENT_FORMATS, "md", "coded transcripts")
    view = build_transcript(corpus, document, context.replacer)
    if fmt == "docx":
        return transcript_docx(view)
    text = transcript_html(view) if fmt == "html" else transcript_markdown(view)
    if context.replacer:
        text = context.replacer.text(text)
    return text.encode("utf-8")


def redacted_copy(project: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(path)`` on a redacted temporary copy of the project (for exports whose
    offsets must match the pseudonymised text, such as REFI-QDA), then delete the copy."""
    from qualcode.store import Project
    from qualcode.store.redact import Redactor

    with tempfile.TemporaryDirectory(prefix="qualcode-redact-") as folder:
        copy = Path(folder) / "redacted.qc"
        with Project.open(project) as proj:
            Redactor(proj.session).write(copy)
        write(copy)
