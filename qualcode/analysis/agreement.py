"""Inter-coder agreement: the statistics, as pure functions of values and spans.

No database, no command line: callers hand in reliability data and get numbers back.
:mod:`qualcode.analysis.agreement_data` turns a project's codings into these inputs.

Two shapes of reliability data are handled.

*Units with values* (sentences, turns, documents, or anything predefined): one row per unit,
one entry per coder, ``None`` where that coder gave no value (missing data). Rows may carry a
weight, so identical rows (or the characters of a stretch of text on which every coder's value
is constant) are counted once with their multiplicity.

- :func:`percent_agreement`, the share of pairable values that agree (the observed agreement
  ``A_o = 1 - D_o`` of the coincidence matrix; for two coders without missing data, the share
  of units on which they agree);
- :func:`cohen_kappa` for exactly two coders (Cohen 1960);
- :func:`krippendorff_alpha` for any number of coders, missing data allowed, with the nominal,
  ordinal, interval and ratio metrics (coincidence-matrix form: Krippendorff 2004, *Content
  Analysis* 2nd ed. §11.3; Krippendorff 2011, *Computing Krippendorff's alpha-reliability*).

*Unitized continua* (character spans): each coder's units on one or more sections of a
continuum (the documents), everything between them being a gap.

- :func:`unitized_alphas`: the uα family, uα, |uα, cuα and per-value (k)uα (Krippendorff,
  Mathet, Bouvry & Widlöcher 2016, *Quality & Quantity* 50:2347–2364; Krippendorff 2019,
  *Content Analysis* 4th ed. §12.6);
- :func:`alpha_u`: the earlier α_U per category (Krippendorff 1995, *Sociological Methodology*
  25:47–76; Krippendorff 2004, *Content Analysis* 2nd ed. pp. 251–256).

A statistic that the data leave undefined (nobody used the code, only one value was ever used,
fewer than two pairable values) is ``None``, never a crash, 1.0 or 0: "perfect agreement" on a
code nobody applied is not evidence of reliability.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Metric = Literal["nominal", "ordinal", "interval", "ratio"]
METRICS: tuple[Metric, ...] = ("nominal", "ordinal", "interval", "ratio")

Value = Hashable
Unit = Sequence[Value | None]
Span = tuple[int, int, Value]
"""A coder's unit on a continuum: ``(start, end, value)``, end exclusive."""

# Relative tolerance under which an expected disagreement counts as zero (undefined statistic).
_EPS = 1e-12


# --------------------------------------------------------------------------- coincidences


@dataclass(frozen=True)
class Coincidences:
    """The values-by-values coincidence matrix ``o_ck`` of reliability data.

    Krippendorff (2004, §11.3.2; 2011, section C): each unit ``u`` with ``m_u >= 2`` pairable
    values adds, for every ordered pair of values from different coders, ``1 / (m_u - 1)`` to
    ``o_ck``; units with fewer than two values are not pairable and add nothing. ``values`` are
    sorted when they are mutually comparable (needed by the ordinal metric), else kept in order
    of first appearance."""

    values: tuple[Value, ...]
    matrix: np.ndarray
    units: float
    """Number (summed weight) of pairable units."""

    @property
    def n(self) -> float:
        """``n..``, the number of pairable values."""
        return float(self.matrix.sum())

    @property
    def marginals(self) -> np.ndarray:
        """``n_c``, the number of pairable values ``c``."""
        return np.asarray(self.matrix.sum(axis=1))


def coincidences(units: Iterable[Unit], weights: Iterable[float] | None = None) -> Coincidences:
    """Build the coincidence matrix of ``units`` (rows of coder values, ``None`` missing)."""
    rows = [list(u) for u in units]
    w = [1.0] * len(rows) if weights is None else [float(x) for x in weights]
    if len(w) != len(rows):
        raise ValueError("one weight per unit")
    seen: dict[Value, int] = {}
    for row in rows:
        for value in row:
            if value is not None and value not in seen:
                seen[value] = len(seen)
    values = list(seen)
    try:
        values.sort()  # type: ignore[call-arg,type-var]
    except TypeError:
        pass
    index = {v: i for i, v in enumerate(values)}
    size = len(values)
    counts = np.zeros((len(rows), size))
    for r, row in enumerate(rows):
        for value in row:
            if value is not None:
                counts[r, index[value]] += 1
    return coincidences_from_counts(tuple(values), counts, np.asarray(w, dtype=float))


