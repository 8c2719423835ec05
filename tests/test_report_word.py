"""The Word summary as a manuscript needs it: fitted columns (no word broken), numbers
right-aligned, captions, real chart images, byte-identical; read back with python-docx and,
when LibreOffice is installed, converted to PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from qualcode.analysis import load_corpus
from qualcode.report import SummaryOptions, build_summary, summary_bytes
from qualcode.report.word import CHAR_CM, PAGE_WIDTH_CM, fit_widths
from qualcode.store import DocumentInput, Project, TurnInput
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture(scope="module")
def docx_data(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path, _ = build_hand_project(tmp_path_factory.mktemp("word"))
    with Project.open(path) as proj:
        corpus = load_corpus(proj)
    return summary_bytes(build_summary(corpus, SummaryOptions(), project_path=path), "docx")


def test_tables_fit_their_content_and_numbers_align_right(docx_data: bytes) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document(io.BytesIO(docx_data))
    freq = doc.tables[0]
    widths = [c.width.cm for c in freq.columns]
    assert sum(widths) <= PAGE_WIDTH_CM + 0.05
    header = [c.text for c in freq.rows[0].cells]
    for i, name in enumerate(header):
        longest = max(len(w) for row in freq.rows for w in row.cells[i].text.split() or [""])
        assert widths[i] >= CHAR_CM * longest, (name, widths[i])
    row = freq.rows[1].cells
    assert row[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert row[0].paragraphs[0].alignment != WD_ALIGN_PARAGRAPH.RIGHT
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Figure 1.") for c in captions)
    assert any(c.startswith("Table 1.") for c in captions)
    assert len(doc.inline_shapes) == 2  # frequency chart and heatmap, as PNG images
    pngs = [p for p in doc.part.package.parts if p.content_type == "image/png"]
    assert len(pngs) == 2 and all(p.blob[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_fit_widths_never_breaks_a_word() -> None:
    header = ["Theme / code", "Passages"]
    rows = [["Interprofessionalcollaboration " + "word " * 60, "12"]]
    widths = fit_widths(header, rows)
    assert widths[0] >= CHAR_CM * len("Interprofessionalcollaboration")
    assert widths[1] >= CHAR_CM * len("Passages")
    assert sum(widths) <= PAGE_WIDTH_CM + 0.05


def _many_themes(path: Path, themes: int = 40) -> Path:
    """One document, one turn per theme pair group: every theme co-occurs with many others."""
    lines = [f"Speaker{i % 5}: " + " ".join(["word"] * 12) + "." for i in range(themes)]
    text = "\n".join(lines)
    turns, pos = [], 0
    for line in lines:
        start = pos + line.index(": ") + 2
        turns.append(TurnInput(start, pos + len(line), line.split(":")[0]))
        pos += len(line) + 1
    with Project.create(path) as proj:
        proj.documents.add(
            DocumentInput("d", text, "sha-d", "txt", turns, [(t.start, t.end) for t in turns])
        )
        for i in range(themes):
            proj.codebook.add(f"Theme number {i:02d}")
        for i, t in enumerate(turns):
            for j in range(3):
                proj.codings.add("d", f"Theme number {(i + j) % themes:02d}", t.start, t.end)
    return path


def test_forty_themes_show_the_strongest_pairs_only(tmp_path: Path) -> None:
    from docx import Document

    path = _many_themes(tmp_path / "many.qc")
    with Project.open(path) as proj:
        corpus = load_corpus(proj)
    summary = build_summary(corpus, SummaryOptions(quotes=0, key_terms=0))
    assert len([p for p in summary.cooccurrence.pairs if p.count]) > 20
    doc = Document(io.BytesIO(summary_bytes(summary, "docx")))
    pairs = [t for t in doc.tables if t.rows[0].cells[0].text == "Theme"][0]
    assert len(pairs.rows) == 21
    counts = [int(r.cells[2].text) for r in pairs.rows[1:]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed"
)
def test_libreoffice_converts_to_pdf(docx_data: bytes, tmp_path: Path) -> None:
    source = tmp_path / "summary.docx"
    source.write_bytes(docx_data)
    office = shutil.which("soffice") or shutil.which("libreoffice") or "soffice"
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = tmp_path / "summary.pdf"
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"
