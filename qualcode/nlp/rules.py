"""Rule auto-coding: a codebook's ``keywords`` and ``patterns`` compiled into spaCy matchers.

Keywords go into two ``PhraseMatcher``s, one on lemmas (so "felt angry" finds the keyword
"feel angry") and one on lower-case words (so a keyword written in an inflected form, or a word
the lemma tables do not know, still matches as written). ``patterns`` are spaCy ``Matcher`` token
patterns, validated by spaCy itself when they are compiled; every bad pattern is reported with its
code and index before anything is matched, so a researcher fixes them all in one go.

Lemmas come from spaCy's lookup tables (spacy-lookups-data) on the blank English pipeline, looked
up by the *lower-case* word: spaCy's lookup lemmatizer is case-sensitive ("Feeling" stays
"Feeling"), which would make a sentence-initial word miss its keyword. With a trained pipeline
(``--model en_core_web_sm``) its own lemmatizer is used, lower-cased the same way. Lemmas are set
per token from a cache, which costs a fraction of spaCy's per-token lemmatizer call.

Text is matched one stored sentence at a time, so a match never runs across a sentence (or a
speaker's turn) and its offsets map straight back into the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

BATCH_SIZE = 1000
# Token attributes that only a trained pipeline component can fill in.
_NEEDS_MODEL = {"POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID", "HEAD"}
_PROBE = "I did not feel alone. She came back later, and we talked about it."


class RuleError(QualcodeError):
    """Some codebook rules cannot be compiled; ``problems`` has one line per bad rule."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True)
class CodeRules:
    """What rule auto-coding needs from one code: its id, name, keywords and patterns."""

    id: int
    name: str
    keywords: Sequence[str] = ()
    patterns: Sequence[Any] = ()


@dataclass(frozen=True)
class RuleMatch:
    """One rule firing: ``text[start:end]`` (document offsets) are exactly ``words``."""

    code_id: int
    rule: str
    start: int
    end: int
    words: str

    def describe(self) -> str:
        """The line stored in a suggestion's ``reason``; :func:`reason_spans` reads it back."""
        return f"{self.rule} matched {json.dumps(self.words, ensure_ascii=False)} [{self.start}:{self.end}]"


_SPAN = re.compile(r"\[(\d+):(\d+)\]")


def reason_spans(reason: str) -> list[tuple[int, int]]:
    """The matched-word offsets recorded in a rule suggestion's reason (for highlighting)."""
    return [(int(a), int(b)) for a, b in _SPAN.findall(reason)]


def describe_pattern(pattern: Sequence[dict[str, Any]]) -> str:
    """A compact human form of a token pattern, e.g. ``not feel? so|as? alone``."""
    parts: list[str] = []
    for token in pattern:
        op = str(token.get("OP", ""))
        values = [v for k, v in token.items() if k != "OP"]
        if not values:
            word = "…" if op in ("*", "+") else "_"
            op = "" if op in ("*", "+") else op
        else:
            value = values[0]
            if isinstance(value, dict):
                inner = value.get("IN") or value.get("REGEX") or next(iter(value.values()), "")
                word = "|".join(map(str, inner)) if isinstance(inner, list) else str(inner)
                if "NOT_IN" in value:
                    word = "!" + "|".join(map(str, value["NOT_IN"]))
            else:
                word = str(value)
        parts.append(word + op)
    return " ".join(parts)


class Lemmas:
    """Lower-cased dictionary forms, looked up once per distinct word and cached.

    The blank pipeline looks the lower-case word up in spaCy's lookup table; a trained pipeline
    has set lemmas already, which are only lower-cased here so that both behave alike.
    """

    def __init__(self, nlp: Language, trained: bool) -> None:
        self.strings = nlp.vocab.strings
        self.trained = trained
        self.cache: dict[int, int] = {}
        self.table = (
            None if trained else nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        )

    def of(self, h: int) -> int:
        """Lemma hash for a LOWER hash (blank pipeline) or a LEMMA hash (trained pipeline)."""
        value = self.cache.get(h)
        if value is None:
            word = self.strings[h]
            if self.table is not None:
                word = self.table.get(word, word)
            value = self.cache.setdefault(h, self.strings.add(word.lower()))
        return value

    def set(self, doc: Doc) -> None:
        """Write the lemmas into ``doc`` (what the LEMMA matchers read)."""
        of = self.of
        if self.trained:
            for token in doc:
                token.lemma = of(token.lemma)
        else:
            for token in doc:
                token.lemma = of(token.lower)


