"""Transcripts as transcription tools export them (issue 11): each layout, written here in
``tmp_path``, imports with its speakers, turn count, timestamps and clean turn text; bad files
in each new format get one line and leave the project unchanged."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.errors import IngestError
from qualcode.ingest import Transcript, read_transcript
from tests.conftest import dump

Run = Callable[..., Result]

# ---------------------------------------------------------------- file makers


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def make_odt(path: Path, paragraphs: list[str]) -> Path:
    from odfdo import Document, Paragraph

    document = Document("text")
    for text in paragraphs:
        document.body.append(Paragraph(text))
    document.save(str(path))
    return path


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with a text layer (Helvetica, one line per ``Tj``)."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
    for line in lines:
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({safe}) Tj T*")
    ops.append("ET")
    return _write_pdf(path, "\n".join(ops).encode("latin-1"), font=True)


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose page only paints (a grey box): no text layer, as a scan without OCR."""
    return _write_pdf(path, b"0.5 g 72 72 400 600 re f", font=False)


def _write_pdf(path: Path, stream: bytes, font: bool) -> Path:
    resources = "/Resources << /Font << /F1 5 0 R >> >>" if font else "/Resources << >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {resources} /Contents 4 0 R >>"
        ).encode(),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def turns_of(t: Transcript) -> list[tuple[str | None, str | None, str]]:
    return [(x.speaker, x.timestamp, t.text[x.start : x.end]) for x in t.turns]


# ---------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Speaker 1: Hello, welcome.\nSpeaker 12: Thanks.\nSpeaker 1: Shall we start?\n",
            [
                ("Speaker 1", None, "Hello, welcome."),
                ("Speaker 12", None, "Thanks."),
                ("Speaker 1", None, "Shall we start?"),
            ],
        ),
        (
            "Int: Tell me about the group.\nGP 3: It helped.\nIV: How?\nP 3: By listening.\n"
            "Respondent 2: Same here.\nModerator: Thank you.\n",
            [
                ("Int", None, "Tell me about the group."),
                ("GP 3", None, "It helped."),
                ("IV", None, "How?"),
                ("P 3", None, "By listening."),
                ("Respondent 2", None, "Same here."),
                ("Moderator", None, "Thank you."),
            ],
        ),
        (
            "[00:00:03] Participant 3: I joined late.\n00:01:02 Speaker 1: Why?\n",
            [
                ("Participant 3", "00:00:03", "I joined late."),
                ("Speaker 1", "00:01:02", "Why?"),
            ],
        ),
    ],
    ids=["speaker-numbers", "coded-labels", "with-timestamps"],
)
def test_numbered_and_coded_labels(tmp_path: Path, text: str, expected: list) -> None:  # type: ignore[type-arg]
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    t = read_transcript(path)
    assert turns_of(t) == expected
    assert t.layout in ("labels", "timestamped labels")


def test_otter_text_export(tmp_path: Path) -> None:
    path = tmp_path / "otter.txt"
    path.write_text(
        "Speaker 1  0:03\nSo, how did you come to the group?\n\n"
        "Jane Smith  0:41\nA colleague told me about it.\nI was sceptical.\n\n"
        "Speaker 1  1:02:11\nAnd now?\n",
        encoding="utf-8",
    )
    t = read_transcript(path)
    assert t.layout == "otter"
    assert turns_of(t) == [
        ("Speaker 1", "0:03", "So, how did you come to the group?"),
        ("Jane Smith", "0:41", "A colleague told me about it.\nI was sceptical."),
        ("Speaker 1", "1:02:11", "And now?"),
    ]
    assert t.speakers == {"Speaker 1": 2, "Jane Smith": 1}


def test_rev_layouts(tmp_path: Path) -> None:
    own_line = tmp_path / "rev.txt"
    own_line.write_text(
        "Interviewer (00:03):\nWelcome.\n\nDr Ada Lind (01:02:11):\nThank you, glad to be here.\n",
        encoding="utf-8",
    )
    t = read_transcript(own_line)
    assert t.layout == "rev"
    assert turns_of(t) == [
        ("Interviewer", "00:03", "Welcome."),
        ("Dr Ada Lind", "01:02:11", "Thank you, glad to be here."),
    ]
    one_line = tmp_path / "rev1.txt"
    one_line.write_text(
        "Speaker 1: (00:03) Welcome.\nSpeaker 2: (00:09) Thanks.\n", encoding="utf-8"
    )
    t = read_transcript(one_line)
    assert turns_of(t) == [("Speaker 1", "00:03", "Welcome."), ("Speaker 2", "00:09", "Thanks.")]


