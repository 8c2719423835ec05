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
        assert project.session.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert project.session.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert project.session.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert project.schema_version == SCHEMA_VERSION
        tables = set(project.session.db.table_names())
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
        project.codebook.add("Kept")
        # Pretend the file was stamped by the first schema: the later migrations run again
        # over tables already in their shape, and must find nothing to change.
        project.session.conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with Project.open(path) as project:
        assert project.schema_version == SCHEMA_VERSION
        assert [c.name for c in project.codebook.codes()] == ["Kept"]
    # Idempotent: running every migration again on an up-to-date file changes nothing.
    with Project.open(path) as project:
        for migration in MIGRATIONS:
            migration(project.session.db)
        assert [c.name for c in project.codebook.codes()] == ["Kept"]


def test_newer_schema_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "new.qc"
    with Project.create(path) as project:
        project.codebook.add("A")
        project.session.conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with Project.open(path) as project:
        assert project.read_only
        assert [c.name for c in project.codebook.codes()] == ["A"]
        with pytest.raises(ProjectError, match="newer qualcode"):
            project.codebook.add("B")


def test_add_document_stores_turns_sentences_speakers(project: Project) -> None:
    project.documents.add(simple_document())
    doc = project.documents.get("doc1")
    assert doc.speaker_count == 2 and doc.turn_count == 4
    turns = project.documents.turns("doc1")
    assert [t.speaker for t in turns] == ["Interviewer", "Anna", "Interviewer", "Anna"]
    assert doc.text[turns[3].start : turns[3].end] == "Now I am not alone with it."
    sentences = project.documents.sentences("doc1")
    assert [doc.text[s.start : s.end] for s in sentences][1:4] == [
        "I felt angry with her.",
        "Then I understood why.",
        "The group listened.",
    ]
    assert all(s.turn_id == turns[1].id for s in sentences[1:4])
    assert project.documents.attributes("doc1") == {"role": "gp"}
    with pytest.raises(ProjectError, match="already exists"):
        project.documents.add(simple_document())


def test_unknown_names_give_suggestions(project_with_doc: Project) -> None:
    with pytest.raises(ProjectError, match="did you mean 'Emotions'"):
        project_with_doc.codebook.get("Emotion")
    with pytest.raises(ProjectError, match="no document named 'doc2'"):
        project_with_doc.documents.get("doc2")


def test_coding_offsets_are_validated(project_with_doc: Project) -> None:
    project = project_with_doc
    length = project.documents.get("doc1").length
    for start, end in ((-1, 5), (5, 5), (6, 5), (0, length + 1)):
        with pytest.raises(ProjectError, match="not inside the document"):
            project.codings.add("doc1", "Emotions", start, end)
    assert project.codings.list() == []
    cid = project.codings.add("doc1", "Emotions", length - 5, length)
    assert project.codings.get(cid).text == "h it."
    with pytest.raises(ProjectError, match="already has code"):
        project.codings.add("doc1", "Emotions", length - 5, length)


def test_every_change_writes_an_event_in_the_same_transaction(project_with_doc: Project) -> None:
    project = project_with_doc
    before = len(project.history.events(1000))
    text = project.documents.get("doc1").text
    start = text.index("I felt angry")
    cid = project.codings.add("doc1", "Emotions", start, start + 22)
    events = project.history.events(1000)
    assert len(events) == before + 1
    latest = events[0]
    assert latest.coder == "ann" and latest.action == "coding.add"
    assert "I felt angry with her." in latest.summary
    change = latest.changes[0]
    assert change["table"] == "codings" and change["before"] is None
    assert change["after"]["id"] == cid and change["after"]["start"] == start


def test_failed_action_leaves_nothing_behind(project_with_doc: Project) -> None:
    project = project_with_doc
    events_before = len(project.history.events(1000))
    with pytest.raises(ProjectError):
        with project.action("test", "half done"):
            project.codings.add("doc1", "Emotions", 0, 5)
            project.codings.add("doc1", "Nope", 0, 5)
    assert project.codings.list() == []
    assert len(project.history.events(1000)) == events_before