@dataclass
class _Gate:
    """A cheap necessary condition for each rule, so the matchers only see sentences that might
    match: most sentences contain no keyword's words and no pattern's required words, and
    spaCy's Matcher evaluates IN-predicates in Python for every token of every text it sees.

    ``index`` maps a word hash (lower-case form or lemma) to the (rule, token) conditions it
    satisfies; a rule is a candidate when all its ``need`` conditions are met.
    """

    index: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    need: list[int] = field(default_factory=list)
    is_pattern: list[bool] = field(default_factory=list)
    always_phrase: bool = False
    always_pattern: bool = False

    def add_rule(self, is_pattern: bool, tokens: list[set[int]]) -> None:
        rule = len(self.need)
        self.need.append(len(tokens))
        self.is_pattern.append(is_pattern)
        if not tokens:
            if is_pattern:
                self.always_pattern = True
            else:
                self.always_phrase = True
        for t, hashes in enumerate(tokens):
            for h in hashes:
                self.index.setdefault(h, []).append((rule, t))

    def which(self, words: set[int]) -> tuple[bool, bool]:
        """(run the phrase matchers?, run the pattern matcher?) for a text with these words."""
        phrase, pattern = self.always_phrase, self.always_pattern
        if phrase and pattern:
            return True, True
        met: dict[int, set[int]] = {}
        get = self.index.get
        for h in words:
            for rule, t in get(h, ()):
                met.setdefault(rule, set()).add(t)
        for rule, ts in met.items():
            if len(ts) == self.need[rule]:
                if self.is_pattern[rule]:
                    pattern = True
                else:
                    phrase = True
                if phrase and pattern:
                    break
        return phrase, pattern


@dataclass
class RuleSet:
    """Compiled rules, ready to match many texts. Build it with :func:`compile_rules`."""

    nlp: Language
    lemmas: Lemmas
    phrase_lemma: Any
    phrase_lower: Any
    matcher: Any
    labels: dict[int, tuple[int, str]] = field(default_factory=dict)
    gate: _Gate | None = None

    @property
    def empty(self) -> bool:
        return not self.labels

    def match_texts(
        self, pieces: Iterable[tuple[int, str]]
    ) -> Iterator[tuple[int, list[RuleMatch]]]:
        """For each (offset, text) piece, the matches in it with offsets into the document."""
        pieces = pieces if isinstance(pieces, list) else list(pieces)
        texts = (text for _, text in pieces)
        if self.lemmas.trained:
            docs = self.nlp.pipe(texts, batch_size=BATCH_SIZE)
        else:
            docs = self.nlp.tokenizer.pipe(texts, batch_size=BATCH_SIZE)
        for (offset, _), doc in zip(pieces, docs, strict=True):
            yield offset, self.match_doc(doc, offset)

    def match_text(self, text: str, offset: int = 0) -> list[RuleMatch]:
        """The matches in one text (a convenience for tests and previews)."""
        return next(self.match_texts([(offset, text)]))[1]

    def match_doc(self, doc: Doc, offset: int = 0) -> list[RuleMatch]:
        """Every rule match in a tokenised ``doc`` (offsets shifted by ``offset``)."""
        from spacy.attrs import LOWER

        run_phrase = run_pattern = True
        if self.gate is not None:
            lowers = set(doc.to_array(LOWER).tolist())
            of = self.lemmas.of
            run_phrase, run_pattern = self.gate.which(lowers | {of(h) for h in lowers})
            if not (run_phrase or run_pattern):
                return []
        self.lemmas.set(doc)
        found: set[tuple[int, int, int]] = set()
        if run_phrase:
            found.update(self.phrase_lemma(doc))
            found.update(self.phrase_lower(doc))
        if run_pattern:
            found.update(self.matcher(doc))
        out: list[RuleMatch] = []
        for key, start, end in sorted(found, key=lambda m: (m[1], m[2], m[0])):
            code_id, rule = self.labels[key]
            span = doc[start:end]
            out.append(
                RuleMatch(
                    code_id, rule, offset + span.start_char, offset + span.end_char, span.text
                )
            )
        return out


