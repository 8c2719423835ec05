"""Sentence segmentation that keeps character offsets into the document text.

Whole documents go through ``nlp.pipe`` in batches (the same work as a bare spaCy pass), and the
sentence boundaries are then cut at turn boundaries, so a sentence never spans two speakers and
the speaker labels between turns never become part of a sentence. Boundaries are read from the
``SENT_START``/``IDX`` arrays rather than by iterating ``doc.sents``, which costs a Python object
per token.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from qualcode.nlp.pipeline import get_pipeline

if TYPE_CHECKING:
    from spacy.tokens import Doc

BATCH_SIZE = 32
Spans = list[tuple[int, int]]


def segment_documents(
    items: Iterable[tuple[str, Sequence[tuple[int, int]]]], model: str | None = None
) -> list[Spans]:
    """For each (text, turn spans), the sentence spans inside the turns, in text order."""
    items = list(items)
    nlp = get_pipeline(model)
    wanted = {"sentencizer", "senter", "parser", "tok2vec"}
    disable = [name for name in nlp.pipe_names if name not in wanted]
    out: list[Spans] = []
    with nlp.select_pipes(disable=disable):
        docs = nlp.pipe((text for text, _ in items), batch_size=BATCH_SIZE)
        for (text, turns), doc in zip(items, docs, strict=True):
            out.append(_cut(text, _boundaries(doc), turns))
    return out


def segment_turns(text: str, turns: Sequence[tuple[int, int]], model: str | None = None) -> Spans:
    """Sentence spans of one document (see :func:`segment_documents`)."""
    return segment_documents([(text, turns)], model)[0]


def _boundaries(doc: Doc) -> list[int]:
    if len(doc) == 0:
        return []
    from spacy.attrs import IDX, SENT_START

    table = doc.to_array([SENT_START, IDX])
    return table[:, 1][table[:, 0] == 1].tolist()


def _cut(text: str, bounds: list[int], turns: Sequence[tuple[int, int]]) -> Spans:
    spans: Spans = []
    for turn_start, turn_end in turns:
        lo = bisect.bisect_right(bounds, turn_start)
        hi = bisect.bisect_left(bounds, turn_end)
        cuts = [turn_start, *bounds[lo:hi], turn_end]
        for start, end in zip(cuts, cuts[1:], strict=False):
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.append((start, end))
    return spans
