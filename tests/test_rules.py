"""Rule auto-coding: keywords through lemmas, phrases, Matcher patterns, negation, offsets,
validation of bad patterns, and the `autocode` command (idempotent, decisions kept)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.codebook import load_codebook
from qualcode.importing import import_files
from qualcode.nlp.autocode import autocode
from qualcode.nlp.rules import (
    CodeRules,
    RuleError,
    compile_rules,
    describe_pattern,
    reason_spans,
)
from qualcode.resources import default_codebook, samples_dir
from qualcode.store import Project

NOT_ALONE = [
    {"LOWER": {"IN": ["not", "never", "n't"]}},
    {"LEMMA": "feel", "OP": "?"},
    {"LOWER": {"IN": ["so", "as", "quite", "completely"]}, "OP": "?"},
    {"LOWER": "alone"},
]
GANG_UP = [{"LEMMA": "gang"}, {"LOWER": "up"}, {"LOWER": "on"}]

RULES = [
    CodeRules(1, "Emotions", keywords=("feel angry", "frustration")),
    CodeRules(2, "Long relationships", keywords=("many year", "know each other")),
    CodeRules(3, "Not alone", keywords=("between meetings",), patterns=(NOT_ALONE,)),
    CodeRules(4, "Scapegoating", patterns=(GANG_UP,)),
]


@pytest.fixture(scope="module")
def rules():
    return compile_rules(RULES)


def found(rules, text: str) -> list[tuple[int, str, str]]:
    """(code id, rule, matched words) for every match, checking offsets on the way."""
    out = []
    for match in rules.match_text(text):
        assert text[match.start : match.end] == match.words
        out.append((match.code_id, match.rule.split()[0], match.words))
    return out


def test_keyword_matches_inflections_through_lemmas(rules) -> None:
    assert (1, "keyword", "felt angry") in found(rules, "Afterwards I felt angry with her.")
    assert (1, "keyword", "feels angry") in found(rules, "She feels angry about it.")
    # Sentence-initial capitals: lemmas are looked up lower-cased.
    assert (1, "keyword", "Feeling angry") in found(rules, "Feeling angry, I left.")
    assert (1, "keyword", "frustrations") in found(rules, "There were frustrations.")
    assert found(rules, "The anger was not named.") == []


def test_multi_word_phrases(rules) -> None:
    assert (2, "keyword", "Many years") in found(rules, "Many years together in one room.")
    assert (2, "keyword", "know each other") in found(rules, "By now we know each other well.")
    assert (2, "keyword", "knew each other") in found(rules, "We knew each other already.")
    # Matched as written too (LOWER), even though "meetings" lemmatises to "meeting".
    assert (3, "keyword", "between meetings") in found(rules, "I think of it between meetings.")
    assert found(rules, "Each of us knows other people.") == []


def test_matcher_patterns(rules) -> None:
    assert (4, "pattern[0]", "ganged up on") in found(rules, "They ganged up on him.")
    assert (4, "pattern[0]", "gang up on") in found(rules, "Groups gang up on newcomers.")
    assert found(rules, "The gang was up early.") == []


def test_negation_pattern_not_alone(rules) -> None:
    assert (3, "pattern[0]", "not alone") in found(rules, "I am not alone with it.")
    assert (3, "pattern[0]", "n't feeling so alone") in found(
        rules, "I wasn't feeling so alone any more."
    )
    assert (3, "pattern[0]", "never alone") in found(rules, "You are never alone there.")
    # Without the negation it is not this code: that is the point of the pattern.
    assert found(rules, "I felt alone with that patient.") == []
    assert found(rules, "Alone, I could not cope.") == []


def test_offsets_are_document_offsets(rules) -> None:
    text = "Intro text. I am not alone with it."
    start = text.index("I am")
    (match,) = rules.match_text(text[start:], offset=start)
    assert text[match.start : match.end] == match.words == "not alone"
    assert reason_spans(match.describe()) == [(match.start, match.end)]
    assert '"not alone"' in match.describe() and "pattern[0]" in match.describe()


def test_describe_pattern() -> None:
    assert describe_pattern(NOT_ALONE) == "not|never|n't feel? so|as|quite|completely? alone"
    assert describe_pattern([{"LOWER": "not"}, {"OP": "*"}, {"LEMMA": "alone"}]) == "not … alone"


def test_bad_patterns_are_reported_one_line_each_by_code_and_index() -> None:
    bad = CodeRules(
        7,
        "Broken",
        keywords=("fine keyword",),
        patterns=(
            [{"LOWER": "ok"}],
            [{"LOWER": {"IN": "not a list"}}],
            [{"LOWER": "x", "OP": "+?"}],
            [{"FOO": "bar"}],
            [{"POS": "NOUN"}],
            [{"LOWER": {"REGEX": "("}}],
        ),
    )
    with pytest.raises(RuleError) as info:
        compile_rules([*RULES, bad])
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "code 'Broken' patterns[1]",
        "code 'Broken' patterns[2]",
        "code 'Broken' patterns[3]",
        "code 'Broken' patterns[4]",
        "code 'Broken' patterns[5]",
    ]
    assert "valid list" in problems[0]
    assert "unknown token attribute 'FOO'" in problems[2]
    assert "trained pipeline" in problems[3]
    assert "regular expression" in problems[4]
    assert all("\n" not in p for p in problems)


TRICKY = [
    "I can't fix it.",
    "We cannot save everyone.",
    "I wasn't feeling so alone.",
    "(Not alone) any more!",
    "not-alone, not—alone, NOT ALONE.",
    "She's burning-out; he burnt out.",
    "They'd ganged up on him... again.",
    "Nobody judges; no one blames.",
    "It's gonna be a vicious circle, isn't it?",
    "“Confidentiality” — it stays in the room.",
]


def _shipped_rules():
    book = load_codebook(default_codebook())
    codes = [
        CodeRules(i, spec.label, tuple(spec.keywords), tuple(spec.patterns))
        for i, (spec, _) in enumerate(book.walk())
    ]
    return codes, compile_rules(codes)


def _gated_and_ungated(rules, pieces):
    gated = [m for _, ms in rules.match_texts(pieces) for m in ms]
    rules.use_gate = False
    try:
        everything = [m for _, ms in rules.match_texts(pieces) for m in ms]
    finally:
        rules.use_gate = True
    return gated, everything


def test_shipped_codebook_compiles_and_the_prefilter_changes_nothing() -> None:
    """The pre-filter that skips sentences no rule can match must never lose a match, also
    after it has tuned itself on the text and with the tokenizer's special cases."""
    codes, rules = _shipped_rules()
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(samples_dir().glob("*.txt")))
    lines = [line for line in text.split("\n") if line.strip()] + TRICKY
    pieces = [(0, line) for line in lines * 3]  # enough to trigger the tuning
    gated, everything = _gated_and_ungated(rules, pieces)
    assert rules.gate.tuned
    assert len(gated) > 150
    assert gated == everything
    tricky = {m.words for _, ms in rules.match_texts([(0, t) for t in TRICKY]) for m in ms}
    assert {"can't fix", "cannot save", "n't feeling so alone", "ganged up on"} <= tricky