def test_vtt_voice_tags_and_name_cues_merge_runs(tmp_path: Path) -> None:
    voices = tmp_path / "teams.vtt"
    voices.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ada Lind>Hello there.</v>\n\n"
        "00:00:03.000 --> 00:00:05.000\n<v Ada Lind>How are you?</v>\n\n"
        "00:00:05.000 --> 00:00:07.000\n<v Speaker 2>Fine.</v>\n",
        encoding="utf-8",
    )
    t = read_transcript(voices)
    assert t.layout == "vtt voices"
    assert turns_of(t) == [
        ("Ada Lind", "00:00:01.000", "Hello there. How are you?"),
        ("Speaker 2", "00:00:05.000", "Fine."),
    ]
    names = tmp_path / "zoom.vtt"
    names.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nSpeaker 1: Hello.\n\n"
        "2\n00:00:03.000 --> 00:00:05.000\nSpeaker 2: Hi.\n",
        encoding="utf-8",
    )
    t = read_transcript(names)
    assert turns_of(t) == [
        ("Speaker 1", "00:00:01.000", "Hello."),
        ("Speaker 2", "00:00:03.000", "Hi."),
    ]


def test_teams_docx(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "teams.docx",
        ["Ada Lind   0:03", "Welcome to the interview.", "Bo Ek   0:15", "Thank you."],
    )
    t = read_transcript(path)
    assert t.layout == "teams docx"
    assert turns_of(t) == [
        ("Ada Lind", "0:03", "Welcome to the interview."),
        ("Bo Ek", "0:15", "Thank you."),
    ]


def whisperx(speakers: bool = True) -> dict:  # type: ignore[type-arg]
    segments = [
        {"start": 0.5, "end": 2.0, "text": " Welcome.", "speaker": "SPEAKER_00"},
        {"start": 2.0, "end": 4.0, "text": " Shall we begin?", "speaker": "SPEAKER_00"},
        {"start": 64.2, "end": 70.0, "text": " Yes, gladly.", "speaker": "SPEAKER_01"},
        {"start": 3725.0, "end": 3730.0, "text": " Thanks.", "speaker": "SPEAKER_00"},
    ]
    if not speakers:
        for seg in segments:
            del seg["speaker"]
    return {"segments": segments, "language": "en"}


def test_whisperx_json(tmp_path: Path) -> None:
    path = tmp_path / "wx.json"
    path.write_text(json.dumps(whisperx()), encoding="utf-8")
    t = read_transcript(path)
    assert t.layout == "whisper json"
    assert turns_of(t) == [
        ("SPEAKER_00", "00:00:00", "Welcome. Shall we begin?"),
        ("SPEAKER_01", "00:01:04", "Yes, gladly."),
        ("SPEAKER_00", "01:02:05", "Thanks."),
    ]
    plain = tmp_path / "whisper.json"
    plain.write_text(json.dumps(whisperx(speakers=False)), encoding="utf-8")
    t = read_transcript(plain)
    assert t.layout == "none"
    assert [x.speaker for x in t.turns] == [None]
    assert t.text[t.turns[0].start : t.turns[0].end].startswith("Welcome. Shall we begin?")


def test_odt(tmp_path: Path) -> None:
    path = make_odt(
        tmp_path / "t.odt",
        ["Interviewer: How did it start?", "Participant 4: With a patient.", "Interviewer: Go on."],
    )
    t = read_transcript(path)
    assert t.source_format == "odt"
    assert turns_of(t) == [
        ("Interviewer", None, "How did it start?"),
        ("Participant 4", None, "With a patient."),
        ("Interviewer", None, "Go on."),
    ]


def test_pdf_with_text_layer(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "t.pdf",
        [
            "Speaker 1 (00:03): Welcome.",
            "Speaker 2 (00:10): Thank you (really).",
            "Speaker 1 (00:20): Good.",
        ],
    )
    t = read_transcript(path)
    assert t.source_format == "pdf"
    assert t.layout == "rev"
    assert turns_of(t) == [
        ("Speaker 1", "00:03", "Welcome."),
        ("Speaker 2", "00:10", "Thank you (really)."),
        ("Speaker 1", "00:20", "Good."),
    ]


