"""Issue 10, inputs: hostile or broken files and rules are refused cleanly (one line, the file
named) or imported exactly; one file's failure never stops the rest of a batch."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from click.testing import Result

from qualcode.errors import IngestError
from qualcode.importing import import_files
from qualcode.ingest import read_transcript
from qualcode.nlp import rules as rules_module
from qualcode.nlp.rules import CodeRules, RuleError, compile_rules
from qualcode.store import Project
from tests.conftest import dump

Run = Callable[..., Result]


def stored(project: Project, name: str) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
    """A stored document's text, turn spans and sentence spans, read with plain SQL (so these
    tests do not depend on the store's Python API)."""
    conn = sqlite3.connect(project.path)
    try:
        (doc_id, text) = conn.execute(
            "SELECT id, text FROM documents WHERE name = ?", (name,)
        ).fetchone()
        turns = conn.execute(
            'SELECT start, "end" FROM turns WHERE document_id = ? ORDER BY idx', (doc_id,)
        ).fetchall()
        sentences = conn.execute(
            'SELECT start, "end" FROM sentences WHERE document_id = ? ORDER BY start', (doc_id,)
        ).fetchall()
    finally:
        conn.close()
    return text, turns, sentences


def stored_names(project: Project) -> list[str]:
    conn = sqlite3.connect(project.path)
    try:
        return [n for (n,) in conn.execute("SELECT name FROM documents ORDER BY name")]
    finally:
        conn.close()


LINE = "Anna: I felt alone. Bo: Not me.\n"  # 32 bytes


def padding(n_bytes: int) -> str:
    """Plain transcript text of exactly ``n_bytes`` bytes (ASCII)."""
    text = LINE * (n_bytes // len(LINE) + 1)
    return text[:n_bytes]


def srt_cues(*cues: tuple[str, str]) -> str:
    return "".join(f"{i}\n{timing}\n{text}\n\n" for i, (timing, text) in enumerate(cues, start=1))


def vtt_cues(*texts: str) -> str:
    out = ["WEBVTT\n\n"]
    for i, text in enumerate(texts):
        out.append(
            f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.500\n{text}\n\n"
        )
    return "".join(out)


# --------------------------------------------------------------------------- NUL and controls


def _with_late_nul(suffix: str) -> tuple[bytes, int]:
    """A file of the given kind with a NUL well past the first 8 KB, and the NUL's offset."""
    if suffix in (".txt", ".md"):
        head = padding(20_000).encode()
        return head + b"\x00" + b"Anna: the end.\n", len(head)
    if suffix == ".srt":
        body = srt_cues(*[("00:00:01,000 --> 00:00:02,000", "Anna: words " * 8)] * 200)
    else:
        body = vtt_cues(*["Anna: words " * 8] * 200)
    data = body.encode()
    at = data.rindex(b"words")
    return data[:at] + b"\x00" + data[at:], at


@pytest.mark.parametrize("suffix", [".txt", ".md", ".srt", ".vtt"])
def test_nul_anywhere_is_refused_with_its_byte_offset(tmp_path: Path, suffix: str) -> None:
    data, at = _with_late_nul(suffix)
    assert at > 8192
    path = tmp_path / f"late{suffix}"
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        read_transcript(path)
    message = str(info.value)
    assert message.startswith(f"{path}: contains a NUL byte at byte {at};")
    assert "\n" not in message


def test_nul_offset_counts_bytes_not_characters(tmp_path: Path) -> None:
    head = ("Anna: Malmö — naïve.\n" * 500).encode()
    path = tmp_path / "u.txt"
    path.write_bytes(head + b"\x00tail")
    with pytest.raises(IngestError, match=f"NUL byte at byte {len(head)};"):
        read_transcript(path)


def test_nul_in_utf16_with_bom_is_refused(tmp_path: Path) -> None:
    body = padding(10_000) + "\x00" + "Anna: end.\n"
    path = tmp_path / "w.txt"
    path.write_bytes(body.encode("utf-16"))  # BOM + little-endian on this machine
    with pytest.raises(IngestError, match=r"NUL byte at byte 20002;"):
        read_transcript(path)


@pytest.mark.parametrize("suffix", [".txt", ".srt", ".vtt"])
def test_other_controls_anywhere_are_stripped_and_reported(tmp_path: Path, suffix: str) -> None:
    said = "Anna: I rang\x07 the bell\x1b[31m and\x0cleft."
    if suffix == ".txt":
        text = padding(10_000) + said + "\n\tBo: ok.\n"
    elif suffix == ".srt":
        text = srt_cues(
            *[("00:00:01,000 --> 00:00:02,000", "Anna: fine.")] * 300,
            ("00:00:03,000 --> 00:00:04,000", said),
        )
    else:
        text = vtt_cues(*["Anna: fine."] * 300, said)
    path = tmp_path / f"c{suffix}"
    path.write_text(text, encoding="utf-8")
    transcript = read_transcript(path)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in transcript.text)
    assert "I rang the bell[31m and" in transcript.text
    assert "and\nleft." in transcript.text or "and left." in transcript.text
    assert transcript.warnings == [
        "stripped 3 control character(s): U+0007, U+000C (as a line break), U+001B"
    ]
    for turn in transcript.turns:
        assert 0 <= turn.start <= turn.end <= len(transcript.text)