def test_prefilter_on_random_text_from_the_rules_own_words() -> None:
    """Random sentences built from every word the rules mention, contractions, capitals and
    punctuation: the filtered and unfiltered matchers agree exactly."""
    import random

    codes, rules = _shipped_rules()
    vocab = sorted(
        {w for c in codes for k in c.keywords for w in k.split()}
        | {"can't", "won't", "cannot", "gonna", "isn't", "it's", "I'm", "they'd", "felt", "ran"}
        | {"Alone", "NOT", "Burning", "burnt", "the", "a", "and", "group", "leader", "patients"}
    )
    punct = ["", "", "", ",", ".", "!", "?", ";", "—", "-", "(", ")", '"', "'s", "n't"]
    rng = random.Random(5)
    pieces = []
    for _ in range(1500):
        words = [rng.choice(vocab) + rng.choice(punct) for _ in range(rng.randint(3, 14))]
        pieces.append((0, " ".join(words)))
    gated, everything = _gated_and_ungated(rules, pieces)
    assert len(everything) > 500
    assert gated == everything


# ---------------------------------------------------------------- on a project

TRANSCRIPT = """\
Interviewer: How is the group for you?
Anna: I felt angry with her. We have met for many years now. I am not alone with it.
Interviewer: And the others?
Anna: Sometimes they ganged up on him. It was hard. We know each other too well.
"""