def coincidences_from_counts(
    values: tuple[Value, ...], counts: np.ndarray, weights: np.ndarray
) -> Coincidences:
    """``counts[u, c]`` is how many coders gave value ``c`` to unit ``u`` (weight ``w_u``).

    ``o = sum_u w_u (n_u n_u^T - diag(n_u)) / (m_u - 1)`` over units with ``m_u >= 2``."""
    counts = np.asarray(counts, dtype=float)
    weights = np.asarray(weights, dtype=float)
    m = counts.sum(axis=1) if counts.size else np.zeros(len(weights))
    keep = (m >= 2) & (weights > 0)
    counts, m, weights = counts[keep], m[keep], weights[keep]
    scale = weights / (m - 1) if len(m) else weights
    scaled = counts * scale[:, None]
    matrix = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    return Coincidences(values, matrix, float(weights.sum()))


def coincidences_from_matrix(
    matrix: np.ndarray, weights: np.ndarray, labels: Sequence[Value]
) -> Coincidences:
    """The coincidence matrix of coded reliability data held as integers: ``matrix[u, i]`` is
    the index into ``labels`` of coder i's value for unit u, or -1 where it is missing."""
    matrix = np.asarray(matrix, dtype=np.int64)
    size = len(labels)
    rows = matrix.shape[0]
    counts = np.zeros((rows, size))
    for column in matrix.T:
        present = column >= 0
        np.add.at(counts, (np.flatnonzero(present), column[present]), 1.0)
    return coincidences_from_counts(tuple(labels), counts, np.asarray(weights, dtype=float))


def kappa_from_matrix(matrix: np.ndarray, weights: np.ndarray) -> float | None:
    """Cohen's kappa (see :func:`cohen_kappa`) for a two-column integer matrix, -1 missing."""
    matrix = np.asarray(matrix, dtype=np.int64)
    if matrix.ndim != 2 or matrix.shape[1] != 2:
        raise ValueError("Cohen's kappa is defined for exactly two coders")
    weights = np.asarray(weights, dtype=float)
    both = (matrix[:, 0] >= 0) & (matrix[:, 1] >= 0) & (weights > 0)
    a, b, w = matrix[both, 0], matrix[both, 1], weights[both]
    total = float(w.sum())
    if total <= 0:
        return None
    size = int(max(a.max(), b.max())) + 1
    p_o = float(w[a == b].sum()) / total
    first = np.bincount(a, weights=w, minlength=size)
    second = np.bincount(b, weights=w, minlength=size)
    p_e = float((first * second).sum()) / (total * total)
    if 1.0 - p_e <= _EPS:
        return None
    return (p_o - p_e) / (1.0 - p_e)


# --------------------------------------------------------------------------- metrics


