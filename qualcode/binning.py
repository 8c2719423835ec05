"""Bin edges for a number attribute, as ``--bins 0,5,10`` gives them to a crosstab
(``qualcode export … crosstab``) and a matrix (``qualcode matrix``): one reading, so the two
commands accept and refuse the same edges with the same words."""

from __future__ import annotations

import math

from qualcode.errors import QualcodeError

MAX_BINS = 100
"""More columns than this is no longer a table to read, and a count in the millions used to
build that many labels (gigabytes, minutes) before anything was shown."""


def fmt_edge(x: float) -> str:
    """An edge as a label shows it: 5, not 5.0."""
    return str(int(x)) if x == int(x) else f"{x:g}"


def parse_edges(text: str, at_least: int = 1) -> list[float]:
    """Edges typed as ``0,5,10``: finite numbers, increasing (a repeated edge would make a
    bin nothing can fall in), at most :data:`MAX_BINS`, at least ``at_least``."""
    parts = [x.strip() for x in text.split(",") if x.strip()]
    if len(parts) > MAX_BINS:
        raise QualcodeError(f"--bins takes at most {MAX_BINS} edges, not {len(parts)}")
    edges: list[float] = []
    for part in parts:
        try:
            edge = float(part)
        except ValueError:
            raise QualcodeError(f"--bins needs numbers, e.g. 0,5,10,20, not {text!r}") from None
        if not math.isfinite(edge):
            raise QualcodeError(f"--bins edges must be finite numbers, not {part!r}")
        if edges and edge <= edges[-1]:
            raise QualcodeError(
                f"--bins edges must increase, but {fmt_edge(edge)} comes after "
                f"{fmt_edge(edges[-1])}"
            )
        edges.append(edge)
    if len(edges) < at_least:
        raise QualcodeError(
            f"--bins needs {at_least} or more increasing numbers, e.g. 0,5,10,20 (got {text!r})"
        )
    return edges
