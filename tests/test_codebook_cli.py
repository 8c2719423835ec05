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
