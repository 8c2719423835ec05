"""Participants as cases across documents, typed attributes, bins, the interviewer role, and
project-wide speaker rename/merge (issue 11)."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.analysis import Filters, load_corpus, parse_where
from qualcode.analysis.corpus import bin_value, parse_bins
from qualcode.analysis.frequencies import frequencies, totals
from qualcode.analysis.matrix import crosstab
from qualcode.errors import ProjectError, QualcodeError
from qualcode.store import Project
from qualcode.store.cases import Cases
from qualcode.store.speakers import Speakers

Run = Callable[..., Result]

BOOK = "name: Tiny\nthemes:\n  - label: Alone\n    keywords: [alone]\n"


@pytest.fixture
def study(cli: Run, tmp_path: Path) -> Path:
    """Astrid interviewed twice (two documents), Bo once; Speaker 1 asks the questions."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "astrid_1.txt").write_text(
        "Speaker 1: How was it?\nAstrid: I felt alone.\nSpeaker 1: And then?\nAstrid: Less so.\n",
        encoding="utf-8",
    )
    (d / "astrid_2.txt").write_text(
        "Speaker 1: A year later?\nAstrid: Still alone sometimes.\nSpeaker 1: Oh?\nAstrid: Yes.\n",
        encoding="utf-8",
    )
    (d / "bo.txt").write_text(
        "Speaker 1: And you?\nBo: Never alone in the group.\nSpeaker 3: Really?\nBo: Yes.\n",
        encoding="utf-8",
    )
    (tmp_path / "people.csv").write_text(
        "speaker,participant,years,interviewed\nAstrid,P01,3,2024-03-05\nBo,P02,12,2023-11-20\n",
        encoding="utf-8",
    )
    (tmp_path / "book.yaml").write_text(BOOK, encoding="utf-8")
    assert cli("init", "s.qc").exit_code == 0
    result = cli("import", "s.qc", d, "--attributes", "people.csv")
    assert result.exit_code == 0, result.output
    assert cli("codebook", "load", "s.qc", "book.yaml").exit_code == 0
    for doc in ("astrid_1", "astrid_2", "bo"):
        result = cli("code", "s.qc", doc, "Alone", "--text", "alone")
        assert result.exit_code == 0, result.output
    return tmp_path / "s.qc"


def test_a_participant_interviewed_twice_counts_once(cli: Run, study: Path) -> None:
    # Speaker 1 is not a default interviewer name: mark the role once for the project.
    result = cli("speakers", study, "--interviewer", "Speaker 1", "--all")
    assert result.exit_code == 0, result.output
    assert "3 speaker(s)" in result.output
    with Project.open(study) as proj:
        corpus = load_corpus(proj, Filters())
        tot = totals(corpus)
        assert tot.participants == 3  # Astrid (P01), Bo (P02), Speaker 3 (a case of its own)
        row = next(f for f in frequencies(corpus) if f.code == "Alone")
        assert row.participants == 2  # Astrid's two interviews are one person
        assert row.documents == 3
        tab = crosstab(corpus, "years", unit="speaker")
        assert tab.values == ("3", "12", "(missing)")
        assert tab.cases == (1, 1, 1)
        cells = tab.rows[0].cells
        assert (cells[0].passages, cells[0].cases_with) == (2, 1)
    out = cli("stats", study).output
    assert "3 participants" in out


def test_cases_command_lists_assigns_and_types(cli: Run, study: Path) -> None:
    out = cli("cases", study).output
    assert "P01" in out and "astrid_1/Astrid; astrid_2/Astrid" in out
    assert cli("cases", study, "--assign", "bo", "Speaker 3", "P02").exit_code == 0
    with Project.open(study) as proj:
        p02 = Cases(proj.session).get("p02")
        assert p02.speakers == (("bo", "Bo"), ("bo", "Speaker 3"))
    result = cli("cases", study, "--type", "years", "number")
    assert result.exit_code == 0, result.output
    bad = cli("cases", study, "--set", "P01", "years", "lots")
    assert bad.exit_code == 1 and "is not a number" in bad.stderr
    assert cli("cases", study, "--set", "P01", "years", "4").exit_code == 0
    with Project.open(study) as proj:
        assert Cases(proj.session).get("P01").attributes["years"] == "4"
    typed = cli("cases", study, "--type", "interviewed", "date")
    assert typed.exit_code == 0, typed.output
    refused = cli("cases", study, "--type", "participant", "number")
    assert refused.exit_code == 1 and "is not a number" in refused.stderr
    assert cli("undo", study).exit_code == 0


def test_bins_and_dates(cli: Run, study: Path) -> None:
    assert parse_bins("years", "0,5,10,20") == ("years", (0.0, 5.0, 10.0, 20.0))
    with pytest.raises(QualcodeError):
        parse_bins("years", "5,0")
    assert [bin_value(v, (0, 5, 10, 20)) for v in ("3", "5", "12", "20", "25", "x")] == [
        "0–<5",
        "5–<10",
        "10–20",
        "10–20",
        ">20",
        "x",
    ]
    assert cli("cases", study, "--type", "interviewed", "date").exit_code == 0
    with Project.open(study) as proj:
        corpus = load_corpus(proj, Filters(bins=(("years", (0, 5, 10, 20)),)))
        tab = crosstab(corpus, "years", unit="speaker")
        assert tab.values[:3] == ("0–<5", "5–<10", "10–20")
        later = load_corpus(proj, Filters(where=parse_where(["interviewed>=2024-01-01"])))
        assert {p.name for p in later.participants} == {"Astrid"}
        dates = crosstab(load_corpus(proj, Filters()), "interviewed", unit="speaker")
        assert dates.values[:2] == ("2023-11-20", "2024-03-05")
    result = cli(
        "export", study, "crosstab", "--by", "years", "--bins", "0,5,10,20", "--unit", "speaker"
    )
    assert result.exit_code == 0, result.output
    header = next(csv.reader(io.StringIO(result.output)))
    assert any("0–<5" in h for h in header) and any("10–20" in h for h in header)