def difference_matrix(c: Coincidences, metric: Metric = "nominal") -> np.ndarray:
    """Squared differences ``δ²_ck`` between the values of ``c`` (Krippendorff 2004, §11.3.4;
    2011, section E):

    - nominal: 0 if ``c = k`` else 1;
    - ordinal: ``(sum_{g=c..k} n_g - (n_c + n_k)/2)²`` over the ranks of the sorted values,
      ``n_g`` the marginal counts of pairable values;
    - interval: ``(c - k)²``;
    - ratio: ``((c - k) / (c + k))²`` (0 when ``c + k = 0``, i.e. both zero).
    """
    size = len(c.values)
    if metric == "nominal":
        return 1.0 - np.eye(size)
    if metric == "ordinal":
        n_g = c.marginals
        cum = np.concatenate([[0.0], np.cumsum(n_g)])
        i, k = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        lo, hi = np.minimum(i, k), np.maximum(i, k)
        between = cum[hi + 1] - cum[lo]
        delta = between - (n_g[i] + n_g[k]) / 2.0
        out = delta**2
        np.fill_diagonal(out, 0.0)
        return np.asarray(out)
    try:
        x = np.asarray([float(v) for v in c.values])  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the {metric} metric needs numeric values") from exc
    diff = x[:, None] - x[None, :]
    if metric == "interval":
        return np.asarray(diff**2)
    if metric == "ratio":
        total = x[:, None] + x[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(total == 0, 0.0, (diff / np.where(total == 0, 1.0, total)) ** 2)
        return np.asarray(out)
    raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")


# --------------------------------------------------------------------------- statistics


def alpha_from_coincidences(c: Coincidences, metric: Metric = "nominal") -> float | None:
    """Krippendorff's alpha from a coincidence matrix.

    ``α = 1 - D_o / D_e`` with ``D_o = (1/n) Σ_c Σ_k o_ck δ²_ck`` and
    ``D_e = 1/(n(n-1)) Σ_c Σ_k n_c n_k δ²_ck`` (Krippendorff 2004, eq. 11.3 ff.; 2011, section
    E), i.e. ``α = 1 - (n - 1) Σ o δ² / Σ n_c n_k δ²``. Undefined (``None``) with fewer than two
    pairable values or when ``D_e = 0`` (every pairable value is the same)."""
    n = c.n
    if n < 2 or len(c.values) == 0:
        return None
    n_c = c.marginals
    if np.count_nonzero(n_c > 0) < 2:
        return None
    delta = difference_matrix(c, metric)
    observed = float((c.matrix * delta).sum())
    expected = float((np.outer(n_c, n_c) * delta).sum())
    if expected <= _EPS * max(1.0, n * n):
        return None
    return 1.0 - (n - 1.0) * observed / expected


def krippendorff_alpha(
    units: Iterable[Unit],
    metric: Metric = "nominal",
    weights: Iterable[float] | None = None,
) -> float | None:
    """Krippendorff's alpha for any number of coders with missing data (``None``).

    ``units`` are rows of coder values; ``weights`` optionally count each row several times.
    Values must be numbers for the interval and ratio metrics and comparable for ordinal.
    Source: Krippendorff 2004 (*Content Analysis* 2nd ed., §11.3); Krippendorff 2011
    (*Computing Krippendorff's alpha-reliability*, sections C–E); Hayes & Krippendorff 2007
    (*Communication Methods and Measures* 1:77–89)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    return alpha_from_coincidences(coincidences(units, weights), metric)


def percent_agreement(
    units: Iterable[Unit], weights: Iterable[float] | None = None
) -> float | None:
    """Observed agreement ``A_o = Σ_c o_cc / n..``: the share of pairable values that are
    matched by the same value from another coder in the same unit (Krippendorff 2004, §11.3,
    where ``α = 1 - D_o/D_e`` and ``A_o = 1 - D_o`` under the nominal metric).

    For two coders without missing data this is the familiar share of units on which they
    agree; for more coders it is the mean pairwise agreement, each unit weighted by its pairable
    values. Not chance-corrected. ``None`` when no unit has two values."""
    c = coincidences(units, weights)
    return percent_from_coincidences(c)


def percent_from_coincidences(c: Coincidences) -> float | None:
    n = c.n
    if n <= 0:
        return None
    return float(np.trace(c.matrix)) / n


def cohen_kappa(units: Iterable[Unit], weights: Iterable[float] | None = None) -> float | None:
    """Cohen's kappa for two coders: ``κ = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of
    units on which they agree and ``p_e = Σ_c p_1c p_2c`` from each coder's own marginal
    distribution (Cohen 1960, *Educational and Psychological Measurement* 20:37–46).

    Only units that both coders valued count. ``None`` with no such unit, or when ``p_e = 1``
    (both coders used one and the same value throughout: kappa is 0/0). Raises ``ValueError``
    for rows that do not hold exactly two coders."""
    rows = [list(u) for u in units]
    w = [1.0] * len(rows) if weights is None else [float(x) for x in weights]
    first: dict[Value, float] = {}
    second: dict[Value, float] = {}
    agree = total = 0.0
    for row, weight in zip(rows, w, strict=True):
        if len(row) != 2:
            raise ValueError("Cohen's kappa is defined for exactly two coders")
        a, b = row
        if a is None or b is None or weight <= 0:
            continue
        total += weight
        first[a] = first.get(a, 0.0) + weight
        second[b] = second.get(b, 0.0) + weight
        if a == b:
            agree += weight
    if total <= 0:
        return None
    p_o = agree / total
    p_e = sum(first[v] * second.get(v, 0.0) for v in first) / (total * total)
    if 1.0 - p_e <= _EPS:
        return None
    return (p_o - p_e) / (1.0 - p_e)


# --------------------------------------------------------------------------- continua


def _sections(sections: Sequence[tuple[int, int]]) -> np.ndarray:
    out = np.asarray(sorted((int(s), int(e)) for s, e in sections if e > s), dtype=np.int64)
    if out.size == 0:
        return out.reshape(0, 2)
    if np.any(out[1:, 0] < out[:-1, 1]):
        raise ValueError("sections of the continuum overlap")
    return out


def _partition(
    spans: Sequence[Span], sections: np.ndarray, index: Mapping[Value, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One coder's continuum as consecutive segments: ``(starts, ends, value ids)`` where id 0
    is a gap (∅) and gaps never cross a section boundary. Units must lie inside a section and
    must not overlap one another."""
    kept = [(s, e, v) for s, e, v in spans if e > s]
    starts = np.fromiter((s for s, _, _ in kept), dtype=np.int64, count=len(kept))
    ends = np.fromiter((e for _, e, _ in kept), dtype=np.int64, count=len(kept))
    ids = np.fromiter((index[v] for _, _, v in kept), dtype=np.int64, count=len(kept))
    order = np.argsort(starts, kind="stable")
    starts, ends, ids = starts[order], ends[order], ids[order]
    sec_starts, sec_ends = sections[:, 0], sections[:, 1]
    if len(sections) == 0:
        if len(starts):
            raise ValueError(f"unit [{starts[0]}, {ends[0]}) lies outside the continuum's sections")
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    if len(starts):
        clash = np.flatnonzero(starts[1:] < ends[:-1])
        if len(clash):
            k = int(clash[0]) + 1
            raise ValueError(f"units [{starts[k]}, {ends[k]}) and one before it overlap")
        home = np.searchsorted(sec_starts, starts, side="right") - 1
        outside = (home < 0) | (ends > sec_ends[np.clip(home, 0, None)])
        if outside.any():
            k = int(np.flatnonzero(outside)[0])
            raise ValueError(f"unit [{starts[k]}, {ends[k]}) lies outside the continuum's sections")
    points = np.unique(np.concatenate([sec_starts, sec_ends, starts, ends]))
    left, right = points[:-1], points[1:]
    home = np.searchsorted(sec_starts, left, side="right") - 1
    inside = (home >= 0) & (left < sec_ends[np.clip(home, 0, None)])
    left, right = left[inside], right[inside]
    unit = np.searchsorted(starts, left, side="right") - 1
    is_unit = np.zeros(len(left), dtype=bool)
    if len(starts):
        is_unit = (unit >= 0) & (starts[np.clip(unit, 0, None)] == left)
    values = np.where(is_unit, ids[np.clip(unit, 0, None)] if len(ids) else 0, 0)
    return left, right, values.astype(np.int64)


@dataclass(frozen=True)
class Elementary:
    """The continuum cut at every coder's segment boundary: within one elementary interval every
    coder's value is constant. ``values[i]`` is coder i's value id per interval, ``segment[i]``
    the index of the coder's segment holding it."""

    lengths: np.ndarray
    values: np.ndarray
    segment: np.ndarray


def _elementary(partitions: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Elementary:
    bounds = np.unique(np.concatenate([np.concatenate([p[0], p[1]]) for p in partitions]))
    if bounds.size < 2:
        empty = np.zeros((len(partitions), 0), dtype=np.int64)
        return Elementary(np.zeros(0, dtype=np.int64), empty, empty)
    left, right = bounds[:-1], bounds[1:]
    # Intervals between sections belong to no coder's partition: drop them.
    first = partitions[0]
    seg0 = np.searchsorted(first[0], left, side="right") - 1
    inside = (seg0 >= 0) & (first[1][np.clip(seg0, 0, None)] > left)
    left, right = left[inside], right[inside]
    segs = np.vstack([np.searchsorted(p[0], left, side="right") - 1 for p in partitions])
    vals = np.vstack([p[2][s] for p, s in zip(partitions, segs, strict=True)])
    return Elementary(right - left, vals, segs)


def continuum_cells(
    coders: Sequence[Sequence[Span]], sections: Sequence[tuple[int, int]]
) -> tuple[tuple[Value, ...], np.ndarray, np.ndarray]:
    """The continuum cut wherever any coder's unit begins or ends: ``(values, matrix,
    lengths)`` with ``matrix[u, i]`` the index into ``values`` of coder i's value on cell u, or
    -1 in a gap, and ``lengths[u]`` the cell's number of characters. Every character of a cell
    carries the same values, so per-character statistics need only the cells, weighted by
    length. A coder's units must not overlap."""
    secs = _sections(sections)
    values = _value_order(coders)
    index = {v: i + 1 for i, v in enumerate(values)}
    parts = [_partition(spans, secs, index) for spans in coders]
    el = _elementary(parts)
    return tuple(values), (el.values - 1).T.copy(), el.lengths


def _value_order(coders: Sequence[Sequence[Span]]) -> list[Value]:
    order: dict[Value, int] = {}
    for spans in coders:
        for _, _, v in spans:
            if v not in order:
                order[v] = len(order)
    values = list(order)
    try:
        values.sort()  # type: ignore[call-arg,type-var]
    except TypeError:
        pass
    return values


@dataclass(frozen=True)
class UnitizedAlphas:
    """The uα family for one unitized continuum (see :func:`unitized_alphas`)."""

    u_alpha: float | None
    binary_u_alpha: float | None
    cu_alpha: float | None
    per_value: dict[Value, float | None]
    coverage: float | None
    """Share of the continuum's pairable length that ``cuα`` rests on (valued by two coders)."""
    values: tuple[Value, ...] = ()
    observed: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    expected: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)


def _one_minus(observed: float, expected: float, scale: float) -> float | None:
    if expected <= _EPS * max(1.0, scale):
        return None
    return 1.0 - observed / expected


def unitized_alphas(
    coders: Sequence[Sequence[Span]], sections: Sequence[tuple[int, int]]
) -> UnitizedAlphas:
    """uα, |uα, cuα and (k)uα for ``m >= 2`` coders' units on a continuum (nominal metric).

    ``coders[i]`` holds coder i's units ``(start, end, value)``; a coder's units must not overlap
    (merge them first; touching units stay separate units). ``sections`` are the disjoint
    ``(start, end)`` stretches that make up the continuum (one per document); everything a coder
    left without a unit is a gap, ∅, and gaps end at section boundaries.

    Following Krippendorff, Mathet, Bouvry & Widlöcher (2016, eqs. 1–13) and Krippendorff
    (2019, §12.6, eqs. 32–38):

    - observed coincidences ``l_ck = Σ_i Σ_{j≠i} Σ_g Σ_h |s_icg ∩ s_jkh| / (m-1)``: the length of
      the intersections of coder i's segments of value c with coder j's of value k, gaps included;
    - expected coincidences ``e_ck = l.. (l_c. l_.k - [c=k] S_c) / (l..² - S)`` where ``S_c`` sums
      the squared lengths of every coder's units of value c (a unit cannot pair with itself) and,
      for ∅, the plain lengths of the gaps (a gap is a run of one-character non-units);
    - ``uα = 1 - Σ_{c≠k} l_ck / Σ_{c≠k} e_ck``;
    - ``|uα``: the same with all values collapsed into one "relevant" value against ∅, i.e.
      ``1 - l_∅v / e_∅v``;
    - ``cuα``: the coincidences among valued intersections only, ``l*_ck`` (c, k ≠ ∅), with the
      expected ``e*_ck = (l*_c. l*_.k - [c=k] S*_c) / (l*.. - S*/l*..)``, ``S*_c`` summing, for
      every coder i, unit g of value c and other coder j, ``|g ∩ valued_j|² / (m-1)``;
    - ``(k)uα = 1 - (e*_.k / l*_.k) (l*_.k - l*_kk) / (e*_.k - e*_kk)``.

    For two coders every published reading of the cu correction coincides; for three or more the
    pairwise form above is used, which reduces to the uα correction when a unit is intersected
    in full. Undefined coefficients (no unit at all, one value only for cuα, a value nobody else
    intersected for (k)uα) are ``None``."""
    m = len(coders)
    if m < 2:
        raise ValueError("unitizing agreement needs at least two coders")
    secs = _sections(sections)
    values = _value_order(coders)
    index = {v: i + 1 for i, v in enumerate(values)}
    size = len(values) + 1
    parts = [_partition(spans, secs, index) for spans in coders]
    el = _elementary(parts)
    lengths = el.lengths.astype(float)
    observed = np.zeros((size, size))
    for i in range(m):
        for j in range(m):
            if i != j:
                flat = el.values[i] * size + el.values[j]
                observed += np.bincount(flat, weights=lengths, minlength=size * size).reshape(
                    size, size
                )
    observed /= m - 1
    total = float(observed.sum())
    empty = UnitizedAlphas(None, None, None, {v: None for v in values}, None, tuple(values))
    if total <= 0:
        return empty
    # Self-pairs: a unit of length l cannot pair with its own l² character pairs; a gap only
    # with its l single characters.
    self_pairs = np.zeros(size)
    for starts, ends, ids in parts:
        seg = (ends - starts).astype(float)
        self_pairs += np.bincount(ids, weights=np.where(ids == 0, seg, seg * seg), minlength=size)
    rows = observed.sum(axis=1)
    denominator = total * total - self_pairs.sum()
    if denominator <= 0:
        return empty
    expected = total * (np.outer(rows, rows) - np.diag(self_pairs)) / denominator
    off = ~np.eye(size, dtype=bool)
    u_alpha = _one_minus(float(observed[off].sum()), float(expected[off].sum()), total)
    binary = None
    if size > 1:
        binary = _one_minus(float(observed[0, 1:].sum()), float(expected[0, 1:].sum()), total)

    # cuα and (k)uα: valued intersections only.
    star = observed[1:, 1:]
    star_total = float(star.sum())
    per_value: dict[Value, float | None] = {v: None for v in values}
    cu = None
    coverage = star_total / total if total else None
    if star_total > 0 and size > 1:
        star_self = np.zeros(size)
        both = np.zeros(len(lengths), dtype=bool)
        for i in range(m):
            n_seg = len(parts[i][0])
            for j in range(m):
                if i == j:
                    continue
                both = (el.values[i] > 0) & (el.values[j] > 0)
                inter = np.bincount(el.segment[i][both], weights=lengths[both], minlength=n_seg)
                star_self += np.bincount(parts[i][2], weights=inter * inter, minlength=size)
        star_self = star_self[1:] / (m - 1)
        star_rows = star.sum(axis=1)
        star_den = star_total - star_self.sum() / star_total
        if star_den > 0:
            e_star = (np.outer(star_rows, star_rows) - np.diag(star_self)) / star_den
            off_star = ~np.eye(size - 1, dtype=bool)
            if size - 1 >= 2:
                cu = _one_minus(
                    float(star[off_star].sum()), float(e_star[off_star].sum()), star_total
                )
            e_cols = e_star.sum(axis=0)
            for k, value in enumerate(values):
                l_k = float(star_rows[k])
                d_e = float(e_cols[k] - e_star[k, k])
                if l_k <= 0 or d_e <= _EPS * max(1.0, star_total):
                    continue
                per_value[value] = 1.0 - (float(e_cols[k]) / l_k) * (l_k - float(star[k, k])) / d_e
    return UnitizedAlphas(
        u_alpha, binary, cu, per_value, coverage, tuple(values), observed, expected
    )


@dataclass(frozen=True)
class AlphaU:
    """Krippendorff's α_U (1995): overall and per category, with each category's observed and
    expected disagreement (see :func:`alpha_u`)."""

    alpha: float | None
    per_category: dict[Value, float | None]
    observed: dict[Value, float]
    expected: dict[Value, float]


def alpha_u(coders: Sequence[Sequence[Span]], sections: Sequence[tuple[int, int]]) -> AlphaU:
    """Krippendorff's α_U for unitizing a continuum, per category and overall.

    Krippendorff 1995 (*Sociological Methodology* 25:47–76) and 2004 (*Content Analysis* 2nd ed.,
    pp. 251–256). For each category c, every coder's continuum is a sequence of units of c and
    gaps between them (other categories are ignored, so units of different categories may
    overlap; units of one category by one coder must not). With ``m`` coders and continuum
    length ``L``:

    - the difference between two overlapping segments g (coder i) and h (coder j) is
      ``(b_g - b_h)² + (e_g - e_h)²`` when both are units, ``l_g²`` when g is a unit that lies
      inside h's gap (and symmetrically), 0 otherwise;
    - ``D_o(c) = 2 Σ_{i<j} Σ_g Σ_h δ²(g, h) / (m (m-1) L²)``;
    - ``D_e(c) = (2/L) Σ_g [ (N_c - 1)(2l_g³ - 3l_g² + l_g)/3
      + l_g² Σ_{gaps h, l_h ≥ l_g} (l_h - l_g + 1) ] / (mL(mL - 1) - Σ_g l_g(l_g - 1))``,
      g running over all coders' units of c, ``N_c`` their number, h over all coders' gaps;
    - ``α_U(c) = 1 - D_o(c) / D_e(c)`` and overall ``α_U = 1 - Σ_c D_o(c) / Σ_c D_e(c)``.

    Gaps end at section boundaries, so no expected unit straddles two documents. A category
    nobody used has ``D_e = 0``: its α_U is ``None``."""
    m = len(coders)
    if m < 2:
        raise ValueError("unitizing agreement needs at least two coders")
    secs = _sections(sections)
    length = float((secs[:, 1] - secs[:, 0]).sum()) if len(secs) else 0.0
    categories: list[Value] = []
    for spans in coders:
        for _, _, v in spans:
            if v not in categories:
                categories.append(v)
    per: dict[Value, float | None] = {}
    d_o: dict[Value, float] = {}
    d_e: dict[Value, float] = {}
    for cat in categories:
        parts = [_partition([s for s in spans if s[2] == cat], secs, {cat: 1}) for spans in coders]
        d_o[cat] = _alpha_u_observed(parts, m, length)
        d_e[cat] = _alpha_u_expected(parts, m, length)
        per[cat] = None if d_e[cat] <= 0 else 1.0 - d_o[cat] / d_e[cat]
    total_e = sum(d_e.values())
    overall = None if total_e <= 0 else 1.0 - sum(d_o.values()) / total_e
    return AlphaU(overall, per, d_o, d_e)


def _alpha_u_observed(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], m: int, length: float
) -> float:
    if length <= 0:
        return 0.0
    total = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            el = _elementary([parts[i], parts[j]])
            if el.lengths.size == 0:
                continue
            gi, gj = el.segment[0], el.segment[1]
            # Consecutive elementary intervals with the same pair of segments are one overlap.
            new = np.ones(len(gi), dtype=bool)
            new[1:] = (gi[1:] != gi[:-1]) | (gj[1:] != gj[:-1])
            gi, gj = gi[new], gj[new]
            bi, ei, vi = parts[i][0][gi], parts[i][1][gi], parts[i][2][gi]
            bj, ej, vj = parts[j][0][gj], parts[j][1][gj], parts[j][2][gj]
            bi, ei, bj, ej = (x.astype(float) for x in (bi, ei, bj, ej))
            both = (vi > 0) & (vj > 0)
            total += float((((bi - bj) ** 2 + (ei - ej) ** 2)[both]).sum())
            unit_in_gap = (vi > 0) & (vj == 0) & (bj <= bi) & (ei <= ej)
            total += float((((ei - bi) ** 2)[unit_in_gap]).sum())
            gap_around = (vi == 0) & (vj > 0) & (bi <= bj) & (ej <= ei)
            total += float((((ej - bj) ** 2)[gap_around]).sum())
    return 2.0 * total / (m * (m - 1) * length * length)


def _alpha_u_expected(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], m: int, length: float
) -> float:
    unit_lengths = np.concatenate([(p[1] - p[0])[p[2] > 0] for p in parts]).astype(float)
    gaps = np.sort(np.concatenate([(p[1] - p[0])[p[2] == 0] for p in parts]).astype(float))
    n_c = len(unit_lengths)
    if n_c == 0 or length <= 0:
        return 0.0
    ell = unit_lengths
    within = (n_c - 1) * (2 * ell**3 - 3 * ell**2 + ell) / 3.0
    # Σ over gaps at least as long as the unit of (gap - l + 1): places it fits in a gap.
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    first = np.searchsorted(gaps, ell, side="left")
    fits = suffix[first] - (len(gaps) - first) * (ell - 1.0)
    numerator = float((within + ell**2 * fits).sum())
    denominator = m * length * (m * length - 1.0) - float((ell * (ell - 1.0)).sum())
    if denominator <= 0:
        return 0.0
    return (2.0 / length) * numerator / denominator
