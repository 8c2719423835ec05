"""The theme summary as a Word document (python-docx), ready to paste into a manuscript.

Headings use Word's built-in Heading styles (so the navigation pane and a table of contents
work), captions the built-in "Caption" style (numbered Table n / Figure n), tables use "Table
Grid" with column widths fitted to their content (:func:`fit_widths`: a name is never broken
mid-word) and numbers right-aligned, quotes the built-in "Quote" style. The frequency chart and
the co-occurrence heatmap are PNG images drawn by matplotlib (:mod:`qualcode.report.charts`).

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
from collections.abc import Set
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.report.summary import (
    COOCCURRENCE_NOTE,
    FREQUENCY_NOTE,
    MemoNote,
    Summary,
    ThemeSection,
    agreement_caption,
    agreement_cells,
    agreement_header,
    appendix_fields,
    has_key_terms,
    memo_groups,
    nest_quotes,
    pct,
    plural,
    top_pairs,
    xml_safe,
)

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
    counter = _Counter()

    doc.add_heading(summary.title, level=0)
    facts = [f"Project: {summary.project}"]
    if summary.codebook:
        facts.append(f"Codebook: {summary.codebook}")
    if summary.pseudonymised:
        facts.append("Names pseudonymised")
    doc.add_paragraph(" · ".join(facts))
    if summary.filters:
        doc.add_paragraph("Filters: " + "; ".join(summary.filters))

    if summary.methods:
        doc.add_heading("Methods", level=1)
        for paragraph in summary.methods:
            _rich(doc.add_paragraph(), paragraph)
        if summary.definitions:
            p = doc.add_paragraph()
            p.add_run("Definitions.").bold = True
            for d in summary.definitions:
                item = doc.add_paragraph(style="List Bullet")
                item.add_run(d.term).italic = True
                item.add_run(f": {d.text}")

    doc.add_heading("Overview", level=1)
    for paragraph in summary.intro:
        _rich(doc.add_paragraph(), paragraph)
    _frequency_table(doc, summary, counter)
    _cooccurrence_table(doc, summary, counter)
    table = summary.agreement_table
    if table is not None:
        doc.add_heading("Inter-coder agreement", level=2)
        _caption(doc, f"Table {counter.table()}. {agreement_caption(table)}")
        header = agreement_header(table)
        _table(doc, header, agreement_cells(table), numeric=set(range(1, len(header))))
    if summary.project_memos:
        doc.add_heading("Project memos", level=2)
        for m in summary.project_memos:
            _memo(doc, m, with_target=False)

    doc.add_heading("Findings", level=1)
    if not summary.themes:
        doc.add_paragraph("The codebook has no themes yet.")
    for section in summary.themes:
        _theme(doc, summary, section, counter)
    _memos(doc, summary)
    _appendix(doc, summary)
    return doc


class _Counter:
    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0

    def table(self) -> int:
        self.tables += 1
        return self.tables

    def figure(self) -> int:
        self.figures += 1
        return self.figures


def _caption(doc, text: str) -> None:  # noqa: ANN001
    doc.add_paragraph(text, style="Caption")


def _rich(paragraph, text: str) -> None:  # noqa: ANN001 - a docx Paragraph
    """Add text, rendering the summary's ``*emphasis*`` as italics."""
    for i, part in enumerate(text.split("*")):
        if part:
            paragraph.add_run(part).italic = bool(i % 2)


def _memo(doc, m: MemoNote, with_target: bool = True) -> None:  # noqa: ANN001
    p = doc.add_paragraph(style="List Bullet")
    if with_target:
        p.add_run(m.target).italic = True
        p.add_run(" ")
    date = f", {m.date}" if m.date else ""
    p.add_run(f"({m.coder}{date}): {m.text}")


def _memos(doc, summary: Summary) -> None:  # noqa: ANN001
    if not summary.memos:
        return
    doc.add_heading("Memos", level=1)
    for kind, label, notes in memo_groups(summary.memos):
        if notes:
            doc.add_heading(f"{label} memos", level=2)
            for m in notes:
                _memo(doc, m, with_target=kind != "project")


