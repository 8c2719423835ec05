"""Quote selection rules on the hand-made project (candidates listed in the fixture)."""

from __future__ import annotations

import pytest

from qualcode.analysis import Filters, load_corpus
from qualcode.analysis.corpus import Corpus
from qualcode.analysis.quotes import MAX_WORDS, quote_text, select_quotes
from qualcode.store import Project
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    path, _ = build_hand_project(tmp_path_factory.mktemp("hand"))
    with Project.open(path) as project:
        return load_corpus(project)


def ids(c: Corpus, *names: str) -> list[int]:
    return [i for n in names for i in c.descendants(c.find_code(n).id)]


def brief(quotes) -> list[tuple[str, str, str]]:  # noqa: ANN001
    return [(q.speaker, q.code, q.text) for q in quotes]


def test_one_quote_per_participant_first(corpus: Corpus) -> None:
    quotes = select_quotes(corpus, ids(corpus, "Support"), 3)
    assert brief(quotes) == [
        # Anna's best: c1, 17 words, two whole sentences.
        (
            "Anna",
            "Peer support",
            "The group gives me support when the work is heavy. "
            "My colleagues listen to me every week.",
        ),
        # Ben: c8 and c11 are both readable and complete; c8 wins as its code (Supervision)
        # has no quote yet.
        (
            "Ben",
            "Supervision",
            "Supervision helps me think about difficult cases. The supervisor asks good questions.",
        ),
        # Cara has only a 7-word sentence: still her best, and a new participant beats Anna's or
        # Ben's second quote.
        ("Cara", "Peer support", "Members support each other in the group."),
    ]
    assert quotes[0].location == f"a1, turn 2, chars {quotes[0].start}–{quotes[0].end}"
    assert quotes[0].complete and quotes[0].words == 17 and quotes[0].turn == 2


def test_second_round_skips_overlapping_and_interviewer_comes_last(corpus: Corpus) -> None:
    quotes = select_quotes(corpus, ids(corpus, "Support"), 10)
    assert [(q.speaker, q.text[:20]) for q in quotes] == [
        ("Anna", "The group gives me s"),
        ("Ben", "Supervision helps me"),
        ("Cara", "Members support each"),
        ("Dan", "Supervision of new l"),
        # Round 2: Anna's c2 (inside c1) is skipped; c3 is trimmed of its leading space.
        ("Anna", "I feel less alone wi"),
        # Ben's c9 lies inside c8: skipped.
        ("Ben", "My colleagues suppor"),
        # The interviewer only once every participant's candidates are used up.
        ("Interviewer", "Tell me about superv"),
    ]
    assert not quotes[-1].is_participant


def test_readable_and_complete_beat_partial(corpus: Corpus) -> None:
    quotes = select_quotes(corpus, ids(corpus, "Stress"), 3)
    assert brief(quotes) == [
        # c4 and c5 share a span: one candidate (the first code in codebook order).
        ("Anna", "Workload", "The workload is too much for one doctor."),
        # Ben: c10 is a whole sentence (7 words); c12 starts and ends mid-sentence.
        ("Ben", "Burnout", "I am tired and close to burnout."),
        ("Cara", "Workload", "The workload keeps some members away."),
    ]


def test_partial_quote_is_marked(corpus: Corpus) -> None:
    quotes = select_quotes(corpus, ids(corpus, "Workload"), 10)
    partial = [q for q in quotes if not q.complete]
    assert [q.text for q in partial] == ["…good questions. I am tired…"]


def test_deterministic_and_respects_filters(corpus: Corpus, tmp_path) -> None:  # noqa: ANN001
    assert select_quotes(corpus, ids(corpus, "Support"), 5) == select_quotes(
        corpus, ids(corpus, "Support"), 5
    )
    path, _ = build_hand_project(tmp_path, memos=False)
    with Project.open(path) as project:
        leaders = load_corpus(project, Filters(where=(("role", "leader"),)))
    assert {q.speaker for q in select_quotes(leaders, ids(leaders, "Support"), 5)} == {
        "Cara",
        "Dan",
    }
    assert select_quotes(corpus, ids(corpus, "Support"), 0) == []


def test_long_quote_is_cut_at_a_sentence() -> None:
    first = " ".join(["word"] * 30) + "."
    second = " ".join(["more"] * 25) + "."
    third = " ".join(["tail"] * 10) + "."
    text = f"{first} {second} {third}"
    s1 = (0, len(first))
    s2 = (s1[1] + 1, s1[1] + 1 + len(second))
    s3 = (s2[1] + 1, len(text))
    out = quote_text(text, [s1, s2, s3], 0, len(text))
    # 30 + 25 = 55 words fit under 60; the third sentence would make 65.
    assert out == f"{first} {second} […]"
    one_long = " ".join(["w"] * 80) + "."
    cut = quote_text(one_long, [(0, len(one_long))], 0, len(one_long))
    assert cut.endswith(" […]") and len(cut.split()) == MAX_WORDS + 1


def test_people_quoted_before_yield_to_others(corpus: Corpus) -> None:
    anna = next(p.id for p in corpus.participants if p.name == "Anna")
    first = select_quotes(corpus, ids(corpus, "Support"), 1)
    assert first[0].speaker == "Anna"
    # Anna was quoted in an earlier theme: Ben's equally good quote goes first now.
    again = select_quotes(corpus, ids(corpus, "Support"), 1, quoted_before={anna: 1})
    assert again[0].speaker == "Ben"
    # Grade still comes first: Cara (only a 7-word quote) does not jump ahead of Ben.
    ben = next(p.id for p in corpus.participants if p.name == "Ben")
    third = select_quotes(corpus, ids(corpus, "Support"), 1, quoted_before={anna: 1, ben: 1})
    assert third[0].speaker == "Anna"
