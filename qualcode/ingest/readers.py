"""One reader per file format, each turning a file into a :class:`Transcript`.

Libraries do the format work: python-docx for Word, webvtt-py for WebVTT (it understands voice
tags), srt for SubRip. Subtitle cues are merged into one turn per run of the same speaker,
because a researcher codes what a person said, not how a captioner split it.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest.decode import decode, normalise_newlines
from qualcode.ingest.frontmatter import split_front_matter
from qualcode.ingest.model import Transcript, TurnSpan
from qualcode.ingest.safezip import check_docx
from qualcode.ingest.speakers import find_turns, is_standard_label

MAX_FILE_BYTES = 50 * 1024 * 1024
_CUE_LABEL = re.compile(r"^(?P<name>[^\W\d_][\w'’.\-]*(?: [^\W\d_][\w'’.\-]*){0,3})[ \t]*:[ \t]+")


def read_plain(path: Path, data: bytes, encoding: str | None) -> Transcript:
    text = decode(data, str(path), encoding)
    attributes, body = split_front_matter(text, str(path))
    return Transcript(body, find_turns(body), attributes, path.suffix.lower().lstrip("."))


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
    body = "\n".join(p for p in paragraphs if p)
    if not body.strip():
        raise IngestError(f"{path}: the Word document has no text")
    attributes: dict[str, str] = {}
    if body.startswith("---\n"):
        attributes, body = split_front_matter(body, str(path))
    return Transcript(body, find_turns(body), attributes, "docx")


def read_vtt(path: Path, data: bytes, encoding: str | None) -> Transcript:
    import webvtt
    from webvtt.errors import MalformedFileError

    text = decode(data, str(path), encoding)
    try:
        captions = webvtt.from_buffer(io.StringIO(text)).captions
    except MalformedFileError as exc:
        raise IngestError(f"{path}: malformed WebVTT ({exc})") from exc
    except Exception as exc:
        raise IngestError(f"{path}: malformed WebVTT ({type(exc).__name__}: {exc})") from exc
    cues = [(c.start, getattr(c, "voice", None), c.text) for c in captions]
    return _from_cues(path, cues, "vtt")


def read_srt(path: Path, data: bytes, encoding: str | None) -> Transcript:
    import srt

    text = decode(data, str(path), encoding)
    try:
        subtitles = list(srt.parse(text))
    except (srt.SRTParseError, ValueError) as exc:
        raise IngestError(f"{path}: malformed SubRip file ({_one_line(exc)})") from exc
    cues = [(_srt_time(s.start), None, s.content) for s in subtitles]
    return _from_cues(path, cues, "srt")


def _srt_time(delta: object) -> str:
    seconds = int(delta.total_seconds())  # type: ignore[attr-defined]
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _from_cues(path: Path, cues: Iterable[tuple[str, str | None, str]], fmt: str) -> Transcript:
    """Merge consecutive cues of one speaker into turns and lay them out as ``Name: text``."""
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
        if speaker is None:
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
    return Transcript("\n\n".join(parts), turns, {}, fmt)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


READERS: dict[str, Callable[[Path, bytes, str | None], Transcript]] = {
    ".txt": read_plain,
    ".md": read_plain,
    ".markdown": read_plain,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
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
