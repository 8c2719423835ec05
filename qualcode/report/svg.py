"""Inline SVG charts for the HTML summary: a frequency bar chart and a co-occurrence heatmap.

Hand-written SVG rather than a plotting library: no extra dependency, no fonts or scripts
fetched from the network, exact control over the markup (numbers are printed with fixed
decimals, so the same data gives byte-identical charts), and the charts print crisply.
"""

from __future__ import annotations

from html import escape

from qualcode.analysis.cooccurrence import CooccurrenceTable
from qualcode.analysis.frequencies import Frequency

ROW = 18
LABEL_W = 320
BAR_W = 300
FONT = "font-family:system-ui,sans-serif;font-size:11px"


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def frequency_chart(
    rows: list[Frequency], colors: dict[int, str], theme_of: dict[int, int], title: str
) -> str:
    """Horizontal bars of passages per theme and code (themes bold, codes indented)."""
    top = max((r.passages for r in rows), default=0) or 1
    height = ROW * len(rows) + 30
    label_w = max([text_width(r.code) + 12 * r.depth + 4 for r in rows] + [120.0])
    width = label_w + BAR_W + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart frequency" role="img" '
        f'width="{_f(width)}" height="{height}" viewBox="0 0 {_f(width)} {height}" '
        f'style="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, r in enumerate(rows):
        y = 10 + i * ROW
        indent = 12 * r.depth
        weight = ' font-weight="bold"' if r.depth == 0 else ""
        label = escape(r.code)
        color = colors.get(theme_of.get(r.code_id, -1), "#888888")
        length = BAR_W * r.passages / top
        opacity = "1" if r.depth == 0 else "0.6"
        out.append(
            f'<g class="bar"><text x="{indent + 4}" y="{y + 12}"{weight}>{label}</text>'
            f'<rect x="{_f(label_w)}" y="{y + 2}" width="{_f(length)}" height="{ROW - 5}" '
            f'fill="{color}" fill-opacity="{opacity}"/>'
            f'<text x="{_f(label_w + length + 4)}" y="{y + 12}">{r.passages}</text></g>'
        )
    axis_y = 10 + len(rows) * ROW + 4
    out.append(
        f'<text x="{_f(label_w)}" y="{axis_y + 10}" fill="#555555">passages (max {top})</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


CHAR_W = 6.6
"""Width allowed per character of 11 px system-ui text (generous, so labels are never cut)."""


def text_width(text: str) -> float:
    return CHAR_W * len(text) + 8


def heatmap(table: CooccurrenceTable, title: str) -> str:
    """Theme × theme grid: number = units (stretches of talk) with both, shade = Jaccard index
    on an absolute scale (white = 0, darkest = 1, with a legend), so two reports compare.
    Row labels are never cut: the left margin grows with the longest name."""
    codes = list(table.codes)
    n = len(codes)
    cell = 34
    labels = [f"{i + 1}. {name}" for i, (_, name) in enumerate(codes)]
    left = max([text_width(lab) for lab in labels] + [60.0]) + 6
    top_margin = 30
    width = max(left + cell * n + 20, 560)
    height = top_margin + cell * n + 84
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" '
        f'width="{_f(width)}" height="{height}" viewBox="0 0 {_f(width)} {height}" '
        f'style="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    for j in range(n):
        x = left + j * cell + cell / 2
        out.append(f'<text x="{_f(x)}" y="{top_margin - 8}" text-anchor="middle">{j + 1}</text>')
    for i, (a_id, _) in enumerate(codes):
        y = top_margin + i * cell
        out.append(
            f'<text x="{_f(left - 6)}" y="{_f(y + cell / 2 + 4)}" text-anchor="end">'
            f"{escape(labels[i])}</text>"
        )
        for j, (b_id, _) in enumerate(codes):
            x = left + j * cell
            if i == j:
                fill, shade, text = "#eeeeee", 0.0, str(table.passages.get(a_id, 0))
            else:
                pair = table.get(a_id, b_id)
                shade = pair.jaccard if pair else 0.0
                fill = _shade(shade)
                text = str(pair.count) if pair and pair.count else ""
            ink = "#ffffff" if shade > 0.5 else "#222222"
            out.append(
                f'<g class="cell"><rect x="{_f(x)}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{fill}"/><text x="{_f(x + cell / 2 - 1)}" '
                f'y="{_f(y + cell / 2 + 3)}" text-anchor="middle" fill="{ink}">{text}</text></g>'
            )
    legend_y = top_margin + cell * n + 14
    steps = 10
    out.append('<g class="legend">')
    for k in range(steps):
        out.append(
            f'<rect x="{10 + 20 * k}" y="{legend_y}" width="20" height="10" '
            f'fill="{_shade((k + 0.5) / steps)}"/>'
        )
    out.append(
        f'<rect x="10" y="{legend_y}" width="{20 * steps}" height="10" fill="none" '
        'stroke="#999999"/>'
    )
    out.append(f'<text x="10" y="{legend_y + 22}" fill="#555555">0</text>')
    out.append(
        f'<text x="{10 + 20 * steps}" y="{legend_y + 22}" text-anchor="end" fill="#555555">1</text>'
    )
    out.append(
        f'<text x="{20 + 20 * steps}" y="{legend_y + 9}" fill="#555555">Shade: Jaccard index '
        "(together / either), 0 to 1.</text>"
    )
    out.append("</g>")
    out.append(
        f'<text x="10" y="{legend_y + 40}" fill="#555555">Number: units (stretches of talk) '
        "with both themes. Diagonal: passages of the theme.</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def _shade(value: float) -> str:
    """White to dark blue by value in [0, 1]."""
    value = max(0.0, min(1.0, value))
    start, end = (255, 255, 255), (33, 76, 140)
    rgb = [round(s + (e - s) * value) for s, e in zip(start, end, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)