def make_project(tmp_path: Path, text: str = TRANSCRIPT, coder: str = "ann") -> Project:
    """A project with one imported transcript and the four test codes."""
    source = tmp_path / "anna.txt"
    source.write_text(text, encoding="utf-8")
    project = Project.create(tmp_path / "study.qc", coder=coder)
    (result,) = import_files(project, [source])
    assert result.ok, result.message
    for rule in RULES:
        project.codebook.add(rule.name, keywords=list(rule.keywords), patterns=list(rule.patterns))
    return project


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_autocode_sentence_level_with_reasons(tmp_path: Path) -> None:
    with make_project(tmp_path) as project:
        result = autocode(project)
        assert result.sync.added == 5
        text = project.documents.get("anna").text
        items = project.suggestions.list(order="document")
        assert [(s.code, s.text) for s in items] == [
            ("Emotions", "I felt angry with her."),
            ("Long relationships", "We have met for many years now."),
            ("Not alone", "I am not alone with it."),
            ("Scapegoating", "Sometimes they ganged up on him."),
            ("Long relationships", "We know each other too well."),
        ]
        for item in items:
            assert item.source == "rule" and item.status == "pending" and item.score is None
            spans = reason_spans(item.reason)
            assert spans, item.reason
            for start, end in spans:
                assert item.start <= start < end <= item.end
                assert f'"{text[start:end]}"' in item.reason
        at = text.index("felt angry")
        assert items[0].reason == f'keyword "feel angry" matched "felt angry" [{at}:{at + 10}]'


def test_autocode_turn_level(tmp_path: Path) -> None:
    with make_project(tmp_path) as project:
        autocode(project, unit="turn")
        turns = {(t.start, t.end) for t in project.documents.turns("anna")}
        items = project.suggestions.list()
        assert len(items) == 5  # one per code and turn
        assert {(s.start, s.end) for s in items} <= turns
        by_code = {s.code: s for s in items}
        assert by_code["Emotions"].text.startswith("I felt angry with her. We have met")


def test_rerun_is_idempotent_and_keeps_decisions(tmp_path: Path) -> None:
    with make_project(tmp_path) as project:
        autocode(project)
        items = project.suggestions.list(order="document")
        project.suggestions.accept([items[0].id])
        project.suggestions.reject([items[1].id])
        again = autocode(project)
        # The accepted one is now a coding, so its sentence is not proposed again at all;
        # the rejected one is found again and left rejected.
        assert (again.sync.added, again.sync.removed, again.sync.decided) == (0, 0, 1)
        assert again.sync.unchanged == 3
        assert project.suggestions.counts() == {"pending": 3, "accepted": 1, "rejected": 1}
        # Dropping a keyword withdraws its pending suggestions but never decided ones.
        project.codebook.update("Long relationships", keywords=[])
        project.codebook.update("Emotions", keywords=[])
        third = autocode(project)
        assert third.sync.removed == 1
        assert project.suggestions.counts() == {"pending": 2, "accepted": 1, "rejected": 1}
        accepted = project.suggestions.list(status="accepted")[0]
        assert accepted.code == "Emotions" and accepted.coding_id is not None


def test_already_coded_sentences_get_no_suggestion(tmp_path: Path) -> None:
    with make_project(tmp_path) as project:
        text = project.documents.get("anna").text
        start = text.index("I am not alone")
        project.codings.add("anna", "Not alone", start, start + len("I am not alone"))
        autocode(project)
        assert "Not alone" not in {s.code for s in project.suggestions.list()}


def test_autocode_filters_codes_and_documents(tmp_path: Path) -> None:
    with make_project(tmp_path) as project:
        result = autocode(project, codes=["Scapegoating"], documents=["anna"])
        assert result.codes == 1
        assert [s.code for s in project.suggestions.list()] == ["Scapegoating"]


