"""Issue 10, project files: read-only files and folders, a full disk, broken or empty files.

Every case ends in one clear line (exit 1 from the CLI) and a project exactly as it was.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.errors import ProjectError
from qualcode.store import Project
from tests.conftest import dump, simple_document

Run = Callable[..., Result]


@pytest.fixture
def built(tmp_path: Path) -> Path:
    path = tmp_path / "study.qc"
    with Project.create(path, coder="ann") as project:
        project.documents.add(simple_document())
        project.codebook.add("Anger")
    return path


def one_line_error(result: Result, text: str) -> None:
    assert result.exit_code == 1, result.output
    assert text in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "internal error" not in result.output


def test_a_file_this_process_cannot_write_is_read_but_not_changed(
    cli: Run, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, for whom file modes do not stop writes: the check is os.access,
    which a 0444 file (for a normal user) or a read-only mount fails."""
    before = dump(built)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode == os.W_OK else real(p, mode))
    listed = cli("docs", built)
    assert listed.exit_code == 0 and "doc1" in listed.output
    one_line_error(cli("codes", "add", built, "Joy"), "project is read-only")
    monkeypatch.undo()
    assert dump(built) == before


def test_a_read_only_folder_still_opens_for_reading(built: Path) -> None:
    folder = built.parent
    os.chmod(built, 0o444)
    os.chmod(folder, 0o555)
    try:
        if os.access(folder, os.W_OK):  # root: simulate what a normal user sees
            pytest.skip("running as root: folder permissions do not apply")
        with Project.open(built) as project:
            assert [d.name for d in project.documents.all()] == ["doc1"]
            with pytest.raises(ProjectError, match="read-only"):
                project.codebook.add("Joy")
    finally:
        os.chmod(folder, 0o755)
        os.chmod(built, 0o644)


def test_a_full_disk_is_said_plainly_and_loses_nothing(built: Path) -> None:
    with Project.open(built, coder="ann") as project:
        conn = project.session.conn
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # the file cannot grow: a full disk
        before = [c.name for c in project.codebook.codes()]
        with pytest.raises(ProjectError, match="the disk is full; nothing of"):
            project.documents.add(simple_document("big", "Anna: " + "word " * 50_000))
        assert [c.name for c in project.codebook.codes()] == before
        assert project.documents.find("big") is None
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_empty_file_is_not_made_a_project_by_a_read_command(cli: Run, tmp_path: Path) -> None:
    empty = tmp_path / "empty.qc"
    empty.write_bytes(b"")
    one_line_error(cli("docs", empty), "empty file, not a qualcode project")
    assert empty.read_bytes() == b""


def test_a_broken_schema_version_is_refused(cli: Run, built: Path) -> None:
    conn = sqlite3.connect(built)
    conn.execute("UPDATE meta SET value = 'two' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    before = dump(built)
    one_line_error(cli("docs", built), "schema version is 'two', not a number")
    assert dump(built) == before


def test_a_meta_without_a_version_is_refused(cli: Run, built: Path) -> None:
    conn = sqlite3.connect(built)
    conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    before = dump(built)
    one_line_error(cli("docs", built), "not a qualcode project (no schema version)")
    assert dump(built) == before


def test_a_foreign_sqlite_file_is_refused(cli: Run, tmp_path: Path) -> None:
    other = tmp_path / "other.qc"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    one_line_error(cli("docs", other), "not a qualcode project")


def test_garbage_bytes_are_refused(cli: Run, tmp_path: Path) -> None:
    junk = tmp_path / "junk.qc"
    junk.write_bytes(os.urandom(5000))
    one_line_error(cli("docs", junk), "not a qualcode project")
