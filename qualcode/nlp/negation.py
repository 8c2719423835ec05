"""Negation scope for rule matches: "nobody competed" should not suggest *Rivalry*.

A match is *negated* when a negation cue (no, not, n't, never, nobody, nothing, without,
hardly…) stands before it in the same clause, at most :data:`WINDOW` tokens back. A clause ends
at punctuation (``, ; : — ( )``…) and at a conjunction that opens a new clause ("but",
"because", "although"…), so "No, the rivalry was obvious" and "I was not there, but the rivalry
was" are not negated. A cue inside the match itself belongs to the rule ("not feel alone"), and
"not only" / "not just" / "no doubt" are not negations of what follows.

With a trained pipeline (a parser), a ``neg`` dependent of a matched token or of its head also
negates the match, which catches cues after the words ("the competition was never there").

Per code, a negated match is dropped (``skip``, the default), kept as a suggestion flagged
``negated`` (``flag``), or treated like any other (``ignore``): :data:`MODES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

MODES = ("skip", "flag", "ignore")
DEFAULT_MODE = "skip"
WINDOW = 8
"""Tokens looked at before a match: enough for "nobody in the group ever really competed"."""

CUES = frozenset(
    """no not n't nt never nobody nothing none neither nor without hardly barely scarcely
    cannot nowhere noone nope""".split()
)
# A cue followed by one of these does not negate what comes after it.
_NOT_NEGATING_NEXT = frozenset({"only", "just", "doubt", "matter", "wonder", "longer", "less"})
_CLAUSE_WORDS = frozenset(
    """but because although though however whereas while yet so instead except unless
    until since then""".split()
)
_CLAUSE_PUNCT = frozenset(',;:()[]—–-…?!."“”')


def is_negated(doc: Doc, start: int, end: int) -> bool:
    """Whether tokens ``doc[start:end]`` (a rule match) fall inside a negation's scope."""
    for token in doc[start:end]:
        if token.lower_ in CUES:
            return False  # the rule itself is about a negation
    lo = max(0, start - WINDOW)
    for i in range(start - 1, lo - 1, -1):
        token = doc[i]
        word = token.lower_
        if word in _CLAUSE_WORDS or (token.is_punct and word in _CLAUSE_PUNCT):
            break
        if word in CUES or (word.endswith("n't") and len(word) > 3):
            following = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            if following in _NOT_NEGATING_NEXT:
                continue
            return True
    if doc.has_annotation("DEP"):
        for token in doc[start:end]:
            for node in (token, token.head):
                if any(child.dep_ == "neg" for child in node.children):
                    return True
    return False


def mode_for(modes: dict[str, str], code_name: str) -> str:
    """The negation mode of a code: its own entry, else the ``*`` entry, else the default."""
    return modes.get(code_name) or modes.get("*") or DEFAULT_MODE
