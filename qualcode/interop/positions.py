"""Where a REFI-QDA selection lies in qualcode's text: code points, UTF-16 and newlines.

The standard counts Unicode code points from 0 in the source's plain text, the end exclusive,
which is what a Python ``str`` index is, so export writes qualcode's offsets as they are. Real
files differ, and a coded passage must land on exactly the text the other tool showed:

- tools built on UTF-16 strings (.NET, Java, JavaScript, Delphi) count code units, so every
  character outside the Basic Multilingual Plane (most emoji, some CJK) counts twice;
- a source file may keep Windows line endings (``\\r\\n``), which qualcode stores as ``\\n``;
  a tool may have counted each such ending as two characters (the file's) or as one (its own
  text), and may have counted a byte-order mark as a character;
- control characters other than tab and newline are dropped from the stored text, as on any
  import (form feed and vertical tab become newlines).

:class:`SourceText` builds the stored text and, for every way of counting that makes a
difference for this text, maps the file's positions onto it. Which way a file counted is not
written anywhere, so each candidate is scored on the selections themselves (a span past the
end or through the middle of a character is impossible; one whose ends sit on word edges, or
whose text matches the selection's ``name`` as many tools write it, is likely) and the reader
picks the best for the whole file, letting a single source differ only on clear evidence.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Removed from the stored text: the CR of a CRLF pair, and C0 controls other than tab, LF,
# CR, VT and FF (those three become LF, keeping their place).
_REMOVED = re.compile(r"\r(?=\n)|[\x00-\x08\x0e-\x1f]")
_AS_NEWLINE = str.maketrans({"\r": "\n", "\x0b": "\n", "\x0c": "\n"})
_WORD = re.compile(r"\w")
_SPACE = re.compile(r"\s+")


# ---------------------------------------------------------------- UTF-16 <-> code points


def utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` takes."""
    return len(text) + len(_ASTRAL.findall(text))


