"""codebook load/export: one meaning per count, and nothing of the codebook lost on export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "codebooks" / "balint-kjeldmand.yaml"


def test_load_counts_themes_and_codes_apart(cli: Callable[..., Result], tmp_path: Path) -> None:
    book = yaml.safe_load(BOOK.read_text(encoding="utf-8"))
    themes = len(book["themes"])
    codes = sum(len(t.get("codes") or []) for t in book["themes"])
    cli("init", "p.qc")
    result = cli("codebook", "load", "p.qc", BOOK)
    assert f"{themes} themes and {codes} codes added" in result.output


def test_export_keeps_description_sources_and_version(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    book = yaml.safe_load(BOOK.read_text(encoding="utf-8"))
    cli("init", "p.qc")
    cli("codebook", "load", "p.qc", BOOK)
    result = cli("codebook", "export", "p.qc", "-o", "out.yaml")
    assert result.exit_code == 0, result.output
    again = yaml.safe_load((tmp_path / "out.yaml").read_text(encoding="utf-8"))
    assert again["sources"] == book["sources"]
    assert again["description"].split() == book["description"].split()
    assert again["version"] == book.get("version", 1)
    cli("init", "q.qc")
    assert cli("codebook", "load", "q.qc", "out.yaml").exit_code == 0


def test_a_theme_says_what_its_count_counts(
    cli: Callable[..., Result], tmp_path: Path, demo_copy: Callable[[Path], Path]
) -> None:
    """Issue 15: stats, codebook show and codings --code give a theme's count the same meaning,
    saying whether it is the theme's own codings or the theme with its sub-codes."""
    demo_copy(tmp_path / "d.qc")
    theme = "Competence in the doctor-patient encounter"
    stats = cli("stats", "d.qc").output
    with_subcodes = next(line for line in stats.splitlines() if line.startswith(theme)).split()[-6]
    shown = cli("codebook", "show", "d.qc").output
    assert f"own codings, {with_subcodes} with sub-codes]" in shown
    listed = cli("codings", "d.qc", "--code", theme, "--theme").output
    assert f"with its sub-codes: {with_subcodes} coding(s)" in listed
    assert "itself:" in cli("codings", "d.qc", "--code", theme).output


def test_autocode_says_how_many_codes_it_did_not_list(
    cli: Callable[..., Result], tmp_path: Path, demo_copy: Callable[[Path], Path]
) -> None:
    demo_copy(tmp_path / "d.qc")
    out = cli("autocode", "d.qc").output
    listed = [line for line in out.splitlines() if line[:7].strip().isdigit()]
    assert len(listed) == 10
    assert "…and " in out and "more code(s) with" in out
