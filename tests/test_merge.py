"""``qualcode merge``: coders' files brought together without duplicates, one undoable action."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.errors import ProjectError
from qualcode.store import Project
from qualcode.store.done import DoneMarks
from qualcode.store.merge import merge_files
from tests.conftest import SIMPLE_TEXT, simple_document

Run = Callable[..., Result]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """The shared starting project every coder copies: one document, a small codebook."""
    path = tmp_path / "base.qc"
    with Project.create(path, coder="lead") as p:
        p.documents.add(simple_document())
        p.codebook.add("Security", brief="Feeling safe")
        p.codebook.add("Not alone", parent="Security", brief="Feeling supported")
        p.codebook.add("Emotions", brief="Naming feelings")
        p.settings.set("codebook_name", "Team book")
    return path


def coder_copy(base: Path, name: str) -> Path:
    path = base.with_name(f"{name}.qc")
    shutil.copy(base, path)
    return path


def counts(path: Path) -> dict[str, int]:
    with Project.open(path) as p:
        conn = p.session.conn
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("documents", "codes", "codings", "memos", "done_marks", "coders")
        }


@pytest.fixture
def two_coders(base: Path) -> tuple[Path, Path]:
    anna, ben = coder_copy(base, "anna"), coder_copy(base, "ben")
    with Project.open(anna, coder="anna") as p:
        cid = p.codings.add("doc1", "Emotions", 48, 70)
        p.codings.add("doc1", "Not alone", 140, 160)
        p.memos.set("coding", cid, "anger at a patient")
        p.memos.set("code", "Emotions", "anna's memo on Emotions")
        DoneMarks(p.session).mark("doc1")
    with Project.open(ben, coder="ben") as p:
        p.codings.add("doc1", "Emotions", 48, 75)
        p.codebook.add("Insight", brief="Understanding why", keywords=["understood"])
        p.codings.add("doc1", "Insight", 72, 95)
        p.codebook.update("Security", brief="Feeling safe in the group")
        text = "Interviewer: Tell me.\nBen: A second interview."
        p.documents.add(simple_document("doc2", text))
        p.codings.add("doc2", "Insight", 27, 45)
    return anna, ben


def test_merge_brings_everything_once(two_coders: tuple[Path, Path], tmp_path: Path) -> None:
    team = tmp_path / "team.qc"
    reports = merge_files(team, list(two_coders), "lead")
    assert [r.coders for r in reports] == [["anna"], ["ben"]]
    assert reports[1].documents_added == ["doc2"]
    assert reports[1].codes_added == ["Insight"]
    assert reports[1].code_conflicts == [("Security", ["brief"])]
    with Project.open(team) as p:
        assert sorted(d.name for d in p.documents.all()) == ["doc1", "doc2"]
        assert p.codebook.get("Security").brief == "Feeling safe"  # the target's (anna's)
        assert p.codebook.get("Insight").keywords == ["understood"]
        assert p.settings.get("codebook_name") == "Team book"
        assert {(c.coder, c.code, c.start, c.end) for c in p.codings.list()} == {
            ("anna", "Emotions", 48, 70),
            ("anna", "Not alone", 140, 160),
            ("ben", "Emotions", 48, 75),
            ("ben", "Insight", 72, 95),
            ("ben", "Insight", 27, 45),
        }
        anna_coding = next(c for c in p.codings.list(coder="anna") if c.code == "Emotions")
        assert anna_coding.memo == "anger at a patient"
        assert DoneMarks(p.session).marks() == {"anna": {"doc1"}}
        assert len(p.documents.turns("doc2")) == 2
        assert p.documents.search("second")
    before = counts(team)
    again = merge_files(team, list(two_coders), "lead")
    assert counts(team) == before
    assert sum(r.codings_added + r.memos_added + r.done_added for r in again) == 0
    assert all(not r.documents_added and not r.codes_added for r in again)


def test_merge_is_one_undoable_audited_action(
    two_coders: tuple[Path, Path], tmp_path: Path
) -> None:
    team = tmp_path / "team.qc"
    shutil.copy(two_coders[0], team)
    before = counts(team)
    merge_files(team, [two_coders[1]], "lead")
    with Project.open(team, coder="lead") as p:
        event = p.history.events(1)[0]
        assert event.action == "project.merge"
        assert "from ben.qc (coders ben)" in event.summary
        assert "1 document(s) added" in event.summary
        assert "kept the target's definition of 'Security'" in event.summary
        assert p.history.undo() is not None
    after = counts(team)
    # Undo takes back codes, codings and memos; the added document stays, as after an import.
    assert after["codings"] == before["codings"]
    assert after["codes"] == before["codes"]
    assert after["documents"] == before["documents"] + 1
    with Project.open(team, coder="lead") as p:
        assert p.history.redo() is not None
        assert len(p.codings.list(coder="ben")) == 3


def test_same_name_other_text_is_refused_unless_rename(base: Path, tmp_path: Path) -> None:
    other = tmp_path / "carla.qc"
    with Project.create(other, coder="carla") as p:
        p.documents.add(simple_document("doc1", SIMPLE_TEXT.replace("angry", "sad")))
        p.codebook.add("Emotions")
        p.codings.add("doc1", "Emotions", 48, 70)
    team = coder_copy(base, "team")
    before = counts(team)
    with pytest.raises(ProjectError, match="doc1.*different text.*--rename"):
        merge_files(team, [other], "lead")
    assert counts(team) == before
    reports = merge_files(team, [other], "lead", rename=True)
    assert reports[0].documents_renamed == [("doc1", "doc1 (carla)")]
    with Project.open(team) as p:
        assert [c.document for c in p.codings.list(coder="carla")] == ["doc1 (carla)"]


def test_a_refused_merge_into_a_new_file_leaves_no_file(base: Path, tmp_path: Path) -> None:
    other = tmp_path / "carla.qc"
    with Project.create(other, coder="carla") as p:
        p.documents.add(simple_document("doc1", SIMPLE_TEXT.replace("angry", "sad")))
    team = tmp_path / "new-team.qc"
    with pytest.raises(ProjectError):
        merge_files(team, [base, other], "lead")
    assert not team.exists()


def test_codes_match_by_guid_before_name(base: Path) -> None:
    anna = coder_copy(base, "anna")
    with Project.open(anna, coder="anna") as p:
        p.codebook.rename("Emotions", "Feelings")
        p.codings.add("doc1", "Feelings", 0, 10)
    team = coder_copy(base, "team")
    reports = merge_files(team, [anna], "lead")
    assert reports[0].code_conflicts == [("Emotions", ["name"])]
    with Project.open(team) as p:
        assert p.codebook.find("Feelings") is None
        assert [c.code for c in p.codings.list(coder="anna")] == ["Emotions"]


def test_merge_cli(cli: Run, two_coders: tuple[Path, Path], tmp_path: Path) -> None:
    result = cli("merge", tmp_path / "team.qc", *two_coders)
    assert result.exit_code == 0, result.output
    assert "anna.qc" in result.output and "ben.qc" in result.output
    assert "code 'Security' has another brief" in result.output
    result = cli("merge", tmp_path / "team.qc", *two_coders, "--format", "json")
    data = json.loads(result.output)
    assert [s["codings_added"] for s in data["sources"]] == [0, 0]
    result = cli("merge", tmp_path / "team.qc", tmp_path / "missing.qc")
    assert result.exit_code == 1
    assert "no such project file" in result.output


def test_readme_team_section_runs_as_written(
    cli: Run, tmp_path: Path, demo_copy: Callable[[Path], Path]
) -> None:
    from tests.test_readme import readme_commands

    for name in ("anna", "ben"):
        demo_copy(tmp_path / f"{name}.qc")
    commands = readme_commands("Coding as a team")
    assert any(argv[0] == "merge" for argv in commands)
    for argv in commands:
        result = cli(*argv)
        assert result.exit_code == 0, (argv, result.output)
    assert "consensus" in (tmp_path / "consensus.md").read_text(encoding="utf-8")


def test_merge_brings_exemplars_queries_pseudonyms_and_types(base: Path, tmp_path: Path) -> None:
    from qualcode.store.exemplars import Exemplars
    from qualcode.store.pseudonyms import Pseudonyms

    anna = coder_copy(base, "anna")
    with Project.open(anna, coder="anna") as p:
        cid = p.codings.add("doc1", "Emotions", 48, 70)
        Exemplars(p.session).mark(cid)
        Pseudonyms(p.session).set("Anna", "Beth")
        with p.action("test.extras", "a saved query and an attribute type"):
            p.session.insert(
                "saved_queries", {"name": "q1", "query": "Emotions", "created_at": "x"}
            )
            p.session.insert("attribute_types", {"key": "age", "type": "number"})
    team = tmp_path / "team.qc"
    reports = merge_files(team, [anna], "lead")
    assert reports[0].extras == 4
    with Project.open(team) as p:
        (coding,) = p.codings.list(coder="anna")
        assert Exemplars(p.session).ids() == {coding.id}
        assert Pseudonyms(p.session).pairs() == [("Anna", "Beth")]
        conn = p.session.conn
        assert conn.execute("SELECT name FROM saved_queries").fetchall() == [("q1",)]
        assert conn.execute("SELECT key, type FROM attribute_types").fetchall() == [
            ("age", "number")
        ]
    assert merge_files(team, [anna], "lead")[0].extras == 0