def _appendix(doc, summary: Summary) -> None:  # noqa: ANN001
    if not summary.appendix:
        return
    info = summary.codebook_info
    doc.add_heading("Appendix: codebook", level=1)
    if info is not None:
        p = doc.add_paragraph()
        p.add_run(info.name).italic = True
        p.add_run((f", version {info.version}" if info.version else "") + ".")
        if info.description:
            doc.add_paragraph(info.description)
    for entry in summary.appendix:
        kind = "Theme" if entry.depth == 0 else "Code"
        doc.add_heading(f"{kind}: {entry.code.name}", level=2 if entry.depth == 0 else 3)
        for key, value in appendix_fields(entry.code):
            p = doc.add_paragraph()
            p.add_run(f"{key}: ").bold = True
            p.add_run(value)
    if info is not None and info.sources:
        doc.add_heading("Sources", level=2)
        for src in info.sources:
            doc.add_paragraph(src, style="List Number")


# ---------------------------------------------------------------- tables

PAGE_WIDTH_CM = 16.0
"""Text width of the default page (A4/Letter with python-docx's default margins), a little
less to be safe."""
CHAR_CM = 0.2
"""Width of one character of 10–11 pt body text, generously (so names never break)."""
PAD_CM = 0.35


def fit_widths(
    header: list[str], rows: list[list[str]], total: float = PAGE_WIDTH_CM
) -> list[float]:
    """Column widths (cm) fitted to content: each column wants its longest cell; when the
    table is too wide, the widest text columns give way, but never below their longest
    single word (so no name breaks mid-word) nor the header's longest word."""
    cols = len(header)
    want = [0.0] * cols
    floor = [0.0] * cols
    for row in [header, *rows]:
        for i, text in enumerate(row):
            want[i] = max(want[i], CHAR_CM * len(text) + PAD_CM)
            longest_word = max((len(w) for w in text.split()), default=0)
            floor[i] = max(floor[i], CHAR_CM * longest_word + PAD_CM)
    widths = list(want)
    excess = sum(widths) - total
    while excess > 0.01:
        slack = [w - f for w, f in zip(widths, floor, strict=True)]
        if sum(slack) <= 0.01:
            break
        for i in range(cols):
            widths[i] -= excess * slack[i] / sum(slack) if sum(slack) else 0
            widths[i] = max(widths[i], floor[i])
        excess = sum(widths) - total
    return [round(w, 2) for w in widths]


def _table(  # noqa: ANN202
    doc,  # noqa: ANN001
    header: list[str],
    rows: list[list[str]],
    bold_rows: Set[int] = frozenset(),
    numeric: Set[int] = frozenset(),
):
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    widths = fit_widths(header, rows)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    all_rows = [(header, True)] + [(row, i in bold_rows) for i, row in enumerate(rows)]
    for r, (values, bold) in enumerate(all_rows):
        cells = table.rows[0].cells if r == 0 else table.add_row().cells
        for c, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.width = Cm(widths[c])
            cell.text = ""
            paragraph = cell.paragraphs[0]
            paragraph.add_run(text).bold = bold
            if c in numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for c, column in enumerate(table.columns):
        column.width = Cm(widths[c])
    return table


def _picture(doc, data: bytes, width_cm: float) -> None:  # noqa: ANN001
    from docx.shared import Cm

    doc.add_picture(io.BytesIO(data), width=Cm(width_cm))


def _frequency_table(doc, summary: Summary, counter: _Counter) -> None:  # noqa: ANN001
    n = summary.totals.participants
    doc.add_heading("Frequencies", level=2)
    if any(f.passages for f in summary.frequencies if f.depth == 0):
        from qualcode.report.charts import frequency_png

        _picture(doc, frequency_png(summary), PAGE_WIDTH_CM)
        _caption(doc, f"Figure {counter.figure()}. Passages per theme (with its codes).")
    _caption(doc, f"Table {counter.table()}. {FREQUENCY_NOTE} Participants out of {n}.")
    by = summary.by
    rows, bold = [], set()
    for i, f in enumerate(summary.frequencies):
        if f.depth == 0:
            bold.add(i)
        row = [
            "    " * f.depth + f.code,
            str(f.passages),
            str(f.codings),
            f"{f.participants} of {n}",
        ]
        if by:
            row.append(by.phrase(f.code_id))
        row += [str(f.documents), pct(f.share)]
        rows.append(row)
    header = ["Theme / code", "Passages", "Codings", "Participants"]
    if by:
        header.append(f"By {by.key}")
    header += ["Documents", "Share of words"]
    numeric = {1, 2, 3, len(header) - 2, len(header) - 1}
    _table(doc, header, rows, bold, numeric)


