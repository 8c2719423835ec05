"""PNG charts for the Word summary, drawn with matplotlib's non-interactive Agg backend.

Deterministic: a fixed backend, fixed sizes, DPI and fonts (matplotlib's bundled DejaVu Sans),
no timestamps or software tags in the PNG metadata — the same summary gives the same bytes.
Theme names are never cut: figures grow with the number of themes and the label width.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualcode.report.summary import Summary

DPI = 150
_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "svg.hashsalt": "qualcode",
    "path.simplify": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _png(fig) -> bytes:  # noqa: ANN001 - a matplotlib Figure
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _figure(width: float, height: float, constrained: bool = True):  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained" if constrained else None)


def frequency_png(summary: Summary) -> bytes:
    """Horizontal bars: passages per theme (each with its codes), in codebook order."""
    import matplotlib

    themes = [f for f in summary.frequencies if f.depth == 0]
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        longest = max((len(f.code) for f in themes), default=10)
        fig = _figure(3.5 + 0.075 * longest, 0.9 + 0.28 * max(len(themes), 1))
        ax = fig.add_subplot()
        names = [f.code for f in themes][::-1]
        values = [f.passages for f in themes][::-1]
        colors = [summary.theme_colors.get(f.code_id, "#4e79a7") for f in themes][::-1]
        bars = ax.barh(range(len(values)), values, color=colors)
        ax.set_yticks(range(len(values)), names)
        ax.bar_label(bars, padding=2)
        ax.set_xlabel("Passages (a theme with its codes, each passage once)")
        ax.margins(x=0.12)
        return _png(fig)


def heatmap_png(summary: Summary) -> bytes:
    """Theme × theme Jaccard index on an absolute 0–1 scale, with counts in the cells."""
    import matplotlib

    table = summary.cooccurrence
    codes = list(table.codes)
    n = max(len(codes), 1)
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        longest = max((len(name) for _, name in codes), default=10)
        side = 0.32 * n
        label = 0.062 * (longest + 4) + 0.2
        width, height = label + side + 1.15, side + 0.9
        # Margins set by hand (no constrained layout, which draws the figure twice): labels
        # on the left, the colour bar on the right.
        fig = _figure(width, height, constrained=False)
        ax = fig.add_axes((label / width, 0.5 / height, side / width, side / height))
        cax = fig.add_axes(
            ((label + side + 0.25) / width, 0.5 / height, 0.15 / width, side / height)
        )
        grid = [[0.0] * len(codes) for _ in codes]
        counts = [[""] * len(codes) for _ in codes]
        for i, (a, _) in enumerate(codes):
            for j, (b, _) in enumerate(codes):
                if i == j:
                    counts[i][j] = str(table.passages.get(a, 0))
                    continue
                pair = table.get(a, b)
                if pair is not None:
                    grid[i][j] = pair.jaccard
                    counts[i][j] = str(pair.count) if pair.count else ""
        image = ax.imshow(grid or [[0.0]], cmap="Blues", vmin=0.0, vmax=1.0)
        labels = [f"{i + 1}. {name}" for i, (_, name) in enumerate(codes)]
        ax.set_yticks(range(len(codes)), labels)
        ax.set_xticks(range(len(codes)), [str(i + 1) for i in range(len(codes))])
        ax.tick_params(length=0)
        for i in range(len(codes)):
            for j in range(len(codes)):
                if counts[i][j]:
                    ink = "white" if grid[i][j] > 0.5 else "#222222"
                    ax.text(j, i, counts[i][j], ha="center", va="center", color=ink, fontsize=7)
        bar = fig.colorbar(image, cax=cax)
        bar.set_label("Jaccard index (together / either)")
        return _png(fig)
