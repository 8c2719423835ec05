"""The spaCy-free sentence splitter gives exactly what ``spacy.blank("en")`` + sentencizer gives.

Every comparison is against the real pipeline, token for token (``fastsplit.tokenize``, the
whole port) and sentence start for sentence start (``fastsplit.sentence_starts``, the fast
path). A longer random run:

    QUALCODE_FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/test_fastsplit.py
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import subprocess
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.nlp import fastsplit
from qualcode.nlp.fastsplit import sentence_starts, tokenize

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "200"))


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def spacy_starts(text: str) -> list[int]:
    from spacy.attrs import IDX, SENT_START

    doc = _nlp()(text)
    if len(doc) == 0:
        return []
    table = doc.to_array([SENT_START, IDX])
    return [int(i) for i in table[:, 1][table[:, 0] == 1]]


def spacy_tokens(text: str) -> list[tuple[int, str]]:
    return [(token.idx, token.text) for token in _nlp().make_doc(text)]


def assert_same(text: str) -> None:
    assert sentence_starts(text) == spacy_starts(text), text
    assert tokenize(text) == spacy_tokens(text), text


# -- the tables and character classes -----------------------------------------------------------


def test_tables_are_the_installed_spacys() -> None:
    from spacy.pipeline.sentencizer import Sentencizer

    tokenizer = _nlp().tokenizer
    tables = fastsplit.tables()
    assert tables.patterns["prefix"] == tokenizer.prefix_search.__self__.pattern
    assert tables.patterns["suffix"] == tokenizer.suffix_search.__self__.pattern
    assert tables.patterns["infix"] == tokenizer.infix_finditer.__self__.pattern
    assert tables.patterns["url"] == tokenizer.url_match.__self__.pattern
    assert tokenizer.token_match is None
    assert tokenizer.faster_heuristics
    rules = {key: tuple(t[65] for t in tokens) for key, tokens in tokenizer.rules.items()}
    assert tables.rules == rules
    assert fastsplit.PUNCT_CHARS == frozenset(Sentencizer.default_punct_chars)
    assert _nlp().get_pipe("sentencizer").punct_chars == set(fastsplit.PUNCT_CHARS)


def test_installed_spacy_is_verified() -> None:
    import spacy

    assert fastsplit.spacy_version() == spacy.__version__
    assert fastsplit.available(), (
        f"spaCy {spacy.__version__} is not in fastsplit.VERIFIED: if this file passes, compare "
        "spacy/tokenizer.pyx, pipeline/sentencizer.pyx and language.py with a verified release "
        "and add the version"
    )


def test_unverified_spacy_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastsplit, "spacy_version", lambda: "3.9.0")
    assert not fastsplit.available()


def test_character_classes_cover_every_code_point() -> None:
    """The fast path's regexes agree with str.isspace (spaCy's whitespace) and never miss a
    character that can make a token punctuation or sentence-final."""
    from spacy.lang.lex_attrs import is_punct

    space = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert bool(space.match(char)) == char.isspace(), hex(code)
        if unicodedata.category(char).startswith("P") or char in fastsplit.PUNCT_CHARS:
            assert fastsplit._CANDIDATE.match(char), hex(code)
            assert not char.isspace()
    for char in [*fastsplit.PUNCT_CHARS, "a", "-", "_", "…", "°", "😀", "(", "“", "¿", "\x00"]:
        assert fastsplit.is_punct(char) == is_punct(char), char


def test_splitting_does_not_import_spacy() -> None:
    code = (
        "import sys; from qualcode.nlp.fastsplit import available, sentence_starts; "
        "print(sentence_starts('Hi Dr. Who. Yes?! No.'), available(), 'spacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[0,", "12,", "18]", "True", "False"]


# -- real and generated transcripts -------------------------------------------------------------


SAMPLES = sorted(p for p in (ROOT / "sample_transcripts").iterdir() if p.is_file())


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_transcripts(path: Path) -> None:
    from qualcode.ingest.readers import read_transcript

    if path.suffix.lower() in {".txt", ".md", ".csv", ".vtt", ".srt"}:
        assert_same(path.read_text(encoding="utf-8"))
    if path.suffix.lower() in {".txt", ".md", ".docx", ".vtt", ".srt"}:
        assert_same(read_transcript(path).text)


def test_bench_corpus(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("import_bench", ROOT / "bench/import_bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for path in bench.make_corpus(tmp_path, 30_000, 3):
        text = path.read_text(encoding="utf-8")
        assert sentence_starts(text) == spacy_starts(text)


# -- hand-written hard cases --------------------------------------------------------------------

HARD = [
    "",
    " ",
    "  ",
    "\n",
    "a",
    ".",
    "...",
    "a.",
    "a. ",
    "a.  ",
    "a.\n",
    " a. b",
    "\n\nHello. World",
    "Hello.  Two spaces.   Three.\tTab.\n\nParagraph. \n Mixed.",
    "Dr. Smith saw Mr. Jones and Mrs. Brown at 5 p.m. on Jan. 3. Then he left.",
    "We use e.g. this, i.e. that. The U.S. and the U.K. agreed. E.g. next.",
    "Wait... what? Really?! No!! Yes?? Hm…. Okay‽ Fine⁉ done",
    "He said \"stop.\" Then (quietly.) [sic.] {ok.} 'yes.' “Done.” ‘Done.’ Next.",
    "See https://example.com/a.b?c=d. Or www.example.org. Mail me@example.com. Ok.",
    "It costs 3.5 or 1,000. or $1,000.00. Also 10.5% and 5km. 3. Item. 4.5.6 v1.2.3.",
    "Nice :) and :-) and :( and ;) and :P and xD and <3 and (: yes:) no:-( ok. :D",
    "°C. 5°C. It was 20°F. fine. 10a.m. and 3p.m. ok. 12p.m..",
    "Привет. Как дела? Ελληνικά; και. مرحبا. كيف حالك؟ שלום. नमस्ते। ठीक है॥ ok",
    "東京。大阪！京都？ 日本語です｡ half．width？ full！ ok",
    "Emoji 😀. Next 👍🏽! Flags 🇳🇴. ❤️ ok. ☺. ★ end.",
    "Well—I mean – it's fine — really. Em—dash.Next —.— ok",
    "I don't know. It's John's. We'll see. Y'all can't. ’Cause I’m here. O'Neil.",
    "Co-operate. Well-being. Self- and co-workers. -5. --. ---. A-.",
    "Interviewer: So? \nDoctor1: [laughs] (pause) Yes. [inaudible 00:01:23]. (laughs).",
    "Line one.\r\nLine two.\rLine three.\x0bfour.\x0cfive.\x1csix.\u2028seven.\u2029eight.",
    "Non\xa0breaking.\xa0Space. Ideographic\u3000space。 Thin\u2009space. Zero\u200bwidth.",
    "Quotes at end.\" Next.' Next.\u201d Next.) Next.] Next.} Next.' ' x",
    "a.b.c. A.B.C. a.B. A.b. U.S.A. U.S.A.. etc. etc.. etc...",
    "What?!.. Hmm?.. Ok!? no.!. yes",
    "_under_score_. #hash. @at. 50%. &amp. *star*. ~tilde. a/b. a\\b. a|b. ^caret.",
    "(╯°□°）╯︵┻━┻ ok. ¯\\_(ツ)_/¯. ಠ_ಠ. (ಠ_ಠ) v.v. o.O. O.o. <.< >.>",
    "y. < space>.< X",
    "y. > <(((*>.< X",
    "y. :><(( (*> X",
    "y. >.><((( *> X",
    "y. [ -:> X",
    "x\u0301. y\u0308! Combining marks. \u0e01\u0e32\u0e23. ok",
    "Numbers 1. 2. 3.5. 1,000. 1.000,5. 0.5. .5 .5. 5.",
    "Mixed\ttabs.\tand\t\tmore.\t \tend.",
]


@pytest.mark.parametrize("text", HARD)
def test_hard_cases(text: str) -> None:
    assert_same(text)


def test_every_tokenizer_exception_in_context() -> None:
    splitter = fastsplit._splitter()
    contexts = ["{}", "x {} y", "X. {} Y", "({})", "{}. Next", "a.{}", "{}. ", "Go {}. Go"]
    for rule in splitter.rules:
        for context in contexts:
            assert_same(context.format(rule))


def _shadowing_texts() -> set[str]:
    """Texts where a longer exception match across a space can shadow a decisive one inside a
    chunk (the reason for ``Splitter.effect_in_context``), from either side."""
    splitter = fastsplit._splitter()
    patterns = list(splitter.matcher.values())
    decisive = [splitter.matcher[s] for s in sorted(splitter.decisive)]
    texts: set[str] = set()
    for outer in patterns:
        for k in range(1, len(outer)):
            head, tail = outer[:k], outer[k:]
            for inner in decisive:
                for j in range(len(tail)):  # inner inside the right chunk
                    tokens = list(tail)
                    if all(j + i >= len(tokens) or tokens[j + i] == p for i, p in enumerate(inner)):
                        tokens[j : j + len(inner)] = inner
                        texts.add(f"y. {''.join(head)} {''.join(tokens)} X")
                for j in range(1 - len(inner), k - len(inner) + 1):  # inside the left chunk
                    placed = dict(enumerate(head))
                    if all(placed.get(j + i, p) == p for i, p in enumerate(inner)):
                        placed.update({j + i: p for i, p in enumerate(inner)})
                        left = "".join(placed[i] for i in sorted(placed))
                        texts.add(f"y. {left} {''.join(tail)} X")
                        texts.add(f"Y {left} {''.join(tail)}. X")
    return texts


def test_shadowed_exceptions() -> None:
    texts = _shadowing_texts()
    assert len(texts) > 100
    for text in sorted(texts):
        assert sentence_starts(text) == spacy_starts(text), text


# -- random text from the same pieces -----------------------------------------------------------

PIECES = (
    "the doctor patient I felt Dr Dr. Mr. e.g. i.e. U.S. U.K. etc. don't can't n't 's ’s "
    "John's a.m. p.m. 10a.m. 3.5 1,000 1,000. $5 5km °C °C. 20°F http://example.com/a.b "
    "www.x.org me@example.com Hello WORLD Ok 東京 Привет مرحبا नमस्ते 😀 👍🏽 [laughs] (pause) "
    "[inaudible] — – - co-operate ... … ?! !! ?? ? ! . , ; : :) :-) :( ;) (: xD <3 ' \" “ ” ‘ ’ "
    "( ) [ ] { } 。 ！ ？ ｡ । ॥ ‼ ‽ _ # @ % & * / \\ + = < > ^ ~ ` | ° s m a p C o O D x X"
).split()
SEPARATORS = ["", "", "", " ", " ", " ", "  ", "\n", "\n\n", "\t", " \n", "\xa0", "\u3000", "\r\n"]


def _all_pieces() -> list[str]:
    splitter = fastsplit._splitter()
    return [
        *PIECES,
        *splitter.matcher,
        *sorted(splitter.decisive),
        *(piece for pattern in splitter.matcher.values() for piece in pattern),
    ]


def test_seeded_random_texts() -> None:
    rng = random.Random(20261130)
    pieces = _all_pieces()
    for _ in range(3000):
        count = rng.randint(1, 14)
        text = "".join(rng.choice(pieces) + rng.choice(SEPARATORS) for _ in range(count))
        assert_same(text)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(PIECES),
                st.sampled_from(sorted(fastsplit._splitter().matcher)),
                st.text(min_size=1, max_size=3),
            ),
            st.sampled_from(SEPARATORS),
        ),
        max_size=25,
    )
)
def test_random_texts_match_spacy(parts: list[tuple[str, str]]) -> None:
    assert_same("".join(piece + separator for piece, separator in parts))
