"""Done-marks (``qualcode done``) per coder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from qualcode.store import Project
from qualcode.store.done import DoneMarks
from tests.conftest import simple_document

Run = Callable[..., Result]


def test_marks_are_per_coder(project_with_doc: Project) -> None:
    marks = DoneMarks(project_with_doc.session)
    assert marks.mark("doc1") is True
    assert marks.mark("doc1") is False
    assert marks.is_done("doc1")
    project_with_doc.coder = "ben"
    assert not marks.is_done("doc1")
    assert marks.toggle("doc1") is True
    assert marks.marks() == {"ann": {"doc1"}, "ben": {"doc1"}}
    assert marks.toggle("doc1") is False
    assert [(m.coder, m.document) for m in marks.list()] == [("ann", "doc1")]
    event = project_with_doc.history.events(1)[0]
    assert event.summary == "Unmarked doc1 done for ben"


def test_done_cli(cli: Run, tmp_path: Path) -> None:
    with Project.create(tmp_path / "s.qc", coder="x") as p:
        p.documents.add(simple_document())
    result = cli("done", "s.qc", "doc1", "--coder", "anna")
    assert result.exit_code == 0, result.output
    assert "doc1: done for anna" in result.output
    result = cli("done", "s.qc", "--list")
    assert "anna" in result.output and "doc1" in result.output
    result = cli("done", "s.qc", "doc1", "--undo", "--coder", "anna")
    assert "not done" in result.output
    result = cli("done", "s.qc", "nope")
    assert result.exit_code == 1
    assert "nope" in result.output
