"""The suggestion store: idempotent sync, accept/reject as undoable audited actions, the
`suggestions` command, and models stored inside the project file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.errors import ProjectError
from qualcode.nlp.autocode import autocode
from qualcode.store import Project
from qualcode.store import suggestions as store
from tests.test_rules import make_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    proj = make_project(tmp_path)
    autocode(proj)
    yield proj
    proj.close()


def pending(project: Project) -> list[store.Suggestion]:
    return project.suggestions.list(order="document")


def test_sync_adds_refreshes_withdraws_and_never_touches_decided(project: Project) -> None:
    doc = project.documents.get("anna").id
    code = project.codebook.get("Emotions").id
    proposals = [store.Proposal(doc, code, 0, 5, "r1"), store.Proposal(doc, code, 6, 9, "r2")]
    first = project.suggestions.sync("model", proposals, [doc], [code])
    assert (first.added, first.pending) == (2, 2)
    same = project.suggestions.sync("model", proposals, [doc], [code])
    assert (same.added, same.unchanged) == (0, 2)
    model_items = project.suggestions.list(source="model", order="document")
    project.suggestions.reject([model_items[0].id])
    changed = [store.Proposal(doc, code, 0, 5, "r1 new"), store.Proposal(doc, code, 20, 25, "r3")]
    result = project.suggestions.sync("model", changed, [doc], [code])
    assert (result.added, result.removed, result.decided, result.updated) == (1, 1, 1, 0)
    rejected = project.suggestions.get(model_items[0].id)
    assert (rejected.status, rejected.reason) == ("rejected", "r1")
    # Rule suggestions are another source: untouched by a model sync.
    assert len(project.suggestions.list(source="rule")) == 5


def test_accept_creates_coding_and_undo_reverts_both(project: Project) -> None:
    item = pending(project)[0]
    (coding_id,) = project.suggestions.accept([item.id])
    coding = project.codings.get(coding_id)
    assert (coding.origin, coding.coder, coding.code) == ("rule", "ann", item.code)
    assert (coding.start, coding.end) == (item.start, item.end)
    after = project.suggestions.get(item.id)
    assert (after.status, after.coding_id) == ("accepted", coding_id)
    assert after.decided_at is not None
    event = project.history.events(limit=1)[0]
    assert event.action == "suggestion.accept" and event.undoable
    assert "Accepted rule suggestion 'Emotions'" in event.summary
    project.history.undo()
    with pytest.raises(ProjectError):
        project.codings.get(coding_id)
    back = project.suggestions.get(item.id)
    assert (back.status, back.coding_id, back.decided_at) == ("pending", None, None)
    project.history.redo()
    assert project.suggestions.get(item.id).status == "accepted"
    assert project.codings.get(coding_id).origin == "rule"


def test_reject_is_undoable_and_audited(project: Project) -> None:
    item = pending(project)[1]
    assert project.suggestions.reject([item.id]) == 1
    assert project.suggestions.get(item.id).status == "rejected"
    assert project.history.events(limit=1)[0].action == "suggestion.reject"
    project.history.undo()
    assert project.suggestions.get(item.id).status == "pending"


def test_deciding_twice_is_refused(project: Project) -> None:
    item = pending(project)[0]
    project.suggestions.reject([item.id])
    with pytest.raises(ProjectError, match="already rejected"):
        project.suggestions.accept([item.id])
    with pytest.raises(ProjectError, match="no suggestion with id 999"):
        project.suggestions.reject([999])


def test_accept_and_reject_all_of_a_code_are_one_action_each(project: Project) -> None:
    ids = project.suggestions.accept_code("Long relationships")
    assert len(ids) == 2
    assert {project.codings.get(i).code for i in ids} == {"Long relationships"}
    assert project.suggestions.counts()["accepted"] == 2
    project.history.undo()
    assert project.suggestions.counts() == {"pending": 5, "accepted": 0, "rejected": 0}
    assert project.codings.list() == []
    assert project.suggestions.reject_code("Long relationships") == 2
    assert "Rejected all 2 suggestion(s)" in project.history.events(limit=1)[0].summary


def test_accepting_a_passage_already_coded_links_the_coding(project: Project) -> None:
    item = pending(project)[0]
    existing = project.codings.add(item.document, item.code, item.start, item.end)
    assert project.suggestions.accept([item.id]) == [existing]
    assert len(project.codings.list()) == 1


def test_listing_orders(project: Project) -> None:
    doc = project.documents.get("anna").id
    code = project.codebook.get("Scapegoating").id
    project.suggestions.sync(
        "model",
        [store.Proposal(doc, code, 0, 5, "m", 0.4), store.Proposal(doc, code, 6, 9, "m", 0.9)],
        [doc],
        [code],
    )
    by_score = project.suggestions.list(order="score")
    assert [s.score for s in by_score[:2]] == [0.9, 0.4]
    assert by_score[-1].score is None
    by_doc = project.suggestions.list(order="document")
    assert [s.start for s in by_doc] == sorted(s.start for s in by_doc)
    assert {s.code for s in project.suggestions.list(code="Scapegoating")} == {"Scapegoating"}
    with pytest.raises(ProjectError):
        project.suggestions.list(order="colour")


def test_models_are_stored_as_bytes_with_the_codebook_hash(project: Project) -> None:
    blob = bytes(range(256)) * 10
    project.models.save("m", blob, {"labels": ["Emotions"]}, {"Emotions": 0.3}, "Trained")
    model = project.models.load("m")
    assert model is not None
    assert model.data == blob and model.thresholds == {"Emotions": 0.3}
    assert model.codebook_hash == project.codebook.hash()
    assert project.history.events(limit=1)[0].action == "model.save"
    project.models.save("m", b"v2", {}, {}, "Retrained")
    assert project.models.load("m").data == b"v2"  # replaced, not duplicated
    project.models.update_evaluation("m", {"f1": 1}, {"Emotions": 0.4})
    assert project.models.load("m").thresholds == {"Emotions": 0.4}
    old = project.codebook.hash()
    project.codebook.update("Emotions", definition="Naming feelings")
    assert project.codebook.hash() != old
    assert project.models.load("missing") is None


def test_cli_suggestions_list_accept_reject(project: Project, monkeypatch) -> None:
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    path = str(project.path)
    items = pending(project)
    runner = CliRunner()
    listing = runner.invoke(main, ["suggestions", path, "--sort", "document"])
    assert listing.exit_code == 0
    assert f"#{items[0].id} Emotions | anna" in listing.stdout
    assert 'why: keyword "feel angry" matched "felt angry"' in listing.stdout
    accepted = runner.invoke(
        main, ["suggestions", path, "--accept", f"{items[0].id},{items[1].id}"]
    )
    assert accepted.exit_code == 0 and "Accepted 2 suggestion(s)" in accepted.stdout
    rejected = runner.invoke(main, ["suggestions", path, "--reject-code", "Scapegoating"])
    assert "Rejected 1 suggestion(s) of 'Scapegoating'" in rejected.stdout
    lines = runner.invoke(main, ["suggestions", path, "--status", "all", "--json"]).stdout
    assert lines.count("\n") == 5 and '"status": "accepted"' in lines
    codings = project.codings.list()
    assert [c.coder for c in codings] == ["tester", "tester"]
    assert {c.origin for c in codings} == {"rule"}
    undo = runner.invoke(main, ["undo", path, "--coder", "tester"])
    assert undo.exit_code == 0
    assert project.suggestions.counts()["rejected"] == 0
    bad = runner.invoke(main, ["suggestions", path, "--accept", "x1"])
    assert bad.exit_code == 1 and "not a suggestion id" in bad.stderr
    both = runner.invoke(main, ["suggestions", path, "--accept", "1", "--reject", "2"])
    assert both.exit_code == 1 and "only one of" in both.stderr
    again = runner.invoke(main, ["suggestions", path, "--accept", str(items[0].id)])
    assert again.exit_code == 1 and "already accepted" in again.stderr
