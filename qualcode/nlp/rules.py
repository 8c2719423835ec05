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

``REGEX`` conditions are not left to spaCy, which runs them with Python's ``re``: a pattern such
as ``^(a+)+$`` backtracks for minutes on one long word. Each one becomes a token extension that
runs the expression with the ``regex`` module (linear on most such patterns) under a time budget
per word, :data:`REGEX_BUDGET`; a word that takes longer stops the run with a :class:`RuleError`
naming the code, the pattern and the token. :func:`slow_regexes` (``autocode --check``) tries
each expression on adversarial words made from its own characters before anything runs.
"""

from __future__ import annotations

import builtins
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import regex

from qualcode.errors import QualcodeError
from qualcode.nlp.negation import is_negated
from qualcode.text import without_annotations

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

BATCH_SIZE = 1000
# Anchors are re-chosen from word counts in an even sample of the first large batch of texts.
TUNE_MIN = 200
TUNE_SAMPLE = 2000
# Token attributes that only a trained pipeline component can fill in.
_NEEDS_MODEL = {"POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID", "HEAD"}
_PROBE = "I did not feel alone. She came back later, and we talked about it."
# Seconds one REGEX may take on one word (the regex module's timeout).
REGEX_BUDGET = 0.2


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
    negated: bool = False

    def describe(self) -> str:
        """The line stored in a suggestion's ``reason``; :func:`reason_spans` reads it back."""
        words = json.dumps(self.words, ensure_ascii=False)
        return f"{self.rule} matched {words} [{self.start}:{self.end}]"


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
            None if trained else nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]  # spaCy types get_pipe as a callable; it is the Lemmatizer
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

    def forms(self, lemma: str) -> builtins.set[str]:
        """Every lower-case word whose lemma is ``lemma`` (itself included): the words a
        LEMMA condition can be met by, read from the same lookup data as the lemmatizer."""
        return {lemma} | _lemma_forms().get(lemma, frozenset())


@lru_cache(maxsize=1)
def _lemma_forms() -> dict[str, frozenset[str]]:
    """lemma -> the lower-case words the English lookup table maps to it."""
    from spacy.util import load_language_data, registry

    raw = dict(load_language_data(registry.lookups.get("en")["lemma_lookup"]))
    index: dict[str, set[str]] = {}
    for word, base in raw.items():
        if word == word.lower() and isinstance(base, str):
            index.setdefault(base.lower(), set()).add(word)
    return {lemma: frozenset(words) for lemma, words in index.items()}


