"""Colours for codes.

A codebook usually gives colours to its themes only. Sub-codes inherit their theme's hue,
shifted lighter or darker by their position, so the codes of one theme read as a family in the
transcript and siblings still differ. Codes with no coloured ancestor take a fixed palette
colour by id, so the same code keeps the same colour from one session to the next.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.color import Color

from qualcode.store.records import Code

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
_SHIFTS = (0.0, 0.25, -0.2, 0.4, -0.35, 0.15, -0.1, 0.3, -0.25)


def _parse(value: str | None) -> Color | None:
    if not value:
        return None
    try:
        return Color.parse(value)
    except Exception:  # noqa: BLE001 - a bad colour in the data must not stop the app
        return None


def code_colors(codes: Iterable[Code]) -> dict[int, str]:
    """``{code id: '#rrggbb'}`` for every code (codes must come parents first, as
    ``Project.codes()`` returns them)."""
    out: dict[int, str] = {}
    sibling_index: dict[int | None, int] = {}
    for code in codes:
        n = sibling_index.get(code.parent_id, 0)
        sibling_index[code.parent_id] = n + 1
        own = _parse(code.color)
        if own is not None:
            out[code.id] = own.hex6
            continue
        parent = out.get(code.parent_id) if code.parent_id is not None else None
        if parent is None:
            out[code.id] = PALETTE[code.id % len(PALETTE)]
            continue
        shift = _SHIFTS[n % len(_SHIFTS)]
        base = Color.parse(parent)
        shifted = base.lighten(shift) if shift >= 0 else base.darken(-shift)
        out[code.id] = shifted.hex6
    return out
