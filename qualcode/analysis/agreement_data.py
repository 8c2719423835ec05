"""Inter-coder agreement of a project: from codings to reliability data to statistics.

The statistics themselves live in :mod:`qualcode.analysis.agreement`; this module decides what
the units and values are, from the project's codings, so that every row of ``qualcode
agreement`` says exactly what was compared.

Which documents count, per coder
    Only the documents the coder marked as done, if the coder marked any; otherwise every
    document the coder coded at all. The rule used is reported per coder
    (:attr:`AgreementReport.scopes`). ``--documents`` narrows both rules further. A document
    that does not count for a coder gives that coder *missing* values there, never "not coded".

What a coder's coding of a code is
    A code stands for itself and its sub-codes (a theme for everything under it). A coder's
    overlapping spans of one code are merged into one span before anything is computed; spans
    that merely touch stay separate units (they matter as such to the unitizing statistics).

Units (``--unit``)
    ``sentence``, ``turn`` and ``document`` are predefined units: a coder codes a unit with a
    code when one of their (merged) spans of it covers at least one of the unit's characters.
    For a code, the value is "coded" or "not coded"; for a ``--group`` (a theme whose children
    are mutually exclusive values of one variable) the value is the child covering most of the
    unit's characters (ties: the first in codebook order), and *missing* when the coder used
    no code of the group there. ``character`` treats each document as a continuum that every
    coder unitized: the unitizing family (uα, |uα, cuα, (k)uα; α_U) is computed on the spans
    themselves, over the documents that count for every chosen coder, and percentage
    agreement, kappa and alpha per character.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qualcode.analysis import agreement as stats
from qualcode.errors import QualcodeError
from qualcode.store.agreement_data import (
    AgreementRows,
    coders_with_codings,
    load_agreement_rows,
    unit_bounds,
)
from qualcode.store.consensus import consensus_coders
from qualcode.store.invariants import not_found
from qualcode.store.project import Project

UNITS = ("character", "sentence", "turn", "document")

UNIT_DEFINITIONS = {
    "sentence": "sentence: a coder codes a sentence with a code when one of their spans of "
    "it (or of a sub-code) covers at least one of its characters",
    "turn": "turn: a coder codes a speaker's turn with a code when one of their spans of it "
    "(or of a sub-code) covers at least one of its characters",
    "document": "document: a coder codes a document with a code when they applied it (or a "
    "sub-code) anywhere in it",
    "character": "character: each document is a continuum; every character is coded or not "
    "(uα, |uα, cuα and α_U compare the coders' spans themselves, over the documents that "
    "count for every coder)",
}
GROUP_DEFINITION = (
    "; with --group, a unit's value is the child of the group that covers most of it, missing "
    "where the coder used none"
)

STATISTICS = (
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "u_alpha",
    "binary_u_alpha",
    "cu_alpha",
    "alpha_U",
)


@dataclass(frozen=True)
class CoderScope:
    """The documents that count for one coder, and why."""

    coder: str
    rule: str
    """``done`` (the documents the coder marked done) or ``coded`` (every document the coder
    coded at all: nobody marked anything done)."""
    documents: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"coder": self.coder, "rule": self.rule, "documents": list(self.documents)}


@dataclass(frozen=True)
class AgreementRow:
    code: str
    kind: str
    """``code`` or ``group``."""
    unit: str
    coders: tuple[str, ...]
    n_units: int
    """Units that entered percentage agreement, kappa and alpha: pairable units (two or more
    coders' values). For ``character``: characters of the common continuum, every one for a
    code (a gap is "not coded"), for a group those two or more coders gave one of its
    children."""
    percent_agreement: float | None = None
    cohen_kappa: float | None = None
    krippendorff_alpha: float | None = None
    u_alpha: float | None = None
    binary_u_alpha: float | None = None
    cu_alpha: float | None = None
    alpha_U: float | None = None  # noqa: N815 - the statistic's published name
    per_value: dict[str, float | None] = field(default_factory=dict)
    """For a group on characters: (k)uα of each child."""
    conflicts: int = 0
    """For a group: units (characters for ``character``) where one coder applied two or more
    children; the unit took one value as described in the module docstring."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "kind": self.kind,
            "unit": self.unit,
            "coders": list(self.coders),
            "n_units": self.n_units,
        }
        for name in STATISTICS:
            out[name] = getattr(self, name)
        if self.kind == "group":
            out["k_u_alpha"] = dict(self.per_value) if self.unit == "character" else None
            out["conflicts"] = self.conflicts
        return out


