"""The theme summary as data: what every output format (Markdown, HTML, DOCX, JSON) renders.

Building it is the expensive part (passages, key terms, quotes); rendering is string work.
Nothing here depends on time or on where the project file lives, so the same project and
options always give the same summary — and therefore byte-identical files.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.analysis.cooccurrence import CooccurrenceTable, cooccurrence
from qualcode.analysis.corpus import Corpus
from qualcode.analysis.frequencies import Frequency, Totals, frequencies, totals
from qualcode.analysis.keyterms import KeyTerm, TermIndex, key_terms
from qualcode.analysis.matrix import CodeDocumentMatrix, Crosstab, code_document_matrix, crosstab
from qualcode.analysis.quotes import Quote, select_quotes
from qualcode.analysis.saturation import Saturation, assess, corpus_interviews
from qualcode.errors import QualcodeError
from qualcode.report.context import EMPTY, CodebookInfo, ReportContext
from qualcode.store.analysis_data import CodeRow
from qualcode.text import flatten, map_strings

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
    by: str | None = None
    """Attribute to count participants by (``role``): "6 of 6 GPs, 1 of 3 leaders"; by
    default ``role`` when participants have one."""
    attributes: tuple[str, ...] = ()
    """Speaker attributes shown in quote attributions (besides the participant ID)."""
    pairs: int = 20
    """Most theme pairs listed in the co-occurrence table (strongest first); the full matrix
    is in the JSON export."""


@dataclass(frozen=True)
class MemoNote:
    target: str
    coder: str
    text: str
    kind: str = "code"
    date: str = ""


@dataclass(frozen=True)
class Group:
    """One value of the ``--by`` attribute: its label ("GP") and participants in scope."""

    value: str
    label: str
    plural: str
    participants: int


@dataclass(frozen=True)
class ByAttribute:
    key: str
    groups: tuple[Group, ...]
    counts: dict[int, tuple[int, ...]]
    """Per code id: participants with a passage, per group (in ``groups`` order)."""

    def phrase(self, code_id: int) -> str:
        """``6 of 6 GPs, 1 of 3 leaders``."""
        counts = self.counts.get(code_id, (0,) * len(self.groups))
        return ", ".join(
            f"{n} of {g.participants} {g.label if g.participants == 1 else g.plural}"
            for g, n in zip(self.groups, counts, strict=True)
        )


@dataclass(frozen=True)
class AppendixEntry:
    code: CodeRow
    depth: int
    """0 for a theme."""


@dataclass(frozen=True)
class Definition:
    term: str
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
class AgreementLine:
    """One row of the summary's agreement table: a code (a theme stands for its sub-codes),
    the units compared and the statistics, None where undefined."""

    code: str
    n_units: int
    percent_agreement: float | None
    krippendorff_alpha: float | None
    cohen_kappa: float | None


@dataclass(frozen=True)
class AgreementTable:
    """The agreement table of a summary with several coders (issue 13): the coders compared,
    the unit, and one row per code they used, in codebook order."""

    coders: tuple[str, ...]
    unit: str
    unit_definition: str
    rows: tuple[AgreementLine, ...]

    @property
    def kappa(self) -> bool:
        """Cohen's kappa is defined for exactly two coders (a column only then)."""
        return len(self.coders) == 2


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
    methods: tuple[str, ...] = ()
    """The methods paragraph(s): corpus, codebook, coders, definitions (and agreement)."""
    agreement: tuple[str, ...] = ()
    """Agreement sentences for several coders (statistic and unit): filled by the agreement
    part of the report (:func:`agreement_sentences`), appended to the methods."""
    agreement_table: AgreementTable | None = None
    """Agreement per code between the coders (None with fewer than two coders)."""
    definitions: tuple[Definition, ...] = ()
    codebook_info: CodebookInfo | None = None
    appendix: tuple[AppendixEntry, ...] = ()
    by: ByAttribute | None = None
    memos: tuple[MemoNote, ...] = ()
    """Every memo in scope (project, document, code, coding) with author and date."""
    key_terms_note: str = ""
    participant_words: int = 0
    participant_coverage: float = 0.0
    pseudonymised: bool = False
    saturation: Saturation | None = None  # new codes per interview (Guest, Namey & Chen 2020)


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
    context: ReportContext | None = None,
) -> Summary:
    """Compute everything a theme summary shows. ``context`` (from
    :func:`qualcode.report.context.load_context`) adds the codebook's sources, memos with
    dates, exemplar quotes and, with its replacer, pseudonyms."""
    options = options or SummaryOptions()
    context = context or EMPTY
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
    index = (
        TermIndex(corpus, participants_only=True)
        if options.key_terms > 0 and corpus.codings
        else None
    )
    memos = _memos_by_code(corpus, context)
    by = by_attribute(corpus, options.by)
    attributes = options.attributes
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
        quotes = tuple(
            select_quotes(
                corpus, ids, options.quotes, quoted, context.exemplars, attributes=attributes
            )
        )
        quoted.update(q.person_id for q in quotes)
        sections.append(
            ThemeSection(
                number=number,
                code=theme,
                frequency=by_id[theme.id],
                lead=theme_lead(theme, by_id[theme.id], entries, tot, by),
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
    p_words, p_coded = participant_words(corpus)
    info = context.codebook
    from qualcode.report.agreement_methods import (
        agreement_paragraphs,
        agreement_part,
        agreement_table,
    )

    part = agreement_part(corpus, project_path)
    agreement = agreement_paragraphs(part)
    result = Summary(
        title=title,
        project=Path(project_path).name,
        codebook=name,
        filters=tuple(corpus.filters.describe()),
        coders=coders,
        totals=tot,
        intro=overview_lead(
            tot,
            coders,
            len(corpus.themes),
            len(corpus.codes),
            p_coded / p_words if p_words else None,
        ),
        frequencies=tuple(freqs),
        cooccurrence=cooc,
        themes=tuple(sections),
        project_memos=tuple(
            MemoNote("the project", m.coder, m.text, "project", m.date)
            for m in context.memos
            if m.kind == "project"
        )
        or tuple(
            MemoNote("the project", m.coder, m.text, "project")
            for m in corpus.data.memos
            if m.target_type == "project"
        ),
        theme_colors={t.id: _color(t.color, i) for i, t in enumerate(corpus.themes)},
        extended=_extended(corpus, options) if extended else None,
        methods=methods_paragraphs(
            corpus, tot, coders, info, by, p_words, consensus=part is not None and part.consensus
        )
        + agreement,
        agreement=agreement,
        agreement_table=agreement_table(part),
        definitions=DEFINITIONS,
        codebook_info=info,
        appendix=tuple(
            AppendixEntry(c, c.depth)
            for t in themes
            for c in (corpus.code(i) for i in corpus.descendants(t.id))
        ),
        by=by,
        memos=all_memos(corpus, context),
        key_terms_note=KEY_TERMS_NOTE if options.key_terms > 0 else "",
        participant_words=p_words,
        participant_coverage=p_coded / p_words if p_words else 0.0,
        pseudonymised=bool(context.replacer),
        saturation=_saturation(corpus),
    )
    if context.replacer:
        result = context.replacer.deep(result)
    return result


def _saturation(corpus: Corpus) -> Saturation | None:
    """The saturation assessment in import order with the method's defaults, or None when
    there are too few interviews for its base size."""
    interviews = corpus_interviews(corpus)
    if len(interviews) < 2:
        return None
    try:
        return assess(interviews)
    except ValueError:
        return None


# ---------------------------------------------------------------- shared by the renderers

FREQUENCY_NOTE = (
    "Passages per theme and code. A theme's row counts the theme with its sub-codes (each "
    "passage once); a code's row counts the code with any codes below it."
)
COOCCURRENCE_NOTE = (
    "*Together*: units (stretches of talk) holding both themes; *either*: units holding at "
    "least one of them; Jaccard index = together / either."
)
MEMO_KINDS = {"project": "Project", "document": "Document", "code": "Code", "coding": "Coding"}


def memo_groups(memos: Sequence[MemoNote]) -> list[tuple[str, str, list[MemoNote]]]:
    """(kind, heading label, memos) for each memo kind that has any, in a fixed order: how
    every renderer (Markdown, HTML, Word, the memos export) lays memos out."""
    groups = []
    for kind, label in MEMO_KINDS.items():
        notes = [m for m in memos if m.kind == kind]
        if notes:
            groups.append((kind, label, notes))
    return groups


def top_pairs(summary: Summary, limit: int = 20) -> list[Any]:
    """Theme pairs that co-occur, strongest first (count, then Jaccard), at most ``limit``;
    the full matrix is in the JSON export."""
    pairs = sorted(summary.cooccurrence.pairs, key=lambda p: (-p.count, -p.jaccard, p.a, p.b))
    return [p for p in pairs if p.count > 0][:limit]


def appendix_fields(code: CodeRow) -> list[tuple[str, str]]:
    """The MacQueen fields of one code that have text, in codebook order."""
    fields = [
        ("Brief definition", code.brief),
        ("Full definition", code.definition),
        ("When to use", code.when_to_use),
        ("When not to use", code.when_not_to_use),
        ("Example", code.example),
    ]
    return [(k, flatten(v)) for k, v in fields if v and v.strip()]


def nest_quotes(text: str) -> str:
    """Quotation marks inside a quote, which is printed in “double” marks, become ‘single’
    ones (straight or curly), as style guides nest them."""
    out = re.sub(r'"([^"]*)"', "‘\\1’", text)
    return out.replace("“", "‘").replace("”", "’")


def has_key_terms(summary: Summary, section: ThemeSection) -> bool:
    return any(e.key_terms for e in section.codes)


# ---------------------------------------------------------------- methods, memos, groups

DEFINITIONS = (
    Definition(
        "Passage",
        "a stretch of coded text: for one code, or for a theme with its sub-codes, the coded "
        "spans in a document fused where they overlap. Counts are passages unless they say "
        "codings (a coding is one code applied once by one coder).",
    ),
    Definition(
        "Participant",
        "a speaker who is not the interviewer or moderator (or, in a document without named "
        "speakers, the document's author). Counts of participants count people, not turns.",
    ),
    Definition(
        "Word",
        "a run of letters and digits; an apostrophe or hyphen splits words, so “don't” and "
        "“doctor-patient” count as two each. Speaker labels are not part of the talk.",
    ),
    Definition(
        "Theme count",
        "a theme's row counts the theme together with its sub-codes (each passage once), in "
        "every table of this report.",
    ),
)

KEY_TERMS_MIN_COUNT = 3
"""A key term must occur at least this often in the passages (besides z ≥ 1.96)."""

KEY_TERMS_NOTE = (
    "Key terms are words participants use in a code's passages more often than in the rest "
    "of their talk (weighted log-odds with an informative prior, z ≥ 1.96, at least 3 "
    "occurrences in the passages); codes with no such word show none."
)


def agreement_sentences(corpus: Corpus, project_path: str | Path | None = None) -> tuple[str, ...]:
    """Agreement between coders for the methods paragraph (coders, unit and statistics) and
    the agreement table per code, when several coders coded the material (issue 13; see
    :mod:`qualcode.report.agreement_methods`)."""
    from qualcode.report.agreement_methods import agreement_paragraphs, agreement_part

    return agreement_paragraphs(agreement_part(corpus, project_path))


def agreement_cell(value: float | None, percent: bool = False) -> str:
    """A statistic in the agreement table: ``85.7%`` or ``0.71``; ``—`` where undefined."""
    if value is None:
        return "—"
    return f"{100 * value:.1f}%" if percent else f"{value:.2f}"


def agreement_header(table: AgreementTable) -> list[str]:
    """Column headings of the agreement table (kappa only for two coders)."""
    head = ["Code", "Units", "% agreement", "Krippendorff's alpha"]
    return head + (["Cohen's kappa"] if table.kappa else [])


def agreement_cells(table: AgreementTable) -> list[list[str]]:
    """The agreement table's rows as text, as every text format shows them."""
    out = []
    for r in table.rows:
        row = [
            r.code,
            str(r.n_units),
            agreement_cell(r.percent_agreement, percent=True),
            agreement_cell(r.krippendorff_alpha),
        ]
        if table.kappa:
            row.append(agreement_cell(r.cohen_kappa))
        out.append(row)
    return out


def agreement_caption(table: AgreementTable) -> str:
    """What the agreement table compares: coders, unit and statistics."""
    kappa = ", Cohen's kappa" if table.kappa else ""
    return (
        f"Inter-coder agreement per code between {join_and(list(table.coders))}, on "
        f"{table.unit}s as the unit: units compared, percentage agreement, Krippendorff's "
        f"alpha (nominal){kappa}; — where a statistic is undefined."
    )


def participant_words(corpus: Corpus) -> tuple[int, int]:
    """Words of participants' talk in scope (interviewer and non-speech lines left out), and
    how many of them fall in a coded passage."""
    from qualcode.analysis.spans import merge_spans

    turns = [
        (doc.id, t.start, t.end)
        for doc in corpus.documents
        for t in corpus.turns[doc.id]
        if corpus.persons[t.person_id].is_participant
    ]
    if not turns:
        return 0, 0
    words = int(corpus.count_words(turns).sum())
    spans: dict[int, list[tuple[int, int]]] = {}
    for c in corpus.codings:
        spans.setdefault(c.document_id, []).append((c.start, c.end))
    merged = {d: merge_spans(items) for d, items in spans.items()}
    pieces = []
    for doc_id, start, end in turns:
        for s, e in merged.get(doc_id, []):
            lo, hi = max(s, start), min(e, end)
            if lo < hi:
                pieces.append((doc_id, lo, hi))
    coded = int(corpus.count_words(pieces).sum()) if pieces else 0
    return words, coded


def group_label(value: str) -> tuple[str, str]:
    """``gp`` -> ("GP", "GPs"); ``leader`` -> ("leader", "leaders")."""
    value = " ".join(value.split())
    label = value.upper() if len(value) <= 3 and value.isalpha() else value
    plural_ = label if label.endswith("s") else label + "s"
    return label, plural_


def by_attribute(corpus: Corpus, key: str | None) -> ByAttribute | None:
    """Participants per value of ``key`` and, per code, how many of them have a passage.
    Without ``key``: ``role``, when participants have one with 2 or more values."""
    explicit = key is not None
    key = key or "role"
    people = corpus.participants
    values = sorted({p.attributes[key] for p in people if p.attributes.get(key, "").strip()})
    if not values:
        if explicit:
            known = sorted({k for p in people for k in p.attributes})
            raise QualcodeError(
                f"no participant has the attribute '{key}'"
                + (f" (attributes: {', '.join(known)})" if known else "")
            )
        return None
    if not explicit and len(values) < 2:
        return None
    index = {v: i for i, v in enumerate(values)}
    size = [0] * len(values)
    group_of: dict[int, int] = {}
    for p in people:
        v = p.attributes.get(key, "").strip()
        if v:
            group_of[p.id] = index[p.attributes[key]]
            size[index[p.attributes[key]]] += 1
    counts: dict[int, tuple[int, ...]] = {}
    for code in corpus.codes:
        persons = {p.person_id for p in corpus.passages(corpus.descendants(code.id))}
        row = [0] * len(values)
        for pid in persons:
            if pid in group_of:
                row[group_of[pid]] += 1
        counts[code.id] = tuple(row)
    groups = tuple(Group(v, *group_label(v), size[i]) for i, v in enumerate(values))
    return ByAttribute(key, groups, counts)


def methods_paragraphs(
    corpus: Corpus,
    tot: Totals,
    coders: tuple[str, ...],
    info: CodebookInfo | None,
    by: ByAttribute | None,
    p_words: int,
    consensus: bool = False,
) -> tuple[str, ...]:
    """The methods paragraph, generated from the project. ``consensus``: the codings are a
    consensus coder's, so they are not described as one person's coding of the material."""
    who = plural(tot.participants, "participant")
    if by is not None:
        parts = [plural_label(g.participants, g) for g in by.groups]
        who += f" ({join_and(parts)})"
    corpus_s = (
        f"The material comprises {plural(tot.documents, 'document')} with {who}: "
        f"{tot.words:,} words in all, {p_words:,} of them participants' talk "
        "(interviewer and non-speech lines left out)."
    )
    out = [corpus_s]
    themes = len(corpus.themes)
    codes = len(corpus.codes) - themes
    if info is not None:
        version = f", version {info.version}" if info.version else ""
        book = (
            f"Passages were coded with the codebook *{info.name}*{version} "
            f"({plural(themes, 'theme')} and {plural(codes, 'code')}; see the codebook appendix)"
        )
        if info.sources:
            book += f", which draws on {plural(len(info.sources), 'source')} listed there"
        out.append(book + ".")
    elif corpus.codes:
        out.append(
            f"Passages were coded with a codebook of {plural(themes, 'theme')} and "
            f"{plural(codes, 'code')} (see the codebook appendix)."
        )
    if coders:
        per: dict[str, tuple[int, set[int]]] = {}
        for c in corpus.codings:
            n, docs = per.get(c.coder, (0, set()))
            docs.add(c.document_id)
            per[c.coder] = (n + 1, docs)
        parts = [
            f"{name} ({plural(per[name][0], 'coding')} in "
            f"{len(per[name][1])} of {plural(tot.documents, 'document')})"
            for name in coders
        ]
        if consensus:
            out.append(f"The codings are those of the consensus coder {join_and(parts)}.")
        else:
            label = "One coder" if len(coders) == 1 else f"{len(coders)} coders"
            out.append(f"{label} coded the material: {join_and(parts)}.")
    out.append(
        "A *passage* is a stretch of coded text (overlapping codings of one code or theme "
        "count once); a *participant* is a speaker other than the interviewer; a *word* is a "
        "run of letters and digits (see Definitions)."
    )
    return (" ".join(out),)


def plural_label(n: int, group: Group) -> str:
    return f"{n:,} {group.label if n == 1 else group.plural}"


def all_memos(corpus: Corpus, context: ReportContext) -> tuple[MemoNote, ...]:
    """Every memo with kind, readable target, author and date: project memos first, then
    documents, codes and codings in the report's order. Memos on documents or codings out of
    scope (filters) are left out."""
    order = {"project": 0, "document": 1, "code": 2, "coding": 3}
    by_coding = {c.id: c for c in corpus.codings}
    docs = {d.id for d in corpus.documents}
    out = []
    for m in context.memos:
        target = m.target
        key: tuple[int, ...] = (0,)
        if m.kind == "document":
            if m.target_id not in docs:
                continue
            key = (corpus.documents.index(corpus.doc(m.target_id or 0)),)
        elif m.kind == "code":
            if m.target_id not in corpus.data.code_by_id:
                continue
            key = (corpus.code(m.target_id or 0).order,)
        elif m.kind == "coding":
            coding = by_coding.get(m.target_id or 0)
            if coding is None:
                continue
            person = corpus.persons[coding.person_id]
            who = person.attributes.get("participant") or person.label
            target = (
                f"{corpus.code(coding.code_id).name}, coded on {who}'s words "
                f"({corpus.doc(coding.document_id).name}, turn {coding.turn_index + 1})"
            )
            key = (corpus.documents.index(corpus.doc(coding.document_id)), coding.start)
        out.append(
            (
                (order[m.kind], *key, m.coder, m.date),
                MemoNote(target, m.coder, m.text, m.kind, m.date),
            )
        )
    out.sort(key=lambda kv: kv[0])
    return tuple(note for _, note in out)


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
    return tuple(key_terms(index, corpus.passages(ids), top=top, min_count=KEY_TERMS_MIN_COUNT))


def _memos_by_code(corpus: Corpus, context: ReportContext) -> dict[int, list[MemoNote]]:
    out: dict[int, list[MemoNote]] = {}
    if context.memos:
        for n in context.memos:
            if n.kind == "code" and n.target_id in corpus.data.code_by_id:
                name = corpus.code(n.target_id or 0).name
                out.setdefault(n.target_id or 0, []).append(
                    MemoNote(name, n.coder, n.text, "code", n.date)
                )
        return out
    for m in corpus.data.memos:
        if m.target_type == "code" and m.target_id in corpus.data.code_by_id:
            name = corpus.code(m.target_id).name
            out.setdefault(m.target_id, []).append(MemoNote(name, m.coder, m.text))
    return out


# ---------------------------------------------------------------- prose


def overview_lead(
    tot: Totals,
    coders: tuple[str, ...],
    themes: int,
    codes: int,
    participant_coverage: float | None = None,
) -> tuple[str, ...]:
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
        f"{pct(tot.coverage)} of the words fall in at least one coded passage"
    )
    if participant_coverage is not None:
        second += f" ({pct(participant_coverage)} of participants' words)"
    second += "."
    return (first, second)


def theme_lead(
    theme: CodeRow,
    freq: Frequency,
    codes: list[CodeEntry],
    tot: Totals,
    by: ByAttribute | None = None,
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
        f"{'With its codes, it' if codes else 'It'} was coded in "
        f"{plural(freq.passages, 'passage')} from "
        f"{freq.participants} of {plural(tot.participants, 'participant')} "
        f"({freq.documents} of {plural(tot.documents, 'document')}), "
        f"covering {pct(freq.share)} of the words."
    )
    if by is not None:
        count += f" By {by.key.replace('_', ' ')}: {by.phrase(theme.id)}."
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
    return map_strings(
        value, lambda s: _NOT_XML.sub(lambda m: _visible_char(m.group()), s)
        if _NOT_XML.search(s) else s
    )  # fmt: skip


def _visible_char(ch: str) -> str:
    from qualcode.text import visible

    out = visible(ch, keep_lines=False)
    return out if out != ch else f"\\u{ord(ch):04x}"
