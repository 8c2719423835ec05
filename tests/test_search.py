"""Full-text search: OR, NOT, phrases, prefixes, stemming and NEAR against a brute-force
reading of the turns; one-line errors with the column; keyword-in-context lines."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from qualcode.nlp.lexicon import lemma_lookup
from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.store.search import (
    MAX_NEAR,
    EmptySearch,
    SearchSyntaxError,
    fold,
    kwic,
    match_text,
    parse_text_query,
    search_text,
    search_turns,
)

VOCAB = (
    "exhausted exhausting exhaust burnout burn burned group groups leader leaders felt feel "
    "safe safety alone Café café naïve naive e-mail the a and"
).split()


def build(path: Path, seed: int) -> Project:
    rng = random.Random(seed)
    project = Project.create(path, coder="ann")
    with project.action("import", "import"):
        for d in range(4):
            parts, turns, pos = [], [], 0
            for _ in range(rng.randint(3, 8)):
                said = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 9))) + "."
                parts.append("P: " + said + "\n")
                turns.append(TurnInput(pos + 3, pos + 3 + len(said), "P"))
                pos += len(parts[-1])
            text = "".join(parts)
            project.documents.add(
                DocumentInput(
                    f"doc{d}", text, f"s{d}", "txt", turns, [(t.start, t.end) for t in turns]
                )
            )
    return project


def lemma(token: str) -> str:
    return fold(lemma_lookup().get(token, token))


def brute(tree: Any, tokens: list[str]) -> list[tuple[int, int]] | None:
    """Token spans where a query tree matches: the documented meaning, the slow way."""
    kind = tree[0]
    if kind == "word":  # stemmed
        w = fold(tree[1])
        found = [(i, i + 1) for i, t in enumerate(tokens) if t == w or lemma(t) == lemma(w)]
    elif kind == "exact":
        found = [(i, i + 1) for i, t in enumerate(tokens) if t == fold(tree[1])]
    elif kind == "prefix":
        found = [(i, i + 1) for i, t in enumerate(tokens) if t.startswith(fold(tree[1]))]
    elif kind == "phrase":
        words = [fold(w) for w in tree[1]]
        n = len(words)
        found = [(i, i + n) for i in range(len(tokens)) if tokens[i : i + n] == words]
    elif kind == "not":
        return [] if brute(tree[1], tokens) is None else None
    elif kind == "or":
        parts = [brute(c, tokens) for c in tree[1:]]
        if all(p is None for p in parts):
            return None
        return sorted({s for p in parts if p for s in p})
    elif kind == "and":
        parts = [brute(c, tokens) for c in tree[1:]]
        if any(p is None for p in parts):
            return None
        return sorted({s for p in parts if p for s in p})
    else:  # near
        a, b = brute(tree[2], tokens), brute(tree[3], tokens)
        if a is None or b is None:
            return None
        found = sorted(
            {
                s
                for x in a
                for y in b
                for s in (x, y)
                if max(x[0], y[0]) - min(x[1], y[1]) <= tree[1]
            }
        )
    return found or None


def random_search(rng: random.Random, depth: int = 0) -> tuple[str, Any]:
    words = [w for w in VOCAB if w.isalpha()]
    if depth >= 2 or rng.random() < 0.35:
        choice = rng.random()
        w = rng.choice(words)
        if choice < 0.3:
            return f"{w}~", ("word", w)
        if choice < 0.45:
            return w, ("exact", w)
        if choice < 0.6:
            return f'"{w}"', ("exact", w)
        if choice < 0.75:
            return f"{w[:3]}*", ("prefix", w[:3])
        ws = [rng.choice(words) for _ in range(2)]
        return f'"{" ".join(ws)}"', ("phrase", ws)
    op = rng.choice(["AND", "and-implicit", "OR", "NEAR", "NOT"])
    lt, ltree = random_search(rng, depth + 1)
    rt, rtree = random_search(rng, depth + 1)
    if op == "OR":
        return f"({lt} OR {rt})", ("or", ltree, rtree)
    if op == "AND":
        return f"({lt} AND {rt})", ("and", ltree, rtree)
    if op == "and-implicit":
        return f"({lt} {rt})", ("and", ltree, rtree)
    if op == "NEAR":
        n = rng.randint(0, 3)
        return f"({lt} NEAR/{n} {rt})", ("near", n, ltree, rtree)
    negated = rt if rng.random() < 0.5 else f"({rt})"
    sign = rng.choice(["-", "NOT "])
    return f"({lt} {sign}{negated})", ("and", ltree, ("not", rtree))


@pytest.mark.parametrize("prefilter", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_search_matches_brute_force(
    tmp_path: Path, seed: int, prefilter: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qualcode.store.search as search

    monkeypatch.setattr(search, "PREFILTER_TURNS", 0 if prefilter else 10**9)
    rng = random.Random(seed)
    with build(tmp_path / "p.qc", seed) as project:
        turns = [
            (d.name, t, d.text)
            for d in (project.documents.get(x.id) for x in project.documents.all())
            for t in project.documents.turns(d.id)
        ]
        checked = 0
        while checked < 40:
            query, tree = random_search(rng)
            try:
                parse_text_query(query)
            except SearchSyntaxError:
                continue  # only negated words: refused, tested below
            checked += 1
            got = {
                (h.document, h.start): h.matches for h in search_text(project.session, query, 10**6)
            }
            expected = {}
            for name, turn, text in turns:
                piece = text[turn.start : turn.end]
                toks = [
                    (fold(m.group()), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", piece)
                ]
                spans = brute(tree, [t for t, _, _ in toks])
                if spans is None:
                    continue
                chars = sorted(
                    (turn.start + toks[i][1], turn.start + toks[j - 1][2]) for i, j in spans
                )
                merged: list[tuple[int, int]] = []
                for s, e in chars:
                    if merged and s <= merged[-1][1]:
                        merged[-1] = (merged[-1][0], max(merged[-1][1], e))
                    else:
                        merged.append((s, e))
                expected[(name, turn.start)] = tuple(merged)
            assert got == expected, query


def test_or_not_phrase_prefix_and_stemming() -> None:
    text = "I was exhausting myself; burnout came. The Balint group helped."

    def at(words: str) -> tuple[int, int]:
        return (text.index(words), text.index(words) + len(words))

    assert match_text("exhausted~", text) == [at("exhausting")]  # stemmed
    assert match_text("exhausted", text) is None  # exact
    assert match_text('"exhausted"', text) is None
    assert match_text("burn*", text) == [at("burnout")]
    assert match_text("burnout OR tired", text) == [at("burnout")]
    assert match_text("burnout -group", text) is None
    assert match_text("burnout NOT helped", text) is None
    assert match_text('"balint group" exhausted~', text) == [at("exhausting"), at("Balint group")]
    assert match_text("exhausted~ NEAR/1 burnout", text) == [at("exhausting"), at("burnout")]
    assert match_text("exhausted~ NEAR/0 burnout", text) is None
    assert match_text("i~", "I'm here, I am.") == [(0, 1), (10, 11)]  # no "i'm" phrase
    assert match_text("café", "Le cafe, CAFÉ") == [(3, 7), (9, 13)]  # diacritics folded
    assert match_text("or", "this or that") == [(5, 7)]  # lower-case or is a word


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("burnout AND", 'expected a word, a "phrase" or (…) after AND at column 12'),
        ("burnout OR OR x", 'expected a word, a "phrase" or (…) after OR at column 12'),
        ("(burnout OR tired", "expected ) at column 18"),
        ('burnout "open', "unclosed quote at column 9"),
        ("burnout )", "unexpected ')' at column 9"),
        ("-stress", "a search needs at least one word that is not negated"),
        ("a NEAR", "after NEAR at column 7"),
        # the n of NEAR/n: a number of words, no bigger than MAX_NEAR (column: after the /)
        ("alone NEAR/x not", "NEAR/ needs a number of words from 0 to 1000 at column 12"),
        ("alone NEAR/-1 not", "NEAR/ needs a number of words from 0 to 1000 at column 12"),
        ("alone NEAR/1001 not", "NEAR/ needs a number of words from 0 to 1000 at column 12"),
        ("alone NEAR/99999999999999999999 not", "from 0 to 1000 at column 12"),
        ("alone NEAR/3x not", "from 0 to 1000 at column 12"),
        ("alone NEAR/ not", "from 0 to 1000 at column 12"),
        ("(a NEAR/٣ b)", "from 0 to 1000 at column 9"),  # an Arabic-Indic three
    ],
)
def test_bad_searches_name_the_column(query: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError) as err:
        parse_text_query(query)
    assert message in str(err.value)


def test_kwic_shows_words_each_side() -> None:
    text = "one two three four five six seven eight nine ten"
    at = text.index("six")
    assert kwic(text, at, at + 3, 2) == ("… four five ", "six", " seven eight …")
    assert kwic(text, 0, 3, 2) == ("", "one", " two three …")
    assert kwic("a\nb hit c", 4, 7, 5) == ("a b ", "hit", " c")


def test_search_hits_carry_matches_and_old_api_still_works(tmp_path: Path) -> None:
    with build(tmp_path / "p.qc", 7) as project:
        hits = search_text(project.session, "group*", 5)
        assert 0 < len(hits) <= 5
        for h in hits:
            for s, e in h.matches:
                assert h.start <= s < e <= h.end
                assert h.text[s - h.start : e - h.start].lower().startswith("group")
            left, hit, right = h.kwic()[0]
            assert hit.lower().startswith("group")
        old = search_turns(project.session, "group*", 5)
        assert [(h.document, h.start) for h in old] == [(h.document, h.start) for h in hits]
        assert project.documents.search("") == []


def test_the_old_api_never_refuses(tmp_path: Path) -> None:
    """``documents.search`` reads a malformed search as its words and a negated-only one as
    nothing; ``search_text`` names the problem."""
    with build(tmp_path / "p.qc", 8) as project:
        as_words = project.documents.search('group AND "safe')
        assert as_words and as_words == project.documents.search("group safe")
        assert project.documents.search("-group") == []
        assert project.documents.search('AND OR "( NEAR') == []
        with pytest.raises(SearchSyntaxError, match="column"):
            search_text(project.session, "group AND")


def test_search_lines_are_keyword_in_context(tmp_path: Path) -> None:
    from qualcode.commands.search import search_lines

    with build(tmp_path / "p.qc", 2) as project:
        hits = search_text(project.session, "group*", 3)
        lines = search_lines(hits, words=2)
        assert lines and all(re.search(r"\[group\w*\]", line, re.IGNORECASE) for line in lines)
        assert lines[0].startswith(f"{hits[0].document} [{hits[0].matches[0][0]}:")


def test_near_takes_up_to_max_near_words_and_only_near_is_an_operator() -> None:
    text = "it " + "x " * MAX_NEAR + "nearly went"
    assert MAX_NEAR == 1000
    assert match_text(f"it NEAR/{MAX_NEAR} nearly", text) is not None
    assert match_text(f"it NEAR/{MAX_NEAR - 1} nearly", text) is None
    assert match_text("NEARLY", "it nearly went") == [(3, 9)]  # a word, not NEAR + LY
    assert match_text("NEARBY OR went", "it nearby went") == [(3, 9), (10, 14)]
    assert match_text("it NEAR/0 NEARLY", "it nearly went") == [(0, 2), (3, 9)]
    assert match_text("(it NEAR/1 went)", "it nearly went") == [(0, 2), (10, 14)]


def test_an_empty_search_is_refused(tmp_path: Path) -> None:
    with build(tmp_path / "p.qc", 5) as project:
        for query in ("", "   "):
            with pytest.raises(EmptySearch, match="^empty search$"):
                search_text(project.session, query)
            assert project.documents.search(query) == []  # the old API never refuses


def many_matches(path: Path) -> None:
    """A project with one turn saying 'group' seven times and twelve turns saying it once."""
    project = Project.create(path, coder="ann")
    with project.action("import", "import"):
        parts = ["P: " + " ".join(["the group"] * 7) + ".\n"]
        parts += [f"P: turn {n} of the group.\n" for n in range(12)]
        text, turns, pos = "".join(parts), [], 0
        for part in parts:
            turns.append(TurnInput(pos + 3, pos + len(part) - 1, "P"))
            pos += len(part)
        spans = [(t.start, t.end) for t in turns]
        project.documents.add(DocumentInput("doc", text, "s", "txt", turns, spans))
    project.close()


Cli = Callable[..., Result]


def test_search_prints_every_match_and_says_what_n_left_out(tmp_path: Path, cli: Cli) -> None:
    many_matches(tmp_path / "p.qc")
    result = cli("search", "-n", "100", tmp_path / "p.qc", "group")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 7 + 12  # no cut at five lines per turn
    assert result.stderr == ""  # nothing left out, nothing said
    cut = cli("search", "-n", "3", tmp_path / "p.qc", "group")
    assert cut.exit_code == 0
    assert len(cut.stdout.splitlines()) == 7 + 2
    assert cut.stderr == "… 10 more turn(s) match; use -n to see more\n"
    default = cli("search", tmp_path / "p.qc", "group")
    assert len(default.stdout.splitlines()) == 19 and default.stderr == ""


@pytest.mark.parametrize("n", ["0", "-5"])
def test_search_refuses_n_below_one(tmp_path: Path, cli: Cli, n: str) -> None:
    many_matches(tmp_path / "p.qc")
    result = cli("search", "-n", n, tmp_path / "p.qc", "group")
    assert result.exit_code == 2
    assert "Invalid value for '-n'" in result.stderr and "x>=1" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["search", "alone NEAR/x not"],
            "NEAR/ needs a number of words from 0 to 1000 at column 12",
        ),
        (["search", "alone NEAR/99999999999999999999 not"], "from 0 to 1000 at column 12"),
        (["search", "alone NEAR/-1 not"], "from 0 to 1000 at column 12"),
        (["search", ""], "empty search"),
        (["search", "  "], "empty search"),
        (
            ["query", 'TEXT "alone NEAR/x not"'],
            "in TEXT: NEAR/ needs a number of words from 0 to 1000 at column 18",
        ),
        (["query", 'TEXT "group NEAR/100000000000000000000 x"'], "from 0 to 1000 at column 18"),
    ],
)
def test_bad_searches_are_one_line_errors(
    tmp_path: Path, cli: Cli, args: list[str], message: str
) -> None:
    many_matches(tmp_path / "p.qc")
    command, query = args
    result = cli(command, tmp_path / "p.qc", query)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "internal error" not in result.stderr


def test_nearly_is_searched_as_a_word(tmp_path: Path, cli: Cli) -> None:
    project = Project.create(tmp_path / "p.qc", coder="ann")
    with project.action("import", "import"):
        text = "P: it nearly went.\n"
        turns = [TurnInput(3, len(text) - 1, "P")]
        project.documents.add(DocumentInput("doc", text, "s", "txt", turns, [(3, len(text) - 1)]))
    project.close()
    result = cli("search", tmp_path / "p.qc", "NEARLY")
    assert result.exit_code == 0, result.output
    assert "[nearly]" in result.stdout
    assert "[nearly]" in cli("search", tmp_path / "p.qc", "NEAR*").stdout  # NEAR* is a prefix


def test_the_search_command_is_this_modules() -> None:
    """``qualcode.commands.search`` defines ``qualcode search`` (its lines have no per-turn cap)."""
    from qualcode.cli import main

    assert main.commands["search"].callback.__module__ == "qualcode.commands.search"
