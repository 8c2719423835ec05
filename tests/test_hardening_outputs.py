"""Issue 10, outputs: every -o path safe, CSV cells inert in a spreadsheet, the Markdown summary
escaped, and text that reaches a terminal with its control characters made visible.

Each test here failed before the fix; none may produce ``internal error``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.store import Project
from tests.conftest import dump, simple_document

Run = Callable[..., Result]

HOSTILE = (
    "Interviewer: How was it?\n"
    "Anna: =1+2 is what I said. Then I left.\n"
    "Interviewer: And the group?\n"
    "Anna: @SUM(A1) was not alone. The end.\n"
)

# A document whose text holds terminal escape sequences (old files may hold them; importers
# may refuse them from now on, so it is put in through the store directly).
ESCAPES = (
    "Interviewer: What happened?\n"
    "Anna: I felt \x1b[31mred\x1b[0m and \x1b]0;owned\x07 alone. Then \x9b2J it went."
)


def assert_user_error(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0], lines[0]
    assert "internal error" not in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def study(cli: Run, tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "gp01.txt").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "people.csv").write_text("document,role\ngp01,+leader\n", encoding="utf-8")
    assert cli("init", "study.qc").exit_code == 0
    result = cli("import", "study.qc", "in", "--attributes", "people.csv")
    assert result.exit_code == 0, result.output
    (tmp_path / "book.yaml").write_text(
        "name: Hostile\nthemes:\n"
        '  - label: \'=HYPERLINK("http://evil.example","click")\'\n'
        "    brief: '<img src=x onerror=alert(1)> brief'\n"
        "    definition: '<script>alert(2)</script> Definition.'\n"
        "    codes:\n"
        "      - label: '-2+3'\n"
        "      - label: '<b>bold</b> code'\n"
        "  - label: Plain\n",
        encoding="utf-8",
    )
    assert cli("codebook", "load", "study.qc", "book.yaml").exit_code == 0
    for code, passage in (
        ("-2+3", "=1+2 is what I said."),
        ("<b>bold</b> code", "=1+2 is what I said."),
        ("Plain", "@SUM(A1) was not alone."),
    ):
        coder = "<script>x</script>"
        result = cli("code", "study.qc", "gp01", "--text", passage, "--coder", coder, "--", code)
        assert result.exit_code == 0, result.output
    return tmp_path / "study.qc"


# ---------------------------------------------------------------- -o targets

OUTPUT_COMMANDS = [
    ("summary", "{p}", "-o", "{o}"),
    ("summary", "{p}", "--format", "docx", "-o", "{o}"),
    ("export", "{p}", "codings", "-o", "{o}"),
    ("codebook", "export", "{p}", "-o", "{o}"),
]


def _run(cli: Run, template: tuple[str, ...], project: Path, output: Path | str) -> Result:
    return cli(*(a.format(p=project, o=output) for a in template))


@pytest.mark.parametrize("template", OUTPUT_COMMANDS, ids=lambda t: " ".join(t[:3]))
def test_output_onto_a_symlink_is_refused_and_the_link_kept(
    cli: Run, study: Path, tmp_path: Path, template: tuple[str, ...]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    link = tmp_path / "out.md"
    link.symlink_to(victim)
    assert_user_error(_run(cli, template, study, link), "not a regular file")
    assert link.is_symlink() and victim.read_text(encoding="utf-8") == "keep me"
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "nowhere.md")
    assert_user_error(_run(cli, template, study, dangling), "not a regular file")
    assert dangling.is_symlink() and not (tmp_path / "nowhere.md").exists()


@pytest.mark.parametrize("template", OUTPUT_COMMANDS, ids=lambda t: " ".join(t[:3]))
def test_output_onto_a_fifo_is_refused_and_the_fifo_kept(
    cli: Run, study: Path, tmp_path: Path, template: tuple[str, ...]
) -> None:
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    assert_user_error(_run(cli, template, study, fifo), "not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_onto_a_device_is_refused_and_the_device_kept(
    cli: Run, study: Path, tmp_path: Path
) -> None:
    """Like `summary -o /dev/null` as root, on a device node of our own (never the real one)."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    for template in OUTPUT_COMMANDS:
        assert_user_error(_run(cli, template, study, node), "not a regular file")
        assert stat.S_ISCHR(os.lstat(node).st_mode)


