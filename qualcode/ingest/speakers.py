"""Find speaker turns in plain transcript text.

Transcribers write turns in a handful of ways; we recognise the common ones at line start:

- ``Name: text`` and ``Dr Hansen: text``
- ``[00:01:02] Name: text`` and ``00:01:02 Name: text`` (the timestamp is kept on the turn)
- abbreviations ``I:``, ``R:``, ``P3:``
- ``NAME`` alone on a line in capitals (screenplay style), the speech on the following lines

A label must occur at least twice in the document (or carry a timestamp, or be a standard
abbreviation) before it counts: a single "Note: ..." line is text, not a speaker. Lines with no
label continue the current turn. ALL-CAPS names are shown in title case ("FARID" -> "Farid").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qualcode.ingest.model import TurnSpan

_TIMESTAMP = (
    r"(?:\[(?P<bts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]|(?P<ts>\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?))"
)
_NAME = r"(?P<name>[^\W\d_][\w'’.\-]*(?: [^\W\d_][\w'’.\-]*){0,3})"
_LABEL_LINE = re.compile(rf"^[ \t]*(?:{_TIMESTAMP}[ \t]*)?{_NAME}[ \t]*:(?:[ \t]+|$)")
_TIMESTAMP_ONLY = re.compile(rf"^[ \t]*{_TIMESTAMP}[ \t]*")
_CAPS_LINE = re.compile(r"^[ \t]*(?P<name>[A-ZÀ-Þ][A-ZÀ-Þ0-9 .'’\-]{1,39})[ \t]*$")
_ABBREVIATION = re.compile(r"^(?:[A-Z]|[A-Z]{1,2}\d{1,3})$")
_STANDARD = {"interviewer", "moderator", "facilitator", "respondent", "participant", "researcher"}


@dataclass(frozen=True)
class _Label:
    line_start: int
    content_start: int
    name: str
    timestamp: str | None
    screenplay: bool = False


def find_turns(text: str) -> list[TurnSpan]:
    """Split ``text`` into turns; a text without recognisable speakers is one turn."""
    lines = _lines(text)
    candidates = [_label(text, start, end) for start, end in lines]
    counts = Counter(label.name for label in candidates if label is not None)
    screenplay = any(
        label is not None and label.screenplay and _accept(label, counts[label.name])
        for label in candidates
    )
    accepted = [
        label
        for label in candidates
        if label is not None
        and (_accept(label, counts[label.name]) or (label.screenplay and screenplay))
    ]
    if not accepted:
        return _single_turn(text)
    turns: list[TurnSpan] = []
    first = accepted[0].line_start
    if text[:first].strip():
        turns.append(_trimmed(text, 0, first, None, None))
    for i, label in enumerate(accepted):
        end = accepted[i + 1].line_start if i + 1 < len(accepted) else len(text)
        turns.append(
            _trimmed(text, label.content_start, end, _display(label.name), label.timestamp)
        )
    return turns


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _label(text: str, start: int, end: int) -> _Label | None:
    line = text[start:end]
    match = _LABEL_LINE.match(line)
    if match:
        name = match.group("name").strip()
        if name[0].isupper() and not name.endswith("."):
            return _Label(start, start + match.end(), name, match.group("bts") or match.group("ts"))
        return None
    caps = _CAPS_LINE.match(line)
    if caps and caps.group("name").strip().isupper() and len(caps.group("name").split()) <= 3:
        # Screenplay style: the speech starts on the next line.
        return _Label(start, min(end + 1, len(text)), caps.group("name").strip(), None, True)
    return None


def is_standard_label(name: str) -> bool:
    """``I``, ``R``, ``P3``, ``Interviewer``...: labels that are speakers even if seen once."""
    return bool(_ABBREVIATION.match(name)) or name.lower() in _STANDARD


def _accept(label: _Label, count: int) -> bool:
    return count >= 2 or label.timestamp is not None or is_standard_label(label.name)


def _display(name: str) -> str:
    if name.isupper() and len(name) > 3 and not _ABBREVIATION.match(name):
        return " ".join(part.capitalize() for part in name.split())
    return name


def _trimmed(text: str, start: int, end: int, speaker: str | None, ts: str | None) -> TurnSpan:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return TurnSpan(start, end, speaker, ts)


def _single_turn(text: str) -> list[TurnSpan]:
    return [_trimmed(text, 0, len(text), None, None)]


def strip_timestamp(line: str) -> tuple[str | None, str]:
    """Split a leading timestamp off a line (used for subtitle-like plain text)."""
    match = _TIMESTAMP_ONLY.match(line)
    if not match:
        return None, line
    return match.group("bts") or match.group("ts"), line[match.end() :]
