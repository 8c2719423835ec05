"""A coded transcript: one document with its speakers, timestamps and every coding shown, as
NVivo's coding stripes or Taguette's highlights do — for a co-author to read the coding in
context. Markdown, self-contained HTML (inline highlights in the code colours, code labels in
the margin) and DOCX (shaded runs, code labels under each turn).

Built once as a frozen :class:`CodedTranscript` (so ``--pseudonymise`` applies to it like to a
summary) and rendered per format. Deterministic.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape

from qualcode.analysis.corpus import Corpus
from qualcode.errors import QualcodeError
from qualcode.report.summary import PALETTE, _color, xml_safe
from qualcode.store.pseudonyms import Replacer


@dataclass(frozen=True)
class Mark:
    number: int
    """1-based number of the coding in the document (what the margin labels refer to)."""
    code: str
    theme: str
    coder: str
    color: str


@dataclass(frozen=True)
class Segment:
    text: str
    marks: tuple[int, ...]
    """Numbers of the codings covering this piece of text."""


@dataclass(frozen=True)
class Turn:
    number: int
    speaker: str
    timestamp: str | None
    segments: tuple[Segment, ...]
    marks: tuple[int, ...]
    """Codings that start in this turn."""


@dataclass(frozen=True)
class CodedTranscript:
    document: str
    attributes: tuple[tuple[str, str], ...]
    coders: tuple[str, ...]
    turns: tuple[Turn, ...]
    marks: tuple[Mark, ...]
    pseudonymised: bool = False


def build_transcript(
    corpus: Corpus, document: str, replacer: Replacer | None = None
) -> CodedTranscript:
    data = corpus.data
    doc = next((d for d in data.documents if d.name == document), None)
    if doc is None:
        doc = next((d for d in data.documents if d.name.casefold() == document.casefold()), None)
    if doc is None:
        raise QualcodeError(f"no document named '{document}'")
    theme_color = {t.id: _color(t.color, i) for i, t in enumerate(corpus.themes)}
    theme_of: dict[int, int] = {}
    for theme in corpus.themes:
        for cid in corpus.descendants(theme.id):
            theme_of[cid] = theme.id
    codings = [c for c in data.codings if c.document_id == doc.id]
    if corpus.filters.coders:
        codings = [c for c in codings if c.coder in corpus.filters.coders]
    marks = []
    for number, c in enumerate(codings, start=1):
        code = corpus.code(c.code_id)
        theme_id = theme_of.get(c.code_id, c.code_id)
        color = _color(code.color, 0) if code.color else theme_color.get(theme_id, PALETTE[0])
        marks.append(Mark(number, code.name, corpus.code(theme_id).name, c.coder, color))
    names = replacer.spans(doc.text) if replacer else []
    turns: list[Turn] = []
    for t in data.turns[doc.id]:
        person = data.persons[t.person_id]
        cuts = {t.start, t.end}
        covering = []
        for number, c in enumerate(codings, start=1):
            if c.start < t.end and c.end > t.start:
                covering.append((number, c))
                cuts.update(x for x in (c.start, c.end) if t.start < x < t.end)
        for s, e, _ in names:  # never cut inside a name (so its pseudonym replaces it whole)
            for x in list(cuts):
                if s < x < e:
                    cuts.discard(x)
                    cuts.add(s)
        points = sorted(cuts)
        segments: list[Segment] = []
        for a, b in zip(points, points[1:], strict=False):
            if a >= b:
                continue
            on = tuple(n for n, c in covering if c.start < b and c.end > a)
            if segments and segments[-1].marks == on:
                segments[-1] = Segment(segments[-1].text + doc.text[a:b], on)
            else:
                segments.append(Segment(doc.text[a:b], on))
        earlier = _earlier(turns)
        starts = tuple(
            n
            for n, c in covering
            if t.start <= c.start < t.end or (c.start < t.start and n not in earlier)
        )
        turns.append(
            Turn(
                t.index + 1,
                person.label if person.is_speaker else "",
                t.timestamp,
                tuple(segments),
                starts,
            )
        )
    view = CodedTranscript(
        document=doc.name,
        attributes=tuple(sorted(doc.attributes.items())),
        coders=tuple(sorted({c.coder for c in codings})),
        turns=tuple(turns),
        marks=tuple(marks),
        pseudonymised=bool(replacer),
    )
    return replacer.deep(view) if replacer else view


def _earlier(turns: list[Turn]) -> set[int]:
    return {n for t in turns for n in t.marks}


# ---------------------------------------------------------------- renderers


def _label(m: Mark) -> str:
    code = m.code if m.code == m.theme else f"{m.theme} › {m.code}"
    return f"[{m.number}] {code} ({m.coder})"


def transcript_markdown(view: CodedTranscript) -> str:
    from qualcode.report.markdown import md_escape

    out = [f"# Coded transcript: {md_escape(view.document)}", ""]
    if view.attributes:
        out += ["; ".join(f"{md_escape(k)}: {md_escape(v)}" for k, v in view.attributes), ""]
    out += [
        f"Coders: {md_escape(', '.join(view.coders)) or 'none'}. Coded text is in "
        "**bold** with the numbers of its codings in brackets; the codings of each turn are "
        "listed under it.",
        "",
    ]
    marks = {m.number: m for m in view.marks}
    for t in view.turns:
        stamp = f" ({md_escape(t.timestamp)})" if t.timestamp else ""
        who = (
            f"**{md_escape(t.speaker)}**{stamp}: " if t.speaker else (f"{stamp} " if stamp else "")
        )
        body = []
        for seg in t.segments:
            text = md_escape(" ".join(seg.text.split()))
            if not text:
                continue
            if seg.marks:
                body.append(f"**{text}** [{','.join(str(n) for n in seg.marks)}]")
            else:
                body.append(text)
        out += [f"{who}{' '.join(body)}".strip(), ""]
        if t.marks:
            out += [f"- [{n}] {md_escape(_label(marks[n]).split('] ', 1)[1])}" for n in t.marks]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


CSS = """
body { font-family: Georgia, serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.5; }
.turn { display: grid; grid-template-columns: 1fr 16rem; gap: 1rem; margin: .6rem 0;
        page-break-inside: avoid; }
