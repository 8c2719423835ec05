"""``qualcode merge`` after review: sources are only read, re-merges say what they cannot
take back, edited memos replace their old text, parents count as code conflicts, a merge that
adds nothing leaves no event, and another path to the target is caught."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.errors import ProjectError
from qualcode.store import Project
from qualcode.store.merge import merge_files
from qualcode.store.schema import SCHEMA_VERSION
from tests.conftest import dump
from tests.test_merge import base, coder_copy  # noqa: F401  (the fixture is used by name)

Run = Callable[..., Result]
FIXTURES = Path(__file__).parent / "fixtures"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def events(path: Path) -> int:
    with Project.open(path) as p:
        return int(p.session.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


# ------------------------------------------------------------------ 1. sources are only read


@pytest.mark.parametrize("fixture", ["schema1.qc", "schema4_consensus.qc"])
def test_an_older_source_is_not_upgraded_in_place(
    tmp_path: Path, fixture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / fixture
    shutil.copy(FIXTURES / fixture, source)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    digest = sha256(source)
    reports = merge_files(tmp_path / "team.qc", [source], "lead")
    assert sha256(source) == digest
    # No WAL or shared-memory file was left next to it either, and the upgraded copy is gone.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fixture, "team.qc", "temp"])
    assert list(temp.iterdir()) == []
    assert reports[0].codings_added > 0
    with sqlite3.connect(source) as conn:
        (version,) = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert int(version) < SCHEMA_VERSION
    with Project.open(tmp_path / "team.qc") as p:
        assert len(p.codings.list()) == reports[0].codings_added


def test_a_current_source_is_byte_identical_and_leaves_no_files(
    base: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    anna = coder_copy(base, "anna")
    with Project.open(anna, coder="anna") as p:
        p.codings.add("doc1", "Emotions", 48, 70)
    digest = sha256(anna)
    team = coder_copy(base, "team")
    merge_files(team, [anna], "lead")
    assert sha256(anna) == digest
    assert not Path(f"{anna}-wal").exists() and not Path(f"{anna}-shm").exists()


def test_a_source_open_elsewhere_is_read_with_its_wal_and_left_alone(
    base: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    anna = coder_copy(base, "anna")
    team = coder_copy(base, "team")
    with Project.open(anna, coder="anna") as p:  # anna's TUI, say, has the file open
        p.codings.add("doc1", "Emotions", 48, 70)  # committed, still in the WAL
        assert Path(f"{anna}-wal").stat().st_size > 0
        digest = sha256(anna)
        reports = merge_files(team, [anna], "lead")
        assert sha256(anna) == digest
    assert reports[0].codings_added == 1


def test_a_source_from_a_newer_qualcode_is_refused(base: Path, tmp_path: Path) -> None:  # noqa: F811
    newer = coder_copy(base, "newer")
    with sqlite3.connect(newer) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    conn.close()
    digest = sha256(newer)
    team = tmp_path / "team.qc"
    with pytest.raises(ProjectError, match="newer qualcode.*nothing was merged"):
        merge_files(team, [newer], "lead")
    assert not team.exists()
    assert sha256(newer) == digest


def test_a_source_that_is_no_project_is_refused(base: Path, tmp_path: Path) -> None:  # noqa: F811
    junk = tmp_path / "junk.qc"
    junk.write_text("not a database at all, just some text " * 40, encoding="utf-8")
    team = coder_copy(base, "team")
    before = dump(team)
    with pytest.raises(ProjectError, match="junk.qc: not a qualcode project"):
        merge_files(team, [junk], "lead")
    assert dump(team) == before


# ------------------------------------------------------------------ 2. what a re-merge keeps


def test_codings_deleted_or_moved_in_the_source_are_reported(
    cli: Run,
    base: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    anna = coder_copy(base, "anna")
    with Project.open(anna, coder="anna") as p:
        gone = p.codings.add("doc1", "Emotions", 48, 70)
        moved = p.codings.add("doc1", "Not alone", 140, 160)
        p.codings.add("doc1", "Security", 0, 10)
    team = coder_copy(base, "team")
    with Project.open(team, coder="lead") as p:
        p.codings.add("doc1", "Emotions", 48, 70)  # the lead's own: not anna's business
    first = merge_files(team, [anna], "lead")
    assert first[0].codings_missing == {}
    with Project.open(anna, coder="anna") as p:
        p.codings.remove(gone)
        p.codings.move(moved, 141, 160)
    again = merge_files(team, [anna], "lead")
    assert again[0].codings_missing == {"anna": 2}
    with Project.open(team) as p:
        spans = {(c.code, c.start, c.end) for c in p.codings.list(coder="anna")}
    # Additive: both old codings stay, and the moved one's new place comes along.
    assert spans == {
        ("Emotions", 48, 70),
        ("Not alone", 140, 160),
        ("Not alone", 141, 160),
        ("Security", 0, 10),
    }
    result = cli("merge", team, anna)
    assert result.exit_code == 0, result.output
    assert (
        "warning: 2 coding(s) by anna in team.qc are no longer in anna.qc (deleted or moved "
        "there since an earlier merge); they were kept — review them with "
        f"`qualcode codings {team} --coder anna`"
    ) in result.output
    data = cli("merge", team, anna, "--format", "json").output
    assert '"codings_missing": {\n        "anna": 2\n      }' in data


# ------------------------------------------------------------------ 3. edited memos


def test_a_memo_edited_in_the_source_replaces_the_old_text_undoably(
    base: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    anna = coder_copy(base, "anna")
    with Project.open(anna, coder="anna") as p:
        p.memos.set("code", "Emotions", "v1")
        p.memos.set("project", None, "project note")
    team = coder_copy(base, "team")
    merge_files(team, [anna], "lead")
    with Project.open(anna, coder="anna") as p:
        p.memos.set("code", "Emotions", "v2 EDITED")
    reports = merge_files(team, [anna], "lead")
    assert reports[0].memos_updated == 1 and reports[0].memos_added == 0
    with Project.open(team, coder="lead") as p:
        (memo,) = p.memos.list("code", "Emotions")
        assert memo.text == "v2 EDITED"
        assert "1 memo(s) updated" in p.history.events(1)[0].summary
        assert p.history.undo() is not None
        (memo,) = p.memos.list("code", "Emotions")
        assert memo.text == "v1"
    assert merge_files(team, [anna], "lead")[0].memos_updated == 1
    assert merge_files(team, [anna], "lead")[0].memos_updated == 0


def test_a_memo_edited_later_in_the_target_is_kept(base: Path, tmp_path: Path) -> None:  # noqa: F811
    anna = coder_copy(base, "anna")
    with Project.open(anna, coder="anna") as p:
        p.memos.set("code", "Emotions", "v1")
        p.session.conn.execute("UPDATE memos SET updated_at = '2000-01-01T00:00:00Z'")
    team = coder_copy(base, "team")
    merge_files(team, [anna], "lead")
    with Project.open(team, coder="lead") as p:
        p.session.conn.execute("UPDATE memos SET text = 'v1 fixed in the team file'")
        p.session.conn.execute("UPDATE memos SET updated_at = '2001-01-01T00:00:00Z'")
    reports = merge_files(team, [anna], "lead")
    assert reports[0].memos_updated == 0
    assert reports[0].memos_kept == 1
    with Project.open(team) as p:
        assert [m.text for m in p.memos.list("code", "Emotions")] == ["v1 fixed in the team file"]


# ------------------------------------------------------------------ 4. code conflicts


def test_a_code_under_another_parent_is_a_conflict(base: Path, tmp_path: Path) -> None:  # noqa: F811
    anna, ben = coder_copy(base, "anna"), coder_copy(base, "ben")
    with Project.open(anna, coder="anna") as p:
        p.codebook.add("Gratitude", parent="Security", brief="Thanks")
    with Project.open(ben, coder="ben") as p:
        p.codebook.add("Gratitude", parent="Emotions", brief="Thanks")
    team = tmp_path / "team.qc"
    reports = merge_files(team, [anna, ben], "lead")
    assert reports[1].code_conflicts == [("Gratitude", ["parent"])]
    assert reports[1].parent_conflicts == {"Gratitude": ("Security", "Emotions")}
    with Project.open(team) as p:
        assert p.codebook.get("Gratitude").parent == "Security"


def test_empty_definition_fields_in_the_source_are_no_conflict(
    cli: Run,
    base: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    team = coder_copy(base, "team")
    with Project.open(team, coder="lead") as p:
        p.codebook.add(
            "Gratitude",
            brief="Thanks",
            definition="Saying thank you",
            when_to_use="Explicit thanks",
            when_not_to_use="Politeness",
            example="Thank you all",
        )
    anna = tmp_path / "anna.qc"
    with Project.create(anna, coder="anna") as p:
        p.codebook.add("Security", brief="Feeling safe")
        p.codebook.add("Emotions", brief="Something else")
        p.codebook.add("Gratitude", parent="Emotions")
    reports = merge_files(team, [anna], "lead")
    assert sorted(reports[0].code_conflicts) == [
        ("Emotions", ["brief"]),
        ("Gratitude", ["parent"]),
    ]
    result = cli("merge", team, anna)
    assert (
        "code 'Gratitude' has another parent there (top level in team.qc, under 'Emotions' in "
        "anna.qc); kept team.qc's"
    ) in result.output
    assert "code 'Emotions' has another brief there; kept team.qc's" in result.output


# ------------------------------------------------------------------ 5. nothing to add, no event


def test_merging_the_same_file_twice_leaves_no_second_event(
    cli: Run,
    base: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    anna = coder_copy(base, "anna")
    with Project.open(anna, coder="anna") as p:
        p.codings.add("doc1", "Emotions", 48, 70)
        p.memos.set("code", "Emotions", "a memo")
    team = coder_copy(base, "team")
    merge_files(team, [anna], "lead")
    count = events(team)
    before = dump(team)
    reports = merge_files(team, [anna], "lead")
    assert reports[0].codings_present == 1 and reports[0].codings_added == 0
    assert events(team) == count
    assert dump(team) == before
    result = cli("merge", team, anna)
    assert result.exit_code == 0, result.output
    assert "nothing new to merge" in result.output
    assert events(team) == count


# ------------------------------------------------------------------ 6. the target by another path


def test_a_hard_link_to_the_target_is_merging_into_itself(base: Path, tmp_path: Path) -> None:  # noqa: F811
    team = coder_copy(base, "team")
    link = tmp_path / "link.qc"
    os.link(team, link)
    before = dump(team)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ProjectError, match="link.qc: is the target team.qc.*into itself"):
        merge_files(team, [link], "lead")
    assert dump(team) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_a_symlinked_folder_to_the_target_is_caught_too(base: Path, tmp_path: Path) -> None:  # noqa: F811
    team = coder_copy(base, "team")
    (tmp_path / "alias").symlink_to(tmp_path)
    with pytest.raises(ProjectError, match="into itself"):
        merge_files(team, [tmp_path / "alias" / "team.qc"], "lead")
