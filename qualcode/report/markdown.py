"""The theme summary as Markdown: reads like the findings section of a qualitative paper.

Order: title, overview (corpus, coverage, a frequency table with text bars, the theme pairs
that co-occur), then one section per theme in codebook order: what it is, how much of it there
is, its codes, key terms, quotes with attribution, and memos.
"""

from __future__ import annotations

import re

from qualcode.report.summary import (
    COOCCURRENCE_NOTE,
    FREQUENCY_NOTE,
    AgreementTable,
    MemoNote,
    Summary,
    ThemeSection,
    agreement_caption,
    agreement_cells,
    agreement_header,
    appendix_fields,
    has_key_terms,
    memo_groups,
    nest_quotes,
    pct,
    plural,
    top_pairs,
)
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
    if summary.pseudonymised:
        facts.append("Names pseudonymised")
    out += [" · ".join(facts), ""]
    if summary.filters:
        out += ["Filters: " + "; ".join(md_escape(f) for f in summary.filters), ""]
    if summary.methods:
        out += ["## Methods", ""]
        for paragraph in summary.methods:
            out += [md_prose(paragraph), ""]
        if summary.definitions:
            out += ["**Definitions.**", ""]
            out += [f"- *{md_escape(d.term)}*: {md_escape(d.text)}" for d in summary.definitions]
            out.append("")
    out += ["## Overview", ""]
    for paragraph in summary.intro:
        out += [md_prose(paragraph), ""]
    out += _frequency_table(summary)
    out += _cooccurrence(summary)
    if summary.agreement_table is not None:
        out += _agreement_table(summary.agreement_table)
    if summary.project_memos:
        out += ["### Project memos", ""]
        out += [_memo_line(m, with_target=False) for m in summary.project_memos]
        out.append("")
    out += ["## Findings", ""]
    if not summary.themes:
        out += ["The codebook has no themes yet.", ""]
    for section in summary.themes:
        out += _theme(summary, section)
    out += _memos(summary)
    out += _appendix(summary)
    return "\n".join(out).rstrip("\n") + "\n"


def _memo_line(m: MemoNote, with_target: bool = True) -> str:
    date = f", {md_escape(m.date)}" if m.date else ""
    target = f"*{md_escape(m.target)}* " if with_target else ""
    return f"- {target}({md_escape(m.coder)}{date}): {md_escape(m.text)}"


def _memos(summary: Summary) -> list[str]:
    if not summary.memos:
        return []
    out = ["## Memos", ""]
    for kind, label, notes in memo_groups(summary.memos):
        if notes:
            out += [f"### {label} memos", ""]
            out += [_memo_line(m, with_target=kind != "project") for m in notes]
            out.append("")
    return out


def _appendix(summary: Summary) -> list[str]:
    if not summary.appendix:
        return []
    info = summary.codebook_info
    out = ["## Appendix: codebook", ""]
    if info is not None:
        version = f", version {md_escape(info.version)}" if info.version else ""
        out += [f"*{md_escape(info.name)}*{version}.", ""]
        if info.description:
            out += [md_escape(info.description), ""]
    for entry in summary.appendix:
        code = entry.code
        kind = "Theme" if entry.depth == 0 else "Code"
        level = "###" if entry.depth == 0 else "####"
        out += [f"{level} {kind}: {md_escape(code.name)}", ""]
        for key, value in appendix_fields(code):
            out += [f"- **{key}:** {md_escape(value)}"]
        out.append("")
    if info is not None and info.sources:
        out += ["### Sources", ""]
        out += [f"{i}. {md_escape(src)}" for i, src in enumerate(info.sources, start=1)]
        out.append("")
    return out


def _agreement_table(table: AgreementTable) -> list[str]:
    header = agreement_header(table)
    out = [
        f"**Inter-coder agreement.** {md_escape(agreement_caption(table))}",
        "",
        "| " + " | ".join(md_escape(h) for h in header) + " |",
        "| --- |" + " ---: |" * (len(header) - 1),
    ]
    for cells in agreement_cells(table):
        out.append(f"| {md_escape(cells[0])} | " + " | ".join(cells[1:]) + " |")
    return out + [""]


