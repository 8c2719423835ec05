"""The theme summary in every format: structure, content, and byte-identical re-export."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qualcode.analysis import Filters, load_corpus
from qualcode.analysis.corpus import Corpus
from qualcode.report import FORMATS, SummaryOptions, build_summary, render, write_summary
from qualcode.report.summary import Summary
from qualcode.store import Project
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture(scope="module")
def project_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_hand_project(tmp_path_factory.mktemp("hand"))
    return path


def summarise(path: Path, extended: bool = False, **options: object) -> Summary:
    with Project.open(path) as project:
        corpus: Corpus = load_corpus(project, options.pop("filters", None))  # type: ignore[arg-type]
    return build_summary(
        corpus,
        SummaryOptions(**options),
        project_path=path,
        extended=extended,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_reexport_is_byte_identical(project_path: Path, tmp_path: Path, fmt: str) -> None:
    first = write_summary(summarise(project_path, extended=fmt == "json"), fmt, tmp_path / "a")
    second = write_summary(summarise(project_path, extended=fmt == "json"), fmt, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.glob("*.part"))


def test_same_project_elsewhere_gives_same_bytes(tmp_path: Path) -> None:
    """Nothing depends on time or on the folder: two builds of the project match."""
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    one, _ = build_hand_project(tmp_path / "x")
    two, _ = build_hand_project(tmp_path / "y")
    for fmt in ("md", "html", "json"):
        assert render(summarise(one), fmt) == render(summarise(two), fmt)
    write_summary(summarise(one), "docx", tmp_path / "one.docx")
    write_summary(summarise(two), "docx", tmp_path / "two.docx")
    assert (tmp_path / "one.docx").read_bytes() == (tmp_path / "two.docx").read_bytes()


def test_markdown_content(project_path: Path) -> None:
    md = render(summarise(project_path), "md")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == [
        "# Theme summary",
        "## Methods",
        "## Overview",
        "### Frequencies",
        "### Co-occurrence of themes",
        "### Project memos",
        "## Findings",
        "### 1. Support",
        "### 2. Stress",
        "### 3. Joy",
        "## Appendix: codebook",
        "### Theme: Support",
        "#### Code: Peer support",
        "#### Code: Supervision",
        "### Theme: Stress",
        "#### Code: Workload",
        "#### Code: Burnout",
        "### Theme: Joy",
    ]
    assert "The material comprises 3 documents with 4 participants and 118 words of talk." in md
    assert "86.4% of the words fall in at least one coded passage" in md
    assert "| **Support** | 7 | 10 | 4 of 4 | 2 of 2 GPs, 2 of 2 leaders | 3 | 52.5% |" in md
    assert "| · Peer support | 5 | 6 | 3 of 4 | 2 of 2 GPs, 1 of 2 leaders | 3 | 37.3% |" in md
    assert "With its codes, it was coded in 7 passages from 4 of 4 participants (3 of 3" in md
    assert "> — Anna" in md and ", chars " not in md
    assert "- *Workload* (alice): Workload talk clusters in GP interviews." in md
    # Themes in the same turn (the default; derivation in test_summary_cooccurrence_modes).
    assert (
        "| Support | Stress | 2 | 7 | 0.29 |\n| Stress | Joy | 1 | 4 | 0.25 |\n"
        "| Support | Joy | 1 | 7 | 0.14 |" in md
    )


def test_summary_cooccurrence_modes(project_path: Path) -> None:
    # Same turn, theme level = Jaccard over turns (passages of one theme in one turn are one
    # unit). Support turns (6): a1 T1; b2 T0, T1, T3; c3 T1 (Cara), T2 (Dan). Stress (3):
    # a1 T3; b2 T1; c3 T1. Joy (2): a1 T3; c3 T2.
    # Support–Stress: b2 T1 and c3 T1 -> 2 of 6 + 3 - 2 = 7 -> 2/7.
    # Support–Joy: c3 T2 -> 1 of 6 + 2 - 1 = 7 -> 1/7. Stress–Joy: a1 T3 -> 1 of 4 -> 1/4.
    turn = summarise(project_path).cooccurrence
    assert {(p.a, p.b): (p.count, p.units) for p in turn.pairs} == {
        ("Support", "Stress"): (2, 7),
        ("Support", "Joy"): (1, 7),
        ("Stress", "Joy"): (1, 4),
    }
    md = render(summarise(project_path, cooccurrence="overlap"), "md")
    assert "Two themes (each with its codes) co-occur where their passages overlap" in md
    assert "| Support | Stress | 1 | 10 | 0.10 |" in md


def test_markdown_theme_and_filter_options(project_path: Path) -> None:
    md = render(
        summarise(
            project_path,
            themes=("stress",),
            quotes=1,
            filters=Filters(where=(("role", "gp"),)),
        ),
        "md",
    )
    assert "### 1. Stress" in md and "Support" not in md.split("## Findings")[1]
    assert "Filters: role = gp" in md
    assert md.count("> “") == 1
    with pytest.raises(Exception, match="not a theme"):
        summarise(project_path, themes=("Workload",))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.problems: list[str] = []
        self.links: list[str] = []

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.links.append(value)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_structure_and_charts(project_path: Path) -> None:
    page = render(summarise(project_path), "html")
    parser = _Collector()
    parser.feed(page)
    assert parser.problems == [] and parser.stack == []
    assert parser.links == []  # self-contained: nothing to fetch
    assert "script" not in parser.tags
    assert parser.tags.count("svg") == 3 and parser.tags.count("h3") >= 5
    assert parser.tags.count("blockquote") == 8
    text = " ".join(parser.text)
    assert "1. Support" in text and "Illustrative quotes" in text
    assert "@media print" in page
    # Well-formed enough to read as XML, charts included.
    root = ET.fromstring(page.split("\n", 1)[1])
    ns = "{http://www.w3.org/2000/svg}"
    svgs = list(root.iter(f"{ns}svg"))
    assert len(svgs) == 3  # frequencies, co-occurrence heatmap, saturation curve
    assert "Saturation" in page
    bars = [g for g in svgs[0].iter(f"{ns}g") if g.get("class") == "bar"]
    assert len(bars) == 7  # 3 themes + 4 codes
    widths = [float(g.find(f"{ns}rect").get("width")) for g in bars]
    assert widths[0] == 300.0 and widths[-1] == pytest.approx(300 * 2 / 7, abs=0.1)
    cells = [g for g in svgs[1].iter(f"{ns}g") if g.get("class") == "cell"]
    assert len(cells) == 9  # 3 × 3 themes
    labels = ["".join(g.itertext()) for g in cells]
    # Diagonal: passages; off-diagonal: same-turn co-occurrence (see the test above).
    assert labels == ["7", "2", "1", "2", "4", "1", "1", "1", "2"]


def test_json_has_everything(project_path: Path) -> None:
    data = json.loads(render(summarise(project_path, extended=True), "json"))
    assert data["totals"] == {
        "documents": 3,
        "participants": 4,
        "words": 118,
        "codings": 18,
        "coded_words": 102,
        "coverage": round(102 / 118, 6),
    }
    assert [t["name"] for t in data["themes"]] == ["Support", "Stress", "Joy"]
    support = data["themes"][0]
    assert support["frequency"]["passages"] == 7
    assert [c["code"] for c in support["codes"]] == ["Peer support", "Supervision"]
    assert support["quotes"][0]["speaker"] == "Anna"
    assert data["code_document_matrix"]["documents"] == ["a1", "b2", "c3"]
    pairs = {(p["a"], p["b"]): p["count"] for p in data["code_cooccurrence"]["pairs"]}
    assert pairs[("Workload", "Burnout")] == 2
    tabs = {(t["attribute"], t["unit"]) for t in data["crosstabs"]}
    # role and country split the documents; gender, role, country split the participants.
    assert tabs == {
        ("country", "document"),
        ("role", "document"),
        ("country", "speaker"),
        ("gender", "speaker"),
        ("role", "speaker"),
    }


def test_docx_reads_back(project_path: Path, tmp_path: Path) -> None:
    from docx import Document

    path = write_summary(summarise(project_path), "docx", tmp_path / "s.docx")
    doc = Document(str(path))
    headings = [
        (p.style.name, p.text)
        for p in doc.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[:3] == [
        ("Title", "Theme summary"),
        ("Heading 1", "Methods"),
        ("Heading 1", "Overview"),
    ]
    assert ("Heading 2", "1. Support") in headings and ("Heading 2", "3. Joy") in headings
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 8 and quotes[0].startswith("“The group gives me support")
    freq = doc.tables[0]
    assert [c.text for c in freq.rows[0].cells][:3] == ["Theme / code", "Passages", "Codings"]
    assert [c.text for c in freq.rows[1].cells] == [
        "Support",
        "7",
        "10",
        "4 of 4",
        "2 of 2 GPs, 2 of 2 leaders",
        "3",
        "52.5%",
    ]
    assert doc.core_properties.title == "Theme summary"
    assert doc.core_properties.created.year == 2000


def test_empty_project_summarises(tmp_path: Path) -> None:
    path = tmp_path / "empty.qc"
    Project.create(path).close()
    s = summarise(path)
    md = render(s, "md")
    assert "The codebook has no themes yet." in md
    for fmt in FORMATS:
        write_summary(s, fmt, tmp_path / f"out.{fmt}")


def test_markdown_escaping_and_text_bars() -> None:
    from qualcode.report.markdown import md_escape, text_bar

    assert md_escape("gp01_astrid said *this* | [x]") == "gp01_astrid said \\*this\\* \\| \\[x\\]"
    assert md_escape("_lead and trail_") == "\\_lead and trail\\_"
    assert text_bar(10, 10, 4) == "████"
    assert text_bar(5, 10, 4) == "██"
    assert text_bar(1, 10, 4) == "▍"  # 3.2 eighths -> 3
    assert text_bar(0, 10, 4) == ""