@pytest.mark.parametrize("template", OUTPUT_COMMANDS, ids=lambda t: " ".join(t[:3]))
def test_output_part_file_symlink_is_not_followed(
    cli: Run, study: Path, tmp_path: Path, template: tuple[str, ...]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / "out.md.part").symlink_to(victim)
    result = _run(cli, template, study, tmp_path / "out.md")
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert stat.S_ISREG(os.lstat(tmp_path / "out.md").st_mode)


@pytest.mark.parametrize("template", OUTPUT_COMMANDS, ids=lambda t: " ".join(t[:3]))
def test_output_where_nothing_can_be_written_is_a_clean_error(
    cli: Run, study: Path, tmp_path: Path, template: tuple[str, ...]
) -> None:
    assert_user_error(_run(cli, template, study, "/proc/x.html"), "/proc/x.html")
    assert_user_error(_run(cli, template, study, tmp_path / "no" / "x.md"), "does not exist")
    assert_user_error(_run(cli, template, study, tmp_path), "folder")
    assert not list(Path("/proc").glob("x.html*"))


@pytest.mark.parametrize("template", OUTPUT_COMMANDS, ids=lambda t: " ".join(t[:3]))
def test_output_never_overwrites_the_project_it_reads(
    cli: Run, study: Path, template: tuple[str, ...]
) -> None:
    before = dump(study)
    assert_user_error(_run(cli, template, study, study), "the project file")
    assert dump(study) == before


def test_output_replaces_a_regular_file_and_keeps_its_mode(
    cli: Run, study: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    result = cli("export", study, "codings", "-o", target)
    assert result.exit_code == 0 and "Wrote" in result.stderr
    assert target.read_text(encoding="utf-8").startswith("coding_id,")
    assert stat.S_IMODE(os.lstat(target).st_mode) == 0o640
    fresh = tmp_path / "fresh.csv"
    assert cli("export", study, "codings", "-o", fresh).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.lstat(fresh).st_mode) == 0o666 & ~umask
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


# ---------------------------------------------------------------- CSV formulas

NUMBER = re.compile(r"-?\d+(\.\d+)?")


def assert_csv_inert(text: str) -> list[list[str]]:
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) > 1, text
    for row in table:
        for cell in row:
            if cell and cell[0] in "=+-@\t\r" and not NUMBER.fullmatch(cell):
                raise AssertionError(f"formula-like cell {cell!r} in {row}")
    return table


def test_every_csv_neutralises_formula_cells(cli: Run, study: Path, tmp_path: Path) -> None:
    exports = {}
    for kind, extra in (("codings", ()), ("matrix", ()), ("crosstab", ("--by", "role"))):
        out = tmp_path / f"{kind}.csv"
        result = cli("export", study, kind, *extra, "-o", out)
        assert result.exit_code == 0, result.output
        exports[kind] = out.read_text(encoding="utf-8")
    exports["codings stdout"] = cli("codings", study, "--format", "csv").output
    exports["stats"] = cli("stats", study, "--format", "csv").output
    exports["cooccur"] = cli("cooccur", study, "--format", "csv").output
    for name, text in exports.items():
        table = assert_csv_inert(text)
        flat = [cell for row in table for cell in row]
        if name != "crosstab":
            assert any(c.startswith("'=HYPERLINK") or c.startswith("'-2+3") for c in flat), name
    codings = exports["codings"]
    assert "'=1+2 is what I said." in codings and "'@SUM(A1) was not alone." in codings


