"""Theme summaries and exports: Markdown, self-contained HTML, DOCX, JSON, and CSV tables.

:func:`build_summary` computes the data once; the renderers only format it. Every output is
deterministic (stable order, no timestamps), so the same project gives byte-identical files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.outputs import write_output

if TYPE_CHECKING:
    from qualcode.report.summary import Summary, SummaryOptions, build_summary

FORMATS = ("md", "html", "docx", "json")
SUFFIXES = {"md": ".md", "html": ".html", "docx": ".docx", "json": ".json"}

__all__ = [
    "FORMATS",
    "Summary",
    "SummaryOptions",
    "build_summary",
    "render",
    "summary_bytes",
    "write_summary",
]


def __getattr__(name: str) -> Any:
    """``Summary``, ``SummaryOptions`` and ``build_summary`` load on first use: every command
    imports this package for its options, and the summary machinery (the analysis layer with
    it) would otherwise cost each of them, ``--help`` included, tens of milliseconds."""
    if name in ("Summary", "SummaryOptions", "build_summary"):
        from qualcode.report import summary

        return getattr(summary, name)
    raise AttributeError(f"module 'qualcode.report' has no attribute {name!r}")


def render(summary: Summary, fmt: str) -> str:
    """A text format as a string (md, html, json)."""
    if fmt == "md":
        from qualcode.report.markdown import render_markdown

        return render_markdown(summary)
    if fmt == "html":
        from qualcode.report.html import render_html

        return render_html(summary)
    if fmt == "json":
        from qualcode.report.jsonout import render_json

        return render_json(summary)
    raise ValueError(f"not a text format: {fmt}")


def summary_bytes(summary: Summary, fmt: str) -> bytes:
    """The summary in ``fmt`` as the bytes of its file (DOCX is binary)."""
    if fmt == "docx":
        from qualcode.report.word import docx_bytes

        return docx_bytes(summary)
    return render(summary, fmt).encode("utf-8")


def write_summary(
    summary: Summary, fmt: str, path: str | Path, protect: tuple[str | Path, ...] = ()
) -> Path:
    """Write the summary in ``fmt`` to ``path`` (see :func:`qualcode.outputs.write_output`:
    written whole, then renamed; never over a symlink, device or FIFO)."""
    return write_output(path, summary_bytes(summary, fmt), protect=protect)


def write_text(text: str, path: str | Path, protect: tuple[str | Path, ...] = ()) -> Path:
    """Write an export whole, then rename it into place (never a half-written file)."""
    return write_output(path, text, protect=protect)
