"""``export P memos`` and ``export P document DOC``: every format, targets named, not ids."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qualcode.store import Project
from tests.test_analysis_fixture import build_hand_project


def test_memos_export_in_every_format(cli, tmp_path: Path) -> None:  # noqa: ANN001
    path, ids = build_hand_project(tmp_path)
    with Project.open(path) as proj:
        proj.memos.set("coding", ids["c1"], "First peer-support line.")
        proj.memos.set("document", "b2", "Ben was in a hurry.")
    for name in ("memos.md", "memos.docx", "memos.csv"):
        result = cli("export", path, "memos", "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
        assert "Wrote" in result.output
    md = (tmp_path / "memos.md").read_text(encoding="utf-8")
    assert "## Document memos" in md and "### b2" in md and "## Coding memos" in md
    assert "### Peer support, coded on Anna's words (a1, turn 2)" in md
    rows = list(csv.reader(io.StringIO((tmp_path / "memos.csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["kind", "target", "coder", "date", "text"]
    assert {r[0] for r in rows[1:]} >= {"document", "coding", "code", "project"}
    assert not any(r[1].isdigit() for r in rows[1:])
    from docx import Document

    doc = Document(str(tmp_path / "memos.docx"))
    assert "Ben was in a hurry." in [p.text for p in doc.paragraphs]
    bad = cli("export", path, "memos", "-o", tmp_path / "memos.txt")
    assert bad.exit_code == 1 and "memos are written as" in bad.output


def test_coded_transcript_in_every_format(cli, tmp_path: Path) -> None:  # noqa: ANN001
    path, _ = build_hand_project(tmp_path)
    for name in ("a1.md", "a1.html", "a1.docx"):
        result = cli("export", path, "document", "a1", "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
    md = (tmp_path / "a1.md").read_text(encoding="utf-8")
    assert md.startswith("# Coded transcript: a1\n")
    assert "**Anna**: **The group gives me support" in md
    assert "- [1] Support › Peer support (alice)" in md
    html = (tmp_path / "a1.html").read_text(encoding="utf-8")
    assert "<mark style=" in html and '<aside class="margin">' in html
    import xml.dom.minidom

    xml.dom.minidom.parseString(html.split("\n", 1)[1])  # well-formed
    from docx import Document

    doc = Document(str(tmp_path / "a1.docx"))
    assert any(p.text.startswith("Anna: The group gives me support") for p in doc.paragraphs)
    again = cli("export", path, "document", "a1", "-o", tmp_path / "again.docx")
    assert again.exit_code == 0
    assert (tmp_path / "again.docx").read_bytes() == (tmp_path / "a1.docx").read_bytes()
    missing = cli("export", path, "document", "-o", tmp_path / "x.md")
    assert missing.exit_code == 1 and "name the document" in missing.output
    unknown = cli("export", path, "document", "zz", "-o", tmp_path / "x.md")
    assert unknown.exit_code == 1 and "no document named" in unknown.output
