"""Readers: every format and speaker convention, encodings, front matter, hostile files."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import docx
import pytest

from qualcode.errors import IngestError
from qualcode.ingest import read_transcript
from qualcode.ingest.attributes import read_attribute_table


def turns_of(path: Path, **kw: str) -> list[tuple[str | None, str]]:
    t = read_transcript(path, **kw)
    return [(turn.speaker, t.text[turn.start : turn.end]) for turn in t.turns]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_name_colon_turns_with_continuation_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.txt",
        "Interviewer: Hello.\nDr Hansen: First line.\nsecond line.\n\nInterviewer: Ok.\n"
        "Dr Hansen: Bye.\n",
    )
    assert turns_of(path) == [
        ("Interviewer", "Hello."),
        ("Dr Hansen", "First line.\nsecond line."),
        ("Interviewer", "Ok."),
        ("Dr Hansen", "Bye."),
    ]


def test_bracketed_and_bare_timestamps(tmp_path: Path) -> None:
    path = write(tmp_path, "b.txt", "[00:01:02] Interviewer: Hi.\n[00:01:09] Bjorn: Well.\n")
    t = read_transcript(path)
    assert [(x.speaker, x.timestamp) for x in t.turns] == [
        ("Interviewer", "00:01:02"),
        ("Bjorn", "00:01:09"),
    ]
    path = write(tmp_path, "c.txt", "00:01:02 Interviewer: Hi.\n01:09:00 Dev: Well.\n")
    assert turns_of(path) == [("Interviewer", "Hi."), ("Dev", "Well.")]


def test_abbreviations(tmp_path: Path) -> None:
    path = write(tmp_path, "d.txt", "I: Question?\nR: Answer.\nP3: Another voice.\n")
    assert turns_of(path) == [("I", "Question?"), ("R", "Answer."), ("P3", "Another voice.")]


def test_all_caps_screenplay_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.txt",
        "INTERVIEWER\nSo how?\n\nFARID\nWell, it was\nhard.\n\nINTERVIEWER\nOk.\n",
    )
    assert turns_of(path) == [
        ("Interviewer", "So how?"),
        ("Farid", "Well, it was\nhard."),
        ("Interviewer", "Ok."),
    ]


def test_single_label_is_text_not_speaker(tmp_path: Path) -> None:
    path = write(
        tmp_path, "f.txt", "Note: invented.\nAnna: One.\nBo: Two.\nAnna: Three.\nBo: Four."
    )
    assert turns_of(path)[0] == (None, "Note: invented.")


def test_no_speakers_is_one_turn(tmp_path: Path) -> None:
    path = write(tmp_path, "g.md", "Just a memo.\n\nWith two paragraphs.\n")
    assert turns_of(path) == [(None, "Just a memo.\n\nWith two paragraphs.")]


def test_vtt_voice_tags_merge_cues(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "h.vtt",
        "WEBVTT\n\nNOTE invented\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Interviewer>Hello?</v>\n\n"
        "00:00:02.500 --> 00:00:04.000\n<v Gunnar>I am fine.\n\n"
        "00:00:04.500 --> 00:00:06.000\n<v Gunnar>Really\nfine.\n",
    )
    t = read_transcript(path)
    assert [(x.speaker, t.text[x.start : x.end], x.timestamp) for x in t.turns] == [
        ("Interviewer", "Hello?", "00:00:01.000"),
        ("Gunnar", "I am fine. Really fine.", "00:00:02.500"),
    ]
    assert t.text == "Interviewer: Hello?\n\nGunnar: I am fine. Really fine."


def test_srt_name_prefix_and_unprefixed_continuation(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "i.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hello?\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\nHanna: It was hard.\n\n"
        "3\n00:00:04,500 --> 00:00:06,000\nVery hard: truly.\n\n"
        "4\n00:00:06,500 --> 00:00:08,000\nInterviewer: Why?\n\n"
        "5\n00:00:08,500 --> 00:00:09,000\nHanna: Time.\n",
    )
    assert turns_of(path) == [
        ("Interviewer", "Hello?"),
        ("Hanna", "It was hard. Very hard: truly."),
        ("Interviewer", "Why?"),
        ("Hanna", "Time."),
    ]


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    document.save(str(path))
    return path


def test_docx_paragraphs(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "j.docx",
        ["Interviewer: Hello.", "", "Elin: Hej, Malmö.", "Interviewer: Bye.", "Elin: 😀 bye."],
    )
    t = read_transcript(path)
    assert t.source_format == "docx"
    assert [(x.speaker, t.text[x.start : x.end]) for x in t.turns][1] == ("Elin", "Hej, Malmö.")


def test_front_matter_becomes_attributes(tmp_path: Path) -> None:
    path = write(tmp_path, "k.md", "---\nrole: gp\nyears: 6\n---\nInterviewer: Hi.\nAnna: Hi.\n")
    t = read_transcript(path)
    assert t.attributes == {"role": "gp", "years": "6"}
    assert t.text.startswith("Interviewer: Hi.")


def test_malformed_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "l.md", "---\nrole: [gp\n---\ntext\n")
    with pytest.raises(IngestError, match="malformed front matter"):
        read_transcript(path)


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-32"])
def test_unicode_with_bom(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "m.txt"
    path.write_bytes("Anna: Malmö, naïve — 😀.\r\nBo: Ja.\rAnna: Nej.\r\nBo: Ok.".encode(codec))
    t = read_transcript(path)
    assert t.text == "Anna: Malmö, naïve — 😀.\nBo: Ja.\nAnna: Nej.\nBo: Ok."
    assert "\ufeff" not in t.text


def test_declared_fallback_encoding(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_bytes("Anna: Malmö café.\nBo: Ja.".encode("cp1252"))
    with pytest.raises(IngestError, match=r"not valid UTF-8 .*--encoding"):
        read_transcript(path)
    assert read_transcript(path, encoding="cp1252").text.startswith("Anna: Malmö café.")
    with pytest.raises(IngestError, match="unknown encoding"):
        read_transcript(path, encoding="klingon")


def test_utf8_is_preferred_over_declared_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "o.txt", "Anna: Malmö.")
    assert read_transcript(path, encoding="cp1252").text == "Anna: Malmö."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("corrupt.docx", b"PK\x03\x04 this is not a zip", "not a valid .docx"),
        ("random.docx", bytes(range(256)), "not a valid .docx"),
        ("bad.vtt", b"not a webvtt file\n", "malformed WebVTT"),
        ("bad.srt", b"1\nnonsense --> more\nhello\n", "malformed SubRip"),
        ("x.rtf", b"{\\rtf1}", "unsupported file type '.rtf'"),
    ],
)
def test_bad_files_are_refused_with_one_line(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError, match=message) as info:
        read_transcript(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_docx_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "bomb.docx", ["Anna: hi"])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/huge.bin", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(IngestError, match="zip bomb"):
        read_transcript(path)


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml"])
def test_docx_with_xml_entities_is_refused(tmp_path: Path, part: str) -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    )
    source = make_docx(tmp_path / "ok.docx", ["Anna: hi"])
    path = tmp_path / "evil.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = evil if item.filename == part else src.read(item.filename)
            dst.writestr(item, data)
    with pytest.raises(IngestError, match="entities or a DTD"):
        read_transcript(path)


def test_docx_without_document_part(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    path = tmp_path / "nodoc.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError, match="no word/document.xml"):
        read_transcript(path)


def test_attribute_table_documents_and_speakers(tmp_path: Path) -> None:
    path = write(
        tmp_path, "p.csv", "document,speaker,role\ngp01,,gp\ngp01,Anna,doctor\n,Bo,nurse\n"
    )
    table = read_attribute_table(path)
    assert table.documents == {"gp01": {"role": "gp"}}
    assert table.speakers == {("gp01", "Anna"): {"role": "doctor"}, (None, "Bo"): {"role": "nurse"}}


def test_attribute_table_semicolons_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"document;country\ngp01;Sverige\n")
    assert read_attribute_table(path).documents == {"gp01": {"country": "Sverige"}}


def test_attribute_table_needs_a_key_column(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "name,role\nx,y\n")
    with pytest.raises(IngestError, match="'document' or 'speaker' column"):
        read_attribute_table(path)


def test_front_matter_aliases_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "alias.md", "---\nrole: &r gp\nagain: *r\n---\nAnna: hi\nBo: yo\n")
    with pytest.raises(IngestError, match="aliases"):
        read_transcript(path)