def compile_rules(codes: Iterable[CodeRules], model: str | None = None) -> RuleSet:
    """Build the matchers for ``codes``; raise :class:`RuleError` listing every bad rule.

    ``model`` names an installed trained pipeline (default: blank English + lookup lemmas).
    """
    from spacy.matcher import Matcher, PhraseMatcher

    from qualcode.nlp.pipeline import get_pipeline

    nlp = get_pipeline(model, lemmas=True)
    trained = bool(model)
    lemmas = Lemmas(nlp, trained)
    strings = nlp.vocab.strings
    phrase_lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
    phrase_lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher = Matcher(nlp.vocab, validate=True)
    labels: dict[int, tuple[int, str]] = {}
    problems: list[str] = []
    # A trained pipeline's lemmas depend on context, so no word-level gate is sound there.
    gate = None if trained else _Gate()
    probe = nlp(_PROBE) if trained else nlp.make_doc(_PROBE)
    lemmas.set(probe)
    for code in codes:
        for j, keyword in enumerate(code.keywords):
            name = f"qualcode:{code.id}:kw:{j}"
            lower_doc = nlp.make_doc(keyword) if isinstance(keyword, str) else None
            if lower_doc is None or not len(lower_doc):
                problems.append(f"code '{code.name}' keywords[{j}]: no words in {keyword!r}")
                continue
            lemma_doc = nlp(keyword) if trained else nlp.make_doc(keyword)
            lemmas.set(lemma_doc)
            labels[strings.add(name)] = (
                code.id,
                f"keyword {json.dumps(keyword, ensure_ascii=False)}",
            )
            phrase_lower.add(name, [lower_doc])
            phrase_lemma.add(name, [lemma_doc])
            if gate is not None:
                gate.add_rule(
                    False, [{a.lower, b.lemma} for a, b in zip(lower_doc, lemma_doc, strict=True)]
                )
        for j, pattern in enumerate(code.patterns):
            problem = _pattern_problem(pattern, nlp, probe, trained)
            if problem:
                problems.append(f"code '{code.name}' patterns[{j}]: {problem}")
                continue
            name = f"qualcode:{code.id}:pt:{j}"
            labels[strings.add(name)] = (
                code.id,
                f"pattern[{j}] {json.dumps(describe_pattern(pattern), ensure_ascii=False)}",
            )
            pattern = _lower_lemmas(pattern)
            matcher.add(name, [pattern], greedy="LONGEST")
            if gate is not None:
                gate.add_rule(True, _required_words(pattern, strings))
    if problems:
        raise RuleError(problems)
    return RuleSet(nlp, lemmas, phrase_lemma, phrase_lower, matcher, labels, gate)


_OPTIONAL_OPS = {"?", "*", "!"}


def _required_words(pattern: list[dict[str, Any]], strings: Any) -> list[set[int]]:
    """For each token a match cannot do without, the word hashes one of which it must be.

    Only plain LOWER/ORTH/TEXT/LEMMA values and IN-lists count; a token constrained otherwise
    (REGEX, NORM, shape...) or optional adds no condition, which keeps the gate conservative.
    """
    out: list[set[int]] = []
    for token in pattern:
        op = str(token.get("OP", ""))
        if op in _OPTIONAL_OPS or re.fullmatch(r"\{0*(,\d*)?\}", op):
            continue
        for attr in ("LOWER", "LEMMA", "ORTH", "TEXT"):
            value = token.get(attr)
            if isinstance(value, str):
                words = [value]
            elif isinstance(value, dict) and set(value) == {"IN"}:
                words = [str(v) for v in value["IN"]]
            else:
                continue
            if attr in ("ORTH", "TEXT"):
                words = [w.lower() for w in words]
            out.append({strings.add(w) for w in words})
            break
    return out