def test_interviewer_talk_can_be_left_out(study: Path) -> None:
    with Project.open(study) as proj:
        Speakers(proj.session).set_interviewer("Speaker 1", True)
        everyone = load_corpus(proj, Filters())
        talk = load_corpus(proj, Filters(no_interviewer=True))
        assert talk.words < everyone.words
        assert all(
            talk.persons[t.person_id].is_participant for ts in talk.turns.values() for t in ts
        )


def speaker_rows(path: Path) -> list[tuple]:  # type: ignore[type-arg]
    conn = sqlite3.connect(path)
    try:
        return [
            *conn.execute("SELECT * FROM speakers ORDER BY id"),
            *conn.execute("SELECT * FROM speaker_attributes ORDER BY speaker_id, key"),
            *conn.execute("SELECT id, speaker_id FROM turns ORDER BY id"),
        ]
    finally:
        conn.close()


def test_project_wide_rename_and_merge_are_undoable(cli: Run, study: Path) -> None:
    before = speaker_rows(study)
    result = cli("speakers", study, "--rename", "Speaker 1", "Interviewer", "--all")
    assert result.exit_code == 0, result.output
    assert "3 document(s)" in result.output
    listing = cli("speakers", study, "--all").output
    assert "Interviewer" in listing and "Speaker 1" not in listing
    with Project.open(study) as proj:
        assert all(s.name != "Speaker 1" for s in proj.documents.speakers())
        corpus = load_corpus(proj, Filters())
        assert {p.name for p in corpus.participants} == {"Astrid", "Bo", "Speaker 3"}
    clash = cli("speakers", study, "--rename", "Speaker 3", "Interviewer", "--all")
    assert clash.exit_code == 1 and "--merge" in clash.stderr
    merged = cli("speakers", study, "--merge", "Speaker 3", "Interviewer", "--all")
    assert merged.exit_code == 0, merged.output
    with Project.open(study) as proj:
        bo = [(t.speaker, t.start) for t in proj.documents.turns("bo")]
        assert [s for s, _ in bo] == ["Interviewer", "Bo", "Interviewer", "Bo"]
        assert [s.name for s in proj.documents.speakers("bo")] == ["Interviewer", "Bo"]
    assert cli("undo", study).exit_code == 0
    assert cli("undo", study).exit_code == 0
    assert speaker_rows(study) == before


def test_speaker_errors_are_one_line(cli: Run, study: Path) -> None:
    result = cli("speakers", study, "--rename", "Nobody", "X", "--all")
    assert result.exit_code == 1 and "Nobody" in result.stderr
    result = cli("speakers", study, "--rename", "Astrid", "X")
    assert result.exit_code == 1 and "--all" in result.stderr
    with Project.open(study) as proj, pytest.raises(ProjectError):
        Speakers(proj.session).merge("Astrid", "Astrid")


def test_a_typed_attribute_is_checked_on_every_path(tmp_path: Path) -> None:
    """The type of an attribute holds whichever way a value arrives: cases, a document or
    speaker attribute, or a participants table (all write through store/attributes.py)."""
    from qualcode.errors import ProjectError
    from qualcode.store import Project
    from tests.conftest import dump, simple_document

    path = tmp_path / "typed.qc"
    with Project.create(path, coder="ann") as project:
        project.documents.add(simple_document())
        project.cases.set_type("years", "number")
    before = dump(path)
    with Project.open(path, coder="ann") as project:
        with pytest.raises(ProjectError, match="years is a number attribute"):
            project.documents.set_attribute("doc1", "years", "many")
        with pytest.raises(ProjectError, match="years is a number attribute"):
            project.documents.set_speaker_attribute("doc1", "Anna", "years", "lots")
        with pytest.raises(ProjectError, match="years is a number attribute"):
            project.documents.set_attributes_bulk({"doc1": {"years": "ten"}}, {}, "table")
    assert dump(path) == before
    with Project.open(path, coder="ann") as project:
        project.documents.set_attribute("doc1", "years", "10")
        assert project.documents.attributes("doc1")["years"] == "10"


def test_crosstab_and_matrix_read_bins_alike() -> None:
    """One edge reader for both commands: the same refusals in the same words."""
    from qualcode.binning import parse_edges

    for text, message in [
        ("5,5", "must increase, but 5 comes after 5"),
        ("0,inf", "must be finite numbers"),
        ("0,x", "--bins needs numbers"),
        (",".join(str(i) for i in range(102)), "at most 100 edges"),
    ]:
        with pytest.raises(QualcodeError, match=message):
            parse_bins("years", text)
        with pytest.raises(QualcodeError, match=message):
            parse_edges(text)
    with pytest.raises(QualcodeError, match="2 or more increasing numbers"):
        parse_bins("years", "5")
    assert parse_edges("5") == [5.0]
