"""Property tests for the search query parser (issue 10): whatever a researcher types, search
returns hits that really match (every word and phrase is in the turn) or refuses in one line;
the CLI never prints an internal error and never changes the project.

The default run is short; a longer one is ``QUALCODE_FUZZ_EXAMPLES=2000 pytest
tests/test_fuzz_search.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qualcode.cli import main
from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store.search import _TOKEN, fold
from tests.conftest import dump, simple_document

EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# FTS5 syntax, our own syntax and words that occur in the text, so queries reach past parsing.
PIECES = ['"', "*", "(", ")", "-", "OR", "AND", "NOT", "NEAR", "NEAR/2", ":", "^", "+", "{", "}"]
PIECES += ["group", "listened", "alone", "anna", "the", "é", "😀", "\x00", "\x1b[2J", "'", "\\"]
queries = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=8).map(" ".join)


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("fuzz") / "search.qc"
    with Project.create(path, coder="ann") as project:
        project.documents.add(simple_document())
        project.documents.add(
            simple_document("doc2", "Interviewer: Café? 😀\nAnna: Élan and the group, alone.")
        )
    yield path


VOCABULARY = ["group", "listened", "alone", "anna", "the", "élan", "cafe", "i", "felt", "now"]


@FUZZ
@given(words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3))
def test_plain_words_find_exactly_the_turns_holding_them_all(
    searchable: Path, words: list[str]
) -> None:
    """Brute force: a turn is found exactly when every word is among its tokens (folded for
    case and accents, as FTS5's unicode61 folds them)."""
    with Project.open(searchable) as project:
        expected = set()
        for doc in project.documents.all():
            text = project.documents.get(doc.id).text
            for turn in project.documents.turns(doc.id):
                tokens = {fold(t) for t in _TOKEN.findall(text[turn.start : turn.end])}
                if all(fold(w) in tokens for w in words):
                    expected.add(turn.id)
        found = {hit.turn_id for hit in project.documents.search(" ".join(words))}
    assert found == expected


@FUZZ
@given(query=queries)
@example(query='AND OR "( NEAR')
@example(query='"group listened" -alone')
@example(query="\x00")
def test_search_answers_or_refuses_in_one_line(searchable: Path, query: str) -> None:
    with Project.open(searchable) as project:
        try:
            hits = project.documents.search(query)
        except QualcodeError as exc:
            assert "\n" not in str(exc)
            return
        for hit in hits:
            assert 0 <= hit.start <= hit.end
            assert hit.text == project.documents.get(hit.document).text[hit.start : hit.end]


@FUZZ
@given(query=queries)
@example(query="-")
@example(query='"')
def test_search_command_never_fails_inside(searchable: Path, query: str) -> None:
    before = dump(searchable)
    result = CliRunner().invoke(main, ["search", str(searchable), query])
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output
    if result.exit_code == 1:
        assert len(result.output.strip().splitlines()) == 1
    assert dump(searchable) == before
