"""The saturation curve as inline SVG (HTML summary) and as an HTML section.

Bars: new codes per interview; line: distinct codes so far; a dashed line closes the base and a
marked point shows where saturation was reached (Guest, Namey & Chen 2020; see
:mod:`qualcode.analysis.saturation`). Fixed decimals, so the same data gives the same bytes.
"""

from __future__ import annotations

from html import escape

from qualcode.analysis.saturation import CITATION, Saturation

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 40
FONT = "font-family:system-ui,sans-serif;font-size:11px"


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def saturation_svg(sat: Saturation, title: str = "Saturation curve") -> str:
    steps = sat.interviews
    n = max(len(steps), 1)
    top = max([s.cumulative for s in steps] + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n

    def x(i: int) -> float:  # centre of interview i (1-based)
        return LEFT + (i - 0.5) * slot

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart saturation" role="img" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(sat.conclusion())}</desc>",
        f'<line x1="{LEFT}" y1="{_f(y(0))}" x2="{WIDTH - RIGHT}" y2="{_f(y(0))}" '
        'stroke="#888888"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{_f(y(0))}" stroke="#888888"/>',
        f'<text x="{LEFT - 4}" y="{_f(y(top) + 4)}" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 4}" y="{_f(y(0) + 4)}" text-anchor="end">0</text>',
    ]
    bar_w = max(slot * 0.6, 1.0)
    for s in steps:
        if s.new:
            out.append(
                f'<rect class="new" x="{_f(x(s.number) - bar_w / 2)}" y="{_f(y(len(s.new)))}" '
                f'width="{_f(bar_w)}" height="{_f(y(0) - y(len(s.new)))}" fill="#9ecae1">'
                f"<title>{escape(s.document)}: {len(s.new)} new</title></rect>"
            )
    if steps:
        points = " ".join(f"{_f(x(s.number))},{_f(y(s.cumulative))}" for s in steps)
        out.append(
            f'<polyline class="cumulative" points="{points}" fill="none" stroke="#08519c" '
            'stroke-width="2"/>'
        )
    if sat.base <= len(steps):
        bx = LEFT + sat.base * slot
        out.append(
            f'<line class="base" x1="{_f(bx)}" y1="{TOP}" x2="{_f(bx)}" y2="{_f(y(0))}" '
            'stroke="#555555" stroke-dasharray="4 3"/>'
            f'<text x="{_f(bx + 3)}" y="{TOP + 10}" fill="#555555">base ({sat.base})</text>'
        )
    if sat.reached_at is not None:
        s = steps[sat.reached_at - 1]
        out.append(
            f'<circle class="reached" cx="{_f(x(s.number))}" cy="{_f(y(s.cumulative))}" r="5" '
            'fill="#d94801"/>'
            f'<text x="{_f(x(s.number))}" y="{_f(y(s.cumulative) - 9)}" text-anchor="middle" '
            f'fill="#d94801">saturation at {s.number}</text>'
        )
    step = max(1, round(n / 12))
    for s in steps:
        if s.number % step == 0 or s.number == 1:
            out.append(
                f'<text x="{_f(x(s.number))}" y="{_f(y(0) + 14)}" '
                f'text-anchor="middle">{s.number}</text>'
            )
    out.append(
        f'<text x="{_f(LEFT + plot_w / 2)}" y="{HEIGHT - 8}" text-anchor="middle" '
        'fill="#555555">interview (bars: new codes; line: codes so far)</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


def saturation_section(sat: Saturation) -> list[str]:
    """An HTML section: the curve, the conclusion and the method cited."""
    return [
        '<section id="saturation">',
        "<h2>Saturation</h2>",
        "<figure>",
        saturation_svg(sat),
        f"<figcaption>{escape(sat.conclusion())}</figcaption>",
        "</figure>",
        f'<p class="note">Method: base size {sat.base}, run length {sat.run}, new-information '
        f"threshold {sat.threshold * 100:g}%; interviews in {escape(sat.order)} order. "
        f"{escape(CITATION)}</p>",
        "</section>",
    ]
