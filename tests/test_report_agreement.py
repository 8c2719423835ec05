"""The summary's agreement table (issue 13): built only with several coders, its numbers the
agreement engine's (``qualcode agreement --format json``, same unit), shown in every format."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.analysis import Filters, load_corpus
from qualcode.cli import main
from qualcode.report import Summary, SummaryOptions, build_summary, render, summary_bytes
from qualcode.store import Project
from qualcode.store.codings import CodingInput
from tests.conftest import simple_document

# simple_document's sentences: [13,40) [47,69) [70,92) [93,112) [126,134) [141,168).
Row = tuple[str, str, int, int, str]

TWO_CODERS: list[Row] = [
    ("doc1", "Emotions", 47, 69, "ann"),
    ("doc1", "Emotions", 47, 60, "bob"),
    ("doc1", "Emotions", 141, 168, "ann"),
    ("doc1", "Not alone", 141, 168, "bob"),
    ("doc1", "Not alone", 13, 40, "ann"),
    ("doc1", "Not alone", 13, 40, "bob"),
    # only ann codes doc2, so it is no unit for bob: Safe is "not coded" by both wherever
    # both count, and its alpha and kappa are undefined
    ("doc2", "Safe", 13, 40, "ann"),
]


def build(path: Path, rows: Sequence[Row]) -> Path:
    with Project.create(path, coder="ann") as project:
        for name in ("doc1", "doc2"):
            project.documents.add(simple_document(name))
        project.codebook.add("Security")
        project.codebook.add("Not alone", parent="Security")
        project.codebook.add("Safe", parent="Security")
        project.codebook.add("Emotions")
        project.codebook.add("Unused")
        project.codings.import_rows(
            [CodingInput(d, c, s, e, coder=k) for d, c, s, e, k in rows], "test codings"
        )
    return path


def summarise(path: Path, filters: Filters | None = None) -> Summary:
    with Project.open(path, coder="ann") as project:
        corpus = load_corpus(project, filters or Filters())
        return build_summary(corpus, SummaryOptions(), project_path=path)


@pytest.fixture
def team(tmp_path: Path) -> Path:
    return build(tmp_path / "team.qc", TWO_CODERS)


def cli_rows(path: Path) -> dict[str, dict]:
    result = CliRunner().invoke(
        main, ["agreement", str(path), "--unit", "sentence", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return {row["code"]: row for row in json.loads(result.output)["rows"]}


STATS = ("percent_agreement", "cohen_kappa", "krippendorff_alpha")


def test_table_equals_the_agreement_command(team: Path) -> None:
    table = summarise(team).agreement_table
    assert table is not None
    assert table.coders == ("ann", "bob") and table.unit == "sentence"
    # codebook order, codes nobody used left out
    assert [r.code for r in table.rows] == ["Security", "Not alone", "Safe", "Emotions"]
    expected = cli_rows(team)
    for row in table.rows:
        want = expected[row.code]
        assert row.n_units == want["n_units"]
        for name in STATS:
            got = getattr(row, name)
            if want[name] is None:
                assert got is None, (row.code, name)
            else:
                assert got == pytest.approx(want[name], abs=1e-6), (row.code, name)
    safe = next(r for r in table.rows if r.code == "Safe")
    assert safe.krippendorff_alpha is None and safe.cohen_kappa is None
    assert safe.percent_agreement == 1.0
    emotions = next(r for r in table.rows if r.code == "Emotions")
    assert emotions.krippendorff_alpha is not None and emotions.cohen_kappa is not None


def _text_cells(summary: Summary) -> list[list[str]]:
    from qualcode.report.summary import agreement_cells

    assert summary.agreement_table is not None
    return agreement_cells(summary.agreement_table)


def test_markdown_and_html_show_the_table(team: Path) -> None:
    summary = summarise(team)
    cells = _text_cells(summary)
    safe = next(c for c in cells if c[0] == "Safe")
    assert safe[1:] == [safe[1], "100.0%", "—", "—"]
    md = render(summary, "md")
    assert "| Code | Units | % agreement | Krippendorff's alpha | Cohen's kappa |" in md
    assert "| --- | ---: | ---: | ---: | ---: |" in md
    for row in cells:
        assert "| " + " | ".join(row) + " |" in md
    # the table closes the overview, after the frequencies and the co-occurrence of themes
    heading = md.index("**Inter-coder agreement.** Inter-coder agreement per code between ann")
    assert md.index("### Co-occurrence of themes") < heading < md.index("## Findings")
    html = render(summary, "html")
    assert '<table class="agreement">' in html
    assert '<th>Code</th><th class="num">Units</th>' in html
    assert "Krippendorff&#x27;s alpha" in html
    for row in cells:
        tds = f"<td>{row[0]}</td>" + "".join(f'<td class="num">{c}</td>' for c in row[1:])
        assert f"<tr>{tds}</tr>" in html


def test_html_and_markdown_escape_code_names(tmp_path: Path) -> None:
    path = tmp_path / "odd.qc"
    with Project.create(path, coder="ann") as project:
        project.documents.add(simple_document("doc1"))
        project.codebook.add("<b>A|B</b>")
        project.codings.import_rows(
            [
                CodingInput("doc1", "<b>A|B</b>", 13, 40, coder="ann"),
                CodingInput("doc1", "<b>A|B</b>", 13, 40, coder="bob"),
            ],
            "test codings",
        )
    summary = summarise(path)
    html = render(summary, "html")
    assert "<td>&lt;b&gt;A|B&lt;/b&gt;</td>" in html and "<td><b>" not in html
    assert "| \\<b\\>A\\|B\\</b\\> |" in render(summary, "md")


def test_word_table_with_numbers_right_aligned(team: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    summary = summarise(team)
    cells = _text_cells(summary)
    doc = Document(io.BytesIO(summary_bytes(summary, "docx")))
    header = ["Code", "Units", "% agreement", "Krippendorff's alpha", "Cohen's kappa"]
    tables = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == header]
    assert len(tables) == 1
    table = tables[0]
    assert [[c.text for c in r.cells] for r in table.rows[1:]] == cells
    for r in table.rows[1:]:
        aligns = [c.paragraphs[0].alignment for c in r.cells]
        assert aligns[0] != WD_ALIGN_PARAGRAPH.RIGHT
        assert all(a == WD_ALIGN_PARAGRAPH.RIGHT for a in aligns[1:])
    captions = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Caption"]
    # numbered after the frequency and co-occurrence tables (1 and 2), before the themes
    assert any(
        c.startswith("Table 3. Inter-coder agreement per code between ann and bob")
        for c in captions
    )


def test_json_keys_and_nulls(team: Path) -> None:
    data = json.loads(render(summarise(team), "json"))
    table = data["agreement_table"]
    assert table["coders"] == ["ann", "bob"] and table["unit"] == "sentence"
    expected = cli_rows(team)
    for row in table["rows"]:
        assert list(row) == ["code", "n_units", *STATS]
        want = expected[row["code"]]
        assert row["n_units"] == want["n_units"]
        for name in STATS:
            assert row[name] == (None if want[name] is None else round(want[name], 6))
    safe = next(r for r in table["rows"] if r["code"] == "Safe")
    assert safe["krippendorff_alpha"] is None and safe["cohen_kappa"] is None


def test_one_coder_has_no_table(tmp_path: Path, team: Path) -> None:
    solo = build(tmp_path / "solo.qc", [r for r in TWO_CODERS if r[4] == "ann"])
    for summary in (summarise(solo), summarise(team, Filters(coders=("ann",)))):
        assert summary.agreement_table is None and summary.agreement == ()
        assert "Inter-coder agreement" not in render(summary, "md")
        assert 'class="agreement"' not in render(summary, "html")
        assert "agreement_table" not in json.loads(render(summary, "json"))


def test_the_table_is_deterministic(team: Path) -> None:
    assert summary_bytes(summarise(team), "docx") == summary_bytes(summarise(team), "docx")
    assert render(summarise(team), "md") == render(summarise(team), "md")


def test_three_coders_have_no_kappa_column(tmp_path: Path) -> None:
    carl = [(d, c, s, e, "carl") for d, c, s, e, k in TWO_CODERS if k == "bob"]
    path = build(tmp_path / "three.qc", TWO_CODERS + carl)
    summary = summarise(path)
    assert summary.agreement_table is not None
    assert summary.agreement_table.coders == ("ann", "bob", "carl")
    md = render(summary, "md")
    assert (
        "| Code | Units | % agreement | Krippendorff's alpha |\n| --- | ---: | ---: | ---: |" in md
    )
    assert "Cohen's kappa |" not in md
    rows = json.loads(render(summary, "json"))["agreement_table"]["rows"]
    assert rows and all(r["cohen_kappa"] is None for r in rows)
