"""The read-only analysis store: who a coding belongs to, participants, bulk codings."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.analysis import load_corpus
from qualcode.analysis.frequencies import frequencies, totals
from qualcode.errors import ProjectError
from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.store.analysis_data import is_interviewer, load_analysis_data
from qualcode.store.codings import CodingInput

TEXT = "NOTE: invented.\n\nInterviewer: Why?\n\nAnna: Because the group helps me a lot."


def _doc(name: str, text: str, turns: list[TurnInput]) -> DocumentInput:
    return DocumentInput(name, text, name, "txt", turns, [(t.start, t.end) for t in turns])


@pytest.fixture
def project(tmp_path: Path) -> Project:
    with Project.create(tmp_path / "s.qc", coder="ann") as p:
        note = TEXT.index("invented.")
        why = TEXT.index("Why?")
        because = TEXT.index("Because")
        p.documents.add(
            _doc(
                "talk",
                TEXT,
                [
                    TurnInput(note, note + 9, None),
                    TurnInput(why, why + 4, "Interviewer"),
                    TurnInput(because, len(TEXT), "Anna"),
                ],
            )
        )
        p.documents.add(_doc("essay", "I write alone. Nobody speaks.", [TurnInput(0, 29, None)]))
        p.codebook.add("Help")
        yield p


def test_coding_belongs_to_the_turn_holding_most_of_it(project: Project) -> None:
    why = TEXT.index("Why?")
    # "Why?" (4 characters of the interviewer) + the label and "Because the group" (17 of Anna's).
    project.codings.add("talk", "Help", why, TEXT.index(" helps"))
    project.codings.add("talk", "Help", why, why + 4)
    data = load_analysis_data(project)
    owners = [(data.persons[c.person_id].name, c.turn_index) for c in data.codings]
    assert owners == [("Interviewer", 1), ("Anna", 2)]


def test_participants_and_pseudo_persons(project: Project) -> None:
    data = load_analysis_data(project)
    people = {(p.document, p.name): (p.is_speaker, p.is_participant) for p in data.persons.values()}
    assert people == {
        ("talk", "Interviewer"): (True, False),
        ("talk", "Anna"): (True, True),
        # The NOTE line: a turn without speaker in a document with speakers -> not a participant.
        ("talk", "talk"): (False, False),
        # A text with no speakers at all is one participant: the document.
        ("essay", "essay"): (False, True),
    }
    corpus = load_corpus(project)
    assert [p.label for p in corpus.participants] == ["(essay)", "Anna"]
    # Words in turns: "invented" 1 + "Why" 1 + Anna 7 + essay 5.
    assert totals(corpus).words == 14


@pytest.mark.parametrize(
    ("name", "attrs", "expected"),
    [
        ("Interviewer", {}, True),
        ("I", {}, True),
        ("Int2", {}, True),
        ("Moderator", {}, True),
        ("Anna", {}, False),
        ("P3", {}, False),
        ("Dr Ivan", {"role": "interviewer"}, True),
        ("Ingrid", {}, False),
    ],
)
def test_is_interviewer(name: str, attrs: dict[str, str], expected: bool) -> None:
    assert is_interviewer(name, attrs) is expected


def test_bulk_codings_are_one_audited_undoable_action(project: Project) -> None:
    anna = TEXT.index("Because")
    rows = [CodingInput("talk", "Help", anna, anna + 7), CodingInput("essay", "Help", 0, 14)]
    result = project.codings.import_rows(rows, "Bulk codings")
    assert (result.added, result.skipped) == (2, 0)
    assert project.history.events(1)[0].summary == "Bulk codings: 2 added, 0 already present"
    counts = {f.code: (f.codings, f.participants) for f in frequencies(load_corpus(project))}
    assert counts == {"Help": (2, 2)}
    with pytest.raises(ProjectError, match="line 7: span"):
        project.codings.import_rows([CodingInput("essay", "Help", 0, 999, line=7)], "Bad")
    assert project.codings.import_rows(rows, "Again").added == 0  # nothing duplicated
    assert len(project.codings.list()) == 2
    project.history.undo()  # "Again" added nothing: it is not on the undo stack
    assert project.codings.list() == []
    project.history.redo()
    assert len(project.codings.list()) == 2


def test_words_are_counted_alike_everywhere() -> None:
    """One definition of a word: the analysis's word bounds and the importer's count agree,
    bracketed annotations included (they are not words)."""
    from qualcode.analysis.spans import word_bounds
    from qualcode.text import count_words

    for text in ("I [laughs] agree. (pause) Yes — don't.", "[inaudible 00:12:03] well", "plain"):
        starts, _ = word_bounds(text)
        assert len(starts) == count_words(text)
