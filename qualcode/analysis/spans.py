"""Span arithmetic shared by every analysis: merging, overlap search, word counts.

Spans are half-open ``[start, end)`` intervals of character offsets, as stored. Two spans
*overlap* when they share at least one character: ``a.start < b.end and b.start < a.end``.
Touching spans ``[a, b)`` and ``[b, c)`` therefore do **not** overlap — they are adjacent
passages, not one — and nested spans always do.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

# The one definition of a word (a run of word characters, as the importer counts them) lives in
# qualcode.text. The corpus total of an analysis counts only text inside turns (no speaker labels
# or timestamps), so it is a little lower than the word counts ``qualcode docs`` shows.
from qualcode.text import WORD, count_words, merge_spans, word_bounds  # noqa: F401

if TYPE_CHECKING:
    pass

T = TypeVar("T")


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Do two half-open spans share a character? Touching spans do not."""
    return a_start < b_end and b_start < a_end


def sweep_overlaps(items: Sequence[tuple[int, int, T]]) -> Iterator[tuple[T, T]]:
    """Every pair of overlapping spans among ``(start, end, payload)`` items, by sweep line.

    Items are visited in start order while a min-heap holds the *active* spans keyed by their
    end; a span leaves the heap as soon as the sweep reaches its end (``end <= start`` of the
    next one, so touching spans never meet). Every span still active when a new one starts
    overlaps it. Cost O(n log n + k) for k reported pairs, against O(n²) for comparing all
    pairs (the classic interval-intersection sweep; see e.g. de Berg et al., *Computational
    Geometry*, ch. 10). Pairs come out as (earlier item, later item) in sweep order.
    """
    order = sorted(range(len(items)), key=lambda i: (items[i][0], items[i][1], i))
    active: list[tuple[int, int]] = []  # (end, index)
    for i in order:
        start, end, payload = items[i]
        while active and active[0][0] <= start:
            heapq.heappop(active)
        for _, j in active:  # heap order: fixed for a given input, so output is deterministic
            yield items[j][2], payload
        if end > start:
            heapq.heappush(active, (end, i))
