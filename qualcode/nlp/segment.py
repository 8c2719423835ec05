"""Sentence segmentation of turns, keeping character offsets into the document text.

Each turn is segmented on its own (a sentence never spans two speakers), the turns of a
document go through ``nlp.pipe`` in one batch, and only the components segmentation needs run.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.nlp.pipeline import get_pipeline

BATCH_SIZE = 256


def segment_turns(
    text: str, turns: Sequence[tuple[int, int]], model: str | None = None
) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in document offsets, trimmed of surrounding white space."""
    nlp = get_pipeline(model)
    wanted = {"sentencizer", "senter", "parser"}
    disable = [name for name in nlp.pipe_names if name not in wanted]
    spans: list[tuple[int, int]] = []
    pieces = [text[start:end] for start, end in turns]
    with nlp.select_pipes(disable=disable):
        for (offset, _), doc in zip(turns, nlp.pipe(pieces, batch_size=BATCH_SIZE), strict=True):
            for sent in doc.sents:
                start, end = sent.start_char, sent.end_char
                piece = doc.text
                while start < end and piece[start].isspace():
                    start += 1
                while end > start and piece[end - 1].isspace():
                    end -= 1
                if start < end:
                    spans.append((offset + start, offset + end))
    return spans