def _cooccurrence_table(doc, summary: Summary, counter: _Counter) -> None:  # noqa: ANN001
    doc.add_heading("Co-occurrence of themes", level=2)
    table = summary.cooccurrence
    pairs = top_pairs(summary)
    if not pairs:
        doc.add_paragraph(f"No two themes co-occur (passages that {table.describe()}).")
        return
    from qualcode.report.charts import heatmap_png

    _picture(doc, heatmap_png(summary), PAGE_WIDTH_CM)
    _caption(
        doc,
        f"Figure {counter.figure()}. Co-occurrence of themes (each with its codes): passages "
        f"that {table.describe()}. Numbers: units holding both themes (diagonal: passages of "
        "the theme); shading: Jaccard index, 0 to 1.",
    )
    total = sum(1 for p in table.pairs if p.count > 0)
    shown = (
        f" The {len(pairs)} strongest of {total} co-occurring pairs; the JSON export has all."
        if len(pairs) < total
        else ""
    )
    _caption(
        doc,
        f"Table {counter.table()}. Theme pairs that co-occur, strongest first. "
        + COOCCURRENCE_NOTE.replace("*", "")
        + shown,
    )
    _table(
        doc,
        ["Theme", "Theme", "Together", "Either", "Jaccard"],
        [[p.a, p.b, str(p.count), str(p.units), f"{p.jaccard:.2f}"] for p in pairs],
        numeric={2, 3, 4},
    )


def _theme(doc, summary: Summary, section: ThemeSection, counter: _Counter) -> None:  # noqa: ANN001
    n = summary.totals.participants
    doc.add_heading(f"{section.number}. {section.code.name}", level=2)
    for paragraph in section.lead:
        _rich(doc.add_paragraph(), paragraph)
    terms_col = has_key_terms(summary, section)
    if section.codes:
        _caption(doc, f"Table {counter.table()}. Codes of {section.code.name}.")
        header = ["Code", "Passages", "Participants", "Documents", "Share of words"]
        if terms_col:
            header.append("Key terms")
        rows = []
        for e in section.codes:
            row = [
                "    " * (e.depth - 1) + e.code.name,
                str(e.frequency.passages),
                f"{e.frequency.participants} of {n}",
                str(e.frequency.documents),
                pct(e.frequency.share),
            ]
            if terms_col:
                row.append(", ".join(t.lemma for t in e.key_terms))
            rows.append(row)
        _table(doc, header, rows, numeric={1, 2, 3, 4})
    if section.key_terms:
        p = doc.add_paragraph("Distinctive words: ")
        for i, t in enumerate(section.key_terms):
            if i:
                p.add_run(", ")
            p.add_run(t.lemma).italic = True
        p.add_run(".")
    if (section.key_terms or terms_col) and summary.key_terms_note:
        doc.add_paragraph(summary.key_terms_note, style="Caption")
    if section.quotes:
        people = len({q.person_id for q in section.quotes})
        doc.add_paragraph(
            f"Illustrative quotes ({plural(len(section.quotes), 'quote')} from "
            f"{plural(people, 'speaker')}):"
        )
        for q in section.quotes:
            code = "" if q.code_id == section.code.id else f" · {q.code}"
            doc.add_paragraph(f"“{nest_quotes(q.text)}”", style="Quote")
            doc.add_paragraph(f"— {q.attribution}{code}")
    if section.memos:
        doc.add_heading("Memos", level=3)
        for m in section.memos:
            _memo(doc, m)


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