def test_undo_redo_coding_and_redo_cleared_by_new_action(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    assert project.history.undo().summary.startswith("Coded 'Emotions'")
    assert project.codings.list() == []
    assert project.history.redo() is not None
    assert [c.id for c in project.codings.list()] == [cid]
    project.history.undo()
    project.codebook.add("Other")
    assert project.history.redo() is None  # a new action ends the redo chain
    project.history.undo()  # undoes "Added code 'Other'"
    assert project.codebook.find("Other") is None
    assert project.codings.list() == []


def test_undo_is_per_coder(tmp_path: Path) -> None:
    path = tmp_path / "s.qc"
    with Project.create(path, coder="ann") as ann:
        ann.documents.add(simple_document())
        ann.codebook.add("A")
        ann.codings.add("doc1", "A", 0, 5)
    with Project.open(path, coder="bob") as bob:
        bob.codings.add("doc1", "A", 5, 10)
        with Project.open(path, coder="ann") as ann:
            ann.history.undo()
        assert [(c.coder, c.start) for c in bob.codings.list()] == [("bob", 5)]


def test_undo_refuses_when_rows_changed_since(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    other = Project.open(project.path, coder="bob")
    other.codings.move(cid, start=1)
    other.close()
    with pytest.raises(ProjectError, match="changed since"):
        project.history.undo()
    assert project.codings.get(cid).start == 1


def test_undo_refuses_to_take_a_later_memo_with_its_coding(project_with_doc: Project) -> None:
    """Undoing a coding would cascade away another coder's later memo on it: refused."""
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    with Project.open(project.path, coder="bob") as other:
        other.memos.set("coding", cid, "bob's note")
    with pytest.raises(ProjectError, match="memo written since"):
        project.history.undo()
    assert project.codings.get(cid).memo == "bob's note"


def test_rename_move_and_cycle_protection(project_with_doc: Project) -> None:
    project = project_with_doc
    project.codebook.rename("Emotions", "Difficult emotions")
    with pytest.raises(ProjectError, match="already exists"):
        project.codebook.rename("Difficult emotions", "Security")
    project.codebook.move("Difficult emotions", "Security")
    assert project.codebook.get("Difficult emotions").parent == "Security"
    with pytest.raises(ProjectError, match="under itself"):
        project.codebook.move("Security", "Not alone")
    project.history.undo()
    project.history.undo()
    assert project.codebook.get("Emotions").parent is None


def test_merge_moves_codings_children_and_drops_duplicates(project_with_doc: Project) -> None:
    project = project_with_doc
    project.codebook.add("Child", parent="Emotions")
    project.codings.add("doc1", "Emotions", 0, 10)
    project.codings.add("doc1", "Emotions", 20, 30)
    project.codings.add("doc1", "Not alone", 0, 10)
    project.memos.set("code", "Emotions", "memo on source")
    moved = project.codebook.merge("Emotions", "Not alone")
    assert moved == 1
    assert project.codebook.find("Emotions") is None
    assert sorted((c.code, c.start) for c in project.codings.list()) == [
        ("Not alone", 0),
        ("Not alone", 20),
    ]
    assert project.codebook.get("Child").parent == "Not alone"
    assert project.memos.list("code", "Not alone")[0].text == "memo on source"
    project.history.undo()
    assert sorted((c.code, c.start) for c in project.codings.list()) == [
        ("Emotions", 0),
        ("Emotions", 20),
        ("Not alone", 0),
    ]
    assert project.codebook.get("Child").parent == "Emotions"
    with pytest.raises(ProjectError, match="into itself"):
        project.codebook.merge("Emotions", "Emotions")


def test_delete_policy(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Not alone", 0, 10)
    project.memos.set("coding", cid, "why")
    with pytest.raises(ProjectError, match="--force"):
        project.codebook.delete("Not alone")
    with pytest.raises(ProjectError, match="sub-code"):
        project.codebook.delete("Security")
    assert project.codebook.delete("Not alone", force=True) == 1
    assert project.codings.list() == [] and project.memos.list("coding") == []
    project.history.undo()
    assert [c.code for c in project.codings.list()] == ["Not alone"]
    assert project.memos.list("coding")[0].text == "why"
    project.codebook.delete("Security", force=True)
    assert project.codebook.get("Not alone").parent is None


def test_memos_on_every_target(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    project.memos.set("project", None, "project memo")
    project.memos.set("document", "doc1", "doc memo")
    project.memos.set("code", "Emotions", "code memo")
    project.memos.set("coding", cid, "coding memo")
    assert {m.target_type: m.text for m in project.memos.list()} == {
        "project": "project memo",
        "document": "doc memo",
        "code": "code memo",
        "coding": "coding memo",
    }
    project.memos.set("document", "doc1", "")
    assert project.memos.list("document") == []
    project.history.undo()
    assert project.memos.list("document", "doc1")[0].text == "doc memo"


def test_speaker_rename_and_attributes(project_with_doc: Project) -> None:
    project = project_with_doc
    project.documents.rename_speaker("doc1", "Anna", "GP Anna")
    assert [t.speaker for t in project.documents.turns("doc1")][1] == "GP Anna"
    with pytest.raises(ProjectError, match="already has a speaker"):
        project.documents.rename_speaker("doc1", "GP Anna", "Interviewer")
    project.documents.set_speaker_attribute("doc1", "GP Anna", "role", "gp")
    assert project.documents.speakers("doc1")[1].attributes == {"role": "gp"}
    unmatched = project.documents.set_attributes_bulk(
        {"doc1": {"country": "Sweden"}, "ghost": {"x": "1"}},
        {(None, "Interviewer"): {"role": "researcher"}},
        "table",
    )
    assert unmatched == ["document 'ghost'"]
    assert project.documents.attributes("doc1") == {"country": "Sweden", "role": "gp"}
    project.history.undo()
    assert project.documents.attributes("doc1") == {"role": "gp"}


def test_update_coding_boundaries_and_memo(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    project.codings.move(cid, start=2, end=12)
    project.memos.set("coding", cid, "look again")
    coding = project.codings.get(cid)
    assert (coding.start, coding.end, coding.memo) == (2, 12, "look again")
    with pytest.raises(ProjectError):
        project.codings.move(cid, end=10_000)
    project.history.undo()
    assert (project.codings.get(cid).start, project.codings.get(cid).memo) == (2, None)
    project.history.undo()
    assert (project.codings.get(cid).start, project.codings.get(cid).memo) == (0, None)


def test_search_full_text(project_with_doc: Project) -> None:
    hits = project_with_doc.documents.search("alone")
    assert [(h.document, h.speaker, h.text) for h in hits] == [
        ("doc1", "Anna", "Now I am not alone with it.")
    ]
    assert project_with_doc.documents.search('"group listened"')[0].speaker == "Anna"
    assert project_with_doc.documents.search("listen*")[0].speaker == "Anna"
    assert project_with_doc.documents.search("") == []
    assert isinstance(project_with_doc.documents.search('AND OR "( NEAR'), list)  # never raises


def test_two_connections_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.qc"
    with Project.create(path, coder="tui") as tui, Project.open(path, coder="cli") as cli:
        tui.documents.add(simple_document())
        version = tui.data_version
        cli.codebook.add("From CLI")
        assert tui.data_version != version
        assert tui.codebook.find("From CLI") is not None


def test_replace_document_carries_codings_over(project_with_doc: Project) -> None:
    project = project_with_doc
    text = project.documents.get("doc1").text
    start = text.index("not alone")
    project.codings.add("doc1", "Not alone", start, start + 9)
    new_text = text.replace("Interviewer: And now?", "Interviewer: And how is it now, then?")
    project.documents.replace(simple_document("doc1", new_text))
    coding = project.codings.list()[0]
    assert coding.text == "not alone"
    assert coding.start == new_text.index("not alone")
    gone = new_text.replace("not alone", "together")
    with pytest.raises(ProjectError, match="no longer contains 1 coded passage"):
        project.documents.replace(simple_document("doc1", gone))
    assert project.codings.list()[0].text == "not alone"
    dropped = project.documents.replace(simple_document("doc1", gone), drop_unplaced=True)
    assert len(dropped) == 1 and project.codings.list() == []


def test_undo_refuses_when_later_changes_depend_on_it(project_with_doc: Project) -> None:
    project = project_with_doc
    project.codebook.add("Fresh")
    with Project.open(project.path, coder="bob") as bob:
        bob.codings.add("doc1", "Fresh", 0, 5)
    with pytest.raises(ProjectError, match="later changes depend on it"):
        project.history.undo()
    assert project.codebook.find("Fresh") is not None
    assert [c.code for c in project.codings.list()] == ["Fresh"]


def test_settings_can_stay_off_the_undo_stack(project_with_doc: Project) -> None:
    project = project_with_doc
    project.settings.set("pins", "Emotions", undoable=False)
    project.settings.set("theme", "dark")
    assert project.history.undo().summary == "Set theme = dark"
    assert project.settings.get("theme") is None and project.settings.get("pins") == "Emotions"
    assert project.history.undo().summary == "Added code 'Emotions'"  # the pin was skipped


def test_replace_document_moves_decided_suggestions_and_drops_pending(
    project_with_doc: Project,
) -> None:
    project = project_with_doc
    text = project.documents.get("doc1").text
    code_id = project.codebook.get("Not alone").id
    start = text.index("not alone")
    gone = text.index("The group listened.")
    rows = [(start, start + 9, "rejected"), (0, 10, "pending"), (gone, gone + 19, "accepted")]
    for s, e, status in rows:
        project.session.conn.execute(
            'INSERT INTO suggestions(document_id, code_id, start, "end", source, status, '
            "created_at) VALUES (1, ?, ?, ?, 'rule', ?, 'now')",
            (code_id, s, e, status),
        )
    new_text = "Interviewer: Hello first.\n" + text.replace("The group listened.", "They heard.")
    project.documents.replace(simple_document("doc1", new_text))
    left = project.session.conn.execute(
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
    first.codebook.add("Before")
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
    first.codebook.add("After")
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
        assert [c.name for c in again.codebook.codes()] == ["Before", "After"]


def test_memo_events_name_their_target(project_with_doc: Project) -> None:
    project = project_with_doc
    cid = project.codings.add("doc1", "Emotions", 0, 10)
    project.memos.set("code", project.codebook.get("Emotions").id, "by id")
    project.memos.set("document", "doc1", "by name")
    project.memos.set("coding", cid, "on a coding")
    project.memos.set("project", None, "")
    project.memos.set("project", None, "overall")
    summaries = [e.summary for e in project.history.events(4)]
    assert summaries == [
        "Wrote memo on the project",
        f"Wrote memo on coding {cid} ('Emotions' on doc1 [0:10])",
        "Wrote memo on document 'doc1'",
        "Wrote memo on code 'Emotions'",
    ]