class Utf16Index:
    """Converts between code point and UTF-16 offsets of one text in O(log n)."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        # Code point index of each character outside the BMP, and its UTF-16 start.
        self.astral = [m.start() for m in _ASTRAL.finditer(text)]
        self.astral_units = [cp + k for k, cp in enumerate(self.astral)]

    def to_utf16(self, cp: int) -> int:
        return cp + bisect.bisect_left(self.astral, cp)

    def to_code_points(self, unit: int) -> tuple[int, bool]:
        """The code point offset of a UTF-16 offset, and whether it fell between the two
        halves of a surrogate pair (then the character's start is returned)."""
        k = bisect.bisect_right(self.astral_units, unit) - 1  # last astral starting <= unit
        if k < 0:
            return unit, False
        if unit == self.astral_units[k]:
            return self.astral[k], False
        if unit == self.astral_units[k] + 1:
            return self.astral[k], True
        return unit - (k + 1), False


def code_points_to_utf16(text: str, offset: int) -> int:
    return Utf16Index(text).to_utf16(offset)


def utf16_to_code_points(text: str, offset: int) -> int:
    return Utf16Index(text).to_code_points(offset)[0]


# ---------------------------------------------------------------- stored text


def stored_text(raw: str) -> str:
    """The text qualcode stores for a source's decoded text (BOM already removed)."""
    return _REMOVED.sub("", raw).translate(_AS_NEWLINE)


class Convention(NamedTuple):
    """One way of counting positions; the first value of each field is the standard's."""

    utf16: bool = False
    crlf_as_one: bool = False
    bom_counted: bool = False

    def describe(self) -> list[str]:
        out = []
        if self.utf16:
            out.append("positions counted in UTF-16 code units, not code points")
        if self.crlf_as_one:
            out.append("each Windows line ending (CRLF) counted as one character")
        if self.bom_counted:
            out.append("the byte-order mark counted as a character")
        return out


STANDARD = Convention()
ALL_CONVENTIONS = tuple(
    Convention(u, c, b) for u in (False, True) for c in (False, True) for b in (False, True)
)


@dataclass
class Evaluation:
    """A convention applied to one source's selections: the stored spans (None where the
    span is impossible) and how plausible the whole is."""

    spans: list[tuple[int, int] | None]
    score: int
    split_characters: int = 0


class _Variant:
    """The text a tool may have counted in (the file's, or with CRLF as one), with the
    positions of what the stored text leaves out of it."""

    def __init__(self, counted: str) -> None:
        self.length = len(counted)
        self.removed = [m.start() for m in _REMOVED.finditer(counted)]
        self.utf16 = Utf16Index(counted)

    def stored(self, cp: int) -> int:
        return cp - bisect.bisect_left(self.removed, cp)


class SourceText:
    """One source's decoded text (byte-order mark removed) and its stored form."""

    def __init__(self, raw: str, had_bom: bool = False) -> None:
        self.raw = raw
        self.had_bom = had_bom
        self.text = stored_text(raw)
        self.has_crlf = "\r\n" in raw
        self.has_astral = _ASTRAL.search(raw) is not None
        self.removed_controls = len(_REMOVED.findall(raw)) - raw.count("\r\n")
        self._variants = {False: _Variant(raw)}
        if self.has_crlf:
            self._variants[True] = _Variant(raw.replace("\r\n", "\n"))

    def relevant(self, convention: Convention) -> Convention:
        """The convention that gives the same result here with only the differences that
        matter for this text (no astral characters: UTF-16 is code points, and so on)."""
        return Convention(
            convention.utf16 and self.has_astral,
            convention.crlf_as_one and self.has_crlf,
            convention.bom_counted and self.had_bom,
        )

    def place(self, convention: Convention, start: int, end: int) -> tuple[int, int, int] | None:
        """A file span as a stored span plus how many ends split a character, or None."""
        convention = self.relevant(convention)
        variant = self._variants[convention.crlf_as_one]
        split = 0
        ends = []
        for pos in (start, end):
            if convention.bom_counted:
                pos = max(pos - 1, 0)
            if convention.utf16:
                pos, halved = variant.utf16.to_code_points(pos)
                split += halved
            if pos < 0 or pos > variant.length:
                return None
            ends.append(variant.stored(pos))
        if ends[0] >= ends[1]:
            return None
        return ends[0], ends[1], split

    def evaluate(
        self, convention: Convention, spans: Sequence[tuple[int, int]], names: Sequence[str]
    ) -> Evaluation:
        placed: list[tuple[int, int] | None] = []
        score = split_total = 0
        text = self.text
        for (start, end), name in zip(spans, names, strict=True):
            found = self.place(convention, start, end)
            if found is None:
                placed.append(None)
                score -= 10
                continue
            s, e, split = found
            placed.append((s, e))
            split_total += split
            score -= 5 * split
            if s == 0 or not (_WORD.match(text, s - 1) and _WORD.match(text, s)):
                score += 1
            if e == len(text) or not (_WORD.match(text, e - 1) and _WORD.match(text, e)):
                score += 1
            if name and _matches(text[s : min(e, s + 200)], name):
                score += 4
        return Evaluation(placed, score, split_total)


def _placed(source: SourceText, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int] | None]:
    out: list[tuple[int, int] | None] = []
    for start, end in spans:
        found = source.place(STANDARD, start, end)
        out.append(None if found is None else (found[0], found[1]))
    return out


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip().rstrip(".…").strip()


def _matches(passage: str, name: str) -> bool:
    """Whether a selection's name is (the start of) its passage, as tools write them."""
    a, b = _fold(passage)[:40], _fold(name)[:40]
    if len(b) < 3:
        return False
    return a.startswith(b) or b.startswith(a)


def choose(
    sources: Sequence[tuple[SourceText, Sequence[tuple[int, int]], Sequence[str]]],
    margin: int = 3,
) -> tuple[list[Evaluation], list[Convention]]:
    """Pick a convention for a whole file, and per source where its own evidence is clearly
    better; returns each source's evaluation and the convention used for it."""
    cache: list[dict[Convention, Evaluation]] = []
    totals = dict.fromkeys(ALL_CONVENTIONS, 0)
    for source, spans, names in sources:
        own: dict[Convention, Evaluation] = {}
        if not (source.has_astral or source.has_crlf or source.had_bom):
            # One way of counting only: nothing to weigh, every candidate is the standard.
            own[STANDARD] = Evaluation(_placed(source, spans), 0)
            cache.append(own)
            continue
        for convention in ALL_CONVENTIONS:
            key = source.relevant(convention)
            if key not in own:
                own[key] = source.evaluate(key, spans, names)
            totals[convention] += own[key].score
        cache.append(own)
    # max() keeps the first of equals, and ALL_CONVENTIONS starts with the standard.
    overall = max(ALL_CONVENTIONS, key=lambda c: totals[c])
    evaluations: list[Evaluation] = []
    used: list[Convention] = []
    for (source, _, _), own in zip(sources, cache, strict=True):
        default = source.relevant(overall)
        best = max(own, key=lambda c: (own[c].score, c == default, c == STANDARD))
        pick = best if own[best].score >= own[default].score + margin else default
        evaluations.append(own[pick])
        used.append(pick)
    return evaluations, used
