"""Plain-text helpers every layer shares: words, one-line clips, and text safe for a terminal.

A bottom-layer module (standard library only): store, analysis, report, the CLI and the TUI all
count words, clip and show text the same way by importing it from here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

WORD = re.compile(r"\w+")
"""A word: a run of word characters (letters, digits, underscore, in any script). The importer
stores each document's count of words inside turns; analyses and exports count the same way."""


ANNOTATION = re.compile(
    r"\[[^\[\]\n]{1,80}\]"
    r"|\((?:(?:long |short |brief )?pause|laugh\w*|both laugh\w*|chuckl\w*|inaudible|unclear"
    r"|crosstalk|cross-talk|overlapping|overtalk|interrupt\w*|sigh\w*|cough\w*|silence"
    r"|sniff\w*|cries|crying|tearful|whisper\w*|phone rings|door \w+|indistinct|noise)"
    r"(?:[ ,:;-][^()\n]{0,60})?\)"
    r"|\((?:\.|\d+(?:\.\d+)?\s*(?:s|sec|secs|seconds)?)\)",
    re.IGNORECASE,
)
"""A bracketed non-speech annotation made by the transcriber: anything short in square brackets
(``[laughs]``, ``[inaudible 00:12:03]``, ``[crosstalk]``), and in round brackets the usual
non-speech words (``(pause)``, ``(laughs)``, ``(sighs)``…) and timed pauses (``(.)``,
``(2.5)``). Annotations never split a sentence (:mod:`qualcode.nlp.segment`), are never matched
by auto-coding rules, and are not words (:func:`count_words`). Round brackets around other
words are speech ("(and I mean it)") and stay words."""


def annotation_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every :data:`ANNOTATION` in ``text[start:end]``, in order."""
    end = len(text) if end is None else end
    if text.find("[", start, end) == -1 and text.find("(", start, end) == -1:
        return []
    return [m.span() for m in ANNOTATION.finditer(text, start, end)]


def without_annotations(text: str) -> str:
    """``text`` with each annotation blanked out by spaces: same length, same offsets."""
    if "[" not in text and "(" not in text:
        return text
    return ANNOTATION.sub(lambda m: " " * len(m.group()), text)


def count_words(text: str, start: int = 0, end: int | None = None) -> int:
    """Words in ``text[start:end]`` (without copying the slice), not counting the words of
    bracketed non-speech annotations (:data:`ANNOTATION`: ``[laughs]`` is not a word)."""
    end = len(text) if end is None else end
    words = len(WORD.findall(text, start, end))
    for a, b in annotation_spans(text, start, end):
        words -= len(WORD.findall(text, a, b))
    return words


_IS_WORD_CHAR: dict[str, bool] = {}


def word_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of every word (``\\w+`` run outside bracketed non-speech
    annotations, as :func:`qualcode.text.count_words` counts) in ``text``, as numpy arrays.

    ``\\w+`` is a run of characters that each match ``\\w``, so a per-character mask gives
    exactly the regex's words — about ten times faster than ``finditer`` on long texts.
    """
    import numpy as np

    if not text:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    for ch in set(text):
        if ch not in _IS_WORD_CHAR:
            _IS_WORD_CHAR[ch] = WORD.fullmatch(ch) is not None
    table = np.zeros(int(codes.max()) + 1, dtype=np.int8)
    wanted = [ord(ch) for ch, yes in _IS_WORD_CHAR.items() if yes and ord(ch) < len(table)]
    table[wanted] = 1
    mask = table[codes]
    for start, end in annotation_spans(text):  # [laughs] is not a word
        mask[start:end] = 0
    edges = np.diff(mask, prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of ``[start, end)`` spans as disjoint, sorted spans: overlapping spans fuse,
    spans that merely touch stay apart (two adjacent passages, not one)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


class WordIndex:
    """Every word of a text found once (:func:`word_bounds`), so the words of many spans (a
    document's turns and sentences) are counted together by bisection instead of scanning
    each span again.

    ``counts(spans)`` equals :func:`count_words` for each span that does not cut through an
    annotation: the words (outside annotations) that overlap the span."""

    def __init__(self, text: str) -> None:
        self.starts, self.ends = word_bounds(text)

    def counts(self, spans: list[tuple[int, int]]) -> list[int]:
        import numpy as np

        if not spans:
            return []
        table = np.array(spans, dtype=np.int64).reshape(-1, 2)
        found = np.searchsorted(self.starts, table[:, 1], side="left") - np.searchsorted(
            self.ends, table[:, 0], side="right"
        )
        return [int(n) for n in found]


def flatten(text: str) -> str:
    """All runs of whitespace (newlines, tabs) as one space, trimmed: text for one line."""
    return " ".join(text.split())


def clip(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` characters: cut with ``…`` when longer."""
    flat = flatten(text)
    if len(flat) <= width:
        return flat
    return flat[: max(width - 1, 0)] + "…"


# ---------------------------------------------------------------- terminal-safe text

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Bidirectional embeddings, overrides and isolates: they reorder what a terminal shows."""


def _visible_table(keep: str) -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        table[code] = chr(0x2400 + code)  # control pictures: ␀ … ␛ … ␟
    table[0x7F] = "␡"
    for code in range(0x80, 0xA0):  # C1 controls (0x9b is a one-byte CSI in some terminals)
        table[code] = f"\\x{code:02x}"
    for code in _BIDI:
        table[code] = f"\\u{code:04x}"
    for ch in keep:
        table.pop(ord(ch), None)
    return table


_LINES = _visible_table("\n\t")
_ONE_LINE = _visible_table("")


def visible(text: str, *, keep_lines: bool = True) -> str:
    """``text`` with control and escape characters shown, never obeyed, by a terminal.

    C0 controls become their control pictures (ESC shows as ``␛``, so ``\\x1b[31m`` prints as
    ``␛[31m`` and colours nothing), DEL becomes ``␡``, C1 controls and bidirectional overrides
    become ``\\x9b`` / ``\\u202e``. Newline and tab are kept unless ``keep_lines`` is false.
    Everything else, including all printable Unicode, is unchanged.
    """
    return text.translate(_LINES if keep_lines else _ONE_LINE)


_JSON_UNSAFE = re.compile("[\x7f-\x9f" + "".join(chr(c) for c in _BIDI) + "]")


def json_terminal_safe(dumped: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with DEL, C1 controls and bidi
    overrides written as ``\\uXXXX`` escapes: the same JSON value, safe to print.
    (``json.dumps`` already escapes C0 controls.)"""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """``value`` with ``fn`` applied to every string inside it: dataclass fields, tuples,
    lists, dict keys and values. What ``fn`` leaves equal comes back as the same object, so an
    untouched structure is not copied. The one walk behind the reports' XML cleaning
    (:func:`qualcode.report.summary.xml_safe`) and pseudonymisation (``Replacer.deep``)."""
    if isinstance(value, str):
        new = fn(value)
        return value if new == value else new
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.init:
                old = getattr(value, f.name)
                mapped = map_strings(old, fn)
                if mapped is not old:
                    changes[f.name] = mapped
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, tuple | list):
        items = [map_strings(v, fn) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        pairs = [(map_strings(k, fn), map_strings(v, fn)) for k, v in value.items()]
        if all(k2 is k and v2 is v for (k2, v2), (k, v) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    return value
