"""The project file: schema, transactions, codes, codings, memos, undo/redo and the audit trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.errors import ProjectError
from qualcode.store import SCHEMA_VERSION, Project
from qualcode.store.schema import MIGRATIONS
from tests.conftest import simple_document


def test_create_sets_up_wal_foreign_keys_and_schema(tmp_path: Path) -> None:
    with Project.create(tmp_path / "a.qc") as project:
        assert project.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert project.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert project.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert project.schema_version == SCHEMA_VERSION
        tables = set(project.db.table_names())
    for table in (
        "meta",
        "documents",
        "document_attributes",
        "speakers",
        "turns",
        "sentences",
        "codes",
        "codings",
        "coders",
        "memos",
        "events",
        "suggestions",
    ):
        assert table in tables


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "a.qc"
    path.write_text("keep me")
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(path)
    assert path.read_text() == "keep me"


def test_open_refuses_non_projects(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no such project"):
        Project.open(tmp_path / "missing.qc")
    text = tmp_path / "notes.qc"
    text.write_text("hello")
    with pytest.raises(ProjectError, match="not an SQLite file"):
        Project.open(text)
    other = tmp_path / "other.qc"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(ProjectError, match="not a qualcode project"):
        Project.open(other)


def test_migrations_run_in_order_once_and_keep_data(tmp_path: Path) -> None:
    path = tmp_path / "old.qc"
    with Project.create(path) as project:
        project.add_code("Kept")
        # Pretend the file was written by a version that had not applied any migration yet.
        project.conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with Project.open(path) as project:
        assert project.schema_version == SCHEMA_VERSION
        assert [c.name for c in project.codes()] == ["Kept"]
    # Idempotent: running every migration again on an up-to-date file changes nothing.
    with Project.open(path) as project:
        for migration in MIGRATIONS:
            migration(project.db)
        assert [c.name for c in project.codes()] == ["Kept"]


def test_newer_schema_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "new.qc"
    with Project.create(path) as project:
        project.add_code("A")
        project.conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with Project.open(path) as project:
        assert project.read_only
        assert [c.name for c in project.codes()] == ["A"]
        with pytest.raises(ProjectError, match="newer qualcode"):
            project.add_code("B")


def test_add_document_stores_turns_sentences_speakers(project: Project) -> None:
    project.add_document(simple_document())
    doc = project.document("doc1")
    assert doc.speaker_count == 2 and doc.turn_count == 4
    turns = project.turns("doc1")
    assert [t.speaker for t in turns] == ["Interviewer", "Anna", "Interviewer", "Anna"]
    assert doc.text[turns[3].start : turns[3].end] == "Now I am not alone with it."
    sentences = project.sentences("doc1")
    assert [doc.text[s.start : s.end] for s in sentences][1:4] == [
        "I felt angry with her.",
        "Then I understood why.",
        "The group listened.",
    ]
    assert all(s.turn_id == turns[1].id for s in sentences[1:4])
    assert project.document_attributes("doc1") == {"role": "gp"}
    with pytest.raises(ProjectError, match="already exists"):
        project.add_document(simple_document())


def test_unknown_names_give_suggestions(project_with_doc: Project) -> None:
    with pytest.raises(ProjectError, match="did you mean 'Emotions'"):
        project_with_doc.code("Emotion")
    with pytest.raises(ProjectError, match="no document named 'doc2'"):
        project_with_doc.document("doc2")


def test_coding_offsets_are_validated(project_with_doc: Project) -> None:
    project = project_with_doc
    length = project.document("doc1").length
    for start, end in ((-1, 5), (5, 5), (6, 5), (0, length + 1)):
        with pytest.raises(ProjectError, match="not inside the document"):
            project.add_coding("doc1", "Emotions", start, end)
    assert project.codings() == []
    cid = project.add_coding("doc1", "Emotions", length - 5, length)
    assert project.coding(cid).text == "h it."
    with pytest.raises(ProjectError, match="already has code"):
        project.add_coding("doc1", "Emotions", length - 5, length)


def test_every_change_writes_an_event_in_the_same_transaction(project_with_doc: Project) -> None:
    project = project_with_doc
    before = len(project.events(1000))
    text = project.document("doc1").text
    start = text.index("I felt angry")
    cid = project.add_coding("doc1", "Emotions", start, start + 22)
    events = project.events(1000)
    assert len(events) == before + 1
    latest = events[0]
    assert latest.coder == "ann" and latest.action == "coding.add"
    assert "I felt angry with her." in latest.summary
    change = latest.changes[0]
    assert change["table"] == "codings" and change["before"] is None
    assert change["after"]["id"] == cid and change["after"]["start"] == start


def test_failed_action_leaves_nothing_behind(project_with_doc: Project) -> None:
    project = project_with_doc
    events_before = len(project.events(1000))
    with pytest.raises(ProjectError):
        with project.action("test", "half done"):
            project.add_coding("doc1", "Emotions", 0, 5)
            project.add_coding("doc1", "Nope", 0, 5)
    assert project.codings() == []
    assert len(project.events(1000)) == events_before


def test_undo_redo_coding_and_redo_cleared_by_new_action(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.add_coding("doc1", "Emotions", 0, 10)
    assert project.undo().summary.startswith("Coded 'Emotions'")
    assert project.codings() == []
    assert project.redo() is not None
    assert [c.id for c in project.codings()] == [cid]
    project.undo()
    project.add_code("Other")
    assert project.redo() is None  # a new action ends the redo chain
    project.undo()  # undoes "Added code 'Other'"
    assert project.find_code("Other") is None
    assert project.codings() == []


def test_undo_is_per_coder(tmp_path: Path) -> None:
    path = tmp_path / "s.qc"
    with Project.create(path, coder="ann") as ann:
        ann.add_document(simple_document())
        ann.add_code("A")
        ann.add_coding("doc1", "A", 0, 5)
    with Project.open(path, coder="bob") as bob:
        bob.add_coding("doc1", "A", 5, 10)
        with Project.open(path, coder="ann") as ann:
            ann.undo()
        assert [(c.coder, c.start) for c in bob.codings()] == [("bob", 5)]


def test_undo_refuses_when_rows_changed_since(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.add_coding("doc1", "Emotions", 0, 10)
    other = Project.open(project.path, coder="bob")
    other.update_coding(cid, memo="bob's note")
    other.close()
    with pytest.raises(ProjectError, match="changed since"):
        project.undo()
    assert project.coding(cid).memo == "bob's note"


def test_rename_move_and_cycle_protection(project_with_doc: Project) -> None:
    project = project_with_doc
    project.rename_code("Emotions", "Difficult emotions")
    with pytest.raises(ProjectError, match="already exists"):
        project.rename_code("Difficult emotions", "Security")
    project.move_code("Difficult emotions", "Security")
    assert project.code("Difficult emotions").parent == "Security"
    with pytest.raises(ProjectError, match="under itself"):
        project.move_code("Security", "Not alone")
    project.undo()
    project.undo()
    assert project.code("Emotions").parent is None


def test_merge_moves_codings_children_and_drops_duplicates(project_with_doc: Project) -> None:
    project = project_with_doc
    project.add_code("Child", parent="Emotions")
    project.add_coding("doc1", "Emotions", 0, 10)
    project.add_coding("doc1", "Emotions", 20, 30)
    project.add_coding("doc1", "Not alone", 0, 10)
    project.set_memo("code", "Emotions", "memo on source")
    moved = project.merge_codes("Emotions", "Not alone")
    assert moved == 1
    assert project.find_code("Emotions") is None
    assert sorted((c.code, c.start) for c in project.codings()) == [
        ("Not alone", 0),
        ("Not alone", 20),
    ]
    assert project.code("Child").parent == "Not alone"
    assert project.memos("code", "Not alone")[0].text == "memo on source"
    project.undo()
    assert sorted((c.code, c.start) for c in project.codings()) == [
        ("Emotions", 0),
        ("Emotions", 20),
        ("Not alone", 0),
    ]
    assert project.code("Child").parent == "Emotions"
    with pytest.raises(ProjectError, match="into itself"):
        project.merge_codes("Emotions", "Emotions")


def test_delete_policy(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.add_coding("doc1", "Not alone", 0, 10)
    project.set_memo("coding", cid, "why")
    with pytest.raises(ProjectError, match="--force"):
        project.delete_code("Not alone")
    with pytest.raises(ProjectError, match="sub-code"):
        project.delete_code("Security")
    assert project.delete_code("Not alone", force=True) == 1
    assert project.codings() == [] and project.memos("coding") == []
    project.undo()
    assert [c.code for c in project.codings()] == ["Not alone"]
    assert project.memos("coding")[0].text == "why"
    project.delete_code("Security", force=True)
    assert project.code("Not alone").parent is None


def test_memos_on_every_target(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.add_coding("doc1", "Emotions", 0, 10)
    project.set_memo("project", None, "project memo")
    project.set_memo("document", "doc1", "doc memo")
    project.set_memo("code", "Emotions", "code memo")
    project.set_memo("coding", cid, "coding memo")
    assert {m.target_type: m.text for m in project.memos()} == {
        "project": "project memo",
        "document": "doc memo",
        "code": "code memo",
        "coding": "coding memo",
    }
    project.set_memo("document", "doc1", "")
    assert project.memos("document") == []
    project.undo()
    assert project.memos("document", "doc1")[0].text == "doc memo"


def test_speaker_rename_and_attributes(project_with_doc: Project) -> None:
    project = project_with_doc
    project.rename_speaker("doc1", "Anna", "GP Anna")
    assert [t.speaker for t in project.turns("doc1")][1] == "GP Anna"
    with pytest.raises(ProjectError, match="already has a speaker"):
        project.rename_speaker("doc1", "GP Anna", "Interviewer")
    project.set_speaker_attribute("doc1", "GP Anna", "role", "gp")
    assert project.speakers("doc1")[1].attributes == {"role": "gp"}
    unmatched = project.set_attributes_bulk(
        {"doc1": {"country": "Sweden"}, "ghost": {"x": "1"}},
        {(None, "Interviewer"): {"role": "researcher"}},
        "table",
    )
    assert unmatched == ["document 'ghost'"]
    assert project.document_attributes("doc1") == {"country": "Sweden", "role": "gp"}
    project.undo()
    assert project.document_attributes("doc1") == {"role": "gp"}


def test_update_coding_boundaries_and_memo(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.add_coding("doc1", "Emotions", 0, 10)
    project.update_coding(cid, start=2, end=12, memo="look again")
    coding = project.coding(cid)
    assert (coding.start, coding.end, coding.memo) == (2, 12, "look again")
    with pytest.raises(ProjectError):
        project.update_coding(cid, end=10_000)
    project.undo()
    assert (project.coding(cid).start, project.coding(cid).memo) == (0, None)


def test_search_full_text(project_with_doc: Project) -> None:
    hits = project_with_doc.search("alone")
    assert [(h.document, h.speaker, h.text) for h in hits] == [
        ("doc1", "Anna", "Now I am not alone with it.")
    ]
    assert project_with_doc.search('"group listened"')[0].speaker == "Anna"
    assert project_with_doc.search("listen*")[0].speaker == "Anna"
    assert project_with_doc.search("") == []
    assert isinstance(project_with_doc.search('AND OR "( NEAR'), list)  # never raises


def test_two_connections_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.qc"
    with Project.create(path, coder="tui") as tui, Project.open(path, coder="cli") as cli:
        tui.add_document(simple_document())
        version = tui.data_version
        cli.add_code("From CLI")
        assert tui.data_version != version
        assert tui.find_code("From CLI") is not None


def test_replace_document_carries_codings_over(project_with_doc: Project) -> None:
    project = project_with_doc
    text = project.document("doc1").text
    start = text.index("not alone")
    project.add_coding("doc1", "Not alone", start, start + 9)
    new_text = text.replace("Interviewer: And now?", "Interviewer: And how is it now, then?")
    project.replace_document(simple_document("doc1", new_text))
    coding = project.codings()[0]
    assert coding.text == "not alone"
    assert coding.start == new_text.index("not alone")
    gone = new_text.replace("not alone", "together")
    with pytest.raises(ProjectError, match="no longer contains 1 coded passage"):
        project.replace_document(simple_document("doc1", gone))
    assert project.codings()[0].text == "not alone"
    dropped = project.replace_document(simple_document("doc1", gone), drop_unplaced=True)
    assert len(dropped) == 1 and project.codings() == []


def test_undo_refuses_when_later_changes_depend_on_it(project_with_doc: Project) -> None:
    project = project_with_doc
    project.add_code("Fresh")
    with Project.open(project.path, coder="bob") as bob:
        bob.add_coding("doc1", "Fresh", 0, 5)
    with pytest.raises(ProjectError, match="later changes depend on it"):
        project.undo()
    assert project.find_code("Fresh") is not None
    assert [c.code for c in project.codings()] == ["Fresh"]


def test_settings_can_stay_off_the_undo_stack(project_with_doc: Project) -> None:
    project = project_with_doc
    project.set_setting("pins", "Emotions", undoable=False)
    project.set_setting("theme", "dark")
    assert project.undo().summary == "Set theme = dark"
    assert project.setting("theme") is None and project.setting("pins") == "Emotions"
    assert project.undo().summary == "Added code 'Emotions'"  # the pin was skipped


def test_replace_document_moves_decided_suggestions_and_drops_pending(
    project_with_doc: Project,
) -> None:
    project = project_with_doc
    text = project.document("doc1").text
    code_id = project.code("Not alone").id
    start = text.index("not alone")
    gone = text.index("The group listened.")
    rows = [(start, start + 9, "rejected"), (0, 10, "pending"), (gone, gone + 19, "accepted")]
    for s, e, status in rows:
        project.conn.execute(
            'INSERT INTO suggestions(document_id, code_id, start, "end", source, status, '
            "created_at) VALUES (1, ?, ?, ?, 'rule', ?, 'now')",
            (code_id, s, e, status),
        )
    new_text = "Interviewer: Hello first.\n" + text.replace("The group listened.", "They heard.")
    project.replace_document(simple_document("doc1", new_text))
    left = project.conn.execute(
        'SELECT start, "end", status FROM suggestions ORDER BY id'
    ).fetchall()
    new_start = new_text.index("not alone")
    assert left == [(new_start, new_start + 9, "rejected")]


def test_opening_a_second_connection_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    """Closing any descriptor on a file drops every POSIX lock the process holds on it, so
    ``Project.open`` must never open the file itself. If it did, another process opening and
    closing the project would think it was the last user, delete the WAL under the first
    connection, and the first connection's later writes would be lost."""
    import subprocess
    import sys

    path = tmp_path / "locks.qc"
    Project.create(path, coder="a").close()
    first = Project.open(path, coder="a")
    first.add_code("Before")
    Project.open(path, coder="b").close()
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
            "c.execute('SELECT COUNT(*) FROM codes').fetchone(); c.close()",
        ],
        check=True,
    )
    first.add_code("After")
    seen = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
            "print(c.execute('SELECT name FROM codes ORDER BY id').fetchall())",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert seen == "[('Before',), ('After',)]"  # another process sees the committed write
    first.close()
    with Project.open(path) as again:
        assert [c.name for c in again.codes()] == ["Before", "After"]


def test_memo_events_name_their_target(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.add_coding("doc1", "Emotions", 0, 10)
    project.set_memo("code", project.code("Emotions").id, "by id")
    project.set_memo("document", "doc1", "by name")
    project.set_memo("coding", cid, "on a coding")
    project.set_memo("project", None, "")
    project.set_memo("project", None, "overall")
    summaries = [e.summary for e in project.events(4)]
    assert summaries == [
        "Wrote memo on the project",
        f"Wrote memo on coding {cid} ('Emotions' on doc1)",
        "Wrote memo on document 'doc1'",
        "Wrote memo on code 'Emotions'",
    ]
