"""Saturation: new codes per interview, the curve, Guest, Namey & Chen (2020)'s assessment
against a brute-force reading of the definition, the SVG, the HTML section and the CLI."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.analysis.saturation import CITATION, assess
from qualcode.report.saturation_svg import saturation_section, saturation_svg
from tests.test_query import random_project


def interviews(code_sets: list[set[str]]) -> list[tuple[str, str, set[str]]]:
    return [(f"i{n}", str(n), codes) for n, codes in enumerate(code_sets, start=1)]


def test_worked_example() -> None:
    sets = [{"a", "b", "c"}, {"a", "d"}, {"e"}, {"a", "f", "g", "h"}, {"a", "i"},
            {"b"}, {"c"}, {"a"}, {"j"}]  # fmt: skip
    sat = assess(interviews(sets), base=4, run=2, threshold=0.05)
    assert [i.cumulative for i in sat.interviews] == [3, 4, 5, 8, 9, 9, 9, 9, 10]
    assert [len(i.new) for i in sat.interviews] == [3, 1, 1, 3, 1, 0, 0, 0, 1]
    assert sat.base_codes == 8
    # runs after 4, 5, 6, 7 interviews: 5-6 adds i (1/8), 6-7 adds 0, 7-8 adds 0, 8-9 adds j
    assert [(r.first, r.last, r.new) for r in sat.runs] == [
        (5, 6, 1),
        (6, 7, 0),
        (7, 8, 0),
        (8, 9, 1),
    ]
    assert sat.reached_at == 5
    assert "reached at interview 5" in sat.conclusion()
    assert "base size 4, run length 2" in sat.conclusion()
    strict = assess(interviews(sets), base=4, run=3, threshold=0.0)
    assert strict.reached_at == 5  # interviews 6-8 add nothing


def test_not_reached_and_not_assessable() -> None:
    sets = [{f"c{i}", f"d{i}"} for i in range(8)]
    sat = assess(interviews(sets), base=2, run=2, threshold=0.05)
    assert sat.reached_at is None and "was not reached" in sat.conclusion()
    short = assess(interviews(sets[:5]), base=4, run=2)
    assert not short.assessable and "cannot be assessed" in short.conclusion()
    with pytest.raises(ValueError):
        assess(interviews(sets), base=0)


@pytest.mark.parametrize("seed", range(20))
def test_assessment_matches_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    pool = [f"c{i}" for i in range(rng.randint(3, 30))]
    sets = [
        set(rng.sample(pool, rng.randint(0, min(8, len(pool))))) for _ in range(rng.randint(1, 15))
    ]
    base, run = rng.randint(1, 5), rng.randint(1, 4)
    threshold = rng.choice([0.0, 0.05, 0.1, 0.2])
    sat = assess(interviews(sets), base, run, threshold)
    # Uncoded interviews are left out: the sequence is the coded ones.
    assert list(sat.left_out) == [f"i{n}" for n, s in enumerate(sets, start=1) if not s]
    sets = [s for s in sets if s]
    for i, step in enumerate(sat.interviews):
        before = set().union(*sets[:i])
        assert set(step.new) == sets[i] - before
        assert step.cumulative == len(before | sets[i])
    base_codes = len(set().union(*sets[:base])) if len(sets) >= base else 0
    expected = None
    if len(sets) >= base + run and base_codes:
        for k in range(base, len(sets) - run + 1):
            new = set().union(*sets[k : k + run]) - set().union(*sets[:k])
            if len(new) / base_codes <= threshold:
                expected = k
                break
    assert sat.reached_at == expected


def test_svg_is_well_formed_and_marks_the_point() -> None:
    sets = [{"a", "b"}, {"c"}, {"a"}, {"d"}, {"a"}, {"b"}, {"a"}]
    sat = assess(interviews(sets), base=2, run=2, threshold=0.0)
    svg = saturation_svg(sat)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert 'class="reached"' in svg and f"saturation at {sat.reached_at}" in svg
    assert svg == saturation_svg(sat)  # deterministic
    html = "\n".join(saturation_section(sat))
    ET.fromstring(html)
    assert "Guest G, Namey E, Chen M (2020)" in html and "e0232076" in CITATION


def test_html_summary_shows_the_curve_when_given() -> None:
    from dataclasses import dataclass

    from qualcode.report import html

    @dataclass
    class WithSaturation:
        saturation: object

    sat = assess(interviews([{"a"}, {"b"}, {"a"}]), base=1, run=1)
    assert html._saturation_section(WithSaturation(sat))[0] == '<section id="saturation">'  # type: ignore[arg-type]
    assert html._saturation_section(WithSaturation(None)) == []  # type: ignore[arg-type]


def test_cli_orders_and_cites(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 3).close()
    out = cli("saturation", str(path), "--base", "1", "--run", "1", "--format", "json",
              "--svg", str(tmp_path / "c.svg"))  # fmt: skip
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["method"] == CITATION
    assert [i["number"] for i in data["interviews"]] == list(range(1, len(data["interviews"]) + 1))
    ET.parse(tmp_path / "c.svg")
    by_years = cli("saturation", str(path), "--order", "years", "--format", "json")
    values = [float(i["order_value"]) for i in json.loads(by_years.stdout)["interviews"]]
    assert values == sorted(values)
    table = cli("saturation", str(path), "--base", "1", "--run", "1")
    assert "Guest G, Namey E, Chen M (2020)" in table.stdout
    bad = cli("saturation", str(path), "--order", "date")
    assert bad.exit_code == 1 and "no date attribute" in bad.stderr
    bad = cli("saturation", str(path), "--threshold", "5")
    assert bad.exit_code == 1 and "share between 0 and 1" in bad.stderr


def test_order_by_date_attribute(cli: Callable[..., Result], tmp_path: Path) -> None:

    path = tmp_path / "p.qc"
    with random_project(path, 5) as project:
        docs = [d.name for d in project.documents.all()]
        dates = [f"2024-0{9 - i}-01" for i in range(len(docs))]  # the later imports first
        for name, date in zip(docs, dates, strict=True):
            project.documents.set_attribute(name, "date", date)
    out = cli("saturation", str(path), "--order", "date", "--format", "json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["interviews"]
    assert [r["order_value"] for r in rows] == sorted(dates)
    assert [r["document"] for r in rows] == list(reversed(docs))


def counts_to_sets(new_per_interview: list[int]) -> list[set[str]]:
    """Interviews that each bring the given number of codes nobody used before (and repeat
    one old code, so an interview with no new code still holds codes)."""
    sets, n = [], 0
    for k in range(len(new_per_interview)):
        fresh = {f"c{n + j}" for j in range(new_per_interview[k])}
        n += new_per_interview[k]
        sets.append(fresh | ({"c0"} if n else set()))
    return sets


def test_matches_an_independent_implementation() -> None:
    """The documented example of an independent R implementation of Guest, Namey & Chen
    (2020) (`qda_saturation_ratio(c(4, 3, 2, 1, 1, 0, 0, 0))$notation` is "5+2": base 4 holds
    10 codes; the run 5-6 adds 1 (10 %), the run 6-7 adds 0). Same rules: fixed denominator,
    overlapping runs, saturation at the interview before the first qualifying run."""
    sat = assess(interviews(counts_to_sets([4, 3, 2, 1, 1, 0, 0, 0])), base=4, run=2)
    assert sat.base_codes == 10
    assert [(r.first, r.last, r.new) for r in sat.runs] == [(5, 6, 1), (6, 7, 0), (7, 8, 0)]
    assert sat.runs[0].ratio == pytest.approx(0.10)
    assert sat.notation == "5+2" and sat.verdict() == "5+2"
    assert "reached at interview 5, 5+2" in sat.conclusion()
    assert "interviews 6–7 added 0 new code(s)" in sat.conclusion()
    never = assess(interviews(counts_to_sets([4, 4, 4, 4, 4, 4])), base=4, run=2)
    assert never.notation is None and never.verdict() == "not reached"
    short = assess(interviews(counts_to_sets([4, 4, 4])), base=4, run=2)
    assert short.verdict() == "cannot be assessed"
    one = assess(interviews(counts_to_sets([3, 1, 0, 0])), base=2, run=1)
    assert "interview 3 added 0" in one.conclusion()


def test_sensitivity_covers_the_twelve_parameter_sets() -> None:
    from qualcode.analysis.saturation import sensitivity

    sets = counts_to_sets([5, 4, 3, 2, 1, 1, 0, 1, 0, 0, 0, 0])
    rows = sensitivity(interviews(sets))
    assert {(r.base, r.run, r.threshold) for r in rows} == {
        (b, r, t) for b in (4, 5, 6) for r in (2, 3) for t in (0.05, 0.0)
    }
    for row in rows:
        assert (
            row.reached_at == assess(interviews(sets), row.base, row.run, row.threshold).reached_at
        )
    strict = {(r.base, r.run): r.notation for r in rows if r.threshold == 0.0}
    # base 4 holds 14 codes; new codes come in interviews 5, 6 and 8, none after.
    assert strict[(4, 2)] == "8+2" and strict[(4, 3)] == "8+3" and strict[(6, 2)] == "8+2"


def test_cli_sensitivity(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 3).close()
    out = cli("saturation", str(path), "--sensitivity", "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert len(data["sensitivity"]) == 12 and "notation" in data
    table = cli("saturation", str(path), "--sensitivity")
    assert "Sensitivity to the parameters" in table.stdout
    assert table.stdout.count("≤0%") == 6
    as_csv = cli("saturation", str(path), "--sensitivity", "--format", "csv")
    lines = as_csv.stdout.splitlines()
    assert lines[0] == "base,run,threshold,base_codes,reached_at,notation" and len(lines) == 13


def test_uncoded_transcripts_are_left_out_not_counted_as_saturated() -> None:
    """An uncoded transcript is not an interview that brought nothing new: counted, two of
    them would 'reach' saturation at 0% that the coded interviews never reach."""
    sets = [{"a", "b"}, {"c"}, {"d"}, {"e"}, {"f"}, {"g"}]
    coded = assess(interviews(sets), base=2, run=2, threshold=0.0)
    assert coded.reached_at is None
    with_empty = assess(interviews([*sets, set(), set()]), base=2, run=2, threshold=0.0)
    assert with_empty.reached_at is None and with_empty.left_out == ("i7", "i8")
    assert len(with_empty.interviews) == 6
    assert "2 document(s) with no codings were left out (not coded yet?): i7, i8." in (
        with_empty.conclusion()
    )
    short = assess(interviews([{"a"}, set(), set(), set()]), base=2, run=2)
    assert "needs at least 4 coded interviews; there are 1." in short.conclusion()


def test_order_by_a_case_attribute(cli: Callable[..., Result], tmp_path: Path) -> None:
    """A date set on the cases (speakers) orders the interviews as one set on documents."""
    path = tmp_path / "p.qc"
    with random_project(path, 5) as project:
        docs = [d.name for d in project.documents.all()]
        for i, name in enumerate(docs):
            for speaker in {t.speaker for t in project.documents.turns(name)} - {"Interviewer"}:
                project.documents.set_speaker_attribute(
                    name, str(speaker), "interview_date", f"2024-0{9 - i}-01"
                )
    out = cli("saturation", str(path), "--order", "interview_date", "--format", "json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["interviews"]
    assert [r["order_value"] for r in rows] == sorted(r["order_value"] for r in rows)
    typed = cli("cases", str(path), "--type", "interview_date", "date")
    assert typed.exit_code == 0, typed.output
    by_date = cli("saturation", str(path), "--order", "date", "--format", "json")
    assert by_date.exit_code == 0, by_date.output
    assert json.loads(by_date.stdout)["interviews"] == rows


def test_participants_who_differ_cannot_order_their_document(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "p.qc"
    with random_project(path, 5) as project:
        docs = [d.name for d in project.documents.all()]
        for i, name in enumerate(docs):
            people = sorted(
                {str(t.speaker) for t in project.documents.turns(name)} - {"Interviewer"}
            )
            for j, speaker in enumerate(people):
                value = f"2024-0{i + 1}-0{j + 1}" if name == docs[0] else f"2024-0{i + 1}-01"
                project.documents.set_speaker_attribute(name, speaker, "interview_date", value)
        differ = (
            len({str(t.speaker) for t in project.documents.turns(docs[0])} - {"Interviewer"}) > 1
        )
    assert differ, "seed 5's first document has two participants"
    out = cli("saturation", str(path), "--order", "interview_date")
    assert out.exit_code == 1
    assert f"{docs[0]}: its participants differ in 'interview_date'" in out.stderr