def test_csv_cell_rule_keeps_numbers_and_round_trips() -> None:
    from qualcode.outputs import csv_cell, restore_csv_cell

    assert csv_cell(-3) == -3 and csv_cell(2.5) == 2.5
    assert csv_cell("-3") == "-3" and csv_cell("-0.25") == "-0.25"
    for raw in ("=1+2", "+x", "-x", "@x", "\tx", "\rx", "'=x", "'", "''", "plain", ""):
        cell = csv_cell(raw)
        if raw[:1] in ("=", "+", "-", "@", "\t", "\r", "'"):
            assert cell == "'" + raw
        else:
            assert cell == raw
        assert restore_csv_cell(cell) == raw


# ---------------------------------------------------------------- Markdown


def test_markdown_summary_escapes_names_and_definitions(cli: Run, study: Path) -> None:
    from markdown_it import MarkdownIt

    result = cli("summary", study, "--format", "md")
    assert result.exit_code == 0, result.output
    html = MarkdownIt("commonmark").render(result.output)
    for live in ("<script", "<img", "<b>"):
        assert live not in html, (live, html)
    assert "&lt;script&gt;x&lt;/script&gt;" in html  # the coder, shown as text
    assert "&lt;b&gt;bold&lt;/b&gt; code" in html


def test_markdown_escape_covers_line_starts_and_entities() -> None:
    from markdown_it import MarkdownIt

    from qualcode.report.markdown import md_escape

    md = MarkdownIt("commonmark")
    for text in ("# heading", "- item", "1. item", "> quote", "&lt;script&gt;", "=== x"):
        html = md.render(md_escape(text))
        assert html.startswith("<p>"), (text, html)
    assert "&amp;lt;script" in md.render(md_escape("&lt;script&gt;"))


# ---------------------------------------------------------------- terminal text

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def escaped(cli: Run, tmp_path: Path) -> Path:
    path = tmp_path / "esc.qc"
    assert cli("init", path).exit_code == 0
    proj = Project.open(path, coder="tester")
    try:
        repo = proj.documents
        add = getattr(repo, "add", None) or proj.add_document  # new store API, else the old
        add(simple_document("esc", ESCAPES))
    finally:
        proj.close()
    assert cli("codes", "add", path, "Alone").exit_code == 0
    start = ESCAPES.index("I felt")
    end = ESCAPES.index(" it went.")
    assert cli("code", path, "esc", "Alone", "--start", start, "--end", end).exit_code == 0
    assert cli("memo", path, "memo \x1b[2J cleared \x07").exit_code == 0
    return path


def test_terminal_listings_make_control_characters_visible(cli: Run, escaped: Path) -> None:
    outputs = {
        "codings": cli("codings", escaped),
        "search": cli("search", escaped, "felt"),
        "docs --show": cli("docs", escaped, "--show", "esc"),
        "memo": cli("memo", escaped),
        "log": cli("log", escaped),
    }
    for name, result in outputs.items():
        assert result.exit_code == 0, (name, result.output)
        assert not CONTROL.search(result.output), (name, result.output)
        if name != "log":
            assert "␛" in result.output, (name, result.output)


def test_json_listings_escape_c1_controls(cli: Run, escaped: Path) -> None:
    out = cli("codings", escaped, "--format", "json").output
    assert not CONTROL.search(out), out
    text = json.loads(out)[0]["text"]
    assert text.count("\x1b") == 3 and "\x9b" in text  # the data itself stays exact


def test_reports_of_text_with_control_characters_are_written(
    cli: Run, escaped: Path, tmp_path: Path
) -> None:
    """DOCX (XML) cannot hold ESC or BEL: the quote shows them visibly instead of the writer
    failing with an internal error; HTML stays well-formed XML too."""
    from xml.etree import ElementTree

    assert cli("codes", "add", escaped, "Theme").exit_code == 0
    assert cli("codes", "move", escaped, "Alone", "--parent", "Theme").exit_code == 0
    for name in ("s.docx", "s.html"):
        result = cli("summary", escaped, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
    html = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "\x1b" not in html and "␛[31m" in html
    ElementTree.fromstring(html.split("\n", 1)[1])  # after the doctype
