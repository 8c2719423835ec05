"""The demo project's Markdown summary reads like a findings section.

The demo's example codings are written by another part of the project; these tests check the
structure (every theme, lead-in prose, attributed quotes) and hold whatever the codings are.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qualcode.analysis import load_corpus
from qualcode.report import SummaryOptions, build_summary, render
from qualcode.report.markdown import md_escape
from qualcode.store import Project


@pytest.fixture(scope="module")
def demo_markdown(
    tmp_path_factory: pytest.TempPathFactory, demo_master: Path
) -> tuple[str, list[str], int]:
    path = tmp_path_factory.mktemp("demo") / "demo.qc"
    shutil.copy(demo_master, path)
    with Project.open(path) as project:
        corpus = load_corpus(project)
        themes = [c.name for c in project.codebook.codes() if c.depth == 0]
        codings = len(project.codings.list())
    summary = build_summary(corpus, SummaryOptions(), project_path=path)
    return render(summary, "md"), themes, codings


def test_every_theme_has_a_heading_in_codebook_order(demo_markdown) -> None:  # noqa: ANN001
    md, themes, _ = demo_markdown
    assert len(themes) == 8
    headings = re.findall(r"^### (\d+)\. (.+)$", md, flags=re.M)
    assert [name for _, name in headings] == [md_escape(t) for t in themes]
    assert [int(n) for n, _ in headings] == list(range(1, 9))
    assert md.startswith("# Theme summary: Balint groups (Kjeldmand)\n")
    assert "The material comprises 9 documents with 9 participants" in md


def test_findings_read_like_a_paper(demo_markdown) -> None:  # noqa: ANN001
    md, themes, codings = demo_markdown
    sections = md.split("\n### ")[1:]
    findings = [s for s in sections if re.match(r"\d+\. ", s)]
    assert len(findings) == len(themes)
    for section in findings:
        body = section.split("\n", 2)[2]
        # Lead-in prose from the codebook (brief + definition) before any table or quote.
        assert re.match(r"[A-Z][^\n|>]+\.\n", body), section[:80]
    if codings == 0:
        pytest.skip("the demo has no example codings yet")
    assert "applied" in md and "of the words fall in at least one coded passage" in md
    coded = [s for s in findings if "was coded in" in s]
    assert coded, "no theme is coded in the demo"
    for section in coded:
        assert re.search(r"from \d+ of 9 participants \(\d+ of 9 documents\)", section)
        quotes = re.findall(r"^> “.+”$", section, flags=re.M)
        attributions = re.findall(r"^> — (?:GP0\d|P\d)\b[^\n]*$", section, flags=re.M)
        assert not re.search(r"chars \d+|gp0\d_|leader0\d_", section)
        assert quotes and len(quotes) == len(attributions) <= 3
    all_quotes = re.findall(r"^> — ([A-Z]+\d+)", md, flags=re.M)
    assert len(set(all_quotes)) >= 5  # quotes spread over many participants