def test_stripped_controls_are_reported_by_import(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text(padding(9000) + "Anna: bell\x07.\n", encoding="utf-8")
    (result,) = import_files(project, [path])
    assert result.status == "imported"
    assert "stripped 1 control character(s): U+0007" in result.message


def test_mostly_controls_is_still_binary(tmp_path: Path) -> None:
    path = tmp_path / "b.txt"
    path.write_bytes(b"Anna: x\n" + bytes(range(1, 32)) * 50)
    with pytest.raises(IngestError, match="binary"):
        read_transcript(path)


# --------------------------------------------------------------------------- UTF-16 without BOM


@pytest.mark.parametrize(("codec", "endian"), [("utf-16-le", "little"), ("utf-16-be", "big")])
def test_utf16_without_bom_is_named(tmp_path: Path, codec: str, endian: str) -> None:
    text = "Anna: Malmö, I felt alone.\nBo: Not me.\n" * 20
    path = tmp_path / "x.txt"
    path.write_bytes(text.encode(codec))
    with pytest.raises(IngestError) as info:
        read_transcript(path)
    assert str(info.value) == (
        f"{path}: looks like UTF-16 ({endian}-endian) without a BOM; re-run with --encoding {codec}"
    )
    assert read_transcript(path, encoding=codec).text == text
    assert read_transcript(path, encoding=codec.upper().replace("-", "_")).text == text


def test_utf16_declared_does_not_mangle_utf8_files(tmp_path: Path) -> None:
    """--encoding applies to a whole folder: a UTF-8 file in it is still read as UTF-8."""
    path = tmp_path / "y.txt"
    path.write_text("Anna: Malmö.\nBo: ja.\n", encoding="utf-8")
    assert read_transcript(path, encoding="utf-16-le").text == "Anna: Malmö.\nBo: ja.\n"


def test_utf16_wrong_endianness_declared(tmp_path: Path) -> None:
    path = tmp_path / "z.txt"
    path.write_bytes(("Anna: hello there.\nBo: ok.\n" * 10).encode("utf-16-le"))
    with pytest.raises(IngestError, match="little-endian.*--encoding utf-16-le"):
        read_transcript(path, encoding="utf-16-be")


def test_cli_names_utf16(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes(("Anna: hi there.\nBo: ok.\n" * 5).encode("utf-16-le"))
    assert cli("init", "study.qc").exit_code == 0
    before = dump(tmp_path / "study.qc")
    result = cli("import", "study.qc", "u16.txt")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[0] == (
        "error: u16.txt: looks like UTF-16 (little-endian) without a BOM; "
        "re-run with --encoding utf-16-le"
    )
    assert "internal error" not in result.output
    assert dump(tmp_path / "study.qc") == before
    ok = cli("import", "study.qc", "u16.txt", "--encoding", "utf-16-le")
    assert ok.exit_code == 0, ok.output


# --------------------------------------------------------------------------- .srt timing lines


GOOD = "00:00:01,000 --> 00:00:02,000"


@pytest.mark.parametrize(
    ("timing", "why"),
    [
        ("-00:00:03,000 --> 00:00:04,000", "malformed timing line"),
        ("00:00:03,000 --> -00:00:04,000", "malformed timing line"),
        ("99:99:99,000 --> 99:99:99,500", "impossible time '99:99:99,000'"),
        ("00:00:03,000 --> 00:61:00,000", "impossible time '00:61:00,000'"),
        ("00:00:03,0000 --> 00:00:04,000", "impossible time '00:00:03,0000'"),
        ("00:00:03 -> 00:00:04", "malformed timing line"),
        ("00:00:03,000 --> ", "malformed timing line"),
    ],
)
def test_srt_bad_cue_is_refused_with_its_number(tmp_path: Path, timing: str, why: str) -> None:
    path = tmp_path / "s.srt"
    path.write_text(
        srt_cues(
            (GOOD, "Anna: hello."),
            (timing, "Bo: hidden."),
            ("00:00:05,000 --> 00:00:06,000", "Anna: bye."),
        ),
        encoding="utf-8",
    )
    with pytest.raises(IngestError) as info:
        read_transcript(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cue 2 (line 6): {why}"), message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("timing", "why"),
    [
        ("00:00:99.000 --> 00:00:99.500", "impossible time '00:00:99.000'"),
        ("-00:00:03.000 --> 00:00:04.000", "malformed timing line"),
        ("00:00:03,000 --> 00:00:04,000", "malformed timing line"),
    ],
)
def test_vtt_bad_cue_is_refused_not_dropped(tmp_path: Path, timing: str, why: str) -> None:
    """webvtt-py drops such a cue and its speech without a word."""
    path = tmp_path / "v.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnna: hello.\n\n"
        f"{timing}\nBo: said something.\n\n00:00:05.000 --> 00:00:06.000\nAnna: bye.\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError) as info:
        read_transcript(path)
    assert str(info.value).startswith(f"{path}: cue 2 (line 6): {why}"), str(info.value)


def test_srt_no_timing_line_ever_becomes_speech(tmp_path: Path) -> None:
    """Cue numbers are not always there; a bad cue is still named by its position."""
    path = tmp_path / "n.srt"
    path.write_text(
        f"{GOOD}\nAnna: hello.\n\n99:99:99,000 --> 99:99:99,900\nBo: hidden.\n", encoding="utf-8"
    )
    with pytest.raises(IngestError, match=r"cue 2 \(line 4\): impossible time"):
        read_transcript(path)


def test_srt_hours_past_99_and_dot_separator_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "h.srt"
    path.write_text(
        srt_cues(("100:00:01.000 --> 100:00:02.000", "Anna: late."), (GOOD, "Bo: early.")),
        encoding="utf-8",
    )
    transcript = read_transcript(path)
    assert transcript.text == "Anna: late. Bo: early."
    assert transcript.turns[0].timestamp == "100:00:01"


# --------------------------------------------------------------------------- .docx parts


EVIL = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
)


def _docx_with_main_part(tmp_path: Path, new_name: str, keep_decoy: bool) -> Path:
    """A .docx whose main document part is called ``new_name`` and holds a DTD."""
    source = tmp_path / "ok.docx"
    document = docx.Document()
    document.add_paragraph("Anna: hi.")
    document.save(source)
    path = tmp_path / "evil.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            name = item.filename
            if name == "word/document.xml":
                dst.writestr(new_name, EVIL)
                if keep_decoy:
                    dst.writestr(name, data)
                continue
            if name == "word/_rels/document.xml.rels":
                name = f"word/_rels/{new_name.rsplit('/', 1)[1]}.rels"
            elif name in ("[Content_Types].xml", "_rels/.rels"):
                data = data.replace(b"word/document.xml", new_name.encode())
            dst.writestr(name, data)
    return path


@pytest.mark.parametrize("new_name", ["word/main.bin", "word/main", "customXml/x.dat"])
@pytest.mark.parametrize("keep_decoy", [True, False])
def test_docx_dtd_in_a_part_not_named_xml_is_refused(
    tmp_path: Path, new_name: str, keep_decoy: bool
) -> None:
    path = _docx_with_main_part(tmp_path, new_name, keep_decoy)
    with pytest.raises(IngestError) as info:
        read_transcript(path)
    assert f"'{new_name}' declares XML entities or a DTD" in str(info.value)


def test_docx_undeclared_xml_looking_part_is_checked(tmp_path: Path) -> None:
    source = tmp_path / "ok.docx"
    document = docx.Document()
    document.add_paragraph("Anna: hi.")
    document.save(source)
    with zipfile.ZipFile(source, "a") as archive:
        # No XML declaration, so white space may come first: any amount of it.
        archive.writestr("word/extra.dat", b"\xef\xbb\xbf" + b" " * 70_000 + EVIL.split(b"?>")[1])
    with pytest.raises(IngestError, match="'word/extra.dat' declares XML entities"):
        read_transcript(source)


def test_docx_with_renamed_clean_main_part_reads(tmp_path: Path) -> None:
    source = tmp_path / "ok.docx"
    document = docx.Document()
    document.add_paragraph("Anna: hi.")
    document.add_paragraph("Bo: hello.")
    document.save(source)
    path = tmp_path / "renamed.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            name = {
                "word/document.xml": "word/main.xml",
                "word/_rels/document.xml.rels": "word/_rels/main.xml.rels",
            }.get(item.filename, item.filename)
            if name in ("[Content_Types].xml", "_rels/.rels"):
                data = data.replace(b"word/document.xml", b"word/main.xml")
            dst.writestr(name, data)
    assert read_transcript(path).text == "Anna: hi.\nBo: hello."


