"""A small hand-made project whose analysis answers were worked out by hand.

Three documents, four participants and two interviewers, five codes under three themes,
18 codings. The other analysis/report tests import :func:`build_hand_project`; the figures
they assert are derived in comments next to each assertion from the texts below.

Word counts (``\\w+``, no apostrophes or digits in the texts, so every word is obvious):

a1 (role=gp, country=UK)  Interviewer / Anna (gender=female)
  T0 Interviewer  "What does the group give you?"                           6
  T1 Anna    S1   "The group gives me support when the work is heavy."     10
             S2   "My colleagues listen to me every week."                  7
             S3   "I feel less alone with hard patients."                   7
  T2 Interviewer  "And the workload?"                                        3
  T3 Anna    S4   "The workload is too much for one doctor."                8
             S5   "Some days I see forty patients."                         6
             S6   "I still love my patients."                               5   -> a1: 52
b2 (role=gp, country=SE)  Interviewer / Ben (gender=male)
  T0 Interviewer  "Tell me about supervision."                              4
  T1 Ben     S1   "Supervision helps me think about difficult cases."      7
             S2   "The supervisor asks good questions."                     5
             S3   "I am tired and close to burnout."                        7
  T2 Interviewer  "Anything else?"                                          2
  T3 Ben     S4   "My colleagues support me when I am tired."               8   -> b2: 33
c3 (role=leader, country=UK)  Interviewer / Cara (female) / Dan (male)
  T0 Interviewer  "How is the group going?"                                 5
  T1 Cara    S1   "Members support each other in the group."                7
             S2   "The workload keeps some members away."                   6
  T2 Dan     S3   "Supervision of new leaders matters a lot."               7
             S4   "Leading a group is a joy for me."                        8   -> c3: 33
Corpus: 118 words in turns.

Codes: Support > (Peer support, Supervision); Stress > (Workload, Burnout); Joy (no children).
"""

from __future__ import annotations

from pathlib import Path

from qualcode.store import DocumentInput, Project, TurnInput

DOCS: dict[str, tuple[dict[str, str], list[tuple[str, list[str]]]]] = {
    "a1": (
        {"role": "gp", "country": "UK"},
        [
            ("Interviewer", ["What does the group give you?"]),
            (
                "Anna",
                [
                    "The group gives me support when the work is heavy.",
                    "My colleagues listen to me every week.",
                    "I feel less alone with hard patients.",
                ],
            ),
            ("Interviewer", ["And the workload?"]),
            (
                "Anna",
                [
                    "The workload is too much for one doctor.",
                    "Some days I see forty patients.",
                    "I still love my patients.",
                ],
            ),
        ],
    ),
    "b2": (
        {"role": "gp", "country": "SE"},
        [
            ("Interviewer", ["Tell me about supervision."]),
            (
                "Ben",
                [
                    "Supervision helps me think about difficult cases.",
                    "The supervisor asks good questions.",
                    "I am tired and close to burnout.",
                ],
            ),
            ("Interviewer", ["Anything else?"]),
            ("Ben", ["My colleagues support me when I am tired."]),
        ],
    ),
    "c3": (
        {"role": "leader", "country": "UK"},
        [
            ("Interviewer", ["How is the group going?"]),
            (
                "Cara",
                [
                    "Members support each other in the group.",
                    "The workload keeps some members away.",
                ],
            ),
            (
                "Dan",
                [
                    "Supervision of new leaders matters a lot.",
                    "Leading a group is a joy for me.",
                ],
            ),
        ],
    ),
}

GENDER = {"Anna": "female", "Ben": "male", "Cara": "female", "Dan": "male"}

