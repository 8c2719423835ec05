"""The theme summary as Markdown: reads like the findings section of a qualitative paper.

Order: title, overview (corpus, coverage, a frequency table with text bars, the theme pairs
that co-occur), then one section per theme in codebook order: what it is, how much of it there
is, its codes, key terms, quotes with attribution, and memos.
"""

from __future__ import annotations

import re

from qualcode.report.summary import Summary, ThemeSection, pct, plural
from qualcode.text import flatten

BAR_WIDTH = 20
_ESCAPE = re.compile(r"([\\`*\[\]|<>&~])|(?<![^\W_])_|_(?![^\W_])")
_BLOCK_START = re.compile(r"^(?:[#+=-]|\d{1,9}(?=[.)]))")


def md_escape(text: str) -> str:
    """Escape characters Markdown would read as formatting or HTML (names, definitions and
    quotes are verbatim text): inline markup, ``<`` (no live HTML), ``&`` (no entities), and a
    leading ``#``, ``-``, ``+``, ``=`` or ``1.`` that would start a heading or a list.

    An underscore between two letters or digits (``gp01_astrid``) is left alone: CommonMark
    never reads it as emphasis, and escaping it would clutter the source."""
    return _escape_start(_escape_inline(flatten(text)))


def _escape_inline(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\\" + m.group(0), text)


def _escape_start(text: str) -> str:
    match = _BLOCK_START.match(text)
    if match is None:
        return text
    if match.group(0)[0].isdigit():
        end = match.end()
        return text[:end] + "\\" + text[end:]
    return "\\" + text


def md_prose(text: str) -> str:
    """A paragraph of the summary's prose: its ``*emphasis*`` kept, everything else (coder
    names, code names, definitions) escaped like :func:`md_escape`."""
    parts = flatten(text).split("*")
    return _escape_start("*".join(_escape_inline(p) for p in parts))


def text_bar(value: float, maximum: float, width: int = BAR_WIDTH) -> str:
    """A bar of block characters, in eighths: ``████▌``."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = round(8 * width * value / maximum)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("" if rest == 0 else " ▏▎▍▌▋▊▉"[rest])


def render_markdown(summary: Summary) -> str:
    out: list[str] = [f"# {md_escape(summary.title)}", ""]
    facts = [f"Project: {md_escape(summary.project)}"]
    if summary.codebook:
        facts.append(f"Codebook: {md_escape(summary.codebook)}")
    out += [" · ".join(facts), ""]
    if summary.filters:
        out += ["Filters: " + "; ".join(md_escape(f) for f in summary.filters), ""]
    out += ["## Overview", ""]
    for paragraph in summary.intro:
        out += [md_prose(paragraph), ""]
    out += _frequency_table(summary)
    out += _cooccurrence(summary)
    if summary.project_memos:
        out += ["### Project memos", ""]
        out += [f"- ({md_escape(m.coder)}) {md_escape(m.text)}" for m in summary.project_memos]
        out.append("")
    out += ["## Findings", ""]
    if not summary.themes:
        out += ["The codebook has no themes yet.", ""]
    for section in summary.themes:
        out += _theme(summary, section)
    return "\n".join(out).rstrip("\n") + "\n"


def _frequency_table(summary: Summary) -> list[str]:
    n = summary.totals.participants
    rows = [f for f in summary.frequencies]
    top = max((f.passages for f in rows), default=0)
    out = [
        "### Frequencies",
        "",
        "Passages per theme and code (a theme counts overlapping passages of its codes once);"
        f" participants out of {n}.",
        "",
        "| Theme / code | Passages | Codings | Participants | Documents | Share of words | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for f in rows:
        name = md_escape(f.code)
        name = f"**{name}**" if f.depth == 0 else "· " * f.depth + name
        out.append(
            f"| {name} | {f.passages} | {f.codings} | {f.participants} of {n} | "
            f"{f.documents} | {pct(f.share)} | {text_bar(f.passages, top)} |"
        )
    return out + [""]


def _cooccurrence(summary: Summary) -> list[str]:
    table = summary.cooccurrence
    out = ["### Co-occurrence of themes", ""]
    pairs = sorted(table.pairs, key=lambda p: (-p.count, -p.jaccard, p.a, p.b))
    if not pairs:
        return out + [f"No two themes co-occur (passages that {table.describe()}).", ""]
    out += [
        f"Two themes co-occur where their passages {table.describe()}. *Together* counts the"
        " stretches of talk holding both; the Jaccard index divides that by the stretches"
        " holding either.",
        "",
        "| Theme | Theme | Together | Jaccard |",
        "| --- | --- | ---: | ---: |",
    ]
    for p in pairs:
        out.append(f"| {md_escape(p.a)} | {md_escape(p.b)} | {p.count} | {p.jaccard:.2f} |")
    return out + [""]


def _theme(summary: Summary, section: ThemeSection) -> list[str]:
    n = summary.totals.participants
    out = [f"### {section.number}. {md_escape(section.code.name)}", ""]
    for paragraph in section.lead:
        out += [md_prose(paragraph), ""]
    if section.codes:
        out += [
            "| Code | Passages | Participants | Documents | Share of words | Key terms |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for e in section.codes:
            f = e.frequency
            name = "· " * (e.depth - 1) + md_escape(e.code.name)
            terms = ", ".join(md_escape(t.lemma) for t in e.key_terms)
            out.append(
                f"| {name} | {f.passages} | {f.participants} of {n} | {f.documents} | "
                f"{pct(f.share)} | {terms} |"
            )
        out.append("")
    if section.key_terms:
        terms = ", ".join(f"*{md_escape(t.lemma)}*" for t in section.key_terms)
        out += [f"Distinctive words: {terms}.", ""]
    if section.quotes:
        people = len({q.person_id for q in section.quotes})
        out += [
            f"Illustrative quotes ({plural(len(section.quotes), 'quote')} from "
            f"{plural(people, 'speaker')}):",
            "",
        ]
        for q in section.quotes:
            code = "" if q.code_id == section.code.id else f" · *{md_escape(q.code)}*"
            out += [
                f"> “{md_escape(q.text)}”",
                ">",
                f"> — {md_escape(q.attribution)}, {md_escape(q.location)}{code}",
                "",
            ]
    if section.memos:
        out += ["Memos:", ""]
        out += [
            f"- *{md_escape(m.target)}* ({md_escape(m.coder)}): {md_escape(m.text)}"
            for m in section.memos
        ]
        out.append("")
    return out
