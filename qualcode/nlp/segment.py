"""Sentence segmentation that keeps character offsets into the document text.

Whole documents go through ``nlp.pipe`` in batches (the same work as a bare spaCy pass), and the
sentence boundaries are then cut at turn boundaries, so a sentence never spans two speakers and
the speaker labels between turns never become part of a sentence. Boundaries are read from the
``SENT_START``/``IDX`` arrays rather than by iterating ``doc.sents``, which costs a Python object
per token.

A text longer than :data:`PIECE_CHARS` (or than the pipeline's ``max_length``, which spaCy
enforces with E088) is segmented in pieces, so every file under the import size limit can be
imported: pieces end at a turn boundary where one is near enough (the cut is then a sentence
boundary anyway), else at a paragraph break, a line break, a sentence end or a space. Offsets
stay exact: each piece's boundaries are shifted by where the piece starts, and a piece's start
is a sentence boundary.

Bracketed non-speech annotations (``[laughs]``, ``(pause)``) never split a sentence: after the
splitter, a boundary inside one moves to just after it (:func:`_around_annotations`), a separate
step from the splitter itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from qualcode.nlp import fastsplit
from qualcode.nlp.pipeline import MAX_LENGTH, get_pipeline
from qualcode.text import annotation_spans

if TYPE_CHECKING:
    from spacy.tokens import Doc

BATCH_SIZE = 32
# Longest text given to spaCy at once; longer ones go in pieces (see the module docstring).
PIECE_CHARS = 1_000_000
Spans = list[tuple[int, int]]


def segment_documents(
    items: Iterable[tuple[str, Sequence[tuple[int, int]]]], model: str | None = None
) -> list[Spans]:
    """For each (text, turn spans), the sentence spans inside the turns, in text order."""
    items = list(items)
    bounds: list[list[int]] = [[] for _ in items]
    if model is None and fastsplit.available():
        # The default pipeline's boundaries without spaCy (qualcode.nlp.fastsplit, proven
        # identical): about a tenth of the CPU of importing spaCy and tokenizing every word.
        limit = max(1, min(PIECE_CHARS, MAX_LENGTH))
        plans = [_pieces(text, turns, limit) for text, turns in items]
        for i, plan in enumerate(plans):
            for start, end in plan:
                _add_boundaries(bounds[i], start, fastsplit.sentence_starts(items[i][0][start:end]))
    else:
        nlp = get_pipeline(model)
        wanted = {"sentencizer", "senter", "parser", "tok2vec"}
        disable = [name for name in nlp.pipe_names if name not in wanted]
        limit = max(1, min(PIECE_CHARS, nlp.max_length))
        plans = [_pieces(text, turns, limit) for text, turns in items]
        with nlp.select_pipes(disable=disable):
            jobs = [(i, start, end) for i, plan in enumerate(plans) for start, end in plan]
            texts = (items[i][0][start:end] for i, start, end in jobs)
            docs = nlp.pipe(texts, batch_size=BATCH_SIZE)
            for (i, start, _), doc in zip(jobs, docs, strict=True):
                _add_boundaries(bounds[i], start, _boundaries(doc))
    return [
        _cut(text, _around_annotations(text, bounds[i]), turns)
        for i, (text, turns) in enumerate(items)
    ]


def _add_boundaries(bounds: list[int], start: int, found: list[int]) -> None:
    """A piece's boundaries, shifted to where the piece starts; a piece's start is one."""
    if start and (not found or found[0] != 0):
        found.insert(0, 0)
    bounds.extend(start + b for b in found)


def segment_turns(text: str, turns: Sequence[tuple[int, int]], model: str | None = None) -> Spans:
    """Sentence spans of one document (see :func:`segment_documents`)."""
    return segment_documents([(text, turns)], model)[0]


def _pieces(text: str, turns: Sequence[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """``text`` as (start, end) pieces of at most ``limit`` characters covering all of it."""
    if len(text) <= limit:
        return [(0, len(text))]
    turn_starts = sorted({start for start, _ in turns})
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        end = _cut_point(text, start, start + limit, turn_starts)
        pieces.append((start, end))
        start = end
    pieces.append((start, len(text)))
    return pieces


def _cut_point(text: str, lo: int, hi: int, turn_starts: list[int]) -> int:
    """Where to end a piece that starts at ``lo`` and may not pass ``hi`` (``lo < result``).

    The latest turn start in the second half of the window; else the latest paragraph break,
    line break, sentence end or space there; else ``hi`` itself."""
    half = lo + (hi - lo) // 2
    k = bisect.bisect_right(turn_starts, hi) - 1
    if k >= 0 and turn_starts[k] > half:
        return turn_starts[k]
    for mark in ("\n\n", "\n", ". ", "? ", "! ", " ", "\t"):
        at = text.rfind(mark, half, hi)
        if at != -1 and at + len(mark) > lo:
            return min(at + len(mark), hi)
    return hi


def _boundaries(doc: Doc) -> list[int]:
    if len(doc) == 0:
        return []
    from spacy.attrs import IDX, SENT_START

    table = doc.to_array([SENT_START, IDX])
    return table[:, 1][table[:, 0] == 1].tolist()


def _around_annotations(text: str, bounds: list[int]) -> list[int]:
    """``bounds`` with none inside a bracketed non-speech annotation (:data:`qualcode.text.
    ANNOTATION`): the sentencizer ends a sentence at "." or "!" and puts the "[" of a following
    ``[laughs]`` before the cut, splitting the annotation. A boundary inside one moves to just
    after it, so the annotation stays whole with the sentence it follows."""
    spans = annotation_spans(text)
    if not spans or not bounds:
        return bounds
    out = list(bounds)
    moved = False
    for a, b in spans:
        lo = bisect.bisect_right(out, a)
        hi = bisect.bisect_left(out, b)
        if lo < hi:
            out[lo:hi] = [b] if (hi >= len(out) or out[hi] != b) else []
            moved = True
    return sorted(set(out)) if moved else out


def _cut(text: str, bounds: list[int], turns: Sequence[tuple[int, int]]) -> Spans:
    spans: Spans = []
    for turn_start, turn_end in turns:
        lo = bisect.bisect_right(bounds, turn_start)
        hi = bisect.bisect_left(bounds, turn_end)
        cuts = [turn_start, *bounds[lo:hi], turn_end]
        for start, end in zip(cuts, cuts[1:], strict=False):
            piece = text[start:end]  # trimmed by str.strip's rule (str.isspace), in C
            left = len(piece) - len(piece.lstrip())
            right = len(piece.rstrip())
            if left < right:
                spans.append((start + left, start + right))
    return spans