# (id label, document, code, first phrase, last phrase, coder). The span runs from the start of
# the first phrase to the end of the last; "^" before a phrase starts the span one character
# earlier (at the space before it), which is how c3 is made to *touch* c1.
CODINGS = [
    ("c1", "a1", "Peer support", "The group gives me", "every week.", "alice"),
    ("c2", "a1", "Supervision", "My colleagues listen", "every week.", "alice"),
    ("c3", "a1", "Peer support", "^I feel less alone", "hard patients.", "alice"),
    ("c4", "a1", "Workload", "The workload is too", "one doctor.", "alice"),
    ("c5", "a1", "Burnout", "The workload is too", "one doctor.", "alice"),
    ("c6", "a1", "Joy", "I still love", "my patients.", "alice"),
    ("c7", "a1", "Workload", "Some days I see", "forty patients.", "alice"),
    ("c8", "b2", "Supervision", "Supervision helps me", "good questions.", "alice"),
    ("c9", "b2", "Peer support", "The supervisor asks", "good questions.", "alice"),
    ("c10", "b2", "Burnout", "I am tired and close", "to burnout.", "alice"),
    ("c11", "b2", "Peer support", "My colleagues support me", "I am tired.", "alice"),
    ("c12", "b2", "Workload", "good questions.", "I am tired", "alice"),
    ("c13", "c3", "Peer support", "Members support each", "in the group.", "alice"),
    ("c14", "c3", "Workload", "The workload keeps", "members away.", "alice"),
    ("c15", "c3", "Supervision", "Supervision of new", "matters a lot.", "alice"),
    ("c16", "c3", "Joy", "Leading a group", "joy for me.", "alice"),
    ("c17", "c3", "Peer support", "Members support each", "in the group.", "bob"),
    ("c18", "b2", "Supervision", "Tell me about", "about supervision.", "alice"),
]


def document_input(name: str) -> DocumentInput:
    attrs, turns = DOCS[name]
    text = ""
    turn_inputs: list[TurnInput] = []
    sentences: list[tuple[int, int]] = []
    for speaker, sents in turns:
        if text:
            text += "\n\n"
        text += f"{speaker}: "
        start = len(text)
        for i, sentence in enumerate(sents):
            if i:
                text += " "
            sentences.append((len(text), len(text) + len(sentence)))
            text += sentence
        turn_inputs.append(TurnInput(start, len(text), speaker))
    text += "\n"
    return DocumentInput(
        name=name,
        text=text,
        sha256=name,
        source_format="txt",
        turns=turn_inputs,
        sentences=sentences,
        attributes=dict(attrs),
    )


def span(text: str, first: str, last: str) -> tuple[int, int]:
    shift = 1 if first.startswith("^") else 0
    first = first.lstrip("^")
    start = text.index(first) - shift
    end = text.index(last, start) + len(last)
    return start, end


def build_hand_project(directory: Path, memos: bool = True) -> tuple[Path, dict[str, int]]:
    """Create ``directory/hand.qc``; returns its path and {coding label: coding id}."""
    path = directory / "hand.qc"
    ids: dict[str, int] = {}
    with Project.create(path, coder="alice") as project:
        for name in DOCS:
            project.documents.add(document_input(name))
        for speaker, gender in GENDER.items():
            doc = {"Anna": "a1", "Ben": "b2", "Cara": "c3", "Dan": "c3"}[speaker]
            project.documents.set_speaker_attribute(doc, speaker, "gender", gender)
        project.codebook.add(
            "Support",
            brief="Help that participants get from others.",
            definition="Talk about receiving help. Includes peers and supervisors.",
        )
        project.codebook.add("Peer support", parent="Support", brief="Help from colleagues.")
        project.codebook.add("Supervision", parent="Support", brief="Help from a supervisor.")
        project.codebook.add("Stress", brief="Strain at work.", definition="Talk about strain.")
        project.codebook.add("Workload", parent="Stress", brief="Too much work.")
        project.codebook.add("Burnout", parent="Stress", brief="Exhaustion.")
        project.codebook.add("Joy", brief="Pleasure in the work.")
        texts = {name: project.documents.get(name).text for name in DOCS}
        for label, doc, code, first, last, coder in CODINGS:
            project.coder = coder
            project._coder_id = None
            start, end = span(texts[doc], first, last)
            ids[label] = project.codings.add(doc, code, start, end)
        project.coder = "alice"
        project._coder_id = None
        if memos:
            project.memos.set("code", "Workload", "Workload talk clusters in GP interviews.")
            project.memos.set("code", "Support", "Support mostly means peers.")
            project.memos.set("project", None, "Pilot coding of three interviews.")
    return path, ids


def test_fixture_spans_are_what_the_comments_say(tmp_path: Path) -> None:
    path, ids = build_hand_project(tmp_path)
    with Project.open(path) as project:
        c = {label: project.codings.get(cid) for label, cid in ids.items()}
        assert c["c1"].text == (
            "The group gives me support when the work is heavy. "
            "My colleagues listen to me every week."
        )
        assert c["c3"].start == c["c1"].end  # touching, by construction
        assert c["c3"].text == " I feel less alone with hard patients."
        assert c["c12"].text == "good questions. I am tired"
        assert c["c17"].coder == "bob" and (c["c17"].start, c["c17"].end) == (
            c["c13"].start,
            c["c13"].end,
        )
        assert len(project.codings.list()) == 18