# ---------------------------------------------------------------- bad files


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "broken.json").write_text('{"segments": [', encoding="utf-8")
    (d / "other.json").write_text('{"name": "not a transcript"}', encoding="utf-8")
    (d / "notext.json").write_text('{"segments": [{"start": 1}]}', encoding="utf-8")
    (d / "broken.odt").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(d / "empty.odt", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    (d / "broken.pdf").write_bytes(b"%PDF-1.4\nnothing useful here\n")
    make_scanned_pdf(d / "scan.pdf")
    return {
        "broken.json": (d / "broken.json", "not valid JSON"),
        "other.json": (d / "other.json", "no 'segments' list"),
        "notext.json": (d / "notext.json", "segment 1 has no 'text'"),
        "broken.odt": (d / "broken.odt", "not a valid .odt"),
        "empty.odt": (d / "empty.odt", "no content.xml"),
        "broken.pdf": (d / "broken.pdf", "PDF"),
        "scan.pdf": (d / "scan.pdf", "no text layer"),
    }


def test_bad_files_in_new_formats_one_line_each(tmp_path: Path) -> None:
    for name, (path, message) in bad_files(tmp_path).items():
        with pytest.raises(IngestError) as info:
            read_transcript(path)
        text = str(info.value)
        assert message in text, (name, text)
        assert "\n" not in text, name


def test_bad_files_via_cli_leave_the_project_unchanged(cli: Run, tmp_path: Path) -> None:
    assert cli("init", "p.qc").exit_code == 0
    before = dump(tmp_path / "p.qc")
    for name, (path, message) in bad_files(tmp_path).items():
        result = cli("import", "p.qc", path)
        assert result.exit_code == 1, (name, result.output)
        errors = result.stderr.strip().splitlines()
        assert len(errors) == 1 and message in errors[0], (name, result.stderr)
        assert "Traceback" not in result.output
    assert dump(tmp_path / "p.qc") == before


# ---------------------------------------------------------------- import report


def test_dry_run_prints_layout_speakers_and_first_turns_writes_nothing(
    cli: Run, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "otter.txt").write_text(
        "Speaker 1  0:03\nHello.\n\nSpeaker 2  0:05\nHi there.\n\nSpeaker 1  0:09\nGood.\n",
        encoding="utf-8",
    )
    (tmp_path / "in" / "notes.txt").write_text("Just my notes, no speakers.\n", encoding="utf-8")
    assert cli("init", "p.qc").exit_code == 0
    before = dump(tmp_path / "p.qc")
    result = cli("import", "p.qc", "in", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "otter: layout otter, 3 turns" in out
    assert "speakers: Speaker 1 (2), Speaker 2 (1)" in out
    assert "[0:03] Speaker 1: Hello." in out
    assert "notes: layout none, 1 turns" in out and "no speaker labels found: one turn" in out
    assert "nothing written" in out
    assert dump(tmp_path / "p.qc") == before


def test_import_line_says_when_no_speakers_were_found(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Just my notes, no speakers.\n", encoding="utf-8")
    assert cli("init", "p.qc").exit_code == 0
    result = cli("import", "p.qc", "notes.txt")
    assert result.exit_code == 0
    assert "no speaker labels found: one turn" in result.output


def test_every_layout_imports_with_timestamps_kept_on_turns(cli: Run, tmp_path: Path) -> None:
    from qualcode.store import Project

    d = tmp_path / "in"
    d.mkdir()
    (d / "otter.txt").write_text(
        "Speaker 1  0:03\nHello.\n\nSpeaker 2  0:05\nHi.\n", encoding="utf-8"
    )
    (d / "wx.json").write_text(json.dumps(whisperx()), encoding="utf-8")
    make_docx(d / "teams.docx", ["Ada Lind   0:03", "Welcome.", "Bo Ek   0:15", "Thanks."])
    make_odt(d / "o.odt", ["Int: Hello?", "GP 3: Hello."])
    make_pdf(d / "p.pdf", ["Speaker 1 (00:03): Welcome.", "Speaker 2 (00:10): Thanks."])
    assert cli("init", "p.qc").exit_code == 0
    result = cli("import", "p.qc", "in")
    assert result.exit_code == 0, result.output
    assert "5 imported" in result.output
    with Project.open(tmp_path / "p.qc") as proj:
        got = {}
        for doc in proj.documents.all():
            full = proj.documents.get(doc.name)
            got[doc.name] = [
                (t.speaker, t.timestamp, full.text[t.start : t.end])
                for t in proj.documents.turns(doc.id)
            ]
    assert got["otter"] == [("Speaker 1", "0:03", "Hello."), ("Speaker 2", "0:05", "Hi.")]
    assert got["teams"][1] == ("Bo Ek", "0:15", "Thanks.")
    assert got["wx"][1] == ("SPEAKER_01", "00:01:04", "Yes, gladly.")
    assert got["o"] == [("Int", None, "Hello?"), ("GP 3", None, "Hello.")]
    assert got["p"][0] == ("Speaker 1", "00:03", "Welcome.")
    for turns in got.values():
        for speaker, stamp, text in turns:
            assert speaker is None or speaker not in text
            assert stamp is None or stamp not in text
