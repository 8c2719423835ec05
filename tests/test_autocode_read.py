"""Rule auto-coding's fast path (plain-tuple reads, keyed sync, frozen GC generation) gives
exactly what reading through the ``Project`` API per document gives, on the shipped samples
and codebook, at sentence and turn level, and re-runs stay idempotent."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.codebook import codebook_entries, load_codebook
from qualcode.importing import import_files
from qualcode.nlp.autocode import _overlaps, autocode, compile_project_rules
from qualcode.resources import default_codebook, samples_dir
from qualcode.store import Project
from qualcode.store.analysis_data import is_interviewer

Row = tuple[int, int, int, int, str]


@pytest.fixture(scope="module")
def samples_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped transcripts and codebook, with a few sentences already coded by hand."""
    path = tmp_path_factory.mktemp("samples") / "samples.qc"
    files = sorted(
        p
        for p in samples_dir().iterdir()
        if p.suffix in {".txt", ".md", ".vtt", ".srt"} and p.stem.lower() != "readme"
    )
    with Project.create(path, coder="tester") as project:
        assert all(r.ok for r in import_files(project, files))
        book = load_codebook(default_codebook())
        project.codebook.apply(book.name, codebook_entries(book))
        codes = [c.name for c in project.codebook.codes()]
        with project.action("test.codings", "Test codings"):
            for doc in project.documents.all()[:3]:
                for n, s in enumerate(project.documents.sentences(doc.id)[::5]):
                    project.codings.add(doc.id, codes[n % len(codes)], s.start, s.end)
    return path


@pytest.fixture
def project(samples_path: Path, tmp_path: Path) -> Iterator[Project]:
    copy = tmp_path / "copy.qc"
    copy.write_bytes(samples_path.read_bytes())
    with Project.open(copy) as opened:
        yield opened


def reference(project: Project, unit: str) -> list[Row]:
    """What autocode should store, read document by document through the public API: not in
    interviewer turns, negated matches dropped (every code's default negation mode)."""
    rules = compile_project_rules(project)
    found: dict[tuple[int, int, int, int], list[str]] = {}
    for doc in project.documents.all():
        text = project.documents.get(doc.id).text
        all_turns = project.documents.turns(doc.id)
        turns = {t.id: (t.start, t.end) for t in all_turns}
        asking = {t.id for t in all_turns if is_interviewer(t.speaker)}
        coded: dict[int, list[tuple[int, int]]] = {}
        for coding in project.codings.list(document=doc.id):
            coded.setdefault(coding.code_id, []).append((coding.start, coding.end))
        for spans in coded.values():
            spans.sort()
        for s in project.documents.sentences(doc.id):
            if s.turn_id in asking:
                continue
            span = turns.get(s.turn_id, (s.start, s.end)) if unit == "turn" else (s.start, s.end)
            for match in rules.match_text(text[s.start : s.end], s.start):
                if not match.negated and not _overlaps(coded.get(match.code_id), span):
                    found.setdefault((doc.id, match.code_id, *span), []).append(match.describe())
    return sorted((*key, "; ".join(dict.fromkeys(r))) for key, r in found.items())


def stored(project: Project) -> list[Row]:
    return sorted(
        (s.document_id, s.code_id, s.start, s.end, s.reason)
        for s in project.suggestions.list(source="rule")
    )


@pytest.mark.parametrize("unit", ["sentence", "turn"])
def test_autocode_equals_reading_through_the_project_api(project: Project, unit: str) -> None:
    expected = reference(project, unit)
    assert len(expected) > 50
    first = autocode(project, unit=unit)
    assert stored(project) == expected
    assert first.sync.added == len(expected)
    again = autocode(project, unit=unit)
    assert (again.sync.added, again.sync.updated, again.sync.removed) == (0, 0, 0)
    assert again.sync.unchanged == len(expected)
    assert stored(project) == expected


def test_reads_match_the_project_api(project: Project) -> None:
    ids = project.suggestions.document_ids()
    assert ids == [d.id for d in project.documents.all()]
    texts = project.suggestions.document_texts(ids)
    coded = project.suggestions.coded_spans(ids)
    assert coded  # the fixture coded some sentences
    for doc_id in ids:
        doc = project.documents.get(doc_id)
        assert texts[doc_id] == (doc.name, doc.text)
        sentences = project.documents.sentences(doc_id)
        starts, ends = project.suggestions.sentence_spans(doc_id)
        assert list(zip(starts, ends, strict=True)) == [(s.start, s.end) for s in sentences]
        turns = {t.id: (t.start, t.end) for t in project.documents.turns(doc_id)}
        assert project.suggestions.sentence_turn_spans(doc_id) == [
            (s.start, s.end, *turns.get(s.turn_id, (s.start, s.end))) for s in sentences
        ]
        by_code: dict[int, list[tuple[int, int]]] = {}
        for c in project.codings.list(document=doc_id):
            by_code.setdefault(c.code_id, []).append((c.start, c.end))
        assert coded.get(doc_id, {}) == {k: sorted(v) for k, v in by_code.items()}


def test_sync_found_keeps_to_its_documents_and_codes(project: Project) -> None:
    doc_a, doc_b = project.suggestions.document_ids()[:2]
    code_a, code_b = (c.id for c in project.codebook.codes()[:2])
    result = project.suggestions.sync_found(
        "rule",
        {
            (doc_a, code_a, 0, 5): ("inside", None),
            (doc_b, code_a, 0, 5): ("other document", None),
            (doc_a, code_b, 0, 5): ("other code", None),
        },
        [doc_a],
        [code_a],
    )
    assert result.added == 1
    assert [s.reason for s in project.suggestions.list()] == ["inside"]


def test_autocode_leaves_the_garbage_collector_as_it_found_it(project: Project) -> None:
    assert gc.get_freeze_count() == 0
    autocode(project, documents=[project.documents.all()[0].name])
    assert gc.get_freeze_count() == 0
    gc.freeze()  # someone else's freeze is theirs to undo
    try:
        frozen = gc.get_freeze_count()
        autocode(project, documents=[project.documents.all()[0].name])
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