def _frequency_table(summary: Summary) -> list[str]:
    n = summary.totals.participants
    rows = list(summary.frequencies)
    top = max((f.passages for f in rows), default=0)
    by = summary.by
    by_head = f" By {md_escape(by.key)} |" if by else ""
    by_rule = " --- |" if by else ""
    out = [
        "### Frequencies",
        "",
        f"{FREQUENCY_NOTE} Participants out of {n}.",
        "",
        f"| Theme / code | Passages | Codings | Participants |{by_head} Documents | "
        "Share of words | |",
        f"| --- | ---: | ---: | ---: |{by_rule} ---: | ---: | --- |",
    ]
    for f in rows:
        name = md_escape(f.code)
        name = f"**{name}**" if f.depth == 0 else "· " * f.depth + name
        by_cell = f" {md_escape(by.phrase(f.code_id))} |" if by else ""
        out.append(
            f"| {name} | {f.passages} | {f.codings} | {f.participants} of {n} |{by_cell} "
            f"{f.documents} | {pct(f.share)} | {text_bar(f.passages, top)} |"
        )
    return out + [""]


def _cooccurrence(summary: Summary) -> list[str]:
    table = summary.cooccurrence
    out = ["### Co-occurrence of themes", ""]
    pairs = top_pairs(summary)
    if not pairs:
        return out + [f"No two themes co-occur (passages that {table.describe()}).", ""]
    shown = len(pairs)
    total = sum(1 for p in table.pairs if p.count > 0)
    more = (
        f" The {shown} strongest of {total} co-occurring pairs are shown; the JSON export "
        "has them all."
        if shown < total
        else ""
    )
    out += [
        f"Two themes (each with its codes) co-occur where their passages {table.describe()}. "
        f"{md_prose(COOCCURRENCE_NOTE)}{more}",
        "",
        "| Theme | Theme | Together | Either | Jaccard |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for p in pairs:
        out.append(
            f"| {md_escape(p.a)} | {md_escape(p.b)} | {p.count} | {p.units} | {p.jaccard:.2f} |"
        )
    return out + [""]


def _theme(summary: Summary, section: ThemeSection) -> list[str]:
    n = summary.totals.participants
    out = [f"### {section.number}. {md_escape(section.code.name)}", ""]
    for paragraph in section.lead:
        out += [md_prose(paragraph), ""]
    terms_col = has_key_terms(summary, section)
    if section.codes:
        head = "| Code | Passages | Participants | Documents | Share of words |"
        rule = "| --- | ---: | ---: | ---: | ---: |"
        if terms_col:
            head, rule = head + " Key terms |", rule + " --- |"
        out += [head, rule]
        for e in section.codes:
            f = e.frequency
            name = "· " * (e.depth - 1) + md_escape(e.code.name)
            row = (
                f"| {name} | {f.passages} | {f.participants} of {n} | {f.documents} | "
                f"{pct(f.share)} |"
            )
            if terms_col:
                row += " " + ", ".join(md_escape(t.lemma) for t in e.key_terms) + " |"
            out.append(row)
        out.append("")
    if section.key_terms:
        terms = ", ".join(f"*{md_escape(t.lemma)}*" for t in section.key_terms)
        out += [f"Distinctive words: {terms}.", ""]
    if (section.key_terms or terms_col) and summary.key_terms_note:
        out += [f"*{md_escape(summary.key_terms_note)}*", ""]
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
                f"> “{md_escape(nest_quotes(q.text))}”",
                ">",
                f"> — {md_escape(q.attribution)}{code}",
                "",
            ]
    if section.memos:
        out += ["Memos:", ""]
        out += [_memo_line(m) for m in section.memos]
        out.append("")
    return out
