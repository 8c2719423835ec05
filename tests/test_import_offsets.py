"""Import end to end: offsets stored for turns, sentences and codings round-trip exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.importing import import_files
from qualcode.store import Project

TRICKY = (
    "Interviewer: Café? Naïve — or 😀 emoji 👩‍⚕️ here.\n"
    "Anna: The e\u0301 is combining. Flags 🇸🇪 too! Second sentence.\n"
    "Interviewer: Zero\u200bwidth and tabs\there.\n"
    "Anna: Done.\n"
)


@pytest.fixture
def imported(project: Project, tmp_path: Path) -> Project:
    path = tmp_path / "tricky.txt"
    path.write_text(TRICKY, encoding="utf-8")
    results = import_files(project, [path])
    assert [r.status for r in results] == ["imported"]
    return project


def test_turn_and_sentence_offsets_round_trip(imported: Project) -> None:
    doc = imported.documents.get("tricky")
    assert doc.text == TRICKY
    turns = imported.documents.turns("tricky")
    assert [doc.text[t.start : t.end] for t in turns] == [
        "Café? Naïve — or 😀 emoji 👩‍⚕️ here.",
        "The e\u0301 is combining. Flags 🇸🇪 too! Second sentence.",
        "Zero\u200bwidth and tabs\there.",
        "Done.",
    ]
    sentences = [doc.text[s.start : s.end] for s in imported.documents.sentences("tricky")]
    assert "The e\u0301 is combining." in sentences
    assert "Flags 🇸🇪 too!" in sentences
    for s in imported.documents.sentences("tricky"):
        piece = doc.text[s.start : s.end]
        assert piece == piece.strip() and piece
        turn = next(t for t in turns if t.id == s.turn_id)
        assert turn.start <= s.start and s.end <= turn.end


def test_coding_offsets_round_trip_with_emoji(imported: Project) -> None:
    imported.codebook.add("Emoji")
    text = imported.documents.get("tricky").text
    start = text.index("😀")
    end = text.index("here.") + len("here.")
    cid = imported.codings.add("tricky", "Emoji", start, end)
    assert imported.codings.get(cid).text == "😀 emoji 👩‍⚕️ here."
    assert imported.codings.list()[0].text == text[start:end]


def test_reimport_unchanged_is_skipped_and_changed_needs_replace(
    imported: Project, tmp_path: Path
) -> None:
    path = tmp_path / "tricky.txt"
    assert import_files(imported, [path])[0].status == "unchanged"
    copy = tmp_path / "copy.txt"
    copy.write_text(TRICKY, encoding="utf-8")
    assert import_files(imported, [copy])[0].status == "duplicate"
    imported.codebook.add("Done")
    text = imported.documents.get("tricky").text
    imported.codings.add("tricky", "Done", text.index("Done."), text.index("Done.") + 5)
    path.write_text("Intro line.\n" + TRICKY, encoding="utf-8")
    result = import_files(imported, [path])[0]
    assert result.status == "failed" and "--replace" in result.message
    assert import_files(imported, [path], replace=True)[0].status == "replaced"
    assert imported.codings.list()[0].text == "Done."


def test_one_bad_file_does_not_stop_the_others(project: Project, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Anna: one.\nBo: two.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "c.md").write_text("Anna: three.\nBo: four.\n", encoding="utf-8")
    seen: list[tuple[int, int, str]] = []
    results = import_files(
        project, [tmp_path], progress=lambda i, n, name: seen.append((i, n, name))
    )
    assert [(r.name, r.status) for r in results] == [
        ("a", "imported"),
        ("b", "failed"),
        ("c", "imported"),
    ]
    assert "binary" in results[1].message
    assert [d.name for d in project.documents.all()] == ["a", "c"]
    assert seen[0] == (0, 3, "a.txt") and seen[-1] == (3, 3, "")


def test_word_count_excludes_speaker_labels(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "w.txt"
    path.write_text("[00:00:01] Interviewer: Two words.\n[00:00:05] Anna: Three more words.\n")
    import_files(project, [path])
    assert project.documents.get("w").word_count == 5