@dataclass(frozen=True)
class AgreementReport:
    unit: str
    unit_definition: str
    coders: tuple[str, ...]
    scopes: tuple[CoderScope, ...]
    rows: list[AgreementRow]


# --------------------------------------------------------------------------- documents


def done_marks(project: Project) -> dict[str, set[str]]:
    """Documents marked done (``qualcode done``, F in the workbench), per coder, by name."""
    return {coder: set(documents) for coder, documents in project.done.marks().items()}


def coder_scopes(
    rows: AgreementRows,
    coders: Sequence[str],
    marks: Mapping[str, set[str]],
    documents: Sequence[str] = (),
) -> tuple[CoderScope, ...]:
    """Per coder, the documents that count (see the module docstring)."""
    by_id = {d.id: d.name for d in rows.documents}
    coded: dict[str, set[str]] = {}
    for document_id, _, _, _, coder in rows.codings:
        coded.setdefault(coder, set()).add(by_id[document_id])
    wanted = set(documents) if documents else None
    order = [d.name for d in rows.documents]
    out = []
    for coder in coders:
        rule, chosen = ("done", marks[coder]) if marks.get(coder) else ("coded", coded.get(coder))
        keep = [n for n in order if n in (chosen or set()) and (wanted is None or n in wanted)]
        out.append(CoderScope(coder, rule, tuple(keep)))
    return tuple(out)


# --------------------------------------------------------------------------- spans


