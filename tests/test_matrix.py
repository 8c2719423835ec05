"""Matrices: every cell's passages against a brute-force computation on random projects."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.query import QueryEngine
from qualcode.query.matrix import build_matrix, find_cell
from qualcode.store.queries import SavedQueries
from qualcode.store.query_data import QueryData
from qualcode.text import count_words
from tests.test_query import CODES, THEMES, Brute, random_project


def brute_bin(value: float, edges: list[float]) -> str:
    labels = [f"{int(a)}–<{int(b)}" for a, b in zip(edges, edges[1:], strict=False)]
    labels.append(f">={int(edges[-1])}")
    if value < edges[0]:
        return f"<{int(edges[0])}"
    return labels[max(i for i, e in enumerate(edges) if e <= value)]


@pytest.mark.parametrize("seed", range(4))
def test_cells_match_brute_force(tmp_path: Path, seed: int) -> None:
    with random_project(tmp_path / "p.qc", seed) as project:
        engine = QueryEngine(QueryData(project.session))
        brute = Brute(project)
        docs = {d: doc.name for d, doc in brute.docs.items()}
        text = {d: project.documents.get(d).text for d in docs}
        spans = {c: brute.code_spans(c, None) for c in CODES}
        rows = [
            (
                c,
                [
                    (d, s, e)
                    for d in sorted(docs, key=lambda x: docs[x])
                    for s, e in spans[c].get(d, [])
                ],
            )
            for c in (code.name for code in project.codebook.codes())
        ]

        def case(d: int, s: int, e: int) -> str | None:
            speaker, _ = brute.person(d, s, e)
            return None if speaker == "Interviewer" else f"{docs[d]}/{speaker}"

        def measure(items: list[tuple[int, int, int]], what: str) -> int:
            if what == "passages":
                return len(items)
            if what == "cases":
                return len({c for d, s, e in items if (c := case(d, s, e))})
            return sum(count_words(text[d][s:e]) for d, s, e in items)

        columns = {
            "documents": lambda d, s, e: [docs[d]],
            # an interviewer's passage is in no attribute column, as in no case column
            "role": lambda d, s, e: (
                [a["role"]] if case(d, s, e) and (a := brute.person(d, s, e)[1]) else []
            ),
            "codes": lambda d, s, e: [
                c for c in CODES if any(a < e and s < b for a, b in spans[c].get(d, []))
            ],
            "cases": lambda d, s, e: [c] if (c := case(d, s, e)) else [],
            "years": lambda d, s, e: (
                [brute_bin(float(brute.person(d, s, e)[1]["years"]), [5, 10])]
                if case(d, s, e)
                else []
            ),
        }
        for cols, where in columns.items():
            m = build_matrix(engine, "codes", cols, "5,10" if cols == "years" else None)
            for i, (code, items) in enumerate(rows):
                assert m.rows[i].label == code
                for what in ("passages", "cases", "words"):
                    for j, col in enumerate(m.columns):
                        inside = [p for p in items if col in where(*p)]
                        assert m.value(i, j, what) == measure(inside, what), (cols, code, col)
                    assert m.row_total(i, what) == measure([p for p in items if where(*p)], what)
            for j in range(len(m.columns)):
                total = m.col_total(j, "passages")
                for i in range(len(m.rows)):
                    expected = 100 * m.value(i, j, "passages") / total if total else 0.0
                    assert m.percent(i, j, "passages", "col") == pytest.approx(expected)


def test_theme_rows_saved_query_rows_and_equal_bins(tmp_path: Path) -> None:
    with random_project(tmp_path / "p.qc", 9) as project:
        SavedQueries(project.session).save("ab", "Alpha AND Beta")
        SavedQueries(project.session).save("g", "Gamma")
        engine = QueryEngine(
            QueryData(project.session), saved=lambda n: SavedQueries(project.session).get(n).query
        )
        themes = build_matrix(engine, "themes", "documents")
        assert [r.label for r in themes.rows] == list(THEMES)
        queries = build_matrix(engine, "query:ab,g", "role")
        assert [r.label for r in queries.rows] == ["ab", "g"]
        assert len(queries.rows[0].passages) == len(engine.run("Alpha AND Beta"))
        binned = build_matrix(engine, "themes", "years", "2")
        assert len([c for c in binned.columns if c != "(missing)"]) == 2
        i, j = find_cell(binned, f"alpha={binned.columns[0]}")
        assert (i, j) == (0, 0)


def test_matrix_cli(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 11).close()
    out = cli("matrix", str(path), "--rows", "themes", "--cols", "role", "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [r["row"] for r in data["data"]] == list(THEMES)
    pct = cli("matrix", str(path), "--rows", "themes", "--cols", "role", "--percent", "row")
    assert "%" in pct.stdout
    cell = cli("matrix", str(path), "--rows", "themes", "--cols", "role", "--passages",
               "Alpha=gp", "--format", "json")  # fmt: skip
    assert cell.exit_code == 0, cell.output
    gp = data["columns"].index("gp") if "gp" in data["columns"] else None
    if gp is not None:
        assert len(json.loads(cell.stdout)) == data["data"][0]["values"][gp]
    bad = cli("matrix", str(path), "--cols", "nope")
    assert bad.exit_code == 1 and "no attribute 'nope'" in bad.stderr
    bad_bins = cli("matrix", str(path), "--cols", "role", "--bins", "3")
    assert bad_bins.exit_code == 1 and "--bins needs numbers" in bad_bins.stderr


@pytest.mark.parametrize(
    ("bins", "message"),
    [
        ("99999999999999999999", "--bins takes at most 100 bins, not 99999999999999999999"),
        ("10000000", "--bins takes at most 100 bins, not 10000000"),
        ("0", "--bins takes a count (4) or edges (0,5,10), not '0'"),
        ("5,5", "--bins edges must increase, but 5 comes after 5"),
        ("10,5", "--bins edges must increase, but 5 comes after 10"),
        ("0,nan", "--bins edges must be finite numbers, not 'nan'"),
        (",".join(str(i) for i in range(102)), "--bins takes at most 100 edges, not 102"),
    ],
    ids=["huge", "ten-million", "zero", "repeated", "decreasing", "nan", "102-edges"],
)
def test_bins_are_capped_and_edges_must_increase(
    cli: Callable[..., Result], tmp_path: Path, bins: str, message: str
) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 11).close()
    out = cli("matrix", str(path), "--rows", "themes", "--cols", "years", "--bins", bins)
    assert out.exit_code == 1, out.output
    assert out.stderr.strip() == f"error: {message}"


def test_bins_at_the_cap_and_one_edge(tmp_path: Path) -> None:
    with random_project(tmp_path / "p.qc", 9) as project:
        engine = QueryEngine(QueryData(project.session))
        assert len([c for c in build_matrix(engine, "themes", "years", "100").columns]) >= 100
        assert "5–<5" not in build_matrix(engine, "themes", "years", "5").columns
        assert build_matrix(engine, "themes", "years", "5")
        one = build_matrix(engine, "themes", "years", "10,")
        assert [c for c in one.columns if c != "(missing)"] == ["<10", ">=10"]