# --------------------------------------------------------------------------- long texts


def _check_offsets(text: str, turns: list, sentences: list[tuple[int, int]]) -> None:
    last = 0
    for start, end in sentences:
        assert last <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert any(t.start <= start and end <= t.end for t in turns)
        last = end


def test_text_longer_than_spacy_max_length_imports(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.nlp import fastsplit
    from qualcode.nlp.pipeline import get_pipeline
    from qualcode.nlp.segment import segment_turns

    monkeypatch.setattr(fastsplit, "available", lambda: False)  # the spaCy path's pieces
    nlp = get_pipeline(None)
    turns_text = "".join(
        f"{'Anna' if i % 2 else 'Bo'}: Sentence {i} one. And {i} two? Yes {i}!\n"
        for i in range(300)
    )
    long_turn = "Interviewer: " + " ".join(f"word{i}" for i in range(1500)) + ". The end.\n"
    text = turns_text + long_turn + turns_text
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    transcript = read_transcript(tmp_path / "long.txt")
    spans = [(t.start, t.end) for t in transcript.turns]
    whole = segment_turns(transcript.text, spans)
    monkeypatch.setattr(nlp, "max_length", 2000)
    assert len(transcript.text) > 10 * nlp.max_length
    (result,) = import_files(project, [tmp_path / "long.txt"])
    assert result.status == "imported", result.message
    stored_text, _, sentences = stored(project, "long")
    _check_offsets(stored_text, transcript.turns, sentences)
    assert stored_text == transcript.text
    # Cut at turn boundaries, the pieces give the same sentences as the whole, except in the
    # one turn longer than a piece, which is cut at a space.
    long_start = stored_text.index("word0")
    long_end = stored_text.index("\n", long_start)

    def is_long(span: tuple[int, int]) -> bool:
        return long_start <= span[0] < long_end

    assert [s for s in sentences if not is_long(s)] == [s for s in whole if not is_long(s)]
    inside = [s for s in sentences if is_long(s)]
    assert len(inside) >= (long_end - long_start) // 2000
    assert " ".join(stored_text[a:b] for a, b in inside) == stored_text[long_start:long_end]


def test_piece_cutting_keeps_offsets_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.nlp import segment

    text = "Anna: " + "Short one. " * 30 + "x" * 200 + " tail.\nBo: " + "é😀 " * 80
    anna = (6, text.index("\nBo:"))
    bo = (text.index("Bo: ") + 4, len(text.rstrip()))
    monkeypatch.setattr(segment, "PIECE_CHARS", 64)
    spans = segment.segment_turns(text, [anna, bo])
    _check_offsets(text, [type("T", (), {"start": a, "end": b}) for a, b in (anna, bo)], spans)
    covered = "".join(text[a:b] for a, b in spans)
    assert covered.replace(" ", "") == (text[anna[0] : anna[1]] + text[bo[0] : bo[1]]).replace(
        " ", ""
    ).replace("\n", "")


def test_a_moderately_large_real_text_imports(project: Project, tmp_path: Path) -> None:
    from qualcode.nlp import segment

    line = "Anna: We met every second week. It helped, I think. Bo: Did it?\n"
    text = line * (segment.PIECE_CHARS // len(line) + 2000)
    assert len(text) > segment.PIECE_CHARS
    (tmp_path / "big.txt").write_text(text, encoding="utf-8")
    (result,) = import_files(project, [tmp_path / "big.txt"])
    assert result.status == "imported", result.message
    stored_text, _, sentences = stored(project, "big")
    assert len(sentences) == 3 * text.count("\n")
    assert {stored_text[a:b] for a, b in sentences} == {
        "We met every second week.",
        "It helped, I think.",
        "Bo: Did it?",
    }


# --------------------------------------------------------------------------- one failure only


def test_a_reader_crash_fails_only_that_file(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.ingest import readers

    real = readers.READERS[".txt"]

    def flaky(path: Path, data: bytes, encoding: str | None):
        if path.stem == "b":
            raise RuntimeError("reader bug")
        return real(path, data, encoding)

    monkeypatch.setitem(readers.READERS, ".txt", flaky)
    for name in "abc":
        (tmp_path / f"{name}.txt").write_text(f"Anna: file {name}.\nBo: ok.\n", encoding="utf-8")
    results = import_files(project, [tmp_path])
    assert [(r.name, r.status) for r in results] == [
        ("a", "imported"),
        ("b", "failed"),
        ("c", "imported"),
    ]
    assert "RuntimeError: reader bug" in results[1].message
    assert str(tmp_path / "b.txt") in results[1].message


def test_a_segmenter_crash_fails_only_that_file(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.nlp import segment

    real = segment.fastsplit.sentence_starts

    def flaky(text: str) -> list[int]:
        if "BOOM" in text:
            raise ValueError("[E088] Text of length 99999999 exceeds maximum")
        return real(text)

    monkeypatch.setattr(segment.fastsplit, "sentence_starts", flaky)
    for name in "abc":
        word = "BOOM" if name == "b" else "fine"
        (tmp_path / f"{name}.txt").write_text(f"Anna: {word} {name}.\nBo: ok.\n", encoding="utf-8")
    results = import_files(project, [tmp_path])
    assert [(r.name, r.status) for r in results] == [
        ("a", "imported"),
        ("b", "failed"),
        ("c", "imported"),
    ]
    assert "cannot split into sentences" in results[1].message
    assert stored_names(project) == ["a", "c"]


def test_cli_batch_goes_on_after_a_crashing_file(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.nlp import segment

    real = segment.fastsplit.sentence_starts

    def flaky(text: str) -> list[int]:
        if "BOOM" in text:
            raise MemoryError()
        return real(text)

    monkeypatch.setattr(segment.fastsplit, "sentence_starts", flaky)
    (tmp_path / "a.txt").write_text("Anna: BOOM.\nBo: ok.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Anna: fine.\nBo: ok.\n", encoding="utf-8")
    assert cli("init", "study.qc").exit_code == 0
    result = cli("import", "study.qc", "a.txt", "b.txt")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "a.txt" in errors[0]
    assert "internal error" not in result.output
    assert "1 imported, 0 skipped, 1 failed" in result.stdout


def test_a_spacy_segmenter_crash_fails_only_that_file(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same on the spaCy path (a named model, or a spaCy the fast splitter was not
    verified for)."""
    from qualcode.nlp import fastsplit, segment

    monkeypatch.setattr(fastsplit, "available", lambda: False)
    real = segment._boundaries

    def flaky(doc):  # type: ignore[no-untyped-def]
        if "BOOM" in doc.text:
            raise ValueError("[E088] Text of length 99999999 exceeds maximum")
        return real(doc)

    monkeypatch.setattr(segment, "_boundaries", flaky)
    for name in "abc":
        word = "BOOM" if name == "b" else "fine"
        (tmp_path / f"{name}.txt").write_text(f"Anna: {word} {name}.\nBo: ok.\n", encoding="utf-8")
    results = import_files(project, [tmp_path])
    assert [r.status for r in results] == ["imported", "failed", "imported"]


def test_long_texts_go_in_pieces_on_the_fast_path_too(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.nlp import segment

    text = "".join(
        f"{'Anna' if i % 2 else 'Bo'}: Sentence {i} one. And {i} two!\n" for i in range(400)
    )
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    transcript = read_transcript(tmp_path / "long.txt")
    spans = [(t.start, t.end) for t in transcript.turns]
    whole = segment.segment_turns(transcript.text, spans)
    monkeypatch.setattr(segment, "PIECE_CHARS", 2000)
    assert len(transcript.text) > 5 * segment.PIECE_CHARS
    assert segment.segment_turns(transcript.text, spans) == whole  # cut at turn starts


# --------------------------------------------------------------------------- REGEX patterns


def test_catastrophic_regex_does_not_hang_autocoding() -> None:
    """Python's ``re`` takes minutes on this; the rules must answer at once."""
    script = textwrap.dedent(
        """
        from qualcode.nlp.rules import CodeRules, compile_rules
        rules = compile_rules([CodeRules(1, "A", patterns=([{"TEXT": {"REGEX": "^(a+)+$"}}],))])
        text = "a" * 34 + "b and " + "a" * 12
        print([m.words for m in rules.match_text(text)])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['aaaaaaaaaaaa']"


def test_regex_over_budget_is_a_rule_error_naming_the_pattern() -> None:
    rules = compile_rules(
        [
            CodeRules(
                7,
                "Echo",
                patterns=(
                    [{"LOWER": "x"}],
                    [{"LOWER": "say"}, {"TEXT": {"REGEX": "^(a|aa)+$"}}],
                ),
            )
        ]
    )
    with pytest.raises(RuleError) as info:
        rules.match_text("say " + "a" * 40 + "b")
    message = str(info.value)
    assert message.startswith("code 'Echo' patterns[1] token 1: REGEX '^(a|aa)+$'")
    assert "time budget" in message


def test_regex_in_lists_and_other_attributes_still_match() -> None:
    rules = compile_rules(
        [
            CodeRules(
                1,
                "Feel",
                patterns=(
                    [{"LEMMA": {"REGEX": "^fe+l$"}}, {"LOWER": {"REGEX": {"IN": ["^al", "^lon"]}}}],
                    [{"TEXT": {"REGEX": "^[A-Z]{3,}$", "NOT_IN": ["NHS"]}}],
                ),
            )
        ]
    )
    words = [m.words for m in rules.match_text("I felt alone. The NHS and the BMA.")]
    assert words == ["felt alone", "BMA"]


def test_slow_regexes_names_code_and_index() -> None:
    codes = [
        CodeRules(1, "Fine", patterns=([{"TEXT": {"REGEX": "^[a-z]+ing$"}}],)),
        CodeRules(
            2,
            "Nested",
            patterns=(
                [{"LOWER": "ok"}],
                [{"LOWER": {"REGEX": {"IN": ["^ok$", "^(a|aa)+$"]}}}],
                [{"TEXT": {"REGEX": "^(.*?,){11}P"}}],
            ),
        ),
    ]
    problems = rules_module.slow_regexes(codes)
    assert len(problems) == 2
    assert problems[0].startswith("code 'Nested' patterns[1] token 0: REGEX '^(a|aa)+$'")
    assert problems[1].startswith("code 'Nested' patterns[2] token 0: REGEX '^(.*?,){11}P'")


def test_cli_autocode_check_reports_a_slow_regex(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Anna: aaaa.\nBo: ok.\n", encoding="utf-8")
    (tmp_path / "cb.yaml").write_text(
        textwrap.dedent(
            """
            name: test
            themes:
              - label: Echo
                patterns:
                  - [{LOWER: ok}]
                  - [{TEXT: {REGEX: "^(a|aa)+$"}}]
            """
        ),
        encoding="utf-8",
    )
    assert cli("init", "study.qc").exit_code == 0
    assert cli("import", "study.qc", "a.txt").exit_code == 0
    loaded = cli("codebook", "load", "study.qc", "cb.yaml")
    assert loaded.exit_code == 0, loaded.output
    before = dump(tmp_path / "study.qc")
    result = cli("autocode", "study.qc", "--check")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: code 'Echo' patterns[1] token 0: REGEX '^(a|aa)+$'")
    assert "internal error" not in result.output
    assert dump(tmp_path / "study.qc") == before


def test_bad_regex_syntax_is_a_pattern_problem() -> None:
    with pytest.raises(RuleError, match=r"code 'A' patterns\[0\]: .*regular expression"):
        compile_rules([CodeRules(1, "A", patterns=([{"TEXT": {"REGEX": "(unclosed"}}],))])


def test_cli_autocode_stops_cleanly_when_a_regex_runs_past_its_budget(
    cli: Run, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("Anna: " + "a" * 40 + "b.\nBo: ok.\n", encoding="utf-8")
    (tmp_path / "cb.yaml").write_text(
        'name: test\nthemes:\n  - label: Echo\n    patterns:\n      - [{TEXT: {REGEX: "^(a|aa)+$"}}]\n',
        encoding="utf-8",
    )
    assert cli("init", "study.qc").exit_code == 0
    assert cli("import", "study.qc", "a.txt").exit_code == 0
    assert cli("codebook", "load", "study.qc", "cb.yaml").exit_code == 0
    before = dump(tmp_path / "study.qc")
    result = cli("autocode", "study.qc")
    assert result.exit_code == 1
    first = next(line for line in result.stderr.splitlines() if line.startswith("error:"))
    assert first.startswith("error: code 'Echo' patterns[0] token 0: REGEX '^(a|aa)+$' ran past")
    assert "nothing was written" in result.stderr
    assert "internal error" not in result.output
    assert dump(tmp_path / "study.qc") == before


def test_one_zip_check_for_docx_odt_and_qdpx(tmp_path: Path) -> None:
    """safezip.open_checked is the one check every zip goes through: a .docx with a member
    name that leaves the archive is refused as a .qdpx with one is."""
    import zipfile

    from qualcode.ingest.safezip import check_docx

    bad = tmp_path / "escape.docx"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("../../evil.xml", "<x/>")
    with pytest.raises(IngestError, match="points outside the archive"):
        check_docx(bad)


def test_docx_part_with_a_bare_doctype_is_refused_like_refi_xml(tmp_path: Path) -> None:
    """.docx parts and REFI-QDA files go through one XML reader: a DOCTYPE without any
    entity, which Word never writes, is refused in both, before anything is stored."""
    from qualcode.interop.safety import parse_xml

    source = tmp_path / "dtd.docx"
    document = docx.Document()
    document.add_paragraph("Anna: hi.")
    document.save(source)
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr("word/extra.xml", b'<?xml version="1.0"?><!DOCTYPE x []><x/>')
    with pytest.raises(IngestError, match="'word/extra.xml' declares XML entities or a DTD"):
        read_transcript(source)
    with pytest.raises(IngestError, match="refused, the XML declares XML entities or a DTD"):
        parse_xml(b'<?xml version="1.0"?><!DOCTYPE x []><x/>', "p.qde")
