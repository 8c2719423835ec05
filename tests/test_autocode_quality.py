"""Issue 16: suggestions worth reviewing. Interviewer turns are not auto-coded, negated matches
are dropped or flagged, keywords match exactly or by lemma, bracketed annotations never split a
sentence, never match and are not words, and ``autocode --evaluate`` reports each rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.importing import import_files
from qualcode.nlp.autocode import autocode, set_negation_mode
from qualcode.nlp.evaluate import evaluate_rules, rejected_rules
from qualcode.nlp.rules import CodeRules, compile_rules, keyword_mode
from qualcode.nlp.segment import segment_turns
from qualcode.store import Project
from qualcode.text import annotation_spans, count_words, without_annotations

TRANSCRIPT = """Interviewer: How do you think about your interventions as a leader?
Ann: My interventions are few. I rarely intervene.
Interviewer: Was there rivalry in the group?
Ann: The group was warm, nobody competed. But there was rivalry between the two seniors.
Ann: I found the work satisfying. My patients were satisfied. It was a revision." [laughs] And then we went on.
"""


def words(rules: object, text: str) -> list[tuple[str, bool]]:
    return [(m.words, m.negated) for m in rules.match_text(text)]  # type: ignore[attr-defined]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    source = tmp_path / "ann.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    proj = Project.create(tmp_path / "study.qc", coder="ann")
    (result,) = import_files(proj, [source])
    assert result.ok, result.message
    proj.codebook.add("Leader interventions", keywords=["intervention", "intervene"])
    proj.codebook.add("Rivalry", keywords=["rivalry", "compete"])
    proj.codebook.add("Job satisfaction", keywords=["satisfying"])
    proj.codebook.add("Revision", keywords=["revision", "laugh"])
    yield proj
    proj.close()


# ---------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nobody competed.", [("competed", True)]),
        ("We never really felt any rivalry.", [("rivalry", True)]),
        ("There was no rivalry.", [("rivalry", True)]),
        ("I didn't compete with her.", [("compete", True)]),
        ("without rivalry", [("rivalry", True)]),
        ("No, the rivalry was obvious.", [("rivalry", False)]),
        ("I was not there, but the rivalry was.", [("rivalry", False)]),
        ("It was not only rivalry.", [("rivalry", False)]),
        ("Rivalry, nobody denies it.", [("Rivalry", False)]),
    ],
)
def test_negation_scope(text: str, expected: list[tuple[str, bool]]) -> None:
    rules = compile_rules([CodeRules(1, "Rivalry", keywords=("rivalry", "compete"))])
    assert words(rules, text) == expected


def test_a_cue_inside_the_rule_is_the_rule_not_a_negation() -> None:
    rules = compile_rules([CodeRules(1, "Not alone", keywords=("not alone",))])
    assert words(rules, "I am not alone with it.") == [("not alone", False)]


@pytest.mark.parametrize(
    ("keyword", "text", "matches"),
    [
        ("satisfying", "It was satisfying.", True),
        ("satisfying", "I was satisfied.", False),  # inflected keyword: only as written
        ("~satisfying", "I was satisfied.", True),  # marked lemma: every inflection
        ("feel helpless", "She felt helpless.", True),  # base forms: every inflection
        ("=feel helpless", "She felt helpless.", False),  # marked exact
        ("=feel helpless", "I feel helpless.", True),
        ("frustration", "So many frustrations.", True),
        ("=frustration", "So many frustrations.", False),
        ("feeling alone", "I felt alone.", False),  # "feeling" written inflected
        ("feeling alone", "Feeling alone, again.", True),
    ],
)
def test_exact_and_lemma_keywords(keyword: str, text: str, matches: bool) -> None:
    rules = compile_rules([CodeRules(1, "Code", keywords=(keyword,))])
    assert bool(rules.match_text(text)) is matches


def test_keyword_modes() -> None:
    assert keyword_mode("=on call") == ("exact", "on call")
    assert keyword_mode("~ satisfying") == ("lemma", "satisfying")
    assert keyword_mode("on call") == ("", "on call")


# ---------------------------------------------------------------- annotations


def test_annotations_are_recognised_and_not_words() -> None:
    text = "I (pause) think (and I mean it) so [inaudible 00:12:03] yes [crosstalk] (laughs) (2.5)"
    found = [text[a:b] for a, b in annotation_spans(text)]
    assert found == ["(pause)", "[inaudible 00:12:03]", "[crosstalk]", "(laughs)", "(2.5)"]
    assert count_words(text) == 8  # I think and I mean it so yes
    assert count_words("no brackets here") == 3
    masked = without_annotations(text)
    assert len(masked) == len(text) and "pause" not in masked and "(and I mean it)" in masked


def test_annotations_never_split_a_sentence() -> None:
    for text in (
        'It was a revision." [laughs] And then we went on.',
        "We tried. [long pause. then laughs] Okay.",
        "Hm. (laughs) Yes, it is.",
    ):
        spans = segment_turns(text, [(0, len(text))])
        pieces = [text[a:b] for a, b in spans]
        for a, b in annotation_spans(text):
            assert any(s <= a and b <= e for s, e in spans), pieces
        assert len(pieces) == 2, pieces


def test_annotations_are_never_matched() -> None:
    rules = compile_rules([CodeRules(1, "Humour", keywords=("laugh", "pause"))])
    assert rules.match_text("We laughed. [laughs] (pause)") == rules.match_text("We laughed.")
    assert len(rules.match_text("We laughed. [laughs] (pause)")) == 1


# ---------------------------------------------------------------- a run


def test_run_skips_interviewer_negation_and_lemma_widening(project: Project) -> None:
    result = autocode(project)
    got = sorted((s.code, s.text) for s in project.suggestions.list())
    assert got == [
        ("Job satisfaction", "I found the work satisfying."),
        ("Leader interventions", "I rarely intervene."),
        ("Leader interventions", "My interventions are few."),
        ("Revision", 'It was a revision." [laughs]'),
        ("Rivalry", "But there was rivalry between the two seniors."),
    ]
    assert result.interviewer == 2 and result.negated == 1
    everything = autocode(project, include_interviewer=True)
    assert everything.sync.added == 2
    asked = [s for s in project.suggestions.list() if s.text.startswith(("How", "Was"))]
    assert len(asked) == 2


def test_negation_flag_mode(project: Project) -> None:
    set_negation_mode(project, "Rivalry", "flag")
    autocode(project)
    rivalry = project.suggestions.list(code="Rivalry", order="document")
    assert [(s.text, s.negated) for s in rivalry] == [
        ("The group was warm, nobody competed.", True),
        ("But there was rivalry between the two seniors.", False),
    ]
    assert "(negated)" in rivalry[0].reason
    project.history.undo()  # the setting is undoable like any change... not the run
    set_negation_mode(project, "*", "ignore")
    set_negation_mode(project, "Rivalry", "skip")
    autocode(project)
    assert [s.negated for s in project.suggestions.list(code="Rivalry")] == [False]


def test_rejections_are_kept_and_flag_the_rule(project: Project) -> None:
    autocode(project)
    ids = [s.id for s in project.suggestions.list(code="Leader interventions")]
    project.suggestions.reject(ids)
    again = autocode(project)
    assert again.sync.decided == 2 and again.sync.added == 0  # not re-suggested
    project.codebook.add("Extra", keywords=["seniors", "group", "work"])
    autocode(project)
    extra = [s.id for s in project.suggestions.list(code="Extra")]
    assert len(extra) == 3
    project.suggestions.reject(extra)
    flagged = rejected_rules(project)
    assert [(r.code, r.keyword, r.rejected) for r in flagged] == []  # one rejection per rule
    evaluation = evaluate_rules(project)
    row = next(r for r in evaluation.codes if r.code == "Leader interventions")
    assert (row.hits, row.rejected, row.precision) == (2, 2, 0.0)


def test_evaluate_counts_agreement_with_hand_coding(project: Project) -> None:
    text = project.documents.get("ann").text
    at = text.index("But there was rivalry")
    project.codings.add("ann", "Rivalry", at, at + 40)
    autocode(project)
    accept = [s.id for s in project.suggestions.list(code="Job satisfaction")]
    project.suggestions.accept(accept)
    evaluation = evaluate_rules(project)
    rows = {r.code: r for r in evaluation.codes}
    assert (rows["Rivalry"].agreed, rows["Rivalry"].negated, rows["Rivalry"].recall) == (1, 1, 1.0)
    assert rows["Job satisfaction"].accepted == 1 and rows["Job satisfaction"].precision == 1.0
    assert rows["Leader interventions"].pending == 2
    assert rows["Leader interventions"].precision is None
    rules = {r.rule: r for r in evaluation.rules["Leader interventions"]}
    assert rules['keyword "intervention"'].hits == 1


def test_cli_evaluate_disable_keyword_and_show(project: Project, tmp_path: Path) -> None:
    path = str(project.path)
    project.close()
    runner = CliRunner()
    ok = runner.invoke(main, ["autocode", path])
    assert ok.exit_code == 0, ok.output
    assert "interviewer sentence(s) not matched" in ok.output
    report = runner.invoke(main, ["autocode", path, "--evaluate"])
    assert report.exit_code == 0, report.output
    assert 'keyword "intervention"' in report.output and "Rivalry" in report.output
    off = runner.invoke(main, ["autocode", path, "--disable-keyword", "intervene"])
    assert off.exit_code == 0, off.output
    with Project.open(path) as reopened:
        assert reopened.codebook.get("Leader interventions").keywords == ["intervention"]
        first = reopened.suggestions.list()[0].id
    missing = runner.invoke(main, ["autocode", path, "--disable-keyword", "nothing here"])
    assert missing.exit_code == 1
    assert runner.invoke(main, ["undo", path]).exit_code == 0
    with Project.open(path) as reopened:
        assert reopened.codebook.get("Leader interventions").keywords == [
            "intervention",
            "intervene",
        ]
    shown = runner.invoke(main, ["suggestions", path, "--show", str(first)])
    assert shown.exit_code == 0 and "why:" in shown.output and "--accept" in shown.output
    bad = runner.invoke(main, ["autocode", path, "--negation", "Rivalry=maybe"])
    assert bad.exit_code == 1


# ---------------------------------------------------------------- the README tour


def test_readme_autocoding_block_runs_on_the_tour_project(cli, tmp_path: Path) -> None:  # noqa: ANN001
    """The auto-coding block works as written on the 60-second tour's project: suggestion 12
    is shown before it is accepted, and training says there is too little coding yet."""
    import shutil

    from qualcode.resources import samples_dir
    from tests.test_readme import README, readme_commands

    shutil.copytree(samples_dir(), tmp_path / "sample_transcripts")
    shutil.copytree(README.parent / "codebooks", tmp_path / "codebooks")
    for argv in readme_commands("A 60-second tour"):
        assert cli(*argv).exit_code == 0, argv
    block = readme_commands("Auto-coding: suggestions you accept or reject")
    study = [argv for argv in block if "study.qc" in argv]
    assert [a[0] for a in study] == [
        "autocode",
        "suggestions",
        "suggestions",
        "suggestions",
        "autocode",
    ]
    outputs = []
    for argv in study:
        result = cli(*argv)
        assert result.exit_code == 0, (argv, result.output)
        outputs.append(result.output)
    assert outputs[2].startswith("#12 [pending]") and "why:" in outputs[2]
    assert "Accepted 1 suggestion(s)" in outputs[3]
    assert "hits" in outputs[4]
    too_little = cli("suggest", "study.qc", "--train")
    assert too_little.exit_code == 1
    assert "at least 8 coded sentences" in too_little.output


def test_review_screen_shows_the_negated_flag(project: Project) -> None:
    import asyncio

    from textual.widgets import DataTable, Static

    from tests.test_review_screen import Host

    set_negation_mode(project, "Rivalry", "flag")
    autocode(project)

    async def body() -> None:
        app = Host(project)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#review-table", DataTable)
            negated_rows = [
                i for i in range(table.row_count) if table.get_row_at(i)[4] == "rule (negated)"
            ]
            assert len(negated_rows) == 1
            table.move_cursor(row=negated_rows[0])
            await pilot.pause()
            shown = str(app.screen.query_one("#review-context", Static).render())
            assert "Negated" in shown and "nobody competed" in shown

    asyncio.run(body())


def test_a_codebook_sets_negation_per_code(project: Project, tmp_path: Path) -> None:
    """Issue 16: the negation mode is part of the code in the codebook (YAML ``negation:``),
    stored with the code, exported again, and used by auto-coding."""
    from qualcode.codebook import (
        codebook_entries,
        codebook_from_codes,
        dump_codebook,
        load_codebook,
    )
    from qualcode.errors import CodebookError

    book = tmp_path / "book.yaml"
    book.write_text(
        "name: Negation\nthemes:\n  - label: Rivalry\n    keywords: [rivalry, compete]\n"
        "    negation: flag\n",
        encoding="utf-8",
    )
    loaded = load_codebook(book)
    project.codebook.apply(loaded.name, codebook_entries(loaded))
    assert project.codebook.get("Rivalry").negation == "flag"
    autocode(project)
    flags = [s.negated for s in project.suggestions.list(code="Rivalry", order="document")]
    assert flags == [True, False]
    again = dump_codebook(codebook_from_codes("Negation", project.codebook.codes()))
    assert "negation: flag" in again
    book.write_text(
        "name: Bad\nthemes:\n  - label: Rivalry\n    negation: maybe\n", encoding="utf-8"
    )
    with pytest.raises(CodebookError, match=r"themes\[0\]\.negation: negation must be one of"):
        load_codebook(book)