def merge_spans(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge overlapping spans (sorted by start); spans that only touch stay separate."""
    if len(starts) == 0:
        return starts, ends
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] >= reach[:-1]
    group = np.cumsum(new) - 1
    merged_starts = starts[new]
    merged_ends = np.zeros(len(merged_starts), dtype=ends.dtype)
    np.maximum.at(merged_ends, group, ends)
    return merged_starts, merged_ends


def covered_length(
    starts: np.ndarray, ends: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Characters of each ``[lo, hi)`` covered by disjoint sorted spans ``[starts, ends)``."""
    if len(starts) == 0:
        return np.zeros(len(lo), dtype=np.int64)
    prefix = np.concatenate([[0], np.cumsum(ends - starts)])

    def upto(x: np.ndarray) -> np.ndarray:
        i = np.searchsorted(starts, x, side="right")
        last = np.clip(i - 1, 0, None)
        inside = np.where(i > 0, np.clip(x - starts[last], 0, ends[last] - starts[last]), 0)
        return np.asarray(prefix[np.clip(i - 1, 0, None)] * (i > 0) + inside)

    return upto(hi) - upto(lo)


def touches(starts: np.ndarray, ends: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """1 where ``[lo, hi)`` shares a character with one of the disjoint sorted spans, else 0."""
    if len(starts) == 0:
        return np.zeros(len(lo), dtype=np.int64)
    k = np.searchsorted(ends, lo, side="right")  # first span ending after lo
    hit = (k < len(starts)) & (starts[np.clip(k, 0, len(starts) - 1)] < hi)
    return hit.astype(np.int64)


@dataclass
class _Context:
    rows: AgreementRows
    coders: tuple[str, ...]
    scopes: tuple[CoderScope, ...]
    offsets: dict[int, int]
    lengths: dict[int, int]
    in_scope: list[np.ndarray]
    """Per coder, per document id (index into documents order), whether it counts."""
    doc_index: dict[int, int]
    spans: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
    """(coder index, code id) -> global starts, ends of that coder's codings of that code,
    within the coder's documents."""
    codes_by_name: dict[str, int]
    names: dict[int, str]

    def code_spans(self, coder: int, code_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        parts = [self.spans[(coder, c)] for c in code_ids if (coder, c) in self.spans]
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return merge_spans(
            np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        )


def _context(
    project: Project,
    coders: Sequence[str] | None,
    documents: Sequence[str],
) -> _Context:
    everyone = coders_with_codings(project)
    if coders:
        unknown = [c for c in coders if c not in everyone]
        if unknown:
            raise QualcodeError(not_found("coder with codings", unknown[0], everyone))
        chosen = tuple(dict.fromkeys(coders))
    else:  # everyone who coded; a consensus coder is compared only when asked for by name
        settled = set(consensus_coders(project.session))
        chosen = tuple(c for c in everyone if c not in settled)
    if len(chosen) < 2:
        have = ", ".join(everyone) or "nobody"
        raise QualcodeError(
            f"agreement needs at least two coders with codings; this project has codings by {have}"
        )
    rows = load_agreement_rows(project, chosen)
    names = [d.name for d in rows.documents]
    for name in documents:
        if name not in names:
            raise QualcodeError(not_found("document", name, names))
    scopes = coder_scopes(rows, chosen, done_marks(project), documents)
    offsets: dict[int, int] = {}
    lengths: dict[int, int] = {}
    doc_index: dict[int, int] = {}
    pos = 0
    for i, doc in enumerate(rows.documents):
        offsets[doc.id] = pos
        lengths[doc.id] = doc.length
        doc_index[doc.id] = i
        pos += doc.length
    in_scope = []
    for scope in scopes:
        keep = set(scope.documents)
        in_scope.append(np.asarray([d.name in keep for d in rows.documents], dtype=bool))
    coder_index = {c: i for i, c in enumerate(chosen)}
    grouped: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for document_id, code_id, start, end, coder in rows.codings:
        i = coder_index[coder]
        if not in_scope[i][doc_index[document_id]]:
            continue
        lists = grouped.setdefault((i, code_id), ([], []))
        lists[0].append(offsets[document_id] + start)
        lists[1].append(offsets[document_id] + end)
    spans = {
        key: (np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64))
        for key, (s, e) in grouped.items()
    }
    code_names = {c.id: c.name for c in rows.codes}
    return _Context(
        rows,
        chosen,
        scopes,
        offsets,
        lengths,
        in_scope,
        doc_index,
        spans,
        {c.name: c.id for c in rows.codes},
        code_names,
    )


# --------------------------------------------------------------------------- statistics


def _unit_stats(
    matrix: np.ndarray, labels: Sequence[str], weights: np.ndarray | None = None
) -> tuple[int, float | None, float | None, float | None]:
    """Pairable units, percentage agreement, kappa (two coders), nominal alpha of an integer
    matrix (units x coders, -1 missing), rows collapsed to distinct patterns first."""
    if weights is None:
        weights = np.ones(len(matrix))
    pairable = (matrix >= 0).sum(axis=1) >= 2
    matrix, weights = matrix[pairable], weights[pairable]
    n_units = int(round(float(weights.sum())))
    if len(matrix) == 0:
        return 0, None, None, None
    base = len(labels) + 1
    codes = np.zeros(len(matrix), dtype=np.int64)
    for column in range(matrix.shape[1] - 1, -1, -1):
        codes = codes * base + (matrix[:, column] + 1)
    keys, inverse = np.unique(codes, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=weights, minlength=len(keys))
    patterns = np.zeros((len(keys), matrix.shape[1]), dtype=np.int64)
    rest = keys.copy()
    for column in range(matrix.shape[1]):
        patterns[:, column] = rest % base - 1
        rest //= base
    c = stats.coincidences_from_matrix(patterns, counts, labels)
    percent = stats.percent_from_coincidences(c)
    alpha = stats.alpha_from_coincidences(c, "nominal")
    kappa = stats.kappa_from_matrix(patterns, counts) if matrix.shape[1] == 2 else None
    return n_units, percent, kappa, alpha


def _units(ctx: _Context, unit: str, project: Project) -> tuple[np.ndarray, ...]:
    """Global (start, end, document index) of every predefined unit, in text order."""
    if unit == "document":
        docs = ctx.rows.documents
        starts = np.asarray([ctx.offsets[d.id] for d in docs], dtype=np.int64)
        ends = starts + np.asarray([d.length for d in docs], dtype=np.int64)
        return starts, ends, np.arange(len(docs))
    bounds = [b for b in unit_bounds(project, unit) if b[0] in ctx.offsets]
    starts = np.asarray([ctx.offsets[d] + s for d, s, _ in bounds], dtype=np.int64)
    ends = np.asarray([ctx.offsets[d] + e for d, _, e in bounds], dtype=np.int64)
    index = np.asarray([ctx.doc_index[d] for d, _, _ in bounds], dtype=np.int64)
    order = np.argsort(starts, kind="stable")
    return starts[order], ends[order], index[order]


def _common_sections(ctx: _Context) -> list[tuple[int, int]]:
    everyone = np.logical_and.reduce(ctx.in_scope)
    return [
        (ctx.offsets[d.id], ctx.offsets[d.id] + d.length)
        for i, d in enumerate(ctx.rows.documents)
        if everyone[i] and d.length > 0
    ]


def _clip_to(
    starts: np.ndarray, ends: np.ndarray, sections: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Spans lying in one of the (sorted, disjoint) sections."""
    if not sections or len(starts) == 0:
        return []
    lo = np.asarray([s for s, _ in sections], dtype=np.int64)
    hi = np.asarray([e for _, e in sections], dtype=np.int64)
    k = np.searchsorted(lo, starts, side="right") - 1
    ok = (k >= 0) & (ends <= hi[np.clip(k, 0, None)])
    return list(zip(starts[ok].tolist(), ends[ok].tolist(), strict=True))


def _code_row(
    ctx: _Context, code_id: int, unit: str, units: tuple[np.ndarray, ...] | None
) -> AgreementRow:
    ids = ctx.rows.tree.descendants(code_id)
    name = ctx.names[code_id]
    m = len(ctx.coders)
    merged = [ctx.code_spans(i, ids) for i in range(m)]
    if unit != "character":
        assert units is not None
        starts, ends, doc = units
        matrix = np.full((len(starts), m), -1, dtype=np.int64)
        for i, (s, e) in enumerate(merged):
            matrix[:, i] = np.where(ctx.in_scope[i][doc], touches(s, e, starts, ends), -1)
        n_units, percent, kappa, alpha = _unit_stats(matrix, ["not coded", "coded"])
        return AgreementRow(name, "code", unit, ctx.coders, n_units, percent, kappa, alpha)
    sections = _common_sections(ctx)
    n_chars = sum(e - s for s, e in sections)
    spans = [[(s, e, name) for s, e in _clip_to(st, en, sections)] for st, en in merged]
    if n_chars == 0:
        return AgreementRow(name, "code", unit, ctx.coders, 0)
    _, cells, lengths = stats.continuum_cells(spans, sections)
    cells = np.where(cells >= 0, 1, 0)  # a gap is "not coded", a value
    _, percent, kappa, alpha = _unit_stats(cells, ["not coded", "coded"], lengths.astype(float))
    family = stats.unitized_alphas(spans, sections)
    a_u = stats.alpha_u(spans, sections)
    return AgreementRow(
        name,
        "code",
        unit,
        ctx.coders,
        n_chars,
        percent,
        kappa,
        alpha,
        family.u_alpha,
        family.binary_u_alpha,
        family.cu_alpha,
        a_u.alpha,
    )


def _group_row(
    ctx: _Context, group_id: int, unit: str, units: tuple[np.ndarray, ...] | None
) -> AgreementRow:
    tree = ctx.rows.tree
    children = list(tree.children(group_id))
    name = ctx.names[group_id]
    labels = [ctx.names[c] for c in children]
    m = len(ctx.coders)
    per_child = [
        [ctx.code_spans(i, tree.descendants(child)) for child in children] for i in range(m)
    ]
    if unit != "character":
        assert units is not None
        starts, ends, doc = units
        matrix = np.full((len(starts), m), -1, dtype=np.int64)
        conflicts = 0
        for i in range(m):
            cover = np.vstack(
                [covered_length(s, e, starts, ends) for s, e in per_child[i]]
                or [np.zeros(len(starts), dtype=np.int64)]
            )
            best = np.argmax(cover, axis=0)  # first child on ties: codebook order
            some = cover.max(axis=0) > 0
            conflicts += int(((cover > 0).sum(axis=0) >= 2).sum())
            matrix[:, i] = np.where(some & ctx.in_scope[i][doc], best, -1)
        n_units, percent, kappa, alpha = _unit_stats(matrix, labels)
        return AgreementRow(
            name, "group", unit, ctx.coders, n_units, percent, kappa, alpha, conflicts=conflicts
        )
    sections = _common_sections(ctx)
    n_chars = sum(e - s for s, e in sections)
    if n_chars == 0:
        return AgreementRow(name, "group", unit, ctx.coders, 0)
    partitions = []
    overlapping = []
    conflicts = 0
    for i in range(m):
        spans = [
            (s, e, label)
            for (st, en), label in zip(per_child[i], labels, strict=True)
            for s, e in _clip_to(st, en, sections)
        ]
        overlapping.append(spans)
        painted, clash = _paint(spans)
        partitions.append(painted)
        conflicts += clash
    values, cells, lengths = stats.continuum_cells(partitions, sections)
    relabel = np.asarray([labels.index(str(v)) for v in values] or [0], dtype=np.int64)
    cells = np.where(cells >= 0, relabel[np.clip(cells, 0, None)], -1)
    # n_units counts what entered %, kappa and alpha, as on the other units: only characters
    # two or more coders gave a child of the group (a gap is missing here, not a value).
    n_units, percent, kappa, alpha = _unit_stats(cells, labels, lengths.astype(float))
    family = stats.unitized_alphas(partitions, sections)
    a_u = stats.alpha_u(overlapping, sections)
    per_value = {label: family.per_value.get(label) for label in labels}
    return AgreementRow(
        name,
        "group",
        unit,
        ctx.coders,
        n_units,
        percent,
        kappa,
        alpha,
        family.u_alpha,
        family.binary_u_alpha,
        family.cu_alpha,
        a_u.alpha,
        per_value,
        conflicts,
    )


def _paint(spans: list[tuple[int, int, str]]) -> tuple[list[tuple[int, int, str]], int]:
    """One coder's spans of different children as a partition: where spans of two children
    overlap, the shorter (more specific) span keeps the characters; the longer one is cut
    around it. Returns the pieces and the number of characters in conflict."""
    if not spans:
        return [], 0
    starts = np.asarray([s for s, _, _ in spans], dtype=np.int64)
    ends = np.asarray([e for _, e, _ in spans], dtype=np.int64)
    points = np.unique(np.concatenate([starts, ends]))
    first = np.searchsorted(points, starts)
    last = np.searchsorted(points, ends)
    widths = np.diff(points)
    depth = np.zeros(len(points), dtype=np.int64)
    np.add.at(depth, first, 1)
    np.add.at(depth, last, -1)
    conflicts = int(widths[np.cumsum(depth)[:-1] >= 2].sum())
    owner = np.full(len(widths), -1, dtype=np.int64)
    for k in np.argsort(-(ends - starts), kind="stable").tolist():
        owner[first[k] : last[k]] = k
    change = np.flatnonzero(np.diff(owner)) + 1
    bounds = np.concatenate([[0], change, [len(owner)]])
    pieces = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        k = int(owner[a])
        if k >= 0:
            pieces.append((int(points[a]), int(points[b]), spans[k][2]))
    return pieces, conflicts


# --------------------------------------------------------------------------- entry point


def agreement(
    project: Project,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] = (),
    groups: Sequence[str] = (),
    unit: str = "sentence",
    documents: Sequence[str] = (),
) -> AgreementReport:
    """Agreement per code (every code when neither ``codes`` nor ``groups`` is given) and per
    group, on ``unit``, between ``coders`` (every coder with codings when ``None``)."""
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit '{unit}'; use one of {', '.join(UNITS)}")
    ctx = _context(project, coders, documents)
    all_names = list(ctx.codes_by_name)
    code_ids: list[int] = []
    for name in codes:
        if name not in ctx.codes_by_name:
            raise QualcodeError(not_found("code", name, all_names))
        code_ids.append(ctx.codes_by_name[name])
    group_ids: list[int] = []
    for name in groups:
        if name not in ctx.codes_by_name:
            raise QualcodeError(not_found("code", name, all_names))
        gid = ctx.codes_by_name[name]
        if len(ctx.rows.tree.children(gid)) < 2:
            raise QualcodeError(
                f"--group needs a code with at least two sub-codes; '{name}' has "
                f"{len(ctx.rows.tree.children(gid))}"
            )
        group_ids.append(gid)
    if not code_ids and not group_ids:
        code_ids = list(ctx.rows.tree.order)
    units = None if unit == "character" else _units(ctx, unit, project)
    rows = [_code_row(ctx, cid, unit, units) for cid in dict.fromkeys(code_ids)]
    rows += [_group_row(ctx, gid, unit, units) for gid in dict.fromkeys(group_ids)]
    definition = UNIT_DEFINITIONS[unit] + (GROUP_DEFINITION if group_ids else "")
    return AgreementReport(unit, definition, ctx.coders, ctx.scopes, rows)