def check_rules(codes: Iterable[CodeRules], model: str | None = None) -> list[str]:
    """Every problem in the codes' rules, one line each (empty when all compile)."""
    try:
        compile_rules(codes, model)
    except RuleError as exc:
        return exc.problems
    return []


def _pattern_problem(pattern: Any, nlp: Language, probe: Doc, trained: bool) -> str | None:
    """spaCy's own verdict on one pattern, as a short sentence (None if it is fine)."""
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher

    if not isinstance(pattern, list) or not pattern:
        return "must be a non-empty list of token descriptions"
    for k, token in enumerate(pattern):
        if not isinstance(token, dict):
            return f"token {k}: must be a mapping like {{LOWER: alone}}"
        if "_" in token:
            return f"token {k}: custom attributes ('_') are not supported"
        needs = sorted(set(token) & _NEEDS_MODEL)
        if needs and not trained:
            return (
                f"token {k} uses {', '.join(needs)}, which needs a trained pipeline "
                "(--model en_core_web_sm or the project setting spacy_model)"
            )
    single = Matcher(nlp.vocab, validate=True)
    try:
        single.add("probe", [_lower_lemmas(pattern)], greedy="LONGEST")
        single(probe)
    except MatchPatternError as exc:
        return _short_spacy_error(str(exc), pattern)
    except re.error as exc:
        return f"bad regular expression ({exc})"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _short_spacy_error(str(exc), pattern)
    return None


def _short_spacy_error(message: str, pattern: list[dict[str, Any]]) -> str:
    """spaCy's multi-line pattern error squeezed into one readable line: per offending token
    attribute, its value and spaCy's first complaint about it."""
    details: dict[tuple[int, str], str] = {}
    for line in message.splitlines():
        m = re.match(r"\s*- \[pattern -> (\d+) -> (\S+).*?\] ([A-Z].*)", line)
        if not m:
            continue
        k, attr, why = int(m.group(1)), m.group(2), m.group(3)
        if (k, attr) in details:
            continue
        value = pattern[k].get(attr) if k < len(pattern) else None
        shown = "" if value is None else f" {json.dumps(value, ensure_ascii=False)}"
        if why.startswith("Extra inputs"):
            details[(k, attr)] = f"token {k}: unknown token attribute '{attr}'"
            continue
        details[(k, attr)] = f"token {k} {attr}{shown}: {why[:1].lower()}{why[1:]}"
    if details:
        return "; ".join(details.values())
    first = message.strip().splitlines()[0] if message.strip() else "invalid pattern"
    return re.sub(r"^\[E\d+\]\s*", "", first)


def _lower_lemmas(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """LEMMA values lower-cased, because lemmas are matched lower-cased (see module doc)."""
    out: list[dict[str, Any]] = []
    for token in pattern:
        token = dict(token)
        value = token.get("LEMMA")
        if isinstance(value, str):
            token["LEMMA"] = value.lower()
        elif isinstance(value, dict):
            token["LEMMA"] = {
                k: [v.lower() if isinstance(v, str) else v for v in vals]
                if isinstance(vals, list)
                else vals
                for k, vals in value.items()
            }
        out.append(token)
    return out


def code_rules(codes: Iterable[Any]) -> list[CodeRules]:
    """Project ``Code`` records (or anything with id/name/keywords/patterns) as rule input."""
    return [
        CodeRules(c.id, c.name, tuple(c.keywords or ()), tuple(c.patterns or ()))
        for c in codes
        if c.keywords or c.patterns
    ]
