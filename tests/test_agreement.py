"""The agreement statistics against published worked examples and independent computations.

Every expected figure below is quoted from its source with the decimals printed there; where a
source and the exact computation differ, the test says why.
"""

from __future__ import annotations

import random
from itertools import permutations

import numpy as np
import pytest

from qualcode.analysis.agreement import (
    METRICS,
    alpha_u,
    cohen_kappa,
    continuum_cells,
    krippendorff_alpha,
    percent_agreement,
    unitized_alphas,
)

N = None

# Krippendorff (2004) Content Analysis 2nd ed. p. 230, Krippendorff (2011) "Computing
# Krippendorff's alpha-reliability" section C: 4 observers, 12 units, missing values.
# Rows are units, columns observers A-D.
FOUR_OBSERVERS = [
    [1, 1, N, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [N, 5, 5, 5],
    [N, N, 1, 1],
    [N, N, 3, N],
]

# Hayes & Krippendorff (2007) Communication Methods and Measures 1:77-89, p. 84 (Table 1):
# 5 observers rating 40 news stories on an ordinal scale 0-3, missing values.
HAYES_KRIPPENDORFF_2007 = [
    (1, 1, 2, N, 2), (1, 1, 0, 1, N), (2, 3, 3, 3, N), (N, 0, 0, N, 0), (0, 0, 0, N, 0),
    (0, 0, 0, N, 0), (1, 0, 2, N, 1), (1, N, 2, 0, N), (2, 2, 2, N, 2), (2, 1, 1, 1, N),
    (N, 1, 0, 0, N), (0, 0, 0, 0, N), (1, 2, 2, 2, N), (3, 3, 2, 2, 3), (1, 1, 1, N, 1),
    (1, 1, 1, N, 1), (2, 1, 2, N, 2), (1, 2, 3, 3, N), (1, 1, 0, 1, N), (0, 0, 0, N, 0),
    (0, 0, 1, 1, N), (0, 0, N, 0, 0), (2, 3, 3, 3, N), (0, 0, 0, 0, N), (1, 2, N, 2, 2),
    (0, 1, 1, 1, N), (0, 0, 0, 1, 0), (1, 2, 1, 2, N), (1, 1, 2, 2, N), (1, 1, 2, N, 2),
    (1, 1, 0, N, 0), (2, 1, 2, 1, N), (2, 2, N, 2, 2), (3, 2, 2, 2, N), (2, 2, 2, N, 2),
    (2, 2, 3, N, 2), (2, 2, 2, N, 2), (2, 2, N, 1, 2), (2, 2, 2, 2, N), (1, 1, 1, N, 1),
]  # fmt: skip


def test_alpha_four_metrics_on_the_twelve_unit_example() -> None:
    """nominal .743, ordinal .815, interval .849, ratio .797 (3 decimals, as printed).

    The issue attributes these four figures to Hayes & Krippendorff (2007); they are the worked
    example of Krippendorff (2004, p. 230) and Krippendorff (2011, section C) - the data above.
    Hayes & Krippendorff's own example is the 40-unit table tested next."""
    expected = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for metric in METRICS:
        assert round(krippendorff_alpha(FOUR_OBSERVERS, metric), 3) == expected[metric]
    # Observed agreement A_o = 1 - D_o: Krippendorff 2004 gives D_o = .200, so .800.
    assert percent_agreement(FOUR_OBSERVERS) == pytest.approx(0.800, abs=5e-4)


def test_alpha_hayes_krippendorff_2007_ordinal() -> None:
    """Hayes & Krippendorff (2007, p. 84): ordinal alpha .7598 from their KALPHA macro."""
    assert round(krippendorff_alpha(HAYES_KRIPPENDORFF_2007, "ordinal"), 4) == 0.7598


def test_alpha_krippendorff_2004_two_coder_examples() -> None:
    """Krippendorff (2004) p. 224 (binary, 10 units): A_o .600, alpha .095; p. 227 (three
    values, 12 units): A_o .833, alpha .734."""
    binary = [(1, 0), (1, 1), (0, 1), (0, 0), (0, 0), (0, 1), (0, 0), (0, 1), (0, 0), (0, 0)]
    assert round(percent_agreement(binary), 3) == 0.600
    assert round(krippendorff_alpha(binary), 3) == 0.095
    three = [("a", "a"), ("a", "b")] + [("b", "b")] * 4 + [("b", "c")] + [("c", "c")] * 5
    assert round(percent_agreement(three), 3) == 0.833
    assert round(krippendorff_alpha(three), 3) == 0.734


def test_cohen_kappa_textbook_examples() -> None:
    """Cohen (1960) p. 45: 200 units, p_o .70, kappa .492. Krippendorff (2004) p. 246: the
    same agreement (.46) with different marginals gives kappa .186 and .258 (while alpha and
    Scott's pi stay put), his example of kappa rewarding unequal marginals."""
    cells = [
        (1, 1, 88), (1, 2, 14), (1, 3, 18), (2, 1, 10), (2, 2, 40),
        (2, 3, 10), (3, 1, 2), (3, 2, 6), (3, 3, 12),
    ]  # fmt: skip
    units = [(a, b) for a, b, _ in cells]
    weights = [n for _, _, n in cells]
    assert round(percent_agreement(units, weights), 2) == 0.70
    assert round(cohen_kappa(units, weights), 3) == 0.492

    def table(counts: list[int]) -> tuple[list[tuple[str, str]], list[int]]:
        pairs = [(a, b) for a in "abc" for b in "abc"]
        return pairs, counts

    even = table([12, 9, 9, 9, 14, 9, 9, 9, 20])
    skewed = table([12, 18, 18, 0, 14, 18, 0, 0, 20])
    assert round(percent_agreement(*even), 3) == 0.460
    assert round(cohen_kappa(*even), 3) == 0.186
    assert round(cohen_kappa(*skewed), 3) == 0.258


def test_alpha_matches_the_krippendorff_package_on_random_data() -> None:
    """Nominal (and interval) alpha against the ``krippendorff`` package (test-only: GPL) on
    random reliability data with missing values, 2-6 coders."""
    kp = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(13)
    for trial in range(40):
        coders = int(rng.integers(2, 7))
        units = int(rng.integers(5, 60))
        values = int(rng.integers(2, 6))
        data = rng.integers(0, values, size=(coders, units)).astype(float)
        data[rng.random(data.shape) < 0.25] = np.nan
        rows = [[None if np.isnan(v) else int(v) for v in col] for col in data.T]
        mine = krippendorff_alpha(rows, "nominal")
        if mine is None:  # one value only, or nothing pairable: the package divides by zero
            continue
        for metric in ("nominal", "interval"):
            theirs = kp.alpha(reliability_data=data, level_of_measurement=metric)
            assert krippendorff_alpha(rows, metric) == pytest.approx(theirs, abs=1e-9), trial


def test_undefined_statistics_are_none() -> None:
    # Nobody used the code: every value "not coded" -> one value only.
    assert krippendorff_alpha([(0, 0)] * 5) is None
    assert cohen_kappa([(0, 0)] * 5) is None
    assert (
        percent_agreement([(0, 0)] * 5) == 1.0
    )  # agreement is observed, only not chance-corrected
    # Nothing pairable.
    assert krippendorff_alpha([(1, None), (None, 2)]) is None
    assert percent_agreement([(1, None)]) is None
    assert cohen_kappa([]) is None
    assert krippendorff_alpha([]) is None
    # Ordinal/interval/ratio on one value.
    for metric in METRICS:
        assert krippendorff_alpha([(3, 3, None)], metric) is None
    with pytest.raises(ValueError):
        cohen_kappa([(1, 2, 3)])
    with pytest.raises(ValueError):
        krippendorff_alpha([("a", "b")], "interval")


# --------------------------------------------------------------------------- unitizing

# Krippendorff (2004) Content Analysis 2nd ed. p. 254: two observers unitize a continuum from
# 150 to 450 into units of categories c and k (the figure's begin/length pairs).
KRIPPENDORFF_2004_I = [(225, 295, "c"), (370, 400, "c"), (180, 240, "k"), (300, 350, "k")]
KRIPPENDORFF_2004_J = [
    (220, 300, "c"),
    (355, 375, "c"),
    (400, 420, "c"),
    (180, 240, "k"),
    (300, 350, "k"),
]


def test_alpha_u_krippendorff_2004_p254() -> None:
    """Per category: c has D_o .0144, D_e .0532, alpha_U .7286; k agrees perfectly (D_o 0,
    D_e .0490, alpha_U 1). Overall, the book prints .8591; the exact value is .85867.

    The difference is rounding, not a formula: Krippendorff forms the overall coefficient from
    the per-category disagreements already rounded to four decimals,
    1 - (.0144 + 0) / (.0532 + .0490) = .8591, whereas the unrounded disagreements give .8587.
    Both are checked."""
    result = alpha_u([KRIPPENDORFF_2004_I, KRIPPENDORFF_2004_J], [(150, 450)])
    assert round(result.observed["c"], 4) == 0.0144
    assert round(result.expected["c"], 4) == 0.0532
    assert round(result.per_category["c"], 4) == 0.7286
    assert result.observed["k"] == 0.0
    assert round(result.expected["k"], 4) == 0.0490
    assert result.per_category["k"] == 1.0
    assert round(result.alpha, 4) == 0.8587
    rounded = {c: round(v, 4) for c, v in result.observed.items()}
    rounded_e = {c: round(v, 4) for c, v in result.expected.items()}
    published = 1 - sum(rounded.values()) / sum(rounded_e.values())
    assert round(published, 4) == 0.8591


def test_alpha_u_differences_krippendorff_2004() -> None:
    """The pairwise differences Krippendorff (2004, pp. 252-253) lists for the example: a unit
    inside the other's gap costs its squared length, overlapping units the squared shifts of
    both ends (here 5² + 5² = 50 and 15² + 25² = 850), identical units nothing."""
    one = alpha_u([[(225, 295, "c")], [(220, 300, "c")]], [(150, 450)])
    assert one.observed["c"] * 300**2 == pytest.approx(50)
    two = alpha_u([[(370, 400, "c")], [(355, 375, "c")]], [(150, 450)])
    assert two.observed["c"] * 300**2 == pytest.approx(850)
    gap = alpha_u([[], [(400, 420, "c")]], [(150, 450)])
    assert gap.observed["c"] * 300**2 == pytest.approx(400)


@pytest.mark.skip(
    reason="Krippendorff 2019 Fig. 12.11 (u-alpha .510, |u-alpha .413, cu-alpha .724): the "
    "figure's segment boundaries are printed only in the book, which we could not consult; "
    "see the docstring"
)
def test_unitized_alphas_krippendorff_2019_fig_12_11() -> None:
    """Not reproduced: the data of Fig. 12.11 are not in any source reachable from here (no
    implementation or paper we could read quotes the figure's boundaries), and inventing
    boundaries that happen to give .510/.413/.724 would be fudging. The formulas (Krippendorff
    et al. 2016 eqs. 1-13; 2019 eqs. 32-38) are instead pinned by the tests below: a
    by-the-definition character-by-character computation, invariants, and figures from an
    independent implementation of uα. To close this, enter the figure's three unitizations
    here and assert .510, .413 and .724."""


def _brute_force(coders: list[list[tuple[int, int, str]]], length: int) -> dict[str, float]:
    """uα, |uα and cuα straight from the definitions, one character at a time."""
    m = len(coders)
    values = sorted({v for spans in coders for _, _, v in spans})
    index = {v: i + 1 for i, v in enumerate(values)}
    size = len(values) + 1
    char = np.zeros((m, length), dtype=int)
    for i, spans in enumerate(coders):
        for s, e, v in spans:
            char[i, s:e] = index[v]
    obs = np.zeros((size, size))
    for x in range(length):
        for i, j in permutations(range(m), 2):
            obs[char[i, x], char[j, x]] += 1 / (m - 1)
    self_pairs = np.zeros(size)
    for i, spans in enumerate(coders):
        self_pairs[0] += (char[i] == 0).sum()
        for s, e, v in spans:
            self_pairs[index[v]] += (e - s) ** 2
    tot = obs.sum()
    rows = obs.sum(axis=1)
    exp = tot * (np.outer(rows, rows) - np.diag(self_pairs)) / (tot**2 - self_pairs.sum())
    off = ~np.eye(size, dtype=bool)
    out = {"u": 1 - obs[off].sum() / exp[off].sum(), "bin": 1 - obs[0, 1:].sum() / exp[0, 1:].sum()}
    star = obs[1:, 1:]
    star_self = np.zeros(size - 1)
    for i, spans in enumerate(coders):
        for s, e, v in spans:
            for j in range(m):
                if j != i:
                    inter = int((char[j, s:e] > 0).sum())
                    star_self[index[v] - 1] += inter**2 / (m - 1)
    st = star.sum()
    srows = star.sum(axis=1)
    e_star = (np.outer(srows, srows) - np.diag(star_self)) / (st - star_self.sum() / st)
    off_s = ~np.eye(size - 1, dtype=bool)
    out["cu"] = 1 - star[off_s].sum() / e_star[off_s].sum()
    return out


UNITIZED = {
    "A": [(2, 5, "x"), (9, 11, "x"), (12, 20, "y"), (30, 44, "x")],
    "B": [(2, 5, "x"), (7, 15, "y"), (31, 40, "x"), (50, 58, "y")],
    "C": [(2, 5, "x"), (10, 15, "y"), (28, 44, "x"), (50, 55, "y")],
}


def test_unitized_alphas_match_the_definitions_character_by_character() -> None:
    rng = random.Random(7)
    cases = [([UNITIZED["A"], UNITIZED["B"]], 60), (list(UNITIZED.values()), 60)]
    for _ in range(15):
        m = rng.choice([2, 3, 4])
        coders = []
        for _ in range(m):
            pos, spans = 0, []
            while True:
                pos += rng.randint(0, 9)
                size = rng.randint(1, 12)
                if pos + size > 80:
                    break
                spans.append((pos, pos + size, rng.choice("abc")))
                pos += size
            coders.append(spans)
        cases.append((coders, 80))
    for coders, length in cases:
        mine = unitized_alphas(coders, [(0, length)])
        ref = _brute_force(coders, length)
        assert mine.u_alpha == pytest.approx(ref["u"], abs=1e-12)
        assert mine.binary_u_alpha == pytest.approx(ref["bin"], abs=1e-12)
        if mine.cu_alpha is not None:
            assert mine.cu_alpha == pytest.approx(ref["cu"], abs=1e-12)


def test_unitized_alphas_match_an_independent_implementation() -> None:
    """uα computed by the independent implementation on PyPI (krippendorff-unitized-alpha
    0.1.0, Krippendorff et al. 2016 eqs. 1-5) for the data in ``UNITIZED`` on a continuum of
    60 characters: .385637107355 (coders A, B) and .542992967363 (A, B, C). |uα, cuα and
    (k)uα come from a second independent implementation of the same paper (eqs. 6, 10-11,
    13b; a span-based Python script, not a dependency, run outside this repository). All
    figures are recorded here, not imported. When this was written all four statistics also
    agreed (to 1e-15) on 20 (uα, PyPI) and 60 (all, the script) random continua with 2-4
    coders."""
    two = unitized_alphas([UNITIZED["A"], UNITIZED["B"]], [(0, 60)])
    assert two.u_alpha == pytest.approx(0.3856371073550976, abs=1e-12)
    assert two.binary_u_alpha == pytest.approx(0.32232167832167824, abs=1e-12)
    assert two.cu_alpha == pytest.approx(0.7347285067873304, abs=1e-12)
    assert two.per_value["x"] == pytest.approx(0.7411242603550297, abs=1e-12)
    assert two.per_value["y"] == pytest.approx(0.7139423076923077, abs=1e-12)
    three = unitized_alphas(list(UNITIZED.values()), [(0, 60)])
    assert three.u_alpha == pytest.approx(0.5429929673631025, abs=1e-12)
    assert three.binary_u_alpha == pytest.approx(0.4791997354497355, abs=1e-12)
    assert three.cu_alpha == pytest.approx(0.8946890756302521, abs=1e-12)
    assert three.per_value["x"] == pytest.approx(0.897380128521997, abs=1e-12)
    assert three.per_value["y"] == pytest.approx(0.8881536614645859, abs=1e-12)


def test_unitized_alphas_invariants() -> None:
    spans = [(0, 10, "x"), (20, 30, "y"), (40, 45, "x")]
    same = unitized_alphas([spans, spans, spans], [(0, 50)])
    assert (same.u_alpha, same.binary_u_alpha, same.cu_alpha) == (1.0, 1.0, 1.0)
    assert same.per_value == {"x": 1.0, "y": 1.0}
    # The same boundaries with swapped values: unitizing is perfect, coding is not.
    swapped = [(0, 10, "y"), (20, 30, "x"), (40, 45, "y")]
    mixed = unitized_alphas([spans, swapped], [(0, 50)])
    assert mixed.binary_u_alpha == 1.0
    assert mixed.cu_alpha is not None and mixed.cu_alpha < 0
    assert mixed.u_alpha is not None and mixed.u_alpha < 1
    # One value only: uα equals |uα and cuα, (k)uα are undefined.
    single = unitized_alphas([[(0, 10, "x")], [(2, 12, "x")]], [(0, 50)])
    assert single.u_alpha == single.binary_u_alpha
    assert single.cu_alpha is None and single.per_value == {"x": None}
    # Nobody unitized anything.
    empty = unitized_alphas([[], []], [(0, 50)])
    assert (empty.u_alpha, empty.binary_u_alpha, empty.cu_alpha) == (None, None, None)
    assert alpha_u([[], []], [(0, 50)]).alpha is None
    with pytest.raises(ValueError):
        unitized_alphas([[(0, 10, "x"), (5, 12, "y")], []], [(0, 50)])
    with pytest.raises(ValueError):
        unitized_alphas([[(45, 55, "x")], []], [(0, 50)])


def test_sections_cut_gaps_but_not_units() -> None:
    """Two documents as two sections: uα does not depend on where the gap is cut (a gap is a
    run of one-character non-units), α_U does: an expected unit cannot straddle documents."""
    a = [[(2, 8, "x")], [(3, 8, "x")]]
    whole = unitized_alphas(a, [(0, 20)])
    split = unitized_alphas(a, [(0, 10), (10, 20)])
    assert whole.u_alpha == pytest.approx(split.u_alpha)
    assert alpha_u(a, [(0, 20)]).expected["x"] != alpha_u(a, [(0, 10), (10, 20)]).expected["x"]
    values, cells, lengths = continuum_cells(a, [(0, 10), (20, 30)])
    assert values == ("x",)
    assert int(lengths.sum()) == 20
    assert cells.shape == (len(lengths), 2)
