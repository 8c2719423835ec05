"""Coder names: one check (store/invariants.py) for --coder, $QUALCODE_CODER and the store.

A coder name is stripped and white space folded; empty names, commas (``--coders A,B`` could
never select the coder) and control characters are refused, before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.errors import ProjectError
from qualcode.store import Project
from qualcode.store.codings import CodingInput
from qualcode.store.invariants import MAX_NAME_LENGTH, check_coder_name
from tests.conftest import dump, simple_document

Run = Callable[..., Result]

BAD = [
    (" ", "a coder name cannot be empty"),
    ("", "a coder name cannot be empty"),
    ("Anna, Maria", "a coder name cannot contain a comma"),
    ("anna\nben", "a coder name cannot contain control characters"),
    ("anna\tben", "a coder name cannot contain control characters"),
    ("anna\x00", "a coder name cannot contain control characters"),
    ("a" * (MAX_NAME_LENGTH + 1), f"a coder name can have at most {MAX_NAME_LENGTH}"),
]


@pytest.mark.parametrize(("name", "message"), BAD)
def test_check_coder_name_refuses(name: str, message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        check_coder_name(name)


def test_check_coder_name_cleans() -> None:
    assert check_coder_name("  Åsa   Öberg \n") == "Åsa Öberg"
    assert check_coder_name("anna") == "anna"


def one_document(tmp_path: Path) -> Path:
    path = tmp_path / "s.qc"
    with Project.create(path, coder="x") as p:
        p.documents.add(simple_document())
        p.codebook.add("Emotions")
    return path


@pytest.mark.parametrize(("name", "message"), BAD)
def test_bad_coder_option_is_one_line_and_changes_nothing(
    cli: Run, tmp_path: Path, name: str, message: str
) -> None:
    """An empty --coder is an error, not a silent fall-back to the login name."""
    path = one_document(tmp_path)
    before = dump(path)
    for args in (
        ("done", "s.qc", "doc1"),
        ("code", "s.qc", "doc1", "Emotions", "--start", "0", "--end", "10"),
    ):
        result = cli(*args, "--coder", name)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"error: {message}")
        assert result.output.count("\n") == 1
        assert dump(path) == before


def test_absent_coder_option_uses_the_environment(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_document(tmp_path)
    assert "doc1: done for tester" in cli("done", "s.qc", "doc1").output
    monkeypatch.setenv("QUALCODE_CODER", "  ")  # blank: the login name, as before
    result = cli("done", "s.qc", "doc1")
    assert result.exit_code == 0 and "doc1: done for " in result.output
    monkeypatch.setenv("QUALCODE_CODER", "anna,ben")
    result = cli("done", "s.qc", "doc1")
    assert result.exit_code == 1
    assert result.output.startswith("error: a coder name cannot contain a comma")
    result = cli("done", "s.qc", "doc1", "--coder", "  Åsa  Öberg ")
    assert "doc1: done for Åsa Öberg" in result.output


def test_the_store_refuses_a_bad_new_coder(tmp_path: Path) -> None:
    """Every entry point that creates a coder (the session's own coder, imported codings,
    merged or REFI-QDA coders through ensure_coder) goes through the same check."""
    path = one_document(tmp_path)
    before = dump(path)
    with Project.open(path, coder="Anna, Maria") as p, pytest.raises(ProjectError, match="comma"):
        p.codings.add("doc1", "Emotions", 0, 10)
    with Project.open(path) as p:
        with pytest.raises(ProjectError, match="a coder name cannot be empty"):
            p.codings.import_rows([CodingInput("doc1", "Emotions", 0, 10, coder="  ")], "t")
        with pytest.raises(ProjectError, match="control characters"):
            with p.session.action("test", "test"):
                p.codings.ensure_coder("anna\nben")
    assert dump(path) == before
    with Project.open(path) as p:
        p.codings.import_rows([CodingInput("doc1", "Emotions", 0, 10, coder=" Åsa  Ö ")], "t")
        assert "Åsa Ö" in p.codings.coders()


def test_an_existing_coder_keeps_a_legacy_name(tmp_path: Path) -> None:
    """A coder stored before the check (a comma in the name) can still be written for."""
    path = one_document(tmp_path)
    with Project.open(path) as p:
        p.session.conn.execute(
            "INSERT INTO coders(guid, name, created_at) "
            "VALUES ('0e5b2b6c-3f4e-4a51-9c1d-2b7f6c8a9d10', 'Old, Name', '2020-01-01')"
        )
        p.session.conn.commit()
        p.codings.import_rows([CodingInput("doc1", "Emotions", 0, 10, coder="Old, Name")], "t")
        assert "Old, Name" in p.codings.coders()


def test_coders_arriving_with_data_keep_a_comma_and_lists_keep_them_whole(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    """NVivo names users "Smith, John": a coder that comes with data (REFI-QDA, a codings
    CSV, a merged file) keeps the name, and --coders finds it whole."""
    from qualcode.commands.common import split_names

    assert split_names(("Smith, John,ben",), ["Smith, John", "ben"]) == ["Smith, John", "ben"]
    assert split_names(("ben,Smith,John",), ["Smith, John"]) == ["ben", "Smith, John"]
    assert split_names(("anna,ben", "carl"), []) == ["anna", "ben", "carl"]
    assert split_names((",",), []) == []
    path = one_document(tmp_path)
    with Project.open(path) as p:
        rows = [
            CodingInput("doc1", "Emotions", 0, 10, coder="Smith, John"),
            CodingInput("doc1", "Emotions", 0, 12, coder="ben"),
        ]
        p.codings.import_rows(rows, "t")
        assert "Smith, John" in p.codings.coders()
    out = cli("agreement", str(path), "--coders", "Smith, John,ben", "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["rows"][0]["coders"] == ["Smith, John", "ben"]
    out = cli("disagreements", str(path), "--coders", "Smith, John,ben")
    assert out.exit_code == 0, out.output
