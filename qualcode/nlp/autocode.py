"""Rule auto-coding of a project: codebook rules -> pending suggestions.

Each stored sentence is matched on its own; the matches of one code in one unit (a sentence,
or with ``unit="turn"`` the speaker turn around it) become one suggestion whose reason lists
every rule that fired and the exact words, with their offsets. Units already coded with that
code are skipped: a suggestion should only ever propose something new.
"""

from __future__ import annotations

import bisect
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from qualcode.errors import QualcodeError
from qualcode.nlp.negation import MODES, mode_for
from qualcode.nlp.rules import RuleSet, code_rules, compile_rules
from qualcode.store import Project
from qualcode.store import suggestions as store
from qualcode.store.records import Code

UNITS = ("sentence", "turn")
MODEL_SETTING = "spacy_model"
NEGATION_SETTING = "autocode_negation"
"""Project setting: JSON object code name (or ``*``) -> negation mode (skip, flag, ignore)."""

Progress = Callable[[int, int, str], None]


@dataclass
class AutocodeResult:
    documents: int
    codes: int
    matches: int
    sync: store.SyncResult
    negated: int = 0  # matches dropped (mode skip) or flagged (mode flag) as negated
    interviewer: int = 0  # sentences left out because they are the interviewer's


def select_codes(project: Project, names: Sequence[str] | None) -> list[Code]:
    """The named codes and their sub-codes (all codes when none are named)."""
    codes = project.codebook.codes()
    if not names:
        return codes
    wanted: set[int] = set()
    for name in names:
        wanted.update(project.codebook.descendant_ids(name))
    return [c for c in codes if c.id in wanted]


def select_documents(project: Project, names: Sequence[str] | None) -> list[int]:
    """The named documents' ids (all documents, in name order, when none are named)."""
    if not names:
        return project.suggestions.document_ids()
    return [project.documents.get(name).id for name in dict.fromkeys(names)]


def pipeline_name(project: Project, model: str | None) -> str | None:
    """``--model`` if given, else the project's ``spacy_model`` setting, else None (blank)."""
    return model or project.settings.get(MODEL_SETTING) or None


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
    include_interviewer: bool = False,
) -> AutocodeResult:
    """Match the codebook rules over the chosen documents and sync the rule suggestions.

    Every rule is compiled (and every bad one reported) before anything is read or written.
    Interviewer turns are left out unless ``include_interviewer``; a negated match is dropped
    or flagged as the code's negation mode says (:func:`negation_modes`).
    """
    if unit not in UNITS:
        raise QualcodeError(f"--unit must be one of {', '.join(UNITS)}")
    with _older_objects_frozen():
        return _autocode(project, codes, documents, unit, model, progress, include_interviewer)


def negation_modes(project: Project) -> dict[str, str]:
    """Code name (or ``*`` for every code) -> negation mode, from the project setting."""
    import json

    raw = project.settings.get(NEGATION_SETTING)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v in MODES}


def code_modes_for(project: Project, codes: Sequence[Code]) -> dict[int, str]:
    """Code id -> its negation mode (skip, flag or ignore): the codebook's ``negation`` for
    the code, else the project's default (``--negation '*=MODE'``), else skip."""
    modes = negation_modes(project)
    return {c.id: c.negation or mode_for(modes, c.name) for c in codes}


