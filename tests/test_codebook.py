"""Codebook YAML: validation reports every problem with its location; loading merges by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import (
    codebook_entries,
    codebook_from_codes,
    dump_codebook,
    load_codebook,
    parse_codebook,
)
from qualcode.errors import CodebookError
from qualcode.resources import default_codebook
from qualcode.store import Project

GOOD = """
name: Test book
version: 2
sources: ["MacQueen et al. 1998"]
themes:
  - label: Security
    color: "#336699"
    brief: Feeling safe in the group.
    codes:
      - label: Not alone
        brief: Support between meetings.
        definition: Talk about colleagues being there between sessions.
        when_to_use: The speaker says they are not alone.
        when_not_to_use: General friendship; use Long relationships.
        example: "I know I can call them."
        keywords: [not alone, call a colleague]
        patterns:
          - [{LOWER: not}, {LOWER: alone}]
  - label: Emotions
    codes:
      - label: Anger
        codes:
          - label: Rage
"""


def test_parse_good_codebook() -> None:
    book = parse_codebook(GOOD)
    assert book.name == "Test book" and book.version == 2
    entries = codebook_entries(book)
    assert [(n, p) for n, p, _ in entries] == [
        ("Security", None),
        ("Not alone", "Security"),
        ("Emotions", None),
        ("Anger", "Emotions"),
        ("Rage", "Anger"),
    ]
    fields = entries[1][2]
    assert fields["keywords"] == ["not alone", "call a colleague"]
    assert fields["patterns"] == [[{"LOWER": "not"}, {"LOWER": "alone"}]]


def test_every_problem_is_reported_with_its_location() -> None:
    bad = """
name: x
colour: red
themes:
  - label: A
    color: red
    flavour: sweet
    keywords: [ok, 3]
    codes:
      - label: a
      - brief: no label
      - label: B
        patterns:
          - [{LOWR: x}]
          - [{LOWER: x, OP: "%"}]
          - "not a list"
          - [{LOWER: {IN: "x"}}, {OP: "{2,1}"}]
"""
    with pytest.raises(CodebookError) as info:
        parse_codebook(bad, "book.yaml")
    problems = info.value.problems
    assert "unknown key 'colour' (allowed: description, name, sources, themes, version)" in problems
    assert "themes[0].color: 'red' is not a colour like #1f77b4" in problems
    assert "themes[0]: unknown key 'flavour'" in problems
    assert "themes[0].keywords[1]: must be a non-empty phrase" in problems
    assert "themes[0].codes[0].label: duplicate label 'a' (also at themes[0])" in problems
    assert "themes[0].codes[1].label: missing label" in problems
    assert "themes[0].codes[2].patterns[0][0]: unknown token attribute 'LOWR'" in problems
    assert "themes[0].codes[2].patterns[1][0]: unknown operator OP '%'" in problems
    assert (
        "themes[0].codes[2].patterns[2]: must be a non-empty list of token descriptions" in problems
    )
    assert "themes[0].codes[2].patterns[3][0].LOWER.IN: must be a list of values" in problems
    assert "themes[0].codes[2].patterns[3][1]: unknown operator OP '{2,1}'" in problems
    assert len(problems) == 11
    assert str(info.value).startswith("book.yaml: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed\n", "line 2, column 1: malformed YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("", "must be a mapping"),
        ("name: x\nthemes: []\n", "themes: missing or empty"),
        ("name: x\nversion: two\nthemes:\n  - label: A\n", "version: must be a positive"),
    ],
)
def test_malformed_codebooks(text: str, message: str) -> None:
    with pytest.raises(CodebookError) as info:
        parse_codebook(text)
    assert any(message in p for p in info.value.problems)


def test_load_codebook_file_errors(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="no such file"):
        load_codebook(tmp_path / "missing.yaml")
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: Malmö\n".encode("latin-1"))
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(path)


def test_shipped_codebook_is_valid_and_complete() -> None:
    book = load_codebook(default_codebook())
    assert len(book.themes) >= 8
    assert book.sources and any("2008" in s for s in book.sources)
    assert any("2010" in s for s in book.sources)
    for spec, parent in book.walk():
        if parent is None:
            assert spec.color, spec.label
            continue
        for field in ("brief", "definition", "when_to_use", "when_not_to_use", "example"):
            assert getattr(spec, field).strip(), (spec.label, field)
        assert spec.keywords, spec.label


def test_shipped_codebook_patterns_compile_in_spacy() -> None:
    import spacy
    from spacy.matcher import Matcher

    matcher = Matcher(spacy.blank("en").vocab, validate=True)
    for spec, _ in load_codebook(default_codebook()).walk():
        for i, pattern in enumerate(spec.patterns):
            matcher.add(f"{spec.label}-{i}", [pattern])


def test_load_merges_by_name_and_reports_changes(project: Project) -> None:
    project.add_code("Kept by me")
    project.add_code("Anger", brief="old brief")
    book = parse_codebook(GOOD)
    changes = project.apply_codebook(book.name, codebook_entries(book))
    assert changes.added == ["Security", "Not alone", "Emotions", "Rage"]
    assert changes.updated == [("Anger", ["brief", "parent"])]
    assert changes.kept == ["Kept by me"]
    assert project.code("Anger").parent == "Emotions" and project.code("Anger").brief == ""
    again = project.apply_codebook(book.name, codebook_entries(book))
    assert again.added == [] and again.updated == [] and again.unchanged == 5
    assert project.undo().summary == "Loaded codebook 'Test book'"  # the no-op load is skipped
    assert project.code("Anger").brief == "old brief" and project.find_code("Security") is None


def test_export_round_trips(project: Project) -> None:
    book = parse_codebook(GOOD)
    project.apply_codebook(book.name, codebook_entries(book))
    exported = codebook_from_codes("Test book", project.codes(), version=2)
    again = parse_codebook(dump_codebook(exported))
    assert codebook_entries(again) == codebook_entries(book)


def test_yaml_alias_bomb_is_refused() -> None:
    """A "billion laughs" codebook: nine levels of nine aliases would be 387 million codes
    for any code that walks the tree. Aliases are refused before anything is built."""
    lines = ["name: bomb", "l0: &l0 {label: x}"]
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} {{label: y, codes: [{refs}]}}")
    lines.append("themes: [*l9]")
    with pytest.raises(CodebookError, match="YAML aliases"):
        parse_codebook("\n".join(lines))
