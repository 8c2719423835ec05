"""Full-text search: OR, NOT, phrases, prefixes, stemming and NEAR against a brute-force
reading of the turns; one-line errors with the column; keyword-in-context lines."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from qualcode.nlp.lexicon import lemma_lookup
from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.store.search import (
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
    from qualcode.commands.query import search_lines

    with build(tmp_path / "p.qc", 2) as project:
        hits = search_text(project.session, "group*", 3)
        lines = search_lines(hits, words=2)
        assert lines and all(re.search(r"\[group\w*\]", line, re.IGNORECASE) for line in lines)
        assert lines[0].startswith(f"{hits[0].document} [{hits[0].matches[0][0]}:")