.speaker { font-weight: bold; font-family: system-ui, sans-serif; }
.time { color: #666; font-size: .85rem; }
.margin { font-family: system-ui, sans-serif; font-size: .8rem; color: #333; }
.margin div { border-left: 4px solid #999; padding-left: .3rem; margin-bottom: .2rem; }
mark { padding: 0 .1rem; }
sup { font-size: .7rem; color: #444; }
""".strip()


def transcript_html(view: CodedTranscript) -> str:
    view = xml_safe(view)
    e = escape
    marks = {m.number: m for m in view.marks}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        f"<title>Coded transcript: {e(view.document)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>Coded transcript: {e(view.document)}</h1>",
    ]
    if view.attributes:
        out.append("<p>" + "; ".join(f"{e(k)}: {e(v)}" for k, v in view.attributes) + "</p>")
    out.append(
        f"<p>Coders: {e(', '.join(view.coders)) or 'none'}. Highlights are in the code "
        "colours, with the numbers of their codings; the margin names each coding.</p>"
    )
    for t in view.turns:
        body = []
        for seg in t.segments:
            if seg.marks:
                color = marks[seg.marks[-1]].color
                nums = ",".join(str(n) for n in seg.marks)
                body.append(
                    f'<mark style="background:{color}40">{e(seg.text)}</mark><sup>{nums}</sup>'
                )
            else:
                body.append(e(seg.text))
        stamp = f' <span class="time">{e(t.timestamp)}</span>' if t.timestamp else ""
        who = f'<span class="speaker">{e(t.speaker)}</span>{stamp}: ' if t.speaker else stamp
        margin = "".join(
            f'<div style="border-color:{marks[n].color}">{e(_label(marks[n]))}</div>'
            for n in t.marks
        )
        out.append(
            f'<div class="turn" id="turn-{t.number}"><p>{who}{"".join(body)}</p>'
            f'<aside class="margin">{margin}</aside></div>'
        )
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def transcript_docx(view: CodedTranscript) -> bytes:
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from qualcode.report.word import FIXED_DATE, normalize_zip

    view = xml_safe(view)
    marks = {m.number: m for m in view.marks}
    doc = Document()
    props = doc.core_properties
    props.title = f"Coded transcript: {view.document}"
    props.author = props.last_modified_by = "qualcode"
    props.revision = 1
    props.created = props.modified = props.last_printed = FIXED_DATE
    doc.add_heading(f"Coded transcript: {view.document}", level=0)
    if view.attributes:
        doc.add_paragraph("; ".join(f"{k}: {v}" for k, v in view.attributes))
    doc.add_paragraph(
        f"Coders: {', '.join(view.coders) or 'none'}. Coded text is shaded in the code "
        "colours with the numbers of its codings; the codings of each turn are listed under it."
    )
    for t in view.turns:
        p = doc.add_paragraph()
        if t.speaker:
            p.add_run(t.speaker).bold = True
        if t.timestamp:
            p.add_run(f" ({t.timestamp})").italic = True
        if t.speaker or t.timestamp:
            p.add_run(": ")
        for seg in t.segments:
            run = p.add_run(seg.text)
            if seg.marks:
                shade = OxmlElement("w:shd")
                shade.set(qn("w:val"), "clear")
                shade.set(qn("w:color"), "auto")
                shade.set(qn("w:fill"), _light(marks[seg.marks[-1]].color))
                run._r.get_or_add_rPr().append(shade)
                sup = p.add_run(",".join(str(n) for n in seg.marks))
                sup.font.superscript = True
        for n in t.marks:
            note = doc.add_paragraph(_label(marks[n]), style="Caption")
            note.paragraph_format.left_indent = Pt(18)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalize_zip(buffer.getvalue())


def _light(color: str) -> str:
    """The code colour mixed 75% with white (readable under black text), as RRGGBB."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "".join(f"{round(c + (255 - c) * 0.75):02X}" for c in rgb)
