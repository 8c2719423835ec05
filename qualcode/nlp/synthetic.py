"""Generated interview-like corpora with known codings, for tests and benchmarks.

Each code gets its own small vocabulary; a coded sentence mixes a few of its code's words into
ordinary talk, and an uncoded sentence is talk only. The learned classifier must find the code
words on documents it has never seen, which is what the F1 check and the benchmark measure.
No randomness leaks in: the same seed gives the same corpus.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

FILLER = (
    "well you know it was a long day at the practice and we talked for a while "
    "i think the morning was busy with the usual list of patients and phone calls "
    "then in the afternoon there was the meeting and after that some paperwork "
    "we sat in the small room with coffee and looked at the schedule for next week "
    "it is hard to say exactly but that is how it usually goes on a tuesday "
    "my colleague mentioned the new system for the lab results and the printer "
    "sometimes the bus is late so i walk to the centre along the river instead"
).split()

CODE_WORDS: dict[str, Sequence[str]] = {
    "Money": ("budget", "funding", "salary", "invoice", "afford", "expensive", "fee", "cost"),
    "Loneliness": ("alone", "lonely", "isolated", "nobody", "solitary", "abandoned", "apart"),
    "Anger": ("angry", "furious", "irritated", "rage", "annoyed", "fuming", "resentment"),
    "Joy": ("joy", "delight", "wonderful", "happy", "pleasure", "cheerful", "laughter"),
}


@dataclass
class SyntheticDocument:
    name: str
    text: str
    codings: list[tuple[str, int, int]] = field(default_factory=list)  # (code, start, end)


def _sentence(rng: random.Random, words: Sequence[str] | None) -> str:
    n = rng.randint(8, 16)
    tokens = [rng.choice(FILLER) for _ in range(n)]
    if words:
        for _ in range(rng.randint(2, 3)):
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(words))
    return tokens[0].capitalize() + " " + " ".join(tokens[1:]) + "."


def generate(
    documents: int = 8,
    sentences: int = 40,
    codes: dict[str, Sequence[str]] | None = None,
    coded_share: float = 0.3,
    seed: int = 0,
    speaker: str = "P",
) -> list[SyntheticDocument]:
    """``documents`` transcripts of ``sentences`` sentences each, in turns of 1-4 sentences
    alternating between an interviewer (never coded) and ``speaker``; about ``coded_share`` of
    the speaker's sentences carry one code's words and are coded with it."""
    codes = dict(codes or CODE_WORDS)
    names = list(codes)
    rng = random.Random(seed)
    out: list[SyntheticDocument] = []
    for d in range(documents):
        doc = SyntheticDocument(f"synthetic{d + 1:03d}", "")
        parts: list[str] = []
        pos = 0
        written = 0
        while written < sentences:
            question = "Interviewer: Could you tell me more about that?\n"
            parts.append(question)
            pos += len(question)
            prefix = f"{speaker}: "
            parts.append(prefix)
            pos += len(prefix)
            said: list[str] = []
            for _ in range(min(rng.randint(1, 4), sentences - written)):
                code = rng.choice(names) if rng.random() < coded_share else None
                sentence = _sentence(rng, codes[code] if code else None)
                start = pos + sum(len(s) + 1 for s in said)
                if code:
                    doc.codings.append((code, start, start + len(sentence)))
                said.append(sentence)
                written += 1
            line = " ".join(said) + "\n"
            parts.append(line)
            pos += len(line)
        doc.text = "".join(parts)
        out.append(doc)
    return out