def set_negation_mode(project: Project, code: str, mode: str) -> None:
    """Set one code's negation mode (``*``: every code without its own); undoable."""
    import json

    if mode not in MODES:
        raise QualcodeError(f"negation mode must be one of {', '.join(MODES)}, not '{mode}'")
    if code != "*":  # the code's own field, as a codebook's `negation:` sets it
        project.codebook.update(code, negation=mode)
        return
    modes = negation_modes(project)
    modes[code] = mode
    project.settings.set(NEGATION_SETTING, json.dumps(modes, sort_keys=True, ensure_ascii=False))


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Keep the objects that existed before a run out of the garbage collector's full passes.

    A run over 1M words allocates enough objects (a tuple per sentence, a match object per
    match) to set off a full collection, which then walks every object spaCy has loaded too:
    0.04-0.05 s of a 1.8 s run. Frozen objects are only set aside, not leaked: they go back to
    the oldest generation afterwards, and what the run itself allocates is collected as usual.
    Left alone if someone else has frozen objects (their freeze is theirs to undo)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _autocode(
    project: Project,
    codes: Sequence[str] | None,
    documents: Sequence[str] | None,
    unit: str,
    model: str | None,
    progress: Progress | None,
    include_interviewer: bool = False,
) -> AutocodeResult:
    chosen = select_codes(project, codes)
    names = {c.id: c.name for c in chosen}
    code_modes = code_modes_for(project, chosen)
    rules = compile_rules(code_rules(chosen), pipeline_name(project, model))
    doc_ids = select_documents(project, documents)
    turns = unit == "turn"
    # Read every document's sentences first, then match them all in one stream: the rules'
    # pre-filter tunes itself on a sample across the whole selection. Reading keeps to plain
    # tuples: one text query, one codings query, one small query per document.
    pieces: list[tuple[int, str]] = []  # (sentence start, sentence text), document by document
    read: list[int] = []  # the documents read, in order ...
    doc_ends: list[int] = []  # ... and the index just past each one's last piece
    turn_spans: list[tuple[int, int]] = []  # with unit="turn": each piece's turn
    texts: dict[int, tuple[str, str]] = {}
    coded: dict[int, dict[int, list[tuple[int, int]]]] = {}
    asking: dict[int, list[tuple[int, int]]] = {}
    left_out = 0
    if not rules.empty:
        texts = project.suggestions.document_texts(doc_ids)
        coded = project.suggestions.coded_spans(doc_ids)
        if not include_interviewer:
            asking = project.suggestions.interviewer_spans(doc_ids)
    for i, doc_id in enumerate(doc_ids):
        if progress:
            name = texts[doc_id][0] if doc_id in texts else project.documents.get(doc_id).name
            progress(i, len(doc_ids), f"reading {name}")
        if rules.empty:
            continue
        text = texts[doc_id][1]
        skip = asking.get(doc_id)
        if turns:
            rows = project.suggestions.sentence_turn_spans(doc_id)
            if skip:
                kept = [r for r in rows if not _inside(skip, r[0], r[1])]
                left_out += len(rows) - len(kept)
                rows = kept
            pieces.extend([(start, text[start:end]) for start, end, _, _ in rows])
            turn_spans.extend([(t_start, t_end) for _, _, t_start, t_end in rows])
        else:
            starts, ends = project.suggestions.sentence_spans(doc_id)
            if skip:
                pairs = [
                    (a, b) for a, b in zip(starts, ends, strict=True) if not _inside(skip, a, b)
                ]
                left_out += len(starts) - len(pairs)
                starts, ends = [a for a, _ in pairs], [b for _, b in pairs]
            pieces.extend(zip(starts, map(text.__getitem__, map(slice, starts, ends)), strict=True))
        read.append(doc_id)
        doc_ends.append(len(pieces))
    # Only the few sentences with a match need their document and unit looked up.
    found_by_unit: dict[tuple[int, int, int, int], list[str]] = {}
    negated_units: dict[tuple[int, int, int, int], bool] = {}  # all of its matches negated?
    negated = 0
    matches = 0
    step = max(1, len(pieces) // 20)
    for n, (start, found) in enumerate(rules.match_texts(pieces)):
        if progress and n % step == 0:
            progress(n, len(pieces), "matching sentences")
        if not found:
            continue
        doc_id = read[bisect.bisect_right(doc_ends, n)]
        unit_span = turn_spans[n] if turns else (start, start + len(pieces[n][1]))
        doc_coded = coded.get(doc_id, {})
        for match in found:
            if _overlaps(doc_coded.get(match.code_id), unit_span):
                continue
            key = (doc_id, match.code_id, *unit_span)
            mode = code_modes.get(match.code_id, "skip")
            is_negated = match.negated and mode != "ignore"
            if is_negated:
                negated += 1
                if mode == "skip":
                    continue
            matches += 1
            reason = match.describe() + (" (negated)" if is_negated else "")
            found_by_unit.setdefault(key, []).append(reason)
            negated_units[key] = negated_units.get(key, True) and is_negated
    if progress:
        progress(len(pieces), len(pieces), "")
    result = project.suggestions.sync_found(
        "rule",
        {
            key: (
                reasons[0] if len(reasons) == 1 else "; ".join(dict.fromkeys(reasons)),
                None,
                negated_units[key],
            )
            for key, reasons in found_by_unit.items()
        },
        doc_ids,
        list(names),
        summary=f"Rule auto-coding ({unit}s, {len(doc_ids)} document(s))",
    )
    return AutocodeResult(len(doc_ids), len(chosen), matches, result, negated, left_out)


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``start:end`` lies inside one of the sorted, disjoint ``spans``."""
    i = bisect.bisect_right(spans, (start, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def _overlaps(spans: list[tuple[int, int]] | None, span: tuple[int, int]) -> bool:
    """Whether any of the sorted ``spans`` overlaps ``span``."""
    if not spans:
        return False
    start, end = span
    i = bisect.bisect_left(spans, (end, -1))
    return any(s < end and e > start for s, e in spans[:i])
