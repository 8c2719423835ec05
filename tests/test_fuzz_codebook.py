"""Property tests for the codebook loader (issue 10): any file in gives either a codebook that
loads (and exports to a file that loads again) or a clean refusal: one line naming the file and
the place, exit 1 from the CLI, and the project file unchanged.

The default run is short (50 examples per property); a longer one is
``QUALCODE_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_codebook.py``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qualcode.cli import main
from qualcode.codebook import (
    NODE_KEYS,
    TOP_KEYS,
    Codebook,
    codebook_entries,
    dump_codebook,
    load_codebook,
    parse_codebook,
)
from qualcode.errors import CodebookError
from tests.conftest import dump

EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the working tree; failures print their example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Words the loader and spaCy's pattern schema give meaning to, so generated files reach past
# the first check: valid and drifted attribute names, predicates, operators, colours.
ATTRIBUTES = ["LOWER", "TEXT", "ORTH", "LEMMA", "LENGTH", "IS_ALPHA", "IS_BRACKET", "IS_QUOTE"]
ATTRIBUTES += ["ENT_IOB", "POS", "PREFIX", "SUFFIX", "lower", "OP", "_", "NOPE"]
PREDICATES = ["IN", "NOT_IN", "REGEX", "FUZZY", "==", ">=", "<", "INTERSECTS", "in", "FOO"]
WORDS = ["#1f77b4", "#ABC", " #abc ", "red", "", "+", "*", "?", "!", "{2}", "{2,1}", "{,3}"]
WORDS += ["A", "a", "alone", "null", "\x1b[31m", "\x00", "\t", "é", "\u2028", "x" * 201]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(WORDS)
)
keys = st.sampled_from(sorted(NODE_KEYS | TOP_KEYS) + ATTRIBUTES + PREDICATES) | st.text(max_size=8)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)
token = st.dictionaries(
    st.sampled_from(ATTRIBUTES) | keys,
    scalars
    | st.dictionaries(
        st.sampled_from(PREDICATES), scalars | st.lists(scalars, max_size=3), max_size=2
    ),
    max_size=3,
)
label = st.sampled_from(["A", "a", "B", "Anger", " spaced  out "]) | st.text(max_size=30)
leaf = st.fixed_dictionaries(
    {"label": label | scalars},
    optional={
        "brief": st.text(max_size=30) | scalars,
        "definition": st.text(max_size=60),
        "color": st.sampled_from(WORDS) | scalars,
        "keywords": st.lists(st.text(max_size=15) | scalars, max_size=3) | anything,
        "patterns": st.lists(st.lists(token, max_size=3) | anything, max_size=2) | anything,
        "flavour": anything,
    },
)
code = st.recursive(
    leaf,
    lambda children: st.fixed_dictionaries(
        {"label": label}, optional={"codes": st.lists(children, max_size=3) | anything}
    ),
    max_leaves=8,
)
book = st.fixed_dictionaries(
    {"name": st.text(max_size=20) | scalars, "themes": st.lists(code, max_size=3) | anything},
    optional={
        "version": scalars,
        "description": st.text(max_size=30) | scalars,
        "sources": st.lists(st.text(max_size=10), max_size=2) | anything,
        "colour": anything,
    },
)
book_yaml = book.map(lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
mutated = st.tuples(book_yaml, st.integers(min_value=0), st.text(max_size=6)).map(
    lambda t: t[0][: t[1] % (len(t[0]) + 1)] + t[2] + t[0][t[1] % (len(t[0]) + 1) :]
)
# Inputs that once crashed or slipped through, run on every default run as well.
FOUND = [
    b"name: x\nthemes:\n"
    + b"".join(b"  " * i + b"- {label: c%d, codes: [\n" % i for i in range(300)),
    b"name: x\nthemes: " + b"[" * 3000 + b"]" * 3000,
    b'(:\nthemes:\n- (:\n  "\\r":',
    b"name: x\nversion: " + b"9" * 5000 + b"\nthemes: [{label: a}]",
    b"name: x\nthemes: [{label: a, brief: 2001-02-30}]",
    b'"\\U01000000',
    b'name: x\nthemes: [{label: "a\\0b\\ud800"}]',
    b"name: x\nthemes: [{label: a, patterns: [[{IS_BRACKET: true}], [{PREFIX: un}]]}]",
    b"name: x\nthemes: [{label: a, patterns: [[{LOWER: {REGEX: '" + b"(" * 1000 + b"'}}]]}]",
    b"name: x\nthemes: [{label: a, patterns: [[{LOWER: {REGEX: 'a{99999999999}'}}]]}]",
]
files = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    book_yaml.map(str.encode),
    mutated.map(lambda text: text.encode("utf-8", "surrogatepass")),
    book_yaml.map(lambda text: text.encode("utf-16")),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _one_line(message: str) -> bool:
    return bool(message) and len(message.splitlines()) == 1 and "\r" not in message


def _with_found(test):  # type: ignore[no-untyped-def]
    for content in FOUND:
        test = example(content=content)(test)
    return test


@FUZZ
@_with_found
@given(content=files)
def test_any_file_loads_or_is_refused_in_one_line(workdir: Path, content: bytes) -> None:
    path = workdir / "book.yaml"
    path.write_bytes(content)
    try:
        loaded = load_codebook(path)
    except CodebookError as exc:
        assert str(exc).startswith(f"{path}: "), str(exc)
        assert _one_line(str(exc)), str(exc)
        assert exc.problems and all(_one_line(p) for p in exc.problems), exc.problems
        return
    assert isinstance(loaded, Codebook)
    # what loads exports to a file that loads again as the same codes
    again = parse_codebook(dump_codebook(loaded))
    assert codebook_entries(again) == codebook_entries(loaded)


@pytest.fixture(scope="module")
def project(workdir: Path) -> Path:
    path = workdir / "fuzz.qc"
    result = CliRunner().invoke(main, ["init", str(path)], env={"QUALCODE_CODER": "fuzz"})
    assert result.exit_code == 0, result.output
    return path


def _healthy(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            and conn.execute("PRAGMA foreign_key_check").fetchall() == []
        )
    finally:
        conn.close()


@FUZZ
@_with_found
@given(content=files)
def test_cli_load_exits_cleanly_and_refusals_change_nothing(
    workdir: Path, project: Path, content: bytes
) -> None:
    path = workdir / "cli-book.yaml"
    path.write_bytes(content)
    before = dump(project)
    result = CliRunner().invoke(
        main,
        ["codebook", "load", str(project), str(path)],
        env={"QUALCODE_CODER": "fuzz", "QUALCODE_DEBUG": ""},
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    if result.exit_code == 1:
        assert result.stderr.startswith("error: "), result.stderr
        assert _one_line(result.stderr.removesuffix("\n")), result.stderr
        assert "internal error" not in result.stderr, result.stderr
        assert dump(project) == before
    else:
        load_codebook(path)  # what the CLI accepted, the loader accepts
    assert _healthy(project)
