"""Property-based tests for the importers (issue 10, "Keeping it so").

Any bytes in, as .txt, .md, .vtt or .srt (or a .docx built from random paragraphs), give either a
clean refusal (an ``IngestError`` of one line naming the file; through the CLI, exit 1, one
``error:`` line and the project file unchanged) or a document whose turns and sentences lie
inside its text, in order, with no NUL or stray control character in it.

The default run is short (50 examples per test, a fixed seed, so CI is repeatable). For a longer,
randomised run::

    QUALCODE_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/test_fuzz_ingest.py
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.cli import main
from qualcode.errors import QualcodeError
from qualcode.ingest import read_transcript
from qualcode.nlp.segment import segment_turns
from tests.conftest import dump

EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "50"))
LONG_RUN = "QUALCODE_FUZZ_EXAMPLES" in os.environ

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The CLI runs a whole import per example: a fifth of the examples.
fuzz_cli = settings(fuzz, max_examples=max(10, EXAMPLES // 5))

SUFFIXES = [".txt", ".md", ".vtt", ".srt"]
LABELS = ["Anna", "Bo", "I", "R", "P3", "Interviewer", "DR HANSEN", "Note", "", "[00:01:02] Bo"]
ALLOWED_CONTROLS = "\n\t"

# Text with everything in it: controls, NUL, surrogate-free astral characters, RTL marks...
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
plain_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(" \n\t.?!:-"), max_size=80
)


@st.composite
def transcript_text(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(st.tuples(st.sampled_from(LABELS), st.one_of(plain_text, any_text)), max_size=12)
    )
    head = draw(st.sampled_from(["", "---\nrole: gp\n---\n", "---\n: [\n---\n", "---\n"]))
    return head + "\n".join(f"{name}: {said}" if name else said for name, said in lines)


def timestamp(draw: st.DrawFn, sep: str) -> str:
    h = draw(st.integers(0, 120))
    m = draw(st.integers(0, 99))
    s = draw(st.integers(0, 99))
    ms = draw(st.integers(0, 9999))
    return draw(
        st.sampled_from(
            [
                f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}",
                f"-{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}",
                f"{m:02d}:{s:02d}{sep}{ms % 1000:03d}",
                f"{h}:{m}:{s}",
            ]
        )
    )


@st.composite
def subtitle_text(draw: st.DrawFn, vtt: bool) -> str:
    sep = "." if vtt else ","
    cues = []
    for i in range(draw(st.integers(0, 8))):
        index = draw(st.sampled_from([str(i + 1), "", "x", str(-i)]))
        arrow = draw(st.sampled_from([" --> ", "-->", " -> ", " --> ", " - > "]))
        timing = timestamp(draw, sep) + arrow + timestamp(draw, sep)
        if draw(st.integers(0, 5)) == 0:
            timing = draw(any_text) + draw(st.sampled_from([" --> 1", "-->", ""]))
        body = draw(st.one_of(plain_text, any_text, transcript_text()))
        if vtt and draw(st.booleans()):
            body = f"<v {draw(st.sampled_from(LABELS))}>{body}"
        cues.append(f"{index}\n{timing}\n{body}" if index else f"{timing}\n{body}")
    joiner = draw(st.sampled_from(["\n\n", "\n", "\r\n\r\n", "\n\n\n"]))
    head = (
        draw(st.sampled_from(["WEBVTT\n\n", "WEBVTT - x\nKind: captions\n\n", ""])) if vtt else ""
    )
    return head + joiner.join(cues)


def encoded(draw: st.DrawFn, text: str) -> bytes:
    codec = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"]))
    data = text.encode(codec, errors="replace")
    if draw(st.integers(0, 4)) == 0:  # a few stray bytes anywhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


@st.composite
def file_bytes(draw: st.DrawFn, suffix: str) -> bytes:
    kind = draw(st.sampled_from(["raw", "text", "text", "subtitles"]))
    if kind == "raw":
        return draw(st.binary(max_size=600))
    if kind == "text" or suffix in (".txt", ".md"):
        return encoded(draw, draw(transcript_text()))
    return encoded(draw, draw(subtitle_text(suffix == ".vtt")))


def check_transcript(transcript) -> None:
    """What every reader's success must guarantee, down to the sentences."""
    text = transcript.text
    assert "\x00" not in text
    assert not any(ord(c) < 32 and c not in ALLOWED_CONTROLS for c in text)
    assert "\r" not in text
    last = 0
    for turn in transcript.turns:
        assert last <= turn.start <= turn.end <= len(text)
        last = turn.end
    spans = [(t.start, t.end) for t in transcript.turns if t.end > t.start]
    last = 0
    for start, end in segment_turns(text, spans):
        assert last <= start < end <= len(text)
        assert any(a <= start and end <= b for a, b in spans)
        last = end


