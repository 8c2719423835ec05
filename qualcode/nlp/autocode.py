"""Rule auto-coding of a project: codebook rules -> pending suggestions.

Each stored sentence is matched on its own; the matches of one code in one unit (a sentence,
or with ``unit="turn"`` the speaker turn around it) become one suggestion whose reason lists
every rule that fired and the exact words, with their offsets. Units already coded with that
code are skipped: a suggestion should only ever propose something new.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qualcode.errors import QualcodeError
from qualcode.nlp.rules import RuleSet, code_rules, compile_rules
from qualcode.store import Project
from qualcode.store import suggestions as store
from qualcode.store.records import Code

UNITS = ("sentence", "turn")
MODEL_SETTING = "spacy_model"

Progress = Callable[[int, int, str], None]


@dataclass
class AutocodeResult:
    documents: int
    codes: int
    matches: int
    sync: store.SyncResult


def select_codes(project: Project, names: Sequence[str] | None) -> list[Code]:
    """The named codes and their sub-codes (all codes when none are named)."""
    codes = project.codes()
    if not names:
        return codes
    wanted: set[int] = set()
    for name in names:
        wanted.update(project.descendant_ids(name))
    return [c for c in codes if c.id in wanted]


def select_documents(project: Project, names: Sequence[str] | None) -> list[int]:
    if not names:
        return [d.id for d in project.documents()]
    return [project.document(name).id for name in dict.fromkeys(names)]


def pipeline_name(project: Project, model: str | None) -> str | None:
    """``--model`` if given, else the project's ``spacy_model`` setting, else None (blank)."""
    return model or project.setting(MODEL_SETTING) or None


def compile_project_rules(
    project: Project, codes: Sequence[str] | None = None, model: str | None = None
) -> RuleSet:
    """The project's rules compiled (raises ``RuleError`` listing every bad pattern)."""
    return compile_rules(code_rules(select_codes(project, codes)), pipeline_name(project, model))


def autocode(
    project: Project,
    codes: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    unit: str = "sentence",
    model: str | None = None,
    progress: Progress | None = None,
) -> AutocodeResult:
    """Match the codebook rules over the chosen documents and sync the rule suggestions.

    Every rule is compiled (and every bad one reported) before anything is read or written.
    """
    if unit not in UNITS:
        raise QualcodeError(f"--unit must be one of {', '.join(UNITS)}")
    chosen = select_codes(project, codes)
    rules = compile_rules(code_rules(chosen), pipeline_name(project, model))
    doc_ids = select_documents(project, documents)
    # Read every document's sentences first, then match them all in one stream: the rules'
    # pre-filter tunes itself on a sample across the whole selection.
    units: list[tuple[int, int, int, int]] = []  # (document, sentence start, unit start, end)
    pieces: list[tuple[int, str]] = []
    coded: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for i, doc_id in enumerate(doc_ids):
        doc = project.document(doc_id)
        if progress:
            progress(i, len(doc_ids), f"reading {doc.name}")
        if rules.empty:
            continue
        turns = {t.id: (t.start, t.end) for t in project.turns(doc_id)}
        coded[doc_id] = _coded_spans(project, doc_id)
        for s in project.sentences(doc_id):
            span = turns[s.turn_id] if unit == "turn" and s.turn_id in turns else (s.start, s.end)
            units.append((doc_id, s.start, *span))
            pieces.append((s.start, doc.text[s.start : s.end]))
    found_by_unit: dict[tuple[int, int, int, int], list[str]] = {}
    matches = 0
    step = max(1, len(pieces) // 20)
    for n, ((doc_id, _, start, end), (_, found)) in enumerate(
        zip(units, rules.match_texts(pieces), strict=True)
    ):
        if progress and n % step == 0:
            progress(n, len(pieces), "matching sentences")
        for match in found:
            if _overlaps(coded[doc_id].get(match.code_id), (start, end)):
                continue
            matches += 1
            found_by_unit.setdefault((doc_id, match.code_id, start, end), []).append(
                match.describe()
            )
    proposals = [
        store.Proposal(doc_id, code_id, start, end, "; ".join(dict.fromkeys(reasons)))
        for (doc_id, code_id, start, end), reasons in found_by_unit.items()
    ]
    if progress:
        progress(len(pieces), len(pieces), "")
    result = store.sync(
        project,
        "rule",
        proposals,
        doc_ids,
        [c.id for c in chosen],
        summary=f"Rule auto-coding ({unit}s, {len(doc_ids)} document(s))",
    )
    return AutocodeResult(len(doc_ids), len(chosen), matches, result)


def _coded_spans(project: Project, doc_id: int) -> dict[int, list[tuple[int, int]]]:
    """Per code, the sorted (start, end) spans already coded in a document (any coder)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for coding in project.codings(document=doc_id):
        out.setdefault(coding.code_id, []).append((coding.start, coding.end))
    for spans in out.values():
        spans.sort()
    return out


def _overlaps(spans: list[tuple[int, int]] | None, span: tuple[int, int]) -> bool:
    """Whether any of the sorted ``spans`` overlaps ``span``."""
    if not spans:
        return False
    start, end = span
    i = bisect.bisect_left(spans, (end, -1))
    return any(s < end and e > start for s, e in spans[:i])
