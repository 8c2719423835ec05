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
    assert "themes[0].codes[2].patterns[3][0].LOWER.IN: input should be a valid list" in problems
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
        # values PyYAML cannot build raised ValueError (an internal error) instead (issue 10)
        ('name: "\\U01000000"\n', "line 1, column 10: malformed YAML (cannot read this:"),
        ("name: x\nversion: 2001-02-30\n", "line 2, column 10: malformed YAML (cannot read this"),
        ("version: " + "9" * 5000, "line 1, column 10: malformed YAML (cannot read this value"),
        ("version: 0x" + "f" * 20, "version: number is too large"),
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
    project.codebook.add("Kept by me")
    project.codebook.add("Anger", brief="old brief")
    book = parse_codebook(GOOD)
    changes = project.codebook.apply(book.name, codebook_entries(book))
    assert changes.added == ["Security", "Not alone", "Emotions", "Rage"]
    assert changes.updated == [("Anger", ["brief", "parent"])]
    assert changes.kept == ["Kept by me"]
    assert (
        project.codebook.get("Anger").parent == "Emotions"
        and project.codebook.get("Anger").brief == ""
    )
    again = project.codebook.apply(book.name, codebook_entries(book))
    assert again.added == [] and again.updated == [] and again.unchanged == 5
    assert (
        project.history.undo().summary == "Loaded codebook 'Test book'"
    )  # the no-op load is skipped
    assert (
        project.codebook.get("Anger").brief == "old brief"
        and project.codebook.find("Security") is None
    )


def test_export_round_trips(project: Project) -> None:
    book = parse_codebook(GOOD)
    project.codebook.apply(book.name, codebook_entries(book))
    exported = codebook_from_codes("Test book", project.codebook.codes(), version=2)
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


def _one_code(patterns: str) -> str:
    return f"name: x\nthemes:\n  - label: A\n    patterns:\n{patterns}"


def test_patterns_follow_spacys_own_schema() -> None:
    """The pattern keys come from spaCy's schema, not a hand-kept copy that drifts (issue 8)."""
    book = parse_codebook(_one_code("      - [{IS_BRACKET: true}, {IS_QUOTE: true, OP: '?'}]\n"))
    assert book.themes[0].patterns == [[{"IS_BRACKET": True}, {"IS_QUOTE": True, "OP": "?"}]]
    with pytest.raises(CodebookError) as info:
        parse_codebook(
            _one_code(
                "      - [{LOWER: not}]\n"
                "      - [{LOWER: a}, {PREFIX: un}]\n"
                "      - [{IS_ALPHA: 'yes'}, {LENGTH: {'>=': many}}, {LOWER: {FOO: [a]}}]\n"
                "      - [{LOWER: 3}, {1: x}, {_: {x: 1}}]\n"
                "      - [{LOWER: {REGEX: '(unclosed'}}, {TEXT: {REGEX: {IN: [ok, 'a{99999999999}']}}}]\n"
            ),
            "book.yaml",
        )
    assert info.value.problems == [
        "themes[0].patterns[1][1]: unknown token attribute 'PREFIX'",
        "themes[0].patterns[2][0].IS_ALPHA: input should be a valid boolean",
        "themes[0].patterns[2][1].LENGTH.>=: input should be a valid integer",
        "themes[0].patterns[2][2].LOWER: unknown predicate 'FOO'",
        "themes[0].patterns[3][0].LOWER: input should be a valid string",
        "themes[0].patterns[3][1]: token attribute names must be text, not 1",
        "themes[0].patterns[3][2]: custom attributes ('_') are not supported",
        "themes[0].patterns[4][0].LOWER.REGEX: bad regular expression "
        "(missing ), unterminated subpattern at position 0)",
        "themes[0].patterns[4][1].TEXT.REGEX.IN[1]: bad regular expression "
        "(the repetition number is too large)",
    ]
    assert str(info.value).startswith("book.yaml: themes[0].patterns[1][1]: unknown token")


def _nested(depth: int) -> str:
    """A codebook whose single theme has ``depth`` levels of codes below it."""
    lines = ["name: deep", "themes:"]
    indent = "  "
    for level in range(depth + 1):
        lines.append(f"{indent}- label: level {level}")
        if level < depth:
            lines.append(f"{indent}  codes:")
        indent += "    "
    return "\n".join(lines) + "\n"