@dataclass
class _Gate:
    """A cheap necessary condition for each rule, so the matchers only see texts that might
    match (they give the same result without it; the tests check that).

    A rule is a list of required tokens, each the set of lower-case words one of which must
    occur (for a lemma, every word form the lookup table maps to it). Each rule is indexed under
    one *anchor* token, its rarest (by word counts in a sample of the texts, see :meth:`tune`).
    Two checks follow:

    * before tokenising, one regular expression over the lower-cased text looks for any anchor
      word not inside a run of letters. That is sound because the tokenizer only splits a run
      of letters through its special cases ("can't" -> "ca" + "n't", "cannot"); every special
      case producing an anchor word is added to the expression as a whole word;
    * for a text that passes, :meth:`text_candidates` picks the rules all of whose required
      tokens are in it, still without tokenising: a token made only of letters is a whole run
      of letters in the text (or a special case's piece), any other token a substring. Only
      texts with a picked rule are tokenised, and only the picked rules' matchers run;
    * :meth:`candidates` does the same on a tokenised text's words, for when there is no text
      check (a rule that requires no particular word).

    This matters because most sentences match nothing, and spaCy's Matcher evaluates
    IN-predicates in Python for every token of every text it is given.
    """

    strings: Any
    stop: frozenset[str]
    rules: list[list[set[int]]] = field(default_factory=list)
    # anchor hash -> (rule, its other required tokens): what candidates() checks
    checks: dict[int, list[tuple[int, tuple[set[int], ...]]]] = field(default_factory=dict)
    anchor_set: frozenset[int] = frozenset()  # the keys of ``checks``
    # The same as ``checks`` in words, for text_candidates() before tokenising:
    word_checks: dict[str, list[tuple[int, tuple[set[str], ...]]]] = field(default_factory=dict)
    word_anchor_set: frozenset[str] = frozenset()
    loose: tuple[str, ...] = ()  # required words that are not one run of letters ("n't")
    # first run of letters of a special case -> (all its runs, required words among its
    # pieces that are not one of those runs: "can" from "cannot", "do" from "don't")
    specials: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = field(default_factory=dict)
    always: list[int] = field(default_factory=list)
    anchor_words: set[str] = field(default_factory=set)
    text_check: Any = None  # compiled by finish(); None: every text is tokenised
    words: list[list[set[str]]] = field(default_factory=list)  # rules' tokens, as strings
    special_cases: dict[str, Any] = field(default_factory=dict)
    tuned: bool = False

    def finish(self, special_cases: dict[str, Any]) -> None:
        """Choose anchors and build the text-level check (with the tokenizer's special cases)."""
        self.special_cases = special_cases
        self._choose_anchors()
        self._compile_text_check()

    def _compile_text_check(self) -> None:
        if self.always or not self.anchor_words:
            self.text_check = None
            return
        words = set(self.anchor_words)
        for string, pieces in self.special_cases.items():
            parts = {str(p.get(65, p.get("ORTH", ""))).lower() for p in pieces}  # 65 = ORTH
            if parts & self.anchor_words:
                words.add(string.lower())
        letter = r"[^\W\d_]"
        self.text_check = re.compile(f"(?<!{letter})(?:{_trie_regex(words)})(?!{letter})")
        required = set().union(*(ws for tokens in self.words for ws in tokens))
        self.loose = tuple(sorted(w for w in required if _RUNS.fullmatch(w) is None))
        self.specials = {}
        for string, pieces in self.special_cases.items():
            runs = _RUNS.findall(string.lower())
            parts = {str(p.get(65, p.get("ORTH", ""))).lower() for p in pieces}
            extra = (parts & required) - set(runs) - set(self.loose)
            if runs and extra:
                self.specials.setdefault(runs[0], []).append((frozenset(runs), frozenset(extra)))

    def text_candidates(self, lowered: str) -> list[int]:
        """The rules that may match the lower-cased text, found before tokenising it: a
        superset of :meth:`candidates` of its tokens, which is all the matchers need.

        A token made of letters only stands in the text as a whole run of letters (see the
        class docstring), unless it comes from a special case, whose pieces are added when all
        the special case's runs of letters are there; any other token is a substring."""
        found = set(_RUNS.findall(lowered))
        specials = self.specials
        for run in found & specials.keys():
            for runs, extra in specials[run]:
                if runs <= found:
                    found |= extra
        for word in self.loose:
            if word in lowered:
                found.add(word)
        out = list(self.always)
        word_checks = self.word_checks
        for w in found & self.word_anchor_set:
            for rule, others in word_checks[w]:
                if not others or all(not found.isdisjoint(ws) for ws in others):
                    out.append(rule)
        return out

    def maybe(self, text: str) -> bool:
        """False only when no rule can match ``text`` (checked without tokenising it)."""
        return self.text_check is None or self.text_check.search(text.lower()) is not None

    def add_rule(self, tokens: list[set[str]]) -> int:
        """Register a rule; returns its number."""
        rule = len(self.rules)
        tokens = [t for t in tokens if t]
        self.rules.append([{self.strings.add(w) for w in words} for words in tokens])
        self.words.append(tokens)
        if not tokens:
            self.always.append(rule)
        return rule

    def _choose_anchors(self, counts: dict[str, int] | None = None) -> None:
        """Index every rule under its rarest required token: by its frequency in ``counts``
        (a sample of the texts about to be matched) when given, else in general English."""
        self.checks = {}
        self.word_checks = {}
        self.anchor_words = set()
        for rule, tokens in enumerate(self.words):
            if not tokens:
                continue

            def rarity(i: int, tokens: list[set[str]] = tokens) -> tuple[float, float]:
                local = sum(counts.get(w, 0) for w in tokens[i]) if counts else 0
                return (local, self.commonness(tokens[i]))

            best = min(range(len(tokens)), key=rarity)
            self.anchor_words.update(tokens[best])
            others = tuple(hs for i, hs in enumerate(self.rules[rule]) if i != best)
            other_words = tuple(ws for i, ws in enumerate(tokens) if i != best)
            for w in tokens[best]:
                self.word_checks.setdefault(w, []).append((rule, other_words))
            for h in self.rules[rule][best]:
                self.checks.setdefault(h, []).append((rule, others))
        self.anchor_set = frozenset(self.checks)
        self.word_anchor_set = frozenset(self.word_checks)

    def tune(self, samples: Iterable[Doc]) -> None:
        """Re-pick anchors by how often words occur in a sample of the actual texts: in a
        corpus about Balint groups "group" is everywhere, though rare in English at large."""
        counts: dict[str, int] = {}
        for doc in samples:
            for token in doc:
                counts[token.lower_] = counts.get(token.lower_, 0) + 1
        self.tuned = True
        self._choose_anchors(counts)
        self._compile_text_check()

    def commonness(self, words: set[str]) -> float:
        """A rough prior for how often any of ``words`` occurs, before the gate has seen the
        texts: stop words are common, short words more common than long ones. (spaCy's
        English word probabilities would be better but cost 230 MB and a second to load; the
        gate re-picks anchors from real counts as soon as it sees enough text.)"""
        return sum(1.0 if w in self.stop else 1.0 / (1 + len(w)) for w in words)

    def candidates(self, words: set[int]) -> list[int]:
        """The rules all of whose required tokens occur among ``words`` (lower-case hashes)."""
        out = list(self.always)
        checks = self.checks
        # One C-level intersection instead of a dictionary look-up per word of the text.
        for h in words & self.anchor_set:
            for rule, others in checks[h]:
                if not others or all(not words.isdisjoint(hs) for hs in others):
                    out.append(rule)
        return out


