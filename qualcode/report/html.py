"""The theme summary as one self-contained HTML file.

No scripts, web fonts, images or links to fetch: styles are inline, charts are inline SVG
(:mod:`qualcode.report.svg`), so the file opens on an air-gapped server and prints well (a
print stylesheet keeps quotes and tables from splitting across pages). The markup is
well-formed (every element closed, all text escaped) so it can also be read as XML.
"""

from __future__ import annotations

from html import escape

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
    xml_safe,
)
from qualcode.report.svg import frequency_chart, heatmap

CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 56rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1, h2, h3 { font-family: system-ui, sans-serif; line-height: 1.2; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.theme td { font-weight: bold; background: #f4f4f4; }
td.d2 { padding-left: 1.5rem; } td.d3 { padding-left: 2.5rem; } td.d4 { padding-left: 3.5rem; }
figure { margin: 1rem 0; } figcaption { font-size: .85rem; color: #555; }
blockquote { margin: 1rem 0 1rem 1.5rem; padding-left: 1rem; border-left: 3px solid #bbb; }
blockquote p { margin: 0 0 .3rem 0; }
blockquote footer { font-size: .85rem; color: #555; }
.meta, .terms { color: #444; }
.note { color: #555; font-size: .9rem; }
dl.appendix dt { font-weight: bold; margin-top: .4rem; }
dl.appendix dd { margin-left: 1.5rem; }
figure svg { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { page-break-after: avoid; } h3 { page-break-after: avoid; }
  blockquote, table, figure, svg { page-break-inside: avoid; }
}
""".strip()


def render_html(summary: Summary) -> str:
    summary = xml_safe(summary)
    e = escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{e(summary.title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(summary.title)}</h1>",
    ]
    facts = [f"Project: {e(summary.project)}"]
    if summary.codebook:
        facts.append(f"Codebook: {e(summary.codebook)}")
    out.append(f'<p class="meta">{" · ".join(facts)}</p>')
    if summary.pseudonymised:
        facts.append("Names pseudonymised")
        out[-1:] = [f'<p class="meta">{" · ".join(facts)}</p>']
    if summary.filters:
        out.append(f'<p class="meta">Filters: {e("; ".join(summary.filters))}</p>')
    if summary.methods:
        out += ['<section id="methods">', "<h2>Methods</h2>"]
        out += [f"<p>{_inline(p)}</p>" for p in summary.methods]
        if summary.definitions:
            out += ["<p><strong>Definitions.</strong></p>", "<ul>"]
            out += [f"<li><em>{e(d.term)}</em>: {e(d.text)}</li>" for d in summary.definitions]
            out.append("</ul>")
        out.append("</section>")
    out += ['<section id="overview">', "<h2>Overview</h2>"]
    out += [f"<p>{_inline(p)}</p>" for p in summary.intro]
    out += _frequency_section(summary)
    out += _cooccurrence_section(summary)
    if summary.agreement_table is not None:
        out += _agreement_table(summary.agreement_table)
    out += _saturation_section(summary)
    if summary.project_memos:
        out += ["<h3>Project memos</h3>", "<ul>"]
        out += [_memo_item(m, False) for m in summary.project_memos]
        out.append("</ul>")
    out += ["</section>", '<section id="findings">', "<h2>Findings</h2>"]
    if not summary.themes:
        out.append("<p>The codebook has no themes yet.</p>")
    for section in summary.themes:
        out += _theme(summary, section)
    out.append("</section>")
    out += _memos(summary)
    out += _appendix(summary)
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _memo_item(m: MemoNote, with_target: bool = True) -> str:
    date = f", {escape(m.date)}" if m.date else ""
    target = f"<em>{escape(m.target)}</em> " if with_target else ""
    return f"<li>{target}({escape(m.coder)}{date}): {escape(m.text)}</li>"


def _memos(summary: Summary) -> list[str]:
    if not summary.memos:
        return []
    out = ['<section id="memos">', "<h2>Memos</h2>"]
    for kind, label, notes in memo_groups(summary.memos):
        if notes:
            out += [f"<h3>{label} memos</h3>", "<ul>"]
            out += [_memo_item(m, kind != "project") for m in notes]
            out.append("</ul>")
    return out + ["</section>"]


def _appendix(summary: Summary) -> list[str]:
    if not summary.appendix:
        return []
    e = escape
    info = summary.codebook_info
    out = ['<section id="codebook">', "<h2>Appendix: codebook</h2>"]
    if info is not None:
        version = f", version {e(info.version)}" if info.version else ""
        out.append(f"<p><em>{e(info.name)}</em>{version}.</p>")
        if info.description:
            out.append(f"<p>{e(info.description)}</p>")
    for entry in summary.appendix:
        kind = "Theme" if entry.depth == 0 else "Code"
        tag = "h3" if entry.depth == 0 else "h4"
        out.append(f"<{tag}>{kind}: {e(entry.code.name)}</{tag}>")
        fields = appendix_fields(entry.code)
        if fields:
            out.append('<dl class="appendix">')
            out += [f"<dt>{k}</dt><dd>{e(v)}</dd>" for k, v in fields]
            out.append("</dl>")
    if info is not None and info.sources:
        out += ["<h3>Sources</h3>", "<ol>"]
        out += [f"<li>{e(src)}</li>" for src in info.sources]
        out.append("</ol>")
    return out + ["</section>"]


def _inline(text: str) -> str:
    """Escape, then turn the summary's ``*emphasis*`` into <em>."""
    parts = escape(text).split("*")
    return "".join(f"<em>{p}</em>" if i % 2 else p for i, p in enumerate(parts))


def _agreement_table(table: AgreementTable) -> list[str]:
    header = agreement_header(table)
    heads = "".join(
        f"<th>{escape(h)}</th>" if i == 0 else f'<th class="num">{escape(h)}</th>'
        for i, h in enumerate(header)
    )
    out = [
        "<h3>Inter-coder agreement</h3>",
        '<table class="agreement">',
        f"<caption>{escape(agreement_caption(table))}</caption>",
        f"<thead><tr>{heads}</tr></thead>",
        "<tbody>",
    ]
    for cells in agreement_cells(table):
        tds = "".join(
            f"<td>{escape(c)}</td>" if i == 0 else f'<td class="num">{escape(c)}</td>'
            for i, c in enumerate(cells)
        )
        out.append(f"<tr>{tds}</tr>")
    return out + ["</tbody>", "</table>"]


def _frequency_section(summary: Summary) -> list[str]:
    n = summary.totals.participants
    theme_of: dict[int, int] = {}
    current = -1
    for f in summary.frequencies:
        if f.depth == 0:
            current = f.code_id
        theme_of[f.code_id] = current
    chart = frequency_chart(
        list(summary.frequencies),
        summary.theme_colors,
        theme_of,
        "Passages per theme and code",
    )
    out = [
        "<h3>Frequencies</h3>",
        '<figure id="frequency-chart">',
        chart,
        f"<figcaption>Figure 1. {escape(FREQUENCY_NOTE)}</figcaption>",
        "</figure>",
        '<table class="frequencies">',
        '<thead><tr><th>Theme / code</th><th class="num">Passages</th>'
        '<th class="num">Codings</th><th class="num">Participants</th>'
        + (f"<th>By {escape(summary.by.key)}</th>" if summary.by else "")
        + '<th class="num">Documents</th><th class="num">Words</th>'
        '<th class="num">Share of words</th></tr></thead>',
        "<tbody>",
    ]
    for f in summary.frequencies:
        cls = ' class="theme"' if f.depth == 0 else ""
        by = f"<td>{escape(summary.by.phrase(f.code_id))}</td>" if summary.by else ""
        out.append(
            f'<tr{cls}><td class="d{f.depth + 1}">{escape(f.code)}</td>'
            f'<td class="num">{f.passages}</td><td class="num">{f.codings}</td>'
            f'<td class="num">{f.participants} of {n}</td>{by}<td class="num">{f.documents}</td>'
            f'<td class="num">{f.words:,}</td><td class="num">{pct(f.share)}</td></tr>'
        )
    out += ["</tbody>", "</table>"]
    return out


def _cooccurrence_section(summary: Summary) -> list[str]:
    table = summary.cooccurrence
    out = [
        "<h3>Co-occurrence of themes</h3>",
        '<figure id="cooccurrence-heatmap">',
        heatmap(table, "Co-occurrence of themes"),
        f"<figcaption>Figure 2. Co-occurrence of themes (each with its codes): passages that "
        f"{escape(table.describe())}. Number: units (stretches of talk) holding both themes; "
        "shading: Jaccard index on a 0 to 1 scale; diagonal: passages per theme.</figcaption>",
        "</figure>",
    ]
    pairs = top_pairs(summary)
    if not pairs:
        out.append(f"<p>No two themes co-occur (passages that {escape(table.describe())}).</p>")
        return out
    out += [
        f'<p class="note">{_inline(COOCCURRENCE_NOTE)}</p>',
        '<table class="pairs">',
        '<thead><tr><th>Theme</th><th>Theme</th><th class="num">Together</th>'
        '<th class="num">Either</th><th class="num">Jaccard</th></tr></thead>',
        "<tbody>",
    ]
    out += [
        f'<tr><td>{escape(p.a)}</td><td>{escape(p.b)}</td><td class="num">{p.count}</td>'
        f'<td class="num">{p.units}</td><td class="num">{p.jaccard:.2f}</td></tr>'
        for p in pairs
    ]
    out += ["</tbody>", "</table>"]
    return out


def _theme(summary: Summary, section: ThemeSection) -> list[str]:
    e = escape
    n = summary.totals.participants
    out = [
        f'<section class="theme" id="theme-{section.number}">',
        f"<h3>{section.number}. {e(section.code.name)}</h3>",
    ]
    out += [f"<p>{_inline(p)}</p>" for p in section.lead]
    terms_col = has_key_terms(summary, section)
    if section.codes:
        out += [
            '<table class="codes">',
            '<thead><tr><th>Code</th><th class="num">Passages</th>'
            '<th class="num">Participants</th><th class="num">Documents</th>'
            '<th class="num">Share of words</th>'
            + ("<th>Key terms</th>" if terms_col else "")
            + "</tr></thead>",
            "<tbody>",
        ]
        for entry in section.codes:
            f = entry.frequency
            terms = ", ".join(t.lemma for t in entry.key_terms)
            out.append(
                f'<tr><td class="d{entry.depth}">{e(entry.code.name)}</td>'
                f'<td class="num">{f.passages}</td><td class="num">{f.participants} of {n}</td>'
                f'<td class="num">{f.documents}</td><td class="num">{pct(f.share)}</td>'
                + (f"<td>{e(terms)}</td>" if terms_col else "")
                + "</tr>"
            )
        out += ["</tbody>", "</table>"]
    if section.key_terms:
        terms = ", ".join(f"<em>{e(t.lemma)}</em>" for t in section.key_terms)
        out.append(f'<p class="terms">Distinctive words: {terms}.</p>')
    if (section.key_terms or terms_col) and summary.key_terms_note:
        out.append(f'<p class="note">{e(summary.key_terms_note)}</p>')
    if section.quotes:
        people = len({q.person_id for q in section.quotes})
        out.append(
            f"<p>Illustrative quotes ({plural(len(section.quotes), 'quote')} from "
            f"{plural(people, 'speaker')}):</p>"
        )
        for q in section.quotes:
            code = "" if q.code_id == section.code.id else f" · <em>{e(q.code)}</em>"
            out += [
                '<blockquote class="quote">',
                f"<p>“{e(nest_quotes(q.text))}”</p>",
                f"<footer>— {e(q.attribution)}{code}</footer>",
                "</blockquote>",
            ]
    if section.memos:
        out += ["<h4>Memos</h4>", "<ul>"]
        out += [_memo_item(m) for m in section.memos]
        out.append("</ul>")
    out.append("</section>")
    return out


def _saturation_section(summary: Summary) -> list[str]:
    """The saturation curve (inline SVG) when the summary carries an assessment
    (``Summary.saturation``, a :class:`qualcode.analysis.saturation.Saturation`)."""
    sat = getattr(summary, "saturation", None)
    if sat is None:
        return []
    from qualcode.report.saturation_svg import saturation_section

    return saturation_section(sat)
