"""``qualcode export P memos``: every memo (project, document, code, coding) with its author
and date, naming its target (never a database id). Markdown, DOCX or CSV; deterministic."""

from __future__ import annotations

import csv
import io

from qualcode.report.summary import MemoNote, memo_groups, xml_safe


def memos_markdown(memos: tuple[MemoNote, ...], title: str = "Memos") -> str:
    from qualcode.report.markdown import md_escape

    out = [f"# {md_escape(title)}", ""]
    if not memos:
        return "\n".join(out + ["No memos yet."]) + "\n"
    for kind, label, notes in memo_groups(memos):
        out += [f"## {label} memos", ""]
        for m in notes:
            date = f", {md_escape(m.date)}" if m.date else ""
            head = "" if kind == "project" else f"### {md_escape(m.target)}\n\n"
            out += [f"{head}*{md_escape(m.coder)}{date}*", ""]
            out += [md_escape(line) if line.strip() else "" for line in m.text.splitlines()]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def memos_csv(memos: tuple[MemoNote, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["kind", "target", "coder", "date", "text"])
    for m in memos:
        writer.writerow([m.kind, m.target, m.coder, m.date, m.text])
    return buffer.getvalue()


def memos_docx(memos: tuple[MemoNote, ...], title: str = "Memos") -> bytes:
    from docx import Document

    from qualcode.report.word import FIXED_DATE, normalize_zip

    memos = xml_safe(memos)
    doc = Document()
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = "qualcode"
    props.revision = 1
    props.created = props.modified = props.last_printed = FIXED_DATE
    doc.add_heading(title, level=0)
    if not memos:
        doc.add_paragraph("No memos yet.")
    for kind, label, notes in memo_groups(memos):
        doc.add_heading(f"{label} memos", level=1)
        for m in notes:
            if kind != "project":
                doc.add_heading(m.target, level=2)
            date = f", {m.date}" if m.date else ""
            doc.add_paragraph(f"{m.coder}{date}", style="Caption")
            for line in m.text.splitlines() or [""]:
                doc.add_paragraph(line)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalize_zip(buffer.getvalue())
