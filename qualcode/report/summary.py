"""The theme summary as data: what every output format (Markdown, HTML, DOCX, JSON) renders.

Building it is the expensive part (passages, key terms, quotes); rendering is string work.
Nothing here depends on time or on where the project file lives, so the same project and
options always give the same summary — and therefore byte-identical files.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.analysis.cooccurrence import CooccurrenceTable, cooccurrence
from qualcode.analysis.corpus import Corpus
from qualcode.analysis.frequencies import Frequency, Totals, frequencies, totals
from qualcode.analysis.keyterms import KeyTerm, TermIndex, key_terms
from qualcode.analysis.matrix import CodeDocumentMatrix, Crosstab, code_document_matrix, crosstab
from qualcode.analysis.quotes import Quote, select_quotes
from qualcode.errors import QualcodeError
from qualcode.store.analysis_data import CodeRow
from qualcode.text import flatten

Progress = Callable[[int, int, str], None]
"""``progress(done, total, what)``: called as the summary is built (for progress bars)."""

DEFAULT_QUOTES = 3
DEFAULT_TERMS = 8


@dataclass(frozen=True)
class SummaryOptions:
    themes: tuple[str, ...] = ()
    """Theme (top-level code) names to include; empty means every theme."""
    quotes: int = DEFAULT_QUOTES
    key_terms: int = DEFAULT_TERMS
    title: str | None = None
    cooccurrence: str = "turn"
    """How themes co-occur in the overview: ``overlap``, ``turn`` or ``sentences``. The default
    is the same turn — in interviews, the same answer — because many coders never code one
    passage with two themes, which leaves overlap-based co-occurrence empty."""
    window: int = 1
    """Sentence window when ``cooccurrence == "sentences"``."""


@dataclass(frozen=True)
class MemoNote:
    target: str
    coder: str
    text: str


@dataclass(frozen=True)
class CodeEntry:
    code: CodeRow
    frequency: Frequency
    depth: int
    """Depth below the theme (1 for its direct codes)."""
    key_terms: tuple[KeyTerm, ...]


@dataclass(frozen=True)
class ThemeSection:
    number: int
    code: CodeRow
    frequency: Frequency
    lead: tuple[str, ...]
    """Prose paragraphs: what the theme is (from the codebook) and how much of it there is."""
    codes: tuple[CodeEntry, ...]
    key_terms: tuple[KeyTerm, ...]
    quotes: tuple[Quote, ...]
    memos: tuple[MemoNote, ...]


@dataclass(frozen=True)
class Summary:
    title: str
    project: str
    codebook: str | None
    filters: tuple[str, ...]
    coders: tuple[str, ...]
    totals: Totals
    intro: tuple[str, ...]
    frequencies: tuple[Frequency, ...]
    cooccurrence: CooccurrenceTable
    themes: tuple[ThemeSection, ...]
    project_memos: tuple[MemoNote, ...]
    theme_colors: dict[int, str]
    extended: Extended | None = None
    """Code-level tables for the JSON export (``build_summary(..., extended=True)``)."""


@dataclass(frozen=True)
class Extended:
    cooccurrence: CooccurrenceTable
    matrix: CodeDocumentMatrix
    crosstabs: tuple[Crosstab, ...]


CROSSTAB_MAX_VALUES = 12


def build_summary(
    corpus: Corpus,
    options: SummaryOptions | None = None,
    project_path: str | Path = "project.qc",
    progress: Progress | None = None,
    extended: bool = False,
) -> Summary:
    """Compute everything a theme summary shows."""
    options = options or SummaryOptions()
    report = progress or (lambda done, total, what: None)
    themes = _selected_themes(corpus, options.themes)
    steps = 3 + len(themes)
    report(0, steps, "counting codes")
    freqs = frequencies(corpus)
    by_id = {f.code_id: f for f in freqs}
    tot = totals(corpus)
    report(1, steps, "co-occurrence")
    cooc = cooccurrence(corpus, mode=options.cooccurrence, window=options.window, level="theme")
    report(2, steps, "key terms")
    index = TermIndex(corpus) if options.key_terms > 0 and corpus.codings else None
    memos = _memos_by_code(corpus)
    quoted: Counter[int] = Counter()
    sections = []
    for number, theme in enumerate(themes, start=1):
        report(2 + number, steps, theme.name)
        entries = []
        for code_id in corpus.descendants(theme.id)[1:]:
            code = corpus.code(code_id)
            terms = _terms(corpus, index, [code_id], min(3, options.key_terms))
            entries.append(CodeEntry(code, by_id[code_id], code.depth - theme.depth, terms))
        ids = corpus.descendants(theme.id)
        section_memos = tuple(m for cid in ids for m in memos.get(cid, []))
        quotes = tuple(select_quotes(corpus, ids, options.quotes, quoted))
        quoted.update(q.person_id for q in quotes)
        sections.append(
            ThemeSection(
                number=number,
                code=theme,
                frequency=by_id[theme.id],
                lead=theme_lead(theme, by_id[theme.id], entries, tot),
                codes=tuple(entries),
                key_terms=_terms(corpus, index, ids, options.key_terms),
                quotes=quotes,
                memos=section_memos,
            )
        )
    report(steps, steps, "done")
    coders = tuple(sorted({c.coder for c in corpus.codings}))
    name = corpus.data.codebook_name
    title = options.title or (f"Theme summary: {name}" if name else "Theme summary")
    return Summary(
        title=title,
        project=Path(project_path).name,
        codebook=name,
        filters=tuple(corpus.filters.describe()),
        coders=coders,
        totals=tot,
        intro=overview_lead(tot, coders, len(corpus.themes), len(corpus.codes)),
        frequencies=tuple(freqs),
        cooccurrence=cooc,
        themes=tuple(sections),
        project_memos=tuple(
            MemoNote("project", m.coder, m.text)
            for m in corpus.data.memos
            if m.target_type == "project"
        ),
        theme_colors={t.id: _color(t.color, i) for i, t in enumerate(corpus.themes)},
        extended=_extended(corpus, options) if extended else None,
    )


def _extended(corpus: Corpus, options: SummaryOptions) -> Extended:
    """Code-level co-occurrence, the code × document matrix, and a crosstab for every
    attribute that splits the cases into groups (2 to 12 values, fewer than the cases)."""
    tabs = []
    for unit, cases in (
        ("document", [d.attributes for d in corpus.documents]),
        ("speaker", [p.attributes for p in corpus.participants]),
    ):
        keys = sorted({k for attrs in cases for k in attrs})
        for key in keys:
            values = {attrs[key] for attrs in cases if key in attrs}
            if 2 <= len(values) <= min(CROSSTAB_MAX_VALUES, len(cases) - 1):
                tabs.append(crosstab(corpus, key, unit))
    return Extended(
        cooccurrence=cooccurrence(
            corpus, mode=options.cooccurrence, window=options.window, level="code"
        ),
        matrix=code_document_matrix(corpus),
        crosstabs=tuple(tabs),
    )


def _selected_themes(corpus: Corpus, names: tuple[str, ...]) -> list[CodeRow]:
    if not names:
        return corpus.themes
    chosen = []
    for name in names:
        code = corpus.find_code(name)
        if code.parent_id is not None:
            raise QualcodeError(f"'{code.name}' is a code, not a theme (top-level code)")
        if code not in chosen:
            chosen.append(code)
    return sorted(chosen, key=lambda c: c.order)


def _terms(
    corpus: Corpus, index: TermIndex | None, ids: list[int], top: int
) -> tuple[KeyTerm, ...]:
    if index is None or top <= 0:
        return ()
    return tuple(key_terms(index, corpus.passages(ids), top=top))


def _memos_by_code(corpus: Corpus) -> dict[int, list[MemoNote]]:
    out: dict[int, list[MemoNote]] = {}
    for m in corpus.data.memos:
        if m.target_type == "code" and m.target_id in corpus.data.code_by_id:
            name = corpus.code(m.target_id).name
            out.setdefault(m.target_id, []).append(MemoNote(name, m.coder, m.text))
    return out


# ---------------------------------------------------------------- prose


def overview_lead(tot: Totals, coders: tuple[str, ...], themes: int, codes: int) -> tuple[str, ...]:
    """The opening paragraph of a summary, in the voice of a methods/results section."""
    first = (
        f"The material comprises {plural(tot.documents, 'document')} with "
        f"{plural(tot.participants, 'participant')} and {tot.words:,} words of talk."
    )
    if not tot.codings:
        return (first + " No passages have been coded yet.",)
    who = f"{plural(len(coders), 'coder')} ({', '.join(coders)})"
    second = (
        f"{who} applied {plural(tot.codings, 'coding')} from a codebook of "
        f"{plural(themes, 'theme')} and {plural(codes - themes, 'code')}; "
        f"{pct(tot.coverage)} of the words fall in at least one coded passage."
    )
    return (first, second)


def theme_lead(
    theme: CodeRow, freq: Frequency, codes: list[CodeEntry], tot: Totals
) -> tuple[str, ...]:
    """What the theme is (codebook brief and definition) and how much of it the data holds."""
    paragraphs = []
    about = " ".join(
        part for part in (_sentence(theme.brief), first_sentence(theme.definition)) if part
    )
    if about:
        paragraphs.append(about)
    if not freq.passages:
        paragraphs.append("This theme was not coded in the material analysed.")
        return tuple(paragraphs)
    count = (
        f"It was coded in {plural(freq.passages, 'passage')} from "
        f"{freq.participants} of {plural(tot.participants, 'participant')} "
        f"({freq.documents} of {plural(tot.documents, 'document')}), "
        f"covering {pct(freq.share)} of the words."
    )
    coded = sorted(
        (e for e in codes if e.frequency.passages and e.depth == 1),
        key=lambda e: (-e.frequency.passages, e.code.order),
    )
    if coded:
        parts = [
            f"*{e.code.name}* ({plural(e.frequency.passages, 'passage')}, "
            f"{plural(e.frequency.participants, 'participant')})"
            for e in coded[:3]
        ]
        label = "The most frequent code was" if len(parts) == 1 else "The most frequent codes were"
        count += f" {label} {join_and(parts)}."
    missing = [e.code.name for e in codes if e.depth == 1 and not e.frequency.passages]
    if missing:
        count += f" Not coded: {join_and([f'*{m}*' for m in missing])}."
    paragraphs.append(count)
    return tuple(paragraphs)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def join_and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def first_sentence(text: str) -> str:
    text = flatten(text)
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else _sentence(text)


def _sentence(text: str) -> str:
    text = flatten(text)
    if text and text[-1] not in ".!?":
        text += "."
    return text


PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f")


def _color(color: str | None, i: int) -> str:
    if color and re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        return color.lower()
    return PALETTE[i % len(PALETTE)]


# ---------------------------------------------------------------- XML-safe text

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value: Any) -> Any:
    """``value`` (a Summary, or anything inside one) with every character XML 1.0 cannot hold
    shown in its visible form (``ESC`` as ``␛``): DOCX refuses them and HTML should not carry
    them. Text without such characters comes back as the same object."""
    if isinstance(value, str):
        return (
            _NOT_XML.sub(lambda m: _visible_char(m.group()), value)
            if _NOT_XML.search(value)
            else value
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = xml_safe(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, tuple | list):
        items = [xml_safe(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        items_d = {k: xml_safe(v) for k, v in value.items()}
        return value if all(items_d[k] is v for k, v in value.items()) else items_d
    return value


def _visible_char(ch: str) -> str:
    from qualcode.text import visible

    out = visible(ch, keep_lines=False)
    return out if out != ch else f"\\u{ord(ch):04x}"