def test_cli_autocode_bad_pattern_fails_before_writing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    with make_project(tmp_path) as project:
        project.codebook.update(
            "Scapegoating", patterns=[GANG_UP, [{"LOWER": {"IN": "x"}}], [{"BAD": 1}]]
        )
        path = project.path
    before = _dump(path)
    runner = CliRunner()
    result = runner.invoke(main, ["autocode", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: code 'Scapegoating' patterns[1]:")
    assert lines[1].startswith("error: code 'Scapegoating' patterns[2]:")
    assert "nothing was written" in lines[-1]
    assert "Traceback" not in result.output
    assert _dump(path) == before
    check = runner.invoke(main, ["autocode", str(path), "--check"])
    assert check.exit_code == 1 and "patterns[1]" in check.stderr


def test_cli_autocode_and_rerun(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    with make_project(tmp_path) as project:
        path = project.path
    runner = CliRunner()
    first = runner.invoke(main, ["autocode", str(path)])
    assert first.exit_code == 0, first.output
    assert "5 pending suggestion(s) (5 new" in first.stdout
    second = runner.invoke(main, ["autocode", str(path), "--unit", "sentence"])
    assert "(0 new, 0 refreshed, 0 withdrawn)" in second.stdout
    check = runner.invoke(main, ["autocode", str(path), "--check"])
    assert check.exit_code == 0 and "compile" in check.stdout
    missing = runner.invoke(main, ["autocode", str(path), "--codes", "Nope"])
    assert missing.exit_code == 1 and "no code named 'Nope'" in missing.stderr
    help_text = runner.invoke(main, ["autocode", "--help"]).output
    assert "Example" in help_text


def test_an_installed_pipeline_can_supply_the_lemmas(tmp_path: Path, monkeypatch) -> None:
    """`--model` / the `spacy_model` setting: any loadable pipeline (here one saved to disk,
    standing in for en_core_web_sm) runs whole and its own lemmas are used, lower-cased."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    model_dir = tmp_path / "pipeline"
    nlp.to_disk(model_dir)
    rules = compile_rules(RULES, model=str(model_dir))
    assert rules.lemmas.trained and not rules.use_gate
    assert (1, "keyword", "felt angry") in found(rules, "Afterwards I felt angry with her.")
    assert (3, "pattern[0]", "n't feeling so alone") in found(
        rules, "I wasn't feeling so alone any more."
    )
    with make_project(tmp_path) as project:
        project.settings.set("spacy_model", str(model_dir))
        assert autocode(project).sync.added == 5
        path = project.path
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    missing = CliRunner().invoke(main, ["autocode", str(path), "--model", "en_no_such_model"])
    assert missing.exit_code == 1
    assert "'en_no_such_model' is not installed" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_words_picked_before_tokenising_cover_special_cases_and_affixes() -> None:
    """Rules are chosen from a text's runs of letters before it is tokenised: words that only
    appear as pieces of special cases ("can" in "cannot", "do" in "don't", "gon" in
    "gonna"), non-letter tokens ("n't", "'s") and split-off suffixes ("km" in "5km") must
    still select their rules, so filtered and unfiltered matching agree."""
    codes = [
        CodeRules(1, "Can", keywords=("can", "do n't", "gon na", "km")),
        CodeRules(2, "Do", patterns=([{"LEMMA": "do"}, {"LOWER": "n't"}, {"LOWER": "know"}],)),
        CodeRules(3, "Poss", patterns=([{"LOWER": "anna"}, {"LOWER": "'s"}, {"LOWER": "mail"}],)),
    ]
    rules = compile_rules(codes)
    texts = [
        "I cannot say.",
        "Don't know, I didn't KNOW.",
        "We're gonna walk 5km today.",
        "It was Anna's mail, an e-mail.",
        "Can't you?",
        "Nothing here at all.",
    ]
    pieces = [(0, t) for t in texts]
    gated, everything = _gated_and_ungated(rules, pieces)
    assert gated == everything
    words = {m.words.lower() for m in gated}
    assert {"can", "don't know", "didn't know", "gonna", "km", "anna's mail"} <= words
