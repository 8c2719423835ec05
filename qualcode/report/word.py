"""The theme summary as a Word document (python-docx), ready to paste into a manuscript.

Headings use Word's built-in Heading styles (so the navigation pane and a table of contents
work), tables use "Table Grid", and quotes the built-in "Quote" style.

Byte-identical output. python-docx stamps nothing random into the XML, but two things vary
between runs: the core properties (created/modified dates, revision) and the ZIP container,
whose entries carry the time of saving. :func:`save_docx` therefore sets fixed core
properties and re-writes the ZIP with every entry dated 1980-01-01 00:00:00 (the ZIP epoch),
in the order python-docx wrote them, with fixed compression and permissions. Word, LibreOffice
and python-docx open the result normally; the test suite re-exports and compares bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.report.summary import Summary, ThemeSection, pct, plural, xml_safe

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

FIXED_DATE = datetime(2000, 1, 1, 0, 0, 0)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def build_docx(summary: Summary) -> DocxDocument:
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.title = summary.title
    props.subject = summary.codebook or ""
    props.author = "qualcode"
    props.last_modified_by = "qualcode"
    props.comments = ""
    props.keywords = ""
    props.revision = 1
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE

    doc.add_heading(summary.title, level=0)
    facts = [f"Project: {summary.project}"]
    if summary.codebook:
        facts.append(f"Codebook: {summary.codebook}")
    doc.add_paragraph(" · ".join(facts))
    if summary.filters:
        doc.add_paragraph("Filters: " + "; ".join(summary.filters))

    doc.add_heading("Overview", level=1)
    for paragraph in summary.intro:
        _rich(doc.add_paragraph(), paragraph)
    _frequency_table(doc, summary)
    _cooccurrence_table(doc, summary)
    if summary.project_memos:
        doc.add_heading("Project memos", level=2)
        for m in summary.project_memos:
            doc.add_paragraph(f"({m.coder}) {m.text}", style="List Bullet")

    doc.add_heading("Findings", level=1)
    if not summary.themes:
        doc.add_paragraph("The codebook has no themes yet.")
    for section in summary.themes:
        _theme(doc, summary, section)
    return doc


def _rich(paragraph, text: str) -> None:  # noqa: ANN001 - a docx Paragraph
    """Add text, rendering the summary's ``*emphasis*`` as italics."""
    for i, part in enumerate(text.split("*")):
        if part:
            paragraph.add_run(part).italic = bool(i % 2)


def _table(doc, header: list[str], rows: list[list[str]], bold_rows: set[int] = frozenset()):  # noqa: ANN001, ANN202, B006
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for i, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = i in bold_rows
    return table


def _frequency_table(doc, summary: Summary) -> None:  # noqa: ANN001
    n = summary.totals.participants
    doc.add_heading("Frequencies", level=2)
    doc.add_paragraph(
        "Table 1. Passages per theme and code (a theme counts overlapping passages of its "
        f"codes once); participants out of {n}."
    )
    rows, bold = [], set()
    for i, f in enumerate(summary.frequencies):
        if f.depth == 0:
            bold.add(i)
        rows.append(
            [
                "    " * f.depth + f.code,
                str(f.passages),
                str(f.codings),
                f"{f.participants} of {n}",
                str(f.documents),
                pct(f.share),
            ]
        )
    _table(
        doc,
        ["Theme / code", "Passages", "Codings", "Participants", "Documents", "Share of words"],
        rows,
        bold,
    )


def _cooccurrence_table(doc, summary: Summary) -> None:  # noqa: ANN001
    doc.add_heading("Co-occurrence of themes", level=2)
    pairs = sorted(summary.cooccurrence.pairs, key=lambda p: (-p.count, -p.jaccard, p.a, p.b))
    table = summary.cooccurrence
    if not pairs:
        doc.add_paragraph(f"No two themes co-occur (passages that {table.describe()}).")
        return
    doc.add_paragraph(
        f"Table 2. Two themes co-occur where their passages {table.describe()}. Together: "
        "stretches of talk holding both; Jaccard index: stretches with both / stretches with "
        "either."
    )
    _table(
        doc,
        ["Theme", "Theme", "Together", "Jaccard"],
        [[p.a, p.b, str(p.count), f"{p.jaccard:.2f}"] for p in pairs],
    )


def _theme(doc, summary: Summary, section: ThemeSection) -> None:  # noqa: ANN001
    n = summary.totals.participants
    doc.add_heading(f"{section.number}. {section.code.name}", level=2)
    for paragraph in section.lead:
        _rich(doc.add_paragraph(), paragraph)
    if section.codes:
        _table(
            doc,
            ["Code", "Passages", "Participants", "Documents", "Share of words", "Key terms"],
            [
                [
                    "    " * (e.depth - 1) + e.code.name,
                    str(e.frequency.passages),
                    f"{e.frequency.participants} of {n}",
                    str(e.frequency.documents),
                    pct(e.frequency.share),
                    ", ".join(t.lemma for t in e.key_terms),
                ]
                for e in section.codes
            ],
        )
    if section.key_terms:
        p = doc.add_paragraph("Distinctive words: ")
        for i, t in enumerate(section.key_terms):
            if i:
                p.add_run(", ")
            p.add_run(t.lemma).italic = True
        p.add_run(".")
    if section.quotes:
        people = len({q.person_id for q in section.quotes})
        doc.add_paragraph(
            f"Illustrative quotes ({plural(len(section.quotes), 'quote')} from "
            f"{plural(people, 'speaker')}):"
        )
        for q in section.quotes:
            code = "" if q.code_id == section.code.id else f" · {q.code}"
            doc.add_paragraph(f"“{q.text}”", style="Quote")
            doc.add_paragraph(f"— {q.attribution}, {q.location}{code}")
    if section.memos:
        doc.add_heading("Memos", level=3)
        for m in section.memos:
            doc.add_paragraph(f"{m.target} ({m.coder}): {m.text}", style="List Bullet")


def docx_bytes(summary: Summary) -> bytes:
    """The DOCX, with fixed dates in its properties and its ZIP entries. Characters XML cannot
    hold (control characters in a transcript) are shown as their visible forms."""
    buffer = io.BytesIO()
    build_docx(xml_safe(summary)).save(buffer)
    return normalize_zip(buffer.getvalue())


def save_docx(summary: Summary, path: str | Path) -> None:
    """Write the DOCX (through :func:`qualcode.outputs.write_output`)."""
    from qualcode.outputs import write_output

    write_output(path, docx_bytes(summary))


def normalize_zip(data: bytes) -> bytes:
    """Re-write a ZIP with fixed timestamps, permissions and compression, same entry order."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            dst.writestr(info, src.read(item.filename), compresslevel=6)
    return out.getvalue()