@dataclass
class RuleSet:
    """Compiled rules, ready to match many texts. Build it with :func:`compile_rules`.

    Keywords share two PhraseMatchers (they are cheap to run); each pattern gets a Matcher of
    its own, run only on texts where the gate says it could match.
    """

    nlp: Language
    lemmas: Lemmas
    phrase_lemma: Any
    phrase_lower: Any
    gate: _Gate
    labels: dict[int, tuple[int, str]] = field(default_factory=dict)
    matchers: dict[int, Any] = field(default_factory=dict)  # gate rule -> Matcher
    phrase_rules: set[int] = field(default_factory=set)
    use_gate: bool = True
    codes: list[CodeRules] = field(default_factory=list)  # what was compiled (for --check)

    @property
    def empty(self) -> bool:
        return not self.labels

    def match_texts(
        self, pieces: Iterable[tuple[int, str]]
    ) -> Iterator[tuple[int, list[RuleMatch]]]:
        """For each (offset, text) piece, the matches in it with offsets into the document.

        Bracketed non-speech annotations (``[laughs]``) are blanked out first (same length,
        so offsets hold): no rule matches inside one."""
        pieces = [(offset, without_annotations(text)) for offset, text in pieces]
        if self.use_gate and not self.gate.tuned and len(pieces) >= TUNE_MIN:
            step = max(1, len(pieces) // TUNE_SAMPLE)
            sample = [text for _, text in pieces[::step][:TUNE_SAMPLE]]
            self.gate.tune(self.nlp.tokenizer.pipe(sample, batch_size=BATCH_SIZE))  # type: ignore[union-attr]  # spaCy types nlp.tokenizer as a callable; it is a Tokenizer
        chosen: dict[int, list[int]] | None = None
        if self.use_gate and self.gate.text_check is not None:
            # Rules are picked from each text's words before tokenising, so a text whose
            # anchors are all there but whose other required words are not is never tokenised.
            search = self.gate.text_check.search
            pick = self.gate.text_candidates
            chosen = {}
            for i, (_, text) in enumerate(pieces):
                lowered = text.lower()
                if search(lowered) is not None:
                    found = pick(lowered)
                    if found:
                        chosen[i] = found
            wanted = list(chosen)
        elif self.use_gate:
            maybe = self.gate.maybe
            wanted = [i for i, (_, text) in enumerate(pieces) if maybe(text)]
        else:
            wanted = list(range(len(pieces)))
        texts = (pieces[i][1] for i in wanted)
        if self.lemmas.trained:
            docs = self.nlp.pipe(texts, batch_size=BATCH_SIZE)
        else:
            docs = self.nlp.tokenizer.pipe(texts, batch_size=BATCH_SIZE)  # type: ignore[union-attr]  # spaCy types nlp.tokenizer as a callable; it is a Tokenizer
        done = 0
        for i, doc in zip(wanted, docs, strict=True):
            while done < i:
                yield pieces[done][0], []
                done += 1
            rules = None if chosen is None else chosen[i]
            yield pieces[i][0], self.match_doc(doc, pieces[i][0], rules)
            done += 1
        while done < len(pieces):
            yield pieces[done][0], []
            done += 1

    def match_text(self, text: str, offset: int = 0) -> list[RuleMatch]:
        """The matches in one text (a convenience for tests and previews)."""
        return next(self.match_texts([(offset, text)]))[1]

    def match_doc(
        self, doc: Doc, offset: int = 0, rules: list[int] | None = None
    ) -> list[RuleMatch]:
        """Every rule match in a tokenised ``doc`` (offsets shifted by ``offset``). ``rules``
        are the rules that may match it, when the caller knows (from the text's words)."""
        if rules is not None:
            pass
        elif self.use_gate:
            rules = self.gate.candidates({token.lower for token in doc})
            if not rules:
                return []
        else:
            rules = list(range(len(self.gate.rules)))
        self.lemmas.set(doc)
        found: set[tuple[int, int, int]] = set()
        phrase = False
        for rule in rules:
            matcher = self.matchers.get(rule)
            if matcher is not None:
                found.update(matcher(doc))
            elif rule in self.phrase_rules:
                phrase = True
        if phrase:
            found.update(self.phrase_lemma(doc))
            found.update(self.phrase_lower(doc))
        out: list[RuleMatch] = []
        for key, start, end in sorted(found, key=lambda m: (m[1], m[2], m[0])):
            code_id, rule_name = self.labels[key]
            span = doc[start:end]
            out.append(
                RuleMatch(
                    code_id,
                    rule_name,
                    offset + span.start_char,
                    offset + span.end_char,
                    span.text,
                    is_negated(doc, start, end),
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
    rules = RuleSet(
        nlp,
        lemmas,
        PhraseMatcher(nlp.vocab, attr="LEMMA"),
        PhraseMatcher(nlp.vocab, attr="LOWER"),
        _Gate(strings, frozenset(nlp.Defaults.stop_words)),
        # A trained pipeline's lemmas depend on context, so no word-level gate is sound there.
        use_gate=not trained,
    )
    problems: list[str] = []
    probe = nlp(_PROBE) if trained else nlp.make_doc(_PROBE)
    lemmas.set(probe)
    codes = list(codes)
    rules.codes = codes
    for code in codes:
        for j, keyword in enumerate(code.keywords):
            name = f"qualcode:{code.id}:kw:{j}"
            mode, phrase = keyword_mode(keyword) if isinstance(keyword, str) else ("", "")
            lower_doc = nlp.make_doc(phrase) if phrase else None
            if lower_doc is None or not len(lower_doc):
                problems.append(f"code '{code.name}' keywords[{j}]: no words in {keyword!r}")
                continue
            lemma_doc = nlp(phrase) if trained else nlp.make_doc(phrase)
            lemmas.set(lemma_doc)
            rules.labels[strings.add(name)] = (
                code.id,
                f"keyword {json.dumps(keyword, ensure_ascii=False)}",
            )
            # Per word: match its lemma (every inflection) or only the form as written.
            by_lemma = [
                mode == "lemma" or (mode == "" and b.lemma_ == a.lower_)
                for a, b in zip(lower_doc, lemma_doc, strict=True)
            ]
            if all(by_lemma):
                rules.phrase_lower.add(name, [lower_doc])
                rules.phrase_lemma.add(name, [lemma_doc])
                words = [
                    {a.lower_} | (set() if trained else lemmas.forms(b.lemma_))
                    for a, b in zip(lower_doc, lemma_doc, strict=True)
                ]
                rules.phrase_rules.add(rules.gate.add_rule(words))
            elif not any(by_lemma):
                rules.phrase_lower.add(name, [lower_doc])
                rules.phrase_rules.add(rules.gate.add_rule([{a.lower_} for a in lower_doc]))
            else:
                tokens = [
                    {"LEMMA": b.lemma_} if lemma else {"LOWER": a.lower_}
                    for a, b, lemma in zip(lower_doc, lemma_doc, by_lemma, strict=True)
                ]
                required = [
                    ({a.lower_} | lemmas.forms(b.lemma_)) if lemma else {a.lower_}
                    for a, b, lemma in zip(lower_doc, lemma_doc, by_lemma, strict=True)
                ]
                matcher = Matcher(nlp.vocab)
                matcher.add(name, [tokens], greedy="LONGEST")
                rules.matchers[rules.gate.add_rule([] if trained else required)] = matcher
        for j, pattern in enumerate(code.patterns):
            where = f"code '{code.name}' patterns[{j}]"
            problem = _pattern_problem(pattern, nlp, probe, trained, where)
            if problem:
                problems.append(f"{where}: {problem}")
                continue
            name = f"qualcode:{code.id}:pt:{j}"
            rules.labels[strings.add(name)] = (
                code.id,
                f"pattern[{j}] {json.dumps(describe_pattern(pattern), ensure_ascii=False)}",
            )
            pattern = _lower_lemmas(pattern)
            required = [] if trained else _required_words(pattern, lemmas)
            matcher = Matcher(nlp.vocab)
            matcher.add(name, [_budgeted(pattern, where)], greedy="LONGEST")
            rules.matchers[rules.gate.add_rule(required)] = matcher
    if problems:
        raise RuleError(problems)
    if rules.use_gate:
        rules.gate.finish(nlp.tokenizer.rules)  # type: ignore[union-attr]  # spaCy types nlp.tokenizer as a callable; it is a Tokenizer
    return rules


def keyword_mode(keyword: str) -> tuple[str, str]:
    """(mode, phrase) of a codebook keyword: ``=phrase`` matches the words only as written
    (``exact``), ``~phrase`` every inflection of each word (``lemma``); unmarked, each word
    written in its dictionary form matches all its inflections and a word written inflected
    matches only that form, so "feel helpless" finds "felt helpless" while "satisfying" does
    not find "satisfied" (the lookup table maps both to "satisfy"). Mode "" is unmarked."""
    keyword = keyword.strip()
    if keyword[:1] == "=":
        return "exact", keyword[1:].strip()
    if keyword[:1] == "~":
        return "lemma", keyword[1:].strip()
    return "", keyword


def _trie_regex(words: Iterable[str]) -> str:
    """An alternation of ``words`` shaped as a prefix tree, so the regex engine does not try
    hundreds of alternatives at every position."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(c) + build(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else ""
        if not body:
            body = "(?:" + "|".join(branches) + ")"
            if "" in node:
                body += "?"
        return body

    return build(trie)


_OPTIONAL_OPS = {"?", "*", "!"}
_RUNS = re.compile(r"[^\W\d_]+")  # runs of letters, as the gate's text check sees them


def _required_words(pattern: list[dict[str, Any]], lemmas: Lemmas) -> list[set[str]]:
    """For each token a match cannot do without, the lower-case words one of which it must be.

    Only plain LOWER/ORTH/TEXT/LEMMA values and IN-lists count; a token constrained otherwise
    (REGEX, NORM, shape...) or optional adds no condition, which keeps the gate conservative.
    """
    out: list[set[str]] = []
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
            if attr == "LEMMA":
                out.append(set().union(*(lemmas.forms(w) for w in words)))
            else:
                out.append({w if attr == "LOWER" else w.lower() for w in words})
            break
    return out


def check_rules(codes: Iterable[CodeRules], model: str | None = None) -> list[str]:
    """Every problem in the codes' rules, one line each (empty when all compile)."""
    try:
        compile_rules(codes, model)
    except RuleError as exc:
        return exc.problems
    return []


def _pattern_problem(
    pattern: Any, nlp: Language, probe: Doc, trained: bool, where: str = "pattern"
) -> str | None:
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
    for k, token in enumerate(pattern):
        for attr, expression in _regexes(token):
            for value in expression if isinstance(expression, list) else [expression]:
                try:
                    _compile_regex(value)
                except (regex.error, TypeError) as exc:
                    return f"token {k} {attr}: bad regular expression {value!r} ({exc})"
    single = Matcher(nlp.vocab, validate=True)
    try:
        # Validated as written (spaCy compiles its REGEX values), run as it will be run.
        single.add("check", [_lower_lemmas(pattern)], greedy="LONGEST")
        budgeted = Matcher(nlp.vocab)
        budgeted.add("probe", [_budgeted(_lower_lemmas(pattern), where)], greedy="LONGEST")
        budgeted(probe)
    except MatchPatternError as exc:
        return _short_spacy_error(str(exc), pattern)
    except re.error as exc:
        return f"bad regular expression ({exc})"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _short_spacy_error(str(exc), pattern)
    return None


# How a token attribute named in a pattern is read as a string from a token.
_ATTR_READERS: dict[str, Callable[[Any], str]] = {
    "ORTH": lambda t: t.orth_,
    "TEXT": lambda t: t.orth_,
    "LOWER": lambda t: t.lower_,
    "LEMMA": lambda t: t.lemma_,
    "NORM": lambda t: t.norm_,
    "SHAPE": lambda t: t.shape_,
    "PREFIX": lambda t: t.prefix_,
    "SUFFIX": lambda t: t.suffix_,
    "POS": lambda t: t.pos_,
    "TAG": lambda t: t.tag_,
    "DEP": lambda t: t.dep_,
    "ENT_TYPE": lambda t: t.ent_type_,
    "ENT_ID": lambda t: t.ent_id_,
    "MORPH": lambda t: str(t.morph),
}
_extension_numbers = itertools.count()


class _RegexPredicate:
    """One token's REGEX condition on one attribute, run by the ``regex`` module under
    :data:`REGEX_BUDGET` per word. ``{"REGEX": "x"}`` and ``{"REGEX": {"IN": [...]}}`` hold when
    any expression is found in the value, ``{"REGEX": {"NOT_IN": [...]}}`` when none is."""

    def __init__(self, attr: str, expressions: list[str], negate: bool, where: str) -> None:
        self.read = _ATTR_READERS.get(attr, lambda t: str(getattr(t, attr.lower() + "_", "")))
        self.expressions = [(value, _compile_regex(value)) for value in expressions]
        self.negate = negate
        self.where = where

    def __call__(self, token: Any) -> bool:
        value = self.read(token)
        for source, compiled in self.expressions:
            try:
                found = compiled.search(value, timeout=REGEX_BUDGET)
            except TimeoutError:
                word = value if len(value) <= 40 else value[:40] + "…"
                raise RuleError(
                    [
                        f"{self.where}: REGEX {_quoted(source)} ran past its time budget "
                        f"({REGEX_BUDGET:g} s) on the word {word!r}; simplify the expression "
                        "(autocode --check tries every REGEX)"
                    ]
                ) from None
            if found is not None:
                return not self.negate
        return self.negate


def _quoted(expression: str) -> str:
    return "'" + expression.replace("'", "\\'") + "'"


@lru_cache(maxsize=1024)
def _compile_regex(expression: str) -> Any:
    if not isinstance(expression, str):
        raise TypeError("a REGEX must be a string")
    return regex.compile(expression)


def _regexes(token: dict[str, Any]) -> list[tuple[str, str | list[str]]]:
    """(attribute, expression or list of expressions) for each REGEX condition in a token."""
    out: list[tuple[str, str | list[str]]] = []
    for attr, value in token.items():
        if not isinstance(value, dict) or str(attr) in ("_", "OP"):
            continue
        for predicate, expression in value.items():
            if str(predicate).upper() != "REGEX":
                continue
            if isinstance(expression, dict):
                for inner in expression.values():
                    if isinstance(inner, list):
                        out.append((str(attr).upper(), [str(v) for v in inner]))
            else:
                out.append((str(attr).upper(), expression))
    return out


def _budgeted(pattern: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """``pattern`` with each string/IN/NOT_IN REGEX condition replaced by a token extension
    running a :class:`_RegexPredicate` (other conditions on the attribute are kept)."""
    from spacy.tokens import Token

    out: list[dict[str, Any]] = []
    for k, token in enumerate(pattern):
        token = dict(token)
        extensions: dict[str, bool] = {}
        for attr, value in list(token.items()):
            if not isinstance(value, dict) or str(attr) in ("_", "OP"):
                continue
            rest = dict(value)
            for predicate, expression in value.items():
                if str(predicate).upper() != "REGEX":
                    continue
                if isinstance(expression, str):
                    expressions, negate = [expression], False
                elif isinstance(expression, dict) and set(expression) <= {"IN", "NOT_IN"}:
                    if len(expression) != 1 or not isinstance(
                        next(iter(expression.values())), list
                    ):
                        continue
                    negate = "NOT_IN" in expression
                    expressions = [str(v) for v in next(iter(expression.values()))]
                else:
                    continue  # left to spaCy, which rejects or ignores it
                name = f"qualcode_regex_{next(_extension_numbers)}"
                check = _RegexPredicate(
                    str(attr).upper(), expressions, negate, f"{where} token {k}"
                )
                Token.set_extension(name, getter=check)
                extensions[name] = True
                del rest[predicate]
            if extensions:
                if rest:
                    token[attr] = rest
                else:
                    del token[attr]
        if extensions:
            token["_"] = {**token.get("_", {}), **extensions}
        out.append(token)
    return out


def slow_regexes(codes: Iterable[CodeRules], budget: float = REGEX_BUDGET) -> list[str]:
    """Every REGEX in the codes' patterns that takes longer than ``budget`` on one of a set of
    adversarial words (long runs of its own characters and pairs of them, with and without a
    character that makes the match fail at the end), one line each naming code, pattern and
    token. Expressions that do not compile are left to :func:`compile_rules` to report."""
    problems: list[str] = []
    for code in codes:
        for j, pattern in enumerate(code.patterns):
            if not isinstance(pattern, list):
                continue
            for k, token in enumerate(pattern):
                if not isinstance(token, dict):
                    continue
                for _attr, expression in _regexes(token):
                    for value in expression if isinstance(expression, list) else [expression]:
                        try:
                            compiled = _compile_regex(value)
                        except (regex.error, TypeError):
                            continue
                        word = _too_slow(compiled, value, budget)
                        if word is not None:
                            problems.append(
                                f"code '{code.name}' patterns[{j}] token {k}: REGEX "
                                f"{_quoted(value)} takes longer than {budget:g} s on a word "
                                f"like {word[:12] + '…'!r}; simplify the expression"
                            )
    return problems


def _too_slow(compiled: Any, expression: str, budget: float) -> str | None:
    """The first adversarial word ``compiled`` cannot search within ``budget`` (or None)."""
    literal = [c for c in dict.fromkeys(expression) if c.isalnum() or c in ",;:-_'\" ."]
    chars = list(dict.fromkeys([*literal[:12], "a", "A", "0", " ", "-", "."]))
    words = [c * 48 + end for c in chars for end in ("!", "")]
    words += [(a + b) * 24 + "!" for a in chars[:10] for b in chars[:10] if a != b]
    for word in words:
        try:
            compiled.search(word, timeout=budget)
        except TimeoutError:
            return word
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