def check_refusal(exc: BaseException, path: Path) -> None:
    assert isinstance(exc, QualcodeError), f"{type(exc).__name__}: {exc}"
    message = str(exc)
    assert message and "\n" not in message, repr(message)
    assert str(path) in message


def read_or_refuse(path: Path) -> None:
    try:
        transcript = read_transcript(path)
    except Exception as exc:  # the property: only a clean refusal may come out
        check_refusal(exc, path)
        return
    check_transcript(transcript)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_any_bytes_read_or_refused(suffix: str) -> None:
    @fuzz
    @given(st.data())
    def run(data: st.DataObject) -> None:
        raw = data.draw(file_bytes(suffix))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"f{suffix}"
            path.write_bytes(raw)
            read_or_refuse(path)

    run()


xml_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=80
).filter(lambda t: all(ord(c) not in (0xFFFE, 0xFFFF) for c in t))


@pytest.mark.slow
@fuzz
@given(st.lists(st.tuples(st.sampled_from(LABELS), xml_text), max_size=10))
def test_any_docx_paragraphs_read_or_refused(paragraphs: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.docx"
        document = docx.Document()
        for name, said in paragraphs:
            document.add_paragraph(f"{name}: {said}" if name else said)
        document.save(path)
        read_or_refuse(path)


def _stored_ok(project: Path) -> None:
    """Every stored offset holds, and SQLite sees the whole text (no NUL cuts it short)."""
    conn = sqlite3.connect(project)
    try:
        for doc_id, length, sqlite_length in conn.execute(
            "SELECT id, length(CAST(text AS BLOB)), length(text) FROM documents"
        ):
            text = conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
            assert sqlite_length == len(text) and length == len(text.encode())
            for table in ("turns", "sentences"):
                last = 0
                for start, end in conn.execute(
                    f'SELECT start, "end" FROM {table} WHERE document_id = ? ORDER BY start',
                    (doc_id,),
                ):
                    assert last <= start <= end <= len(text)
                    last = end
    finally:
        conn.close()


@pytest.mark.parametrize("suffix", [*SUFFIXES, ".docx"])
def test_cli_import_of_any_bytes(suffix: str) -> None:
    runner = CliRunner()

    @fuzz_cli
    @given(st.data())
    def run(data: st.DataObject) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"f{suffix}"
            if suffix == ".docx":
                document = docx.Document()
                for name, said in data.draw(st.lists(st.tuples(st.sampled_from(LABELS), xml_text))):
                    document.add_paragraph(f"{name}: {said}" if name else said)
                document.save(path)
            else:
                path.write_bytes(data.draw(file_bytes(suffix)))
            project = Path(folder) / "study.qc"
            assert runner.invoke(main, ["init", str(project)]).exit_code == 0
            before = dump(project)
            result = runner.invoke(main, ["import", str(project), str(path)], env=_ENV)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                result.exception
            )
            assert "internal error" not in result.output, result.output
            assert "Traceback" not in result.output
            if result.exit_code == 0:
                _stored_ok(project)
                return
            assert result.exit_code == 1, result.output
            errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            assert len(errors) == 1, result.stderr
            assert dump(project) == before

    run()


_ENV = {"QUALCODE_CODER": "fuzzer"}
