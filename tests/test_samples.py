"""The shipped samples: every file imports, speakers are found, and every code has something
to match (keywords on lemmas, as rule auto-coding will match them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.demo import build_demo
from qualcode.ingest import read_transcript
from qualcode.ingest.attributes import read_attribute_table
from qualcode.resources import default_codebook, samples_dir
from qualcode.store import Project

SAMPLES = sorted(
    p
    for p in samples_dir().iterdir()
    if p.suffix in {".txt", ".md", ".docx", ".vtt", ".srt"} and p.stem.lower() != "readme"
)


def test_formats_are_mixed_and_there_are_enough() -> None:
    suffixes = {p.suffix for p in SAMPLES}
    assert len(SAMPLES) >= 8
    assert {".docx", ".vtt", ".srt", ".md", ".txt"} <= suffixes


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_each_sample_reads_with_two_speakers_and_1500_words(path: Path) -> None:
    transcript = read_transcript(path)
    speakers = {t.speaker for t in transcript.turns if t.speaker}
    assert len(speakers) == 2, speakers
    words = sum(len(transcript.text[t.start : t.end].split()) for t in transcript.turns)
    assert words >= 1500
    assert (
        "synthetic" in transcript.text.lower()[:600]
        or "synthetic" in str(transcript.attributes).lower()
    )


def test_participants_csv_names_every_sample() -> None:
    table = read_attribute_table(samples_dir() / "participants.csv")
    assert set(table.documents) == {p.stem for p in SAMPLES}
    for attrs in table.documents.values():
        assert {"role", "years_in_balint_group", "country", "gender"} <= set(attrs)


def test_every_code_has_a_keyword_match_in_the_samples() -> None:
    """Matched as rule auto-coding matches them (exact or lemma keywords, annotations blanked)."""
    from qualcode.nlp.rules import CodeRules, compile_rules

    texts = [read_transcript(p).text for p in SAMPLES]
    missing = []
    for n, (spec, parent) in enumerate(load_codebook(default_codebook()).walk()):
        if parent is None:
            continue
        rules = compile_rules([CodeRules(n, spec.label, keywords=tuple(spec.keywords))])
        if not any(rules.match_text(text) for text in texts):
            missing.append(spec.label)
    assert missing == []


def test_every_demo_coding_has_its_code_in_the_codebook() -> None:
    import csv

    labels = {spec.label for spec, _ in load_codebook(default_codebook()).walk()}
    with (samples_dir() / "demo_codings.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 150
    assert sorted({r["code"] for r in rows} - labels) == []


def test_demo_project_builds(tmp_path: Path) -> None:
    path = build_demo(tmp_path)
    with Project.open(path) as project:
        docs = project.documents.all()
        assert len(docs) == len(SAMPLES)
        assert project.documents.attributes("gp05_elin")["role"] == "gp"
        assert len([c for c in project.codebook.codes() if c.depth == 0]) >= 8
    assert build_demo(tmp_path) == path  # reused, not rebuilt
