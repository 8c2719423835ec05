"""Find speaker turns in plain transcript text.

Transcribers write turns in a handful of ways; we recognise the common ones at line start:

- ``Name: text`` and ``Dr Hansen: text``
- ``[00:01:02] Name: text`` and ``00:01:02 Name: text`` (the timestamp is kept on the turn)
- abbreviations ``I:``, ``R:``, ``P3:``
- ``NAME`` alone on a line in capitals (screenplay style), the speech on the following lines
- numbered and coded labels: ``Speaker 1:``, ``Participant 12:``, ``P 3:``, ``GP 3:``,
  ``Respondent 2:``, ``Int:``, ``IV:``, ``Moderator:``
- Otter.ai text export: a header line ``Name  0:03`` (name, two or more spaces or a tab,
  ``[h:]mm:ss``), the speech on the following lines (Teams .docx paragraphs look the same)
- Rev and similar services: ``Name (00:03):`` on its own line with the speech below, or
  ``Name: (00:03) text`` on one line

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
    r"(?:\[(?P<bts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]"
    r"|\((?P<pts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\)"
    r"|(?P<ts>\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?))"
)
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
# Words that start with a letter, optionally followed by a number: "Speaker 12", "GP 3".
_NAME = r"(?P<name>[^\W\d_][\w'’.\-]*(?: [^\W\d_][\w'’.\-]*){0,3}(?: \d{1,4})?)"
# Name, then an optional "(00:03)" (Rev), a colon, then an optional "(00:03)" (Rev, one line).
_LABEL_LINE = re.compile(
    rf"^[ \t]*(?:{_TIMESTAMP}[ \t]*)?{_NAME}[ \t]*(?:\((?P<rts>{_CLOCK})\)[ \t]*)?:"
    rf"(?:[ \t]*\((?P<ats>{_CLOCK})\))?(?:[ \t]+|$)"
)
# Otter.ai text export and Teams .docx: "Name  0:03" alone on a line, the speech below.
_HEADER_LINE = re.compile(rf"^[ \t]*{_NAME}(?:[ \t]{{2,}}|\t)(?P<hts>{_CLOCK})[ \t]*$")
_TIMESTAMP_ONLY = re.compile(rf"^[ \t]*{_TIMESTAMP}[ \t]*")
_CAPS_LINE = re.compile(r"^[ \t]*(?P<name>[A-ZÀ-Þ][A-ZÀ-Þ0-9 .'’\-]{1,39})[ \t]*$")
_ABBREVIATION = re.compile(r"^(?:[A-Z]|[A-Z]{1,2}\d{1,3})$")
_STANDARD = {
    "interviewer",
    "moderator",
    "facilitator",
    "respondent",
    "participant",
    "researcher",
    "interviewee",
    "int",
    "iv",
}
# "Speaker 1", "Participant 12", "P 3", "GP 3", "Respondent 2": a role word and a number.
_NUMBERED = re.compile(
    r"^(?:speaker|participant|respondent|interviewee|interviewer|person|p|gp|r|i|int|iv|"
    r"moderator|facilitator|patient|doctor|nurse|student|teacher|parent|child|"
    r"fg|spk|sp) \d{1,4}$",
    re.IGNORECASE,
)

LAYOUTS = {
    "labels": "Name: text",
    "timestamped labels": "[00:01:02] Name: text",
    "rev": "Name (00:03): text",
    "otter": "Name  0:03 header lines",
    "screenplay": "NAME alone on a line",
    "none": "no speaker labels",
}


@dataclass(frozen=True)
class _Label:
    line_start: int
    content_start: int
    name: str
    timestamp: str | None
    screenplay: bool = False
    kind: str = "labels"


def find_turns(text: str) -> list[TurnSpan]:
    """Split ``text`` into turns; a text without recognisable speakers is one turn."""
    return find_turns_and_layout(text)[0]


def find_turns_and_layout(text: str) -> tuple[list[TurnSpan], str]:
    """The turns of ``text`` and the name of the layout they were found in (see
    :data:`LAYOUTS`; ``"none"`` when the text is one turn without a speaker)."""
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
        return _single_turn(text), "none"
    layout = Counter(label.kind for label in accepted).most_common(1)[0][0]
    turns: list[TurnSpan] = []
    first = accepted[0].line_start
    if text[:first].strip():
        turns.append(_trimmed(text, 0, first, None, None))
    for i, label in enumerate(accepted):
        end = accepted[i + 1].line_start if i + 1 < len(accepted) else len(text)
        turns.append(
            _trimmed(text, label.content_start, end, _display(label.name), label.timestamp)
        )
    return turns, layout


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
            lead = match.group("bts") or match.group("pts") or match.group("ts")
            rev = match.group("rts") or match.group("ats")
            kind = "rev" if rev else "timestamped labels" if lead else "labels"
            return _Label(start, start + match.end(), name, lead or rev, kind=kind)
        return None
    header = _HEADER_LINE.match(line)
    if header:
        name = header.group("name").strip()
        if name[0].isupper() and not name.endswith("."):
            # Otter/Teams: the speech starts on the next line.
            return _Label(start, min(end + 1, len(text)), name, header.group("hts"), kind="otter")
        return None
    caps = _CAPS_LINE.match(line)
    if caps and caps.group("name").strip().isupper() and len(caps.group("name").split()) <= 3:
        # Screenplay style: the speech starts on the next line.
        return _Label(
            start, min(end + 1, len(text)), caps.group("name").strip(), None, True, "screenplay"
        )
    return None


def is_standard_label(name: str) -> bool:
    """``I``, ``R``, ``P3``, ``Interviewer``...: labels that are speakers even if seen once."""
    return (
        bool(_ABBREVIATION.match(name)) or name.lower() in _STANDARD or bool(_NUMBERED.match(name))
    )


def _accept(label: _Label, count: int) -> bool:
    return count >= 2 or label.timestamp is not None or is_standard_label(label.name)


def _display(name: str) -> str:
    if (
        name.isupper()
        and len(name) > 3
        and not _ABBREVIATION.match(name)
        and not name[-1].isdigit()
    ):
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
    return match.group("bts") or match.group("pts") or match.group("ts"), line[match.end() :]
