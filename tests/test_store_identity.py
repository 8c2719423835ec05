"""Issue 8: stable identity, one home for memos, invariants in the store, the schema upgrade.

Each of the four data bugs the issue names has a test here that failed on the mixin store
(commit 6653428) and passes now.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.errors import ProjectError
from qualcode.store import SCHEMA_VERSION, Project
from qualcode.store.codings import CodingInput
from tests.conftest import dump, simple_document

Run = Callable[..., Result]
FIXTURE = Path(__file__).parent / "fixtures" / "schema1.qc"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


TRANSCRIPT = (
    "Interviewer: How did the group help you?\n"
    "Anna: I felt angry with her. Then I understood why. The group listened.\n"
    "Interviewer: And now?\n"
    "Anna: Now I am not alone with it.\n"
)


@pytest.fixture
def study(cli: Run, tmp_path: Path) -> Path:
    path = tmp_path / "study.qc"
    assert cli("init", path).exit_code == 0
    assert cli("import", path, _write(tmp_path / "anna.txt", TRANSCRIPT)).exit_code == 0
    assert cli("codes", "add", path, "Anger").exit_code == 0
    assert cli("codes", "add", path, "Support").exit_code == 0
    return path


# ------------------------------------------------------------------ the four data bugs


def test_a_coding_memo_does_not_outlive_its_coding(cli: Run, study: Path, tmp_path: Path) -> None:
    """Bug 1: `import --replace --drop-unplaced` deleted codings with raw SQL; their memos
    stayed and the next coding that reused the row id showed the old memo."""
    coded = cli("code", study, "anna", "Anger", "--text", "I felt angry with her.")
    assert coded.exit_code == 0, coded.output
    with Project.open(study) as project:
        (coding,) = project.codings.list()
    assert cli("memo", study, "--on", "coding", "--target", coding.id, "old note").exit_code == 0
    changed = tmp_path / "anna.txt"
    _write(changed, TRANSCRIPT.replace("I felt angry with her. ", ""))
    result = cli("import", study, changed, "--replace", "--drop-unplaced")
    assert result.exit_code == 0, result.output
    assert cli("code", study, "anna", "Support", "--text", "The group listened.").exit_code == 0
    with Project.open(study) as project:
        (new,) = project.codings.list()
        assert new.id != coding.id  # ids are never reused
        assert new.memo is None
        assert project.memos.list("coding") == []
        orphans = project.session.conn.execute(
            "SELECT COUNT(*) FROM memos WHERE target_type = 'coding' "
            "AND coding_id NOT IN (SELECT id FROM codings)"
        ).fetchone()[0]
        assert orphans == 0


def test_a_coding_memo_has_one_home(cli: Run, study: Path) -> None:
    """Bug 2: `code --memo` and the workbench wrote codings.memo, `memo --on coding` wrote the
    memos table, and each view showed only one of them."""
    result = cli("code", study, "anna", "Anger", "--text", "I felt angry", "--memo", "first")
    assert result.exit_code == 0, result.output
    with Project.open(study) as project:
        (coding,) = project.codings.list()
        assert coding.memo == "first"
    listed = cli("memo", study, "--on", "coding", "--target", coding.id)
    assert "first" in listed.output
    assert cli("memo", study, "--on", "coding", "--target", coding.id, "second").exit_code == 0
    with Project.open(study) as project:
        assert project.codings.get(coding.id).memo == "second"
        assert [m.text for m in project.memos.list("coding", coding.id)] == ["second"]
        columns = {r[1] for r in project.session.conn.execute("PRAGMA table_info(codings)")}
        assert "memo" not in columns


def test_a_bad_colour_is_refused_by_the_store(cli: Run, study: Path, tmp_path: Path) -> None:
    """Bug 3: `codes add --color not-a-colour` was accepted and the exported codebook then
    failed to load. The store checks colours for every entry point."""
    before = dump(study)
    result = cli("codes", "add", study, "Odd", "--color", "not-a-colour")
    assert result.exit_code == 1
    assert "not a colour" in result.output
    assert dump(study) == before
    with Project.open(study) as project:
        with pytest.raises(ProjectError, match="not a colour"):
            project.codebook.update("Anger", color="red!")
        project.codebook.update("Anger", color="#ABC")
        assert project.codebook.get("Anger").color == "#aabbcc"
    book = tmp_path / "book.yaml"
    assert cli("codebook", "export", study, "-o", book).exit_code == 0
    fresh = tmp_path / "fresh.qc"
    assert cli("init", fresh).exit_code == 0
    assert cli("codebook", "load", fresh, book).exit_code == 0


def test_overlong_names_are_refused(project: Project) -> None:
    with pytest.raises(ProjectError, match="at most 200 characters"):
        project.codebook.add("x" * 201)
    project.codebook.add("x" * 200)


# ------------------------------------------------------------------ identity


def test_ids_are_never_reused(project_with_doc: Project) -> None:
    project = project_with_doc
    first = project.codings.add("doc1", "Emotions", 0, 10)
    project.codings.remove(first)
    second = project.codings.add("doc1", "Emotions", 0, 10)
    assert second > first
    code = project.codebook.add("Temporary")
    project.codebook.delete("Temporary")
    assert project.codebook.add("Another") > code


def test_guids_never_change_and_come_back_with_undo(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    guid = project.codings.get(cid).guid
    code_guid = project.codebook.get("Emotions").guid
    assert len(guid) == 36 and guid != code_guid
    project.codebook.rename("Emotions", "Feelings")
    project.codings.move(cid, start=2)
    assert project.codebook.get("Feelings").guid == code_guid
    assert project.codings.get(cid).guid == guid
    project.codings.remove(cid)
    project.history.undo()
    assert project.codings.get(cid).guid == guid
    doc = project.documents.get("doc1")
    assert doc.guid and doc.text_sha256 == project.documents.get("doc1").text_sha256
    assert project.documents.by_text_hash(doc.text_sha256) == doc


def test_the_text_hash_ignores_how_the_file_was_written(cli: Run, tmp_path: Path) -> None:
    """Two files with different bytes (CRLF, BOM) but the same transcript hash alike."""
    unix = _write(tmp_path / "unix.txt", TRANSCRIPT)
    dos = tmp_path / "dos.txt"
    dos.write_bytes(b"\xef\xbb\xbf" + TRANSCRIPT.replace("\n", "\r\n").encode("utf-8"))
    path = tmp_path / "p.qc"
    cli("init", path)
    assert cli("import", path, unix, dos).exit_code == 0
    with Project.open(path) as project:
        a, b = project.documents.get("unix"), project.documents.get("dos")
        assert a.sha256 != b.sha256
        assert a.text_sha256 == b.text_sha256


def test_sqlite_itself_keeps_memos_with_their_target(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    project.memos.set("coding", cid, "note")
    project.memos.set("document", "doc1", "doc note")
    conn = project.session.conn
    conn.execute("DELETE FROM codings WHERE id = ?", (cid,))  # not through the store
    assert [m.target_type for m in project.memos.list()] == ["document"]
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO memos(guid, target_type, coding_id, coder_id, text, created_at, "
            "updated_at) VALUES ('g', 'coding', 999, 1, 't', 'now', 'now')"
        )


def test_deleting_a_code_takes_its_codings_memos_and_undo_brings_them_back(
    project_with_doc: Project,
) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    project.memos.set("coding", cid, "on the coding")
    project.memos.set("code", "Emotions", "on the code")
    project.codebook.delete("Emotions", force=True)
    assert project.memos.list() == []
    project.history.undo()
    assert sorted(m.text for m in project.memos.list()) == ["on the code", "on the coding"]
    assert project.codings.get(cid).memo == "on the coding"


def test_memos_name_their_target(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    project.memos.set("coding", cid, "a")
    project.memos.set("code", "Security", "b")
    project.memos.set("project", None, "c")
    targets = {m.text: m.target for m in project.memos.list()}
    assert targets == {"a": "Emotions on doc1 [0:10]", "b": "Security", "c": "the project"}


# ------------------------------------------------------------------ views for other tools


def test_views_join_ids_to_names(project_with_doc: Project) -> None:
    project = project_with_doc
    project.codings.add("doc1", "Not alone", 0, 10)
    row = project.session.conn.execute(
        'SELECT document, code, theme, coder, speaker, "case", start, "end", text '
        "FROM coded_passages"
    ).fetchone()
    assert row == ("doc1", "Not alone", "Security", "ann", None, None, 0, 10, "Interviewe")
    tree = project.session.conn.execute(
        "SELECT code, parent, theme, depth FROM code_tree ORDER BY code"
    ).fetchall()
    assert ("Not alone", "Security", "Security", 1) in tree


def test_coded_passages_names_speaker_and_case(project_with_doc: Project) -> None:
    project = project_with_doc
    text = project.documents.get("doc1").text
    start = text.index("I felt angry")
    project.codings.add("doc1", "Emotions", start, start + 12)
    project.documents.set_speaker_attribute("doc1", "Anna", "participant", "GP01")
    speaker, case = project.session.conn.execute(
        'SELECT speaker, "case" FROM coded_passages'
    ).fetchone()
    assert (speaker, case) == ("Anna", "GP01")


# ------------------------------------------------------------------ upgrading a schema-1 file


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = (
            "documents codes codings memos events suggestions models coders turns sentences "
            "speakers document_attributes settings"
        ).split()
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def test_a_schema_1_file_upgrades_with_everything_kept(tmp_path: Path) -> None:
    """tests/fixtures/schema1.qc was made by the previous version (see its commit): documents,
    codings with a memo in codings.memo and others in the memos table, a coding id that was
    reused, undo history, rule suggestions (accepted, rejected, pending) and a trained model."""
    path = tmp_path / "old.qc"
    shutil.copy(FIXTURE, path)
    before = _counts(path)
    conn = sqlite3.connect(path)
    old_events = conn.execute("SELECT id, summary FROM events ORDER BY id").fetchall()
    old_suggestions = conn.execute(
        'SELECT id, document_id, code_id, start, "end", status FROM suggestions ORDER BY id'
    ).fetchall()
    old_codings = conn.execute(
        'SELECT id, document_id, code_id, start, "end", coder_id FROM codings ORDER BY id'
    ).fetchall()
    coding_memo = conn.execute("SELECT id, memo FROM codings WHERE memo IS NOT NULL").fetchall()
    conn.close()
    assert coding_memo, "the fixture should hold a memo in codings.memo"

    with Project.open(path, coder="ann") as project:
        assert project.schema_version == SCHEMA_VERSION
        after = _counts(path)
        # Every row kept; the codings.memo memo joined the memos table.
        assert {k: v for k, v in after.items() if k != "memos"} == {
            k: v for k, v in before.items() if k != "memos"
        }
        assert after["memos"] == before["memos"] + len(coding_memo)
        conn = project.session.conn
        assert conn.execute("SELECT id, summary FROM events ORDER BY id").fetchall() == old_events
        assert (
            conn.execute(
                'SELECT id, document_id, code_id, start, "end", status FROM suggestions ORDER BY id'
            ).fetchall()
            == old_suggestions
        )
        assert (
            conn.execute(
                'SELECT id, document_id, code_id, start, "end", coder_id FROM codings ORDER BY id'
            ).fetchall()
            == old_codings
        )
        for coding_id, text in coding_memo:
            assert project.codings.get(coding_id).memo == text
        for table in ("coders", "documents", "codes", "codings", "memos"):
            guids = [r[0] for r in conn.execute(f"SELECT guid FROM {table}")]
            assert all(len(g) == 36 for g in guids) and len(set(guids)) == len(guids)
        assert all(d.text_sha256 for d in project.documents.all())
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert project.models.load("suggest") is not None
        assert conn.execute("SELECT COUNT(*) FROM coded_passages").fetchone()[0] == len(old_codings)
        # Ids are never reused, even those only the undo history remembers.
        top = max(r[0] for r in old_codings)
        assert project.codings.add("gp04_dev", "Rivalry", 200, 220) > top
        # Actions taken before the upgrade can still be undone and redone...
        assert project.history.undo() is not None  # the coding just added
        undone = project.history.undo()
        assert undone is not None and undone.summary.startswith("Rejected")
        assert project.history.redo() is not None
        # ...except where the old version reused a row id: bob removed coding 3, and the
        # accepted suggestion got id 3 again. Undo refuses rather than clobber it.
        project.coder = "bob"
        with pytest.raises(ProjectError, match="changed since"):
            project.history.undo()


def test_opening_twice_runs_the_upgrade_once(tmp_path: Path) -> None:
    path = tmp_path / "old.qc"
    shutil.copy(FIXTURE, path)
    Project.open(path).close()
    first = dump(path)
    Project.open(path).close()
    assert dump(path) == first


def test_a_failed_upgrade_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.qc"
    shutil.copy(FIXTURE, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE codings SET code_id = 9999 WHERE id = (SELECT MIN(id) FROM codings)")
    conn.commit()
    conn.close()
    before = dump(path)
    with pytest.raises(ProjectError, match="cannot upgrade"):
        Project.open(path)
    assert dump(path) == before


# ------------------------------------------------------------------ bulk codings


def test_import_codings_round_trip(cli: Run, study: Path, tmp_path: Path) -> None:
    for code, text in (("Anger", "I felt angry with her."), ("Support", "The group listened.")):
        assert cli("code", study, "anna", code, "--text", text).exit_code == 0
    with Project.open(study) as project:
        cid = project.codings.list()[0].id
    cli("memo", study, "--on", "coding", "--target", cid, "=1+1 looks like a formula")
    exported = tmp_path / "codings.csv"
    result = cli("export", study, "codings", "-o", exported)
    assert result.exit_code == 0, result.output

    other = tmp_path / "other.qc"
    cli("init", other)
    cli("import", other, tmp_path / "anna.txt")
    cli("codes", "add", other, "Anger")
    cli("codes", "add", other, "Support")
    result = cli("import-codings", other, exported)
    assert result.exit_code == 0, result.output
    assert "2 coding(s) added, 0 already present, 1 memo(s)" in result.output
    with Project.open(study) as a, Project.open(other) as b:
        spans = [(c.document, c.code, c.start, c.end, c.coder, c.memo) for c in a.codings.list()]
        assert [
            (c.document, c.code, c.start, c.end, c.coder, c.memo) for c in b.codings.list()
        ] == spans
    again = cli("import-codings", other, exported)
    assert "0 coding(s) added, 2 already present" in again.output
    assert cli("undo", other).exit_code == 0  # the first import, as one step
    with Project.open(other) as b:
        assert b.codings.list() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("document,code,start\nanna,Anger,0\n", "missing column(s) end"),
        ("document,code,start,end\nanna,Anger,0,x\n", "line 2: end 'x' is not a whole number"),
        ("document,code,start,end\nanna,Anger,0,9999\n", "line 2: span [0:9999]"),
        ("document,code,start,end\nanna,Nope,0,5\n", "line 2: no code named 'Nope'"),
        ("document,code,start,end\nbob,Anger,0,5\n", "line 2: no document named 'bob'"),
        ("document,code,start,end,text\nanna,Anger,0,5,Hello\n", "line 2: the text at anna"),
        ("document,code,start,end,origin\nanna,Anger,0,5,magic\n", "unknown coding origin"),
    ],
)
def test_import_codings_refuses_bad_rows_and_changes_nothing(
    cli: Run, study: Path, tmp_path: Path, content: str, message: str
) -> None:
    bad = _write(tmp_path / "bad.csv", "document,code,start,end\nanna,Anger,0,5\n" + content)
    if content.startswith("document"):
        bad = _write(tmp_path / "bad.csv", content)
    before = dump(study)
    result = cli("import-codings", study, bad)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert dump(study) == before


def test_bulk_import_keeps_a_flat_cost_and_one_undo_step(project_with_doc: Project) -> None:
    project = project_with_doc
    rows = [CodingInput("doc1", "Emotions", i, i + 3) for i in range(0, 150)]
    result = project.codings.import_rows(rows, "many")
    assert result.added == 150
    assert project.history.events(1)[0].undoable
    project.history.undo()
    assert project.codings.list() == []


def test_a_second_project_session_reads_the_same_file(project_with_doc: Project) -> None:
    project = project_with_doc
    project.documents.add(simple_document("doc2"))
    with Project.open(project.path) as again:
        assert [d.name for d in again.documents.all()] == ["doc1", "doc2"]


def test_identity_from_another_file_is_kept_and_normalised(project: Project) -> None:
    """Merging and REFI-QDA import keep the GUIDs other files gave their rows, however spelled."""
    guid = "0E5B2B6C-3F4E-4A51-9C1D-2B7F6C8A9D10"
    doc = simple_document("doc1")
    project.documents.add(
        type(doc)(**{**doc.__dict__, "guid": "{" + guid + "}"})  # braces and upper case
    )
    assert project.documents.get("doc1").guid == guid.lower()
    code_id = project.codebook.add("Anger", guid="11111111-2222-4333-8444-555555555555")
    assert project.codebook.by_guid("{11111111-2222-4333-8444-555555555555}").id == code_id
    with pytest.raises(ProjectError, match="already in the project"):
        project.codebook.add("Other", guid="11111111-2222-4333-8444-555555555555")
    with pytest.raises(ProjectError, match="not a GUID"):
        project.codebook.add("Third", guid="not-a-guid")
    row = CodingInput(
        "doc1", "Anger", 0, 5, coder="bob", guid="AAAAAAAA-2222-4333-8444-555555555555"
    )
    assert project.codings.import_rows([row], "from bob").added == 1
    assert project.codings.import_rows([row], "again").skipped == 1
    (coding,) = project.codings.list()
    assert (coding.coder, coding.guid) == ("bob", "aaaaaaaa-2222-4333-8444-555555555555")


def test_phrases_are_checked_on_the_text(project_with_doc: Project) -> None:
    """The index keeps no positions (detail=none, to stay small): a phrase must still be a run
    of words in that order, folded as FTS5 folds them."""
    search = project_with_doc.documents.search
    assert [h.speaker for h in search('"group listened"')] == ["Anna"]
    assert search('"listened group"') == []
    assert [h.speaker for h in search('"THE GROUP"')] == ["Interviewer", "Anna"]
    assert len(search("group")) == 2  # the question and the answer both say "group"


def test_small_reads_the_views_use(project_with_doc: Project) -> None:
    """The TUI and reports read these through the store instead of running SQL themselves."""
    project = project_with_doc
    project.codings.add("doc1", "Emotions", 0, 10)
    project.codings.add("doc1", "Not alone", 0, 10)
    project.coder = "bob"
    project.codings.add("doc1", "Emotions", 5, 12)
    assert project.codings.counts_by_coder() == [("ann", 2), ("bob", 1)]
    emotions, not_alone = project.codebook.get("Emotions").id, project.codebook.get("Not alone").id
    assert project.codings.code_ids_used_by(["bob"]) == {emotions}
    assert project.codings.code_ids_used_by(["ann", "bob"]) == {emotions, not_alone}
    assert project.codings.code_ids_used_by([]) == set()
    assert project.documents.length("doc1") == len(project.documents.get("doc1").text)


def test_one_span_union_for_every_layer() -> None:
    from qualcode.analysis.spans import merge_spans as analysis_merge
    from qualcode.store.consensus import union
    from qualcode.text import merge_spans

    spans = [(5, 9), (0, 3), (3, 4), (8, 12), (20, 21)]
    assert merge_spans(spans) == [(0, 3), (3, 4), (5, 12), (20, 21)]  # touching stay apart
    assert analysis_merge is merge_spans
    assert union(spans[:2], spans[2:]) == merge_spans(spans)