def test_nesting_is_limited_with_a_clear_message() -> None:
    """Issue 10: 200+ levels ended in RecursionError; deep trees get one clear line instead."""
    book = parse_codebook(_nested(20))
    assert len(codebook_entries(book)) == 21
    with pytest.raises(CodebookError) as info:
        parse_codebook(_nested(21), "codebook.yaml")
    assert str(info.value) == (
        "codebook.yaml: themes[0]: codes nested deeper than 20 levels at 'level 21'"
    )
    with pytest.raises(CodebookError) as info:
        parse_codebook(_nested(300), "codebook.yaml")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("codebook.yaml: line ")
    assert "malformed YAML (nested deeper than 100 levels)" in str(info.value)
    flow = "name: x\nthemes: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(CodebookError, match=r"line 2, column \d+: .*nested deeper than 100"):
        parse_codebook(flow)


def test_deep_walks_do_not_recurse() -> None:
    """A codebook built in code (not from YAML) can be deeper than the loader allows; walking,
    listing and dumping it must still work."""
    from qualcode.codebook import Codebook, CodeSpec, codebook_to_dict

    root = node = CodeSpec(label="level 0")
    for level in range(1, 3000):
        child = CodeSpec(label=f"level {level}")
        node.codes.append(child)
        node = child
    book = Codebook(name="deep", themes=[root])
    entries = codebook_entries(book)
    assert len(entries) == 3000 and entries[-1][:2] == ("level 2999", "level 2998")
    data = codebook_to_dict(book)
    assert data["themes"][0]["codes"][0]["label"] == "level 1"


def test_names_have_a_length_limit() -> None:
    ok = parse_codebook(f"name: x\nthemes:\n  - label: A\n    codes:\n      - label: {'b' * 200}\n")
    assert codebook_entries(ok)[1][0] == "b" * 200
    with pytest.raises(CodebookError) as info:
        parse_codebook(
            f"name: {'n' * 201}\nthemes:\n  - label: A\n    codes:\n      - label: {'b' * 201}\n",
            "codebook.yaml",
        )
    assert info.value.problems == [
        f"name: a codebook name can have at most 200 characters (this one has 201: '{'n' * 40}…')",
        "themes[0].codes[0].label: a code name can have at most 200 characters "
        f"(this one has 201: '{'b' * 40}…')",
    ]


@pytest.mark.parametrize(
    "value", ["#336699", "#ABC", " #A1b2C3 ", "", "red", "#12345", "#1234567", "#ggg", 336699]
)
def test_colours_follow_the_stores_rule(value: object) -> None:
    """One rule for colours (issue 8): whatever the store accepts, a codebook accepts and
    normalises the same way, so an exported codebook always loads again."""
    import yaml

    from qualcode.errors import ProjectError
    from qualcode.store.invariants import check_color

    text = yaml.safe_dump({"name": "x", "themes": [{"label": "A", "color": value}]})
    try:
        expected = check_color(value)  # type: ignore[arg-type]
    except ProjectError:
        with pytest.raises(CodebookError) as info:
            parse_codebook(text)
        assert info.value.problems == [f"themes[0].color: '{value}' is not a colour like #1f77b4"]
    else:
        assert parse_codebook(text).themes[0].color == expected


def test_text_that_cannot_be_stored_or_shown_is_refused() -> None:
    """Escapes in double-quoted YAML can make NULs, terminal escapes and lone surrogates (which
    SQLite cannot store as UTF-8); each is refused with its location, shown visibly."""
    text = (
        "name: x\nthemes:\n"
        '  - label: "bad\\x1b[31m"\n'
        '    brief: "nul\\0here"\n'
        '    keywords: ["\\ud800"]\n'
        '  - label: "a\\nb"\n'
    )
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, "book.yaml")
    assert info.value.problems == [
        "themes[0].label: contains a control character (U+001B)",
        "themes[0].brief: contains a control character (U+0000)",
        "themes[0].keywords[0]: contains a lone surrogate (U+D800), not valid Unicode text",
    ]
    assert "\x1b" not in str(info.value)


def test_problems_are_one_line_each() -> None:
    """Keys and values from the file are shown escaped and shortened in messages, so the CLI's
    error stays on one line."""
    text = 'name: x\n"two\\nlines": 1\nthemes:\n  - label: A\n    color: "' + "z" * 500 + '"\n'
    with pytest.raises(CodebookError) as info:
        parse_codebook(text)
    assert all("\n" not in p and len(p) < 200 for p in info.value.problems)
    assert "unknown key 'two\\nlines'" in info.value.problems[0]


def test_loader_imports_spacy_only_for_patterns() -> None:
    """Reading a codebook module or a codebook without patterns costs no spaCy start-up (~1 s);
    only pattern validation imports it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from qualcode.codebook import parse_codebook\n"
        "parse_codebook('name: x\\nthemes: [{label: a, keywords: [b]}]')\n"
        "assert 'spacy' not in sys.modules, 'spaCy imported'\n"
        "parse_codebook('name: x\\nthemes: [{label: a, patterns: [[{LOWER: b}]]}]')\n"
        "assert 'spacy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
