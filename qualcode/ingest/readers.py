"""One reader per file format, each turning a file into a :class:`Transcript`.

Libraries do the format work: python-docx for Word, webvtt-py for WebVTT (it understands voice
tags), srt for SubRip, odfdo for OpenDocument text (Apache-2.0), pypdf for PDF (BSD-3-Clause,
pure Python; only PDFs with a text layer: a scanned PDF is refused, not imported empty).
Whisper/WhisperX JSON is read with the standard library: its ``segments`` are cues. Subtitle cues are merged into one turn per run of the same speaker,
because a researcher codes what a person said, not how a captioner split it.

Every text-based reader decodes through :func:`~qualcode.ingest.decode.decode_text` (NULs refused
with their byte offset, other control characters stripped and reported in
``Transcript.warnings``); a .docx body gets the same check. SubRip timing lines are validated
before the ``srt`` library sees them: its parser takes a cue whose timing line it cannot read
(``-00:00:03,000 --> ...``) as more text of the cue before, and reads ``99:99:99`` as 100:40:39,
so a malformed or impossible timing line is refused with its cue number and line.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest.decode import clean_text, decode_text, normalise_newlines
from qualcode.ingest.frontmatter import split_front_matter
from qualcode.ingest.model import Transcript, TurnSpan
from qualcode.ingest.safezip import check_docx, check_odt
from qualcode.ingest.speakers import find_turns_and_layout, is_standard_label

MAX_FILE_BYTES = 50 * 1024 * 1024
_CUE_LABEL = re.compile(
    r"^(?P<name>[^\W\d_][\w'’.\-]*(?: [^\W\d_][\w'’.\-]*){0,3}(?: \d{1,4})?)[ \t]*:[ \t]+"
)


def read_plain(path: Path, data: bytes, encoding: str | None) -> Transcript:
    decoded = decode_text(data, str(path), encoding)
    attributes, body = split_front_matter(decoded.text, str(path))
    fmt = path.suffix.lower().lstrip(".")
    turns, layout = find_turns_and_layout(body)
    return Transcript(body, turns, attributes, fmt, decoded.warnings, layout)


def read_docx(path: Path, data: bytes, encoding: str | None) -> Transcript:
    check_docx(path)
    import docx  # python-docx; imported here so plain-text imports never pay for lxml
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise IngestError(f"{path}: damaged or unsupported .docx ({exc})") from exc
    except Exception as exc:  # lxml raises its own error types on broken XML
        raise IngestError(f"{path}: damaged .docx ({type(exc).__name__}: {exc})") from exc
    paragraphs = [normalise_newlines(p.text).strip() for p in document.paragraphs]
    return _from_paragraphs(path, paragraphs, "docx", "Word document")


def _from_paragraphs(path: Path, paragraphs: list[str], fmt: str, what: str) -> Transcript:
    """Paragraphs (of a .docx, .odt or .pdf) as one text, one paragraph a line, then turns.

    A Teams .docx transcript (``Name   0:03`` paragraphs, the speech in the next one) is the
    Otter layout once its paragraphs are lines."""
    body = "\n".join(p for p in paragraphs if p)
    if not body.strip():
        raise IngestError(f"{path}: the {what} has no text")
    cleaned = clean_text(body, str(path))
    body = cleaned.text
    attributes: dict[str, str] = {}
    if body.startswith("---\n"):
        attributes, body = split_front_matter(body, str(path))
    turns, layout = find_turns_and_layout(body)
    if fmt == "docx" and layout == "otter":
        layout = "teams docx"
    return Transcript(body, turns, attributes, fmt, cleaned.warnings, layout)


def read_odt(path: Path, data: bytes, encoding: str | None) -> Transcript:
    """An OpenDocument text: its paragraphs and headings in document order (odfdo)."""
    check_odt(path)
    from odfdo import Document

    try:
        document = Document(io.BytesIO(data))
        if document.get_type() not in ("text", "text-template"):
            raise IngestError(f"{path}: not an OpenDocument text ({document.get_type()})")
        body = document.body
        elements = body.xpath("//text:p|//text:h")
        paragraphs = [
            normalise_newlines(getattr(e, "text_recursive", None) or "").strip() for e in elements
        ]
    except IngestError:
        raise
    except Exception as exc:  # odfdo and lxml raise their own types on broken packages
        raise IngestError(f"{path}: damaged .odt ({type(exc).__name__}: {_one_line(exc)})") from exc
    return _from_paragraphs(path, paragraphs, "odt", "OpenDocument text")


def read_pdf(path: Path, data: bytes, encoding: str | None) -> Transcript:
    """A PDF's text layer (pypdf), page after page; a PDF without one is refused."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IngestError(f"{path}: the PDF is encrypted; save an unprotected copy first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError and others on damaged files
        raise IngestError(f"{path}: damaged or unreadable PDF ({_one_line(exc)})") from exc
    if not pages:
        raise IngestError(f"{path}: the PDF has no pages")
    if not any(page.strip() for page in pages):
        raise IngestError(
            f"{path}: the PDF has no text layer (a scanned document?); run OCR on it first "
            "or import the transcript as .docx or .txt"
        )
    lines = [line.strip() for page in pages for line in normalise_newlines(page).split("\n")]
    return _from_paragraphs(path, lines, "pdf", "PDF")


def read_whisper_json(path: Path, data: bytes, encoding: str | None) -> Transcript:
    """Whisper / WhisperX JSON: ``segments`` with ``start``, ``end``, ``text`` and, when
    diarised, ``speaker``. Consecutive segments of one speaker are one turn, stamped with the
    start time of its first segment."""
    import json

    decoded = decode_text(data, str(path), encoding)
    try:
        doc = json.loads(decoded.text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    segments = doc.get("segments") if isinstance(doc, dict) else doc
    if not isinstance(segments, list):
        raise IngestError(f"{path}: not a Whisper transcript (no 'segments' list)")
    cues: list[tuple[str, str | None, str]] = []
    for number, seg in enumerate(segments, start=1):
        if not isinstance(seg, dict) or not isinstance(seg.get("text"), str):
            raise IngestError(f"{path}: segment {number} has no 'text'")
        start = seg.get("start", 0)
        if isinstance(start, bool) or not isinstance(start, (int, float)) or start < 0:
            raise IngestError(f"{path}: segment {number} has no valid 'start' time")
        speaker = seg.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            speaker = str(speaker)
        cues.append((_seconds(float(start)), speaker or None, seg["text"]))
    if not cues:
        raise IngestError(f"{path}: no segments with text")
    diarised = any(voice for _, voice, _ in cues)
    transcript = _from_cues(path, cues, "json", decoded.warnings, cue_labels=False)
    transcript.layout = "whisper json" if diarised else "none"
    return transcript


def _seconds(value: float) -> str:
    seconds = int(value)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def read_vtt(path: Path, data: bytes, encoding: str | None) -> Transcript:
    import webvtt
    from webvtt.errors import MalformedFileError

    decoded = decode_text(data, str(path), encoding)
    _check_vtt_timings(path, decoded.text)
    try:
        captions = webvtt.from_buffer(io.StringIO(decoded.text)).captions
    except MalformedFileError as exc:
        raise IngestError(f"{path}: malformed WebVTT ({exc})") from exc
    except Exception as exc:
        raise IngestError(f"{path}: malformed WebVTT ({type(exc).__name__}: {exc})") from exc
    cues = [(c.start, getattr(c, "voice", None), c.text) for c in captions]
    transcript = _from_cues(path, cues, "vtt", decoded.warnings)
    if any(voice for _, voice, _ in cues):
        transcript.layout = "vtt voices"
    return transcript


# What webvtt-py accepts as a timing line (hours optional, settings may follow).
_VTT_TIME = r"(?:[0-9]{1,10}:)?([0-9]{1,2}):([0-9]{1,2})\.[0-9]{1,3}"
_VTT_TIMING = re.compile(
    rf"[ \t]*(?P<start>{_VTT_TIME})[ \t]*-->[ \t]*(?P<end>{_VTT_TIME})(?:[ \t].*)?"
)


def _check_vtt_timings(path: Path, text: str) -> None:
    """Refuse a malformed or impossible cue timing line, naming the cue and the line.

    webvtt-py drops a cue whose timings it cannot read, and its speech with it, without a word;
    a line with ``-->`` is a timing line in WebVTT (cue text and notes may not contain it)."""
    count = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        if "-->" not in line:
            continue
        count += 1
        where = f"{path}: cue {count} (line {line_no})"
        match = _VTT_TIMING.fullmatch(line)
        if match is None:
            raise IngestError(
                f"{where}: malformed timing line '{line.strip()[:80]}' "
                "(expected HH:MM:SS.mmm --> HH:MM:SS.mmm)"
            )
        for name, minutes, seconds in (("start", 2, 3), ("end", 5, 6)):
            if int(match.group(minutes)) > 59 or int(match.group(seconds)) > 59:
                raise IngestError(
                    f"{where}: impossible time '{match.group(name)}' "
                    "(minutes and seconds run 00-59)"
                )


def read_srt(path: Path, data: bytes, encoding: str | None) -> Transcript:
    import srt

    decoded = decode_text(data, str(path), encoding)
    text = decoded.text
    _check_srt_timings(path, text)
    if (run := _SRT_DIGIT_RUN.search(text)) is not None:
        line_no = text.count("\n", 0, run.start()) + 1
        raise IngestError(f"{path}: line {line_no}: a run of 16 or more digits; not a SubRip file?")
    try:
        subtitles = list(srt.parse(text))
    except (srt.SRTParseError, ValueError) as exc:
        raise IngestError(f"{path}: malformed SubRip file ({_one_line(exc)})") from exc
    for number, subtitle in enumerate(subtitles, start=1):
        if any(_timing_like(line) for line in subtitle.content.split("\n")):
            # Never store a timing line as speech, whatever the parser made of the file.
            cue = subtitle.index if subtitle.index is not None else number
            raise IngestError(f"{path}: cue {cue}: a timing line inside the cue's text")
    cues = [(_srt_time(s.start), None, s.content) for s in subtitles]
    return _from_cues(path, cues, "srt", decoded.warnings)


# The delimiters the srt library accepts between fields (it also takes '.' and CJK marks).
_SRT_DELIM = "[,.:，．。：]"
_SRT_TIME = (
    rf"[0-9]{{1,9}}{_SRT_DELIM}[0-9]{{1,9}}{_SRT_DELIM}[0-9]{{1,9}}(?:{_SRT_DELIM}?[0-9]{{0,9}})"
)
_SRT_TIME_PARTS = re.compile(
    rf"([0-9]{{1,9}}){_SRT_DELIM}([0-9]{{1,9}}){_SRT_DELIM}([0-9]{{1,9}})(?:{_SRT_DELIM}?([0-9]{{0,9}}))"
)
# A line that means to be a timing line: starts with a (signed) number and has an arrow (two
# simple checks, both linear in the line's length however long and odd it is).
_SRT_NUMBER_FIRST = re.compile(r"[ \t]*[-+]?\d")
_SRT_ARROW = re.compile(r"- *>")
_SRT_TIMING = re.compile(
    rf"[ \t]*(?P<start>{_SRT_TIME}) *-[ -] *> *(?P<end>{_SRT_TIME})(?:[ \t].*)?"
)
_SRT_INDEX = re.compile(r"[ \t]*([0-9]+)[ \t]*")
# The srt library's regular expressions take time cubic in the length of a run of digits at
# every position they try (2,000 digits: 74 s); shorter runs keep it linear.
_SRT_DIGIT_RUN = re.compile(r"[0-9]{16}")


def _timing_like(line: str) -> bool:
    return _SRT_NUMBER_FIRST.match(line) is not None and _SRT_ARROW.search(line) is not None


def _check_srt_timings(path: Path, text: str) -> None:
    """Refuse a malformed or impossible timing line, naming its cue (number) and line."""
    previous = ""
    count = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        if _timing_like(line):
            count += 1
            index = _SRT_INDEX.fullmatch(previous)
            where = f"{path}: cue {index.group(1) if index else count} (line {line_no})"
            match = _SRT_TIMING.fullmatch(line)
            if match is None:
                raise IngestError(
                    f"{where}: malformed timing line '{line.strip()[:80]}' "
                    "(expected HH:MM:SS,mmm --> HH:MM:SS,mmm)"
                )
            for value in (match.group("start"), match.group("end")):
                parts = _SRT_TIME_PARTS.fullmatch(value)
                if (
                    parts is None
                    or int(parts.group(2)) > 59
                    or int(parts.group(3)) > 59
                    or len(parts.group(4) or "") > 3
                ):
                    raise IngestError(
                        f"{where}: impossible time '{value}' (minutes and seconds run 00-59, "
                        "milliseconds 000-999)"
                    )
        if line.strip():
            previous = line


def _srt_time(delta: object) -> str:
    seconds = int(delta.total_seconds())  # type: ignore[attr-defined]
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _from_cues(
    path: Path,
    cues: Iterable[tuple[str, str | None, str]],
    fmt: str,
    warnings: list[str] | None = None,
    cue_labels: bool = True,
) -> Transcript:
    """Merge consecutive cues of one speaker into turns and lay them out as ``Name: text``.

    With ``cue_labels``, a cue without a voice may name its speaker (``Name: text``)."""
    cleaned: list[tuple[str, str | None, str]] = []
    for start, voice, raw in cues:
        content = " ".join(line.strip() for line in normalise_newlines(raw).split("\n"))
        content = re.sub(r"</?[a-z][^>]*>", "", content).strip()
        cleaned.append((start, voice.strip() if voice else None, content))
    labels = Counter(
        m.group("name")
        for _, voice, content in cleaned
        if voice is None and (m := _CUE_LABEL.match(content))
    )
    merged: list[tuple[str | None, str, list[str]]] = []
    current: str | None = None
    for start, voice, content in cleaned:
        speaker = voice
        if speaker is None and not cue_labels:
            speaker = None
        elif speaker is None:
            match = _CUE_LABEL.match(content)
            name = match.group("name") if match else ""
            if match and name[0].isupper() and (labels[name] >= 2 or is_standard_label(name)):
                speaker = name
                content = content[match.end() :]
            else:
                speaker = current
        if not content:
            continue
        if merged and speaker == merged[-1][0]:
            merged[-1][2].append(content)
        else:
            merged.append((speaker, start, [content]))
        current = speaker
    if not merged:
        raise IngestError(f"{path}: no subtitle cues with text")
    parts: list[str] = []
    turns: list[TurnSpan] = []
    pos = 0
    for speaker, start, contents in merged:
        label = f"{speaker}: " if speaker else ""
        body = " ".join(contents)
        parts.append(label + body)
        turns.append(TurnSpan(pos + len(label), pos + len(label) + len(body), speaker, start))
        pos += len(label) + len(body) + 2
    named = any(speaker for speaker, _, _ in merged)
    layout = "cue labels" if named else "none"
    return Transcript("\n\n".join(parts), turns, {}, fmt, list(warnings or ()), layout)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


READERS: dict[str, Callable[[Path, bytes, str | None], Transcript]] = {
    ".txt": read_plain,
    ".md": read_plain,
    ".markdown": read_plain,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".json": read_whisper_json,
    ".odt": read_odt,
    ".pdf": read_pdf,
}


def read_transcript(path: str | Path, encoding: str | None = None) -> Transcript:
    """Read any supported file; raise :class:`IngestError` with one clear line otherwise."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise IngestError(
            f"{path}: unsupported file type '{path.suffix or '(none)'}' (supported: {known})"
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(f"{path}: file is too large ({size // (1024 * 1024)} MB)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise IngestError(f"{path}: is a folder") from exc
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from exc
    return reader(path, data, encoding)
