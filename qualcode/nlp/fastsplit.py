"""Sentence starts of ``spacy.blank("en")`` + ``sentencizer``, without importing spaCy.

Importing spaCy and running its tokenizer over a million words costs about 1.7 s of CPU, yet the
default sentencizer (``spacy/pipeline/sentencizer.pyx``) looks at very little of a token: only
whether its text is one of the sentence-final characters (``punct_chars``), whether it
``is_punct`` (every character in a Unicode ``P*`` category) and where it starts. It starts a
sentence at the first token, and at every token that is neither punctuation nor sentence-final
after a sentence-final one (any punctuation in between is skipped over).

spaCy's tokenizer (``spacy/tokenizer.pyx``) first cuts the text at whitespace: a run of
non-space characters (a *chunk*) is tokenized on its own, one ``" "`` after a chunk is absorbed,
and any other whitespace run (minus one leading ``" "``) is a token of its own. A chunk holding
no punctuation character makes only tokens that are neither punctuation nor sentence-final, so
all the sentencizer needs from it is where it starts. Only chunks that contain punctuation (in
practice one word in ten: ``patient.``, ``Interviewer:``, ``don't``) are tokenized, by a
line-by-line Python port of spaCy's ``_split_affixes``/``_attach_tokens`` using spaCy's own
English tables (prefix, suffix and infix rules, URL match, tokenizer exceptions), which are read
from spaCy's source files without running ``spacy/__init__.py`` (as :mod:`qualcode.nlp.lexicon`
reads the stop words). Each chunk is reduced to what the sentencizer does with it, for both
states it can be entered in, and cached: chunks repeat a lot.

The one part of spaCy's tokenizer that looks beyond a chunk is the final special-case pass
(``_apply_special_cases``), a phrase matcher over the whole token sequence that can re-join
tokens such as ``°`` ``C.`` into ``°`` ``C`` ``.``. A match that spans the space between two chunks
changes nothing itself (no exception contains a space), but it can shadow a shorter match inside
a chunk. Rules whose re-join cannot change a sentence decision are ignored; for the few that can,
the chunk is worked out again together with its neighbours, exactly as spaCy's filter does.

Exactness is proven by tests against the real pipeline for the spaCy versions in
:data:`VERIFIED`; :func:`available` says whether the installed spaCy is one of them (else use the
spaCy pipeline).
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import re
import typing
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

# spaCy releases this port is verified for. Between 3.7.0 and 3.8.18 the tokenizer's algorithm
# (spacy/tokenizer.pyx: only its cache and ``explain`` changed), the sentencizer, ``is_punct``,
# ``BaseDefaults``/``create_tokenizer`` and ``spacy.util``'s regex and exception helpers are
# unchanged, and the tables read from these releases' sources are identical; tests/test_fastsplit.py
# passed under 3.7.0, 3.8.7 and 3.8.18. Any other release: use the spaCy pipeline.
VERIFIED = frozenset(
    "3.7.0 3.7.1 3.7.2 3.7.4 3.7.5 3.8.2 3.8.3 3.8.4 3.8.6 3.8.7 3.8.8 3.8.9 3.8.10 3.8.11 "
    "3.8.13 3.8.14 3.8.15 3.8.16 3.8.17 3.8.18".split()
)

# spacy.pipeline.Sentencizer.default_punct_chars (the test checks it is still the same list).
PUNCT_CHARS = frozenset(
    "!.?։؟۔܀܁܂߹।॥၊။።፧፨᙮᜵᜶᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫﹒﹖﹗！．？𐩖𐩗"
    "𑁇𑁈𑂾𑂿𑃀𑃁𑅁𑅂𑅃𑇅𑇆𑇍𑇞𑇟𑈸𑈹𑈻𑈼𑊩𑑋𑑌𑗂𑗃𑗉𑗊𑗋𑗌𑗍𑗎𑗏𑗐𑗑𑗒𑗓𑗔𑗕𑗖𑗗𑙁𑙂𑜼𑜽𑜾𑩂𑩃𑪛𑪜𑱁𑱂𖩮𖩯𖫵𖬷𖬸𖭄𛲟𝪈｡。"
)

# Every character that can make a token punctuation or sentence-final is matched here: ASCII
# punctuation and symbols, and everything outside ASCII (letters there are sorted out later).
# A chunk without such a character is one plain word to the sentencizer.
_CANDIDATE = re.compile("[!-/:-@\\[-`{-~\x80-\U0010ffff]")
_NONSPACE = re.compile(r"\S*")
_SPACE = re.compile(r"\s")

_CACHED_CHUNK = 100  # longest chunk whose effect is cached
_CACHE_SIZE = 100_000
_ORTH = 65  # spacy.symbols.ORTH / NORM; only used as dictionary keys in the exception tables
_NORM = 67

# A token's part in the sentencizer: neither punctuation nor sentence-final, punctuation only,
# sentence-final.
_WORD, _PUNCT, _FINAL = 0, 1, 2

# What the sentencizer does with a chunk entered without / with a pending sentence end:
# (starts relative to the chunk, pending afterwards) for each.
Effect = tuple[tuple[tuple[int, ...], bool], tuple[tuple[int, ...], bool]]


def spacy_version() -> str | None:
    """The installed spaCy's version, read from ``spacy/about.py`` (None when not installed)."""
    root = _spacy_root()
    if root is None:
        return None
    match = re.search(r"__version__\s*=\s*['\"]([^'\"]+)['\"]", (root / "about.py").read_text())
    return match.group(1) if match else None


def available() -> bool:
    """True when the installed spaCy is a release this port is verified for (and its tables
    load); otherwise segment with the spaCy pipeline."""
    if spacy_version() not in VERIFIED:
        return False
    try:
        _splitter()
    except Exception:  # noqa: BLE001 - any failure to read the tables means "use spaCy"
        return False
    return True


def sentence_starts(text: str) -> list[int]:
    """Character offsets of the sentence starts ``spacy.blank("en")`` + ``sentencizer`` finds.

    The same as reading the ``IDX`` of every token whose ``SENT_START`` is 1 in
    ``nlp(text)``: ``[0, ...]`` for any non-empty text, ``[]`` for an empty one.
    """
    if not text:
        return []
    splitter = _splitter()
    effects = splitter.effects
    starts = [0]
    pending = False  # the sentencizer's seen_period
    size = len(text)
    chunk_end = 0
    for found in _CANDIDATE.finditer(text):
        at = found.start()
        if at < chunk_end or text[at].isspace():
            continue
        start = text.rfind(" ", chunk_end, at) + 1
        if start <= chunk_end or _SPACE.search(text, start, at) is not None:
            start = at
            while start > 0 and not text[start - 1].isspace():
                start -= 1
        if pending and chunk_end < start:
            # the token after the last chunk, unless it is this one
            nxt = chunk_end + 1 if text[chunk_end] == " " else chunk_end
            if nxt < start:
                starts.append(nxt)
                pending = False
        match = _NONSPACE.match(text, at)
        assert match is not None
        chunk_end = match.end()
        chunk = text[start:chunk_end]
        effect = effects.get(chunk)
        if effect is None:
            effect = splitter.effect(chunk)
        if effect is _CONTEXT:
            effect = splitter.effect_in_context(text, start, chunk_end)
        inner, pending = effect[pending]
        for offset in inner:
            starts.append(start + offset)
    if pending and chunk_end < size:
        nxt = chunk_end + 1 if text[chunk_end] == " " else chunk_end
        if nxt < size:
            starts.append(nxt)
    return starts


def tokenize(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every token spaCy's blank English tokenizer makes of ``text``.

    The whole port, chunk by chunk with the special-case pass over the whole text: slow, for
    tests and for explaining a difference, not for segmenting."""
    splitter = _splitter()
    chunks = list(_chunks(text))
    tokens: list[tuple[int, str]] = []
    for start, chunk in chunks:
        offset = start
        for piece in splitter.pieces(chunk):
            tokens.append((offset, piece))
            offset += len(piece)
    return splitter.special_pass(text, tokens)


def is_punct(text: str) -> bool:
    """spaCy's ``Token.is_punct``: every character is in a Unicode ``P*`` category."""
    return all(unicodedata.category(char).startswith("P") for char in text)


# ---------------------------------------------------------------------------------------------
# spaCy's tables, read from its source files without importing spaCy


@dataclass(frozen=True)
class Tables:
    prefix_search: Callable[[str], re.Match[str] | None]
    suffix_search: Callable[[str], re.Match[str] | None]
    infix_finditer: Callable[[str], Iterable[re.Match[str]]]
    url_match: Callable[[str], re.Match[str] | None]
    rules: dict[str, tuple[str, ...]]  # tokenizer exceptions: string -> token texts
    patterns: dict[str, str]  # regex source of prefix/suffix/infix/url, for the tests


def _spacy_root() -> Path | None:
    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


class _SourceLoader:
    """Runs spaCy's language-data files with relative imports served from this loader.

    ``spacy.symbols`` (a compiled module) becomes the two constants the tables use, and
    ``spacy.util`` the two functions they call, taken from ``util.py``'s own source; anything
    else under spaCy is refused, so ``spacy/__init__.py`` never runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[tuple[str, ...], ModuleType] = {}

    def load(self, *parts: str) -> ModuleType:
        key = tuple(parts)
        if key in self.modules:
            return self.modules[key]
        module = ModuleType("qualcode_spacy_source." + ".".join(parts))
        if key == ("symbols",):
            module.ORTH = _ORTH  # type: ignore[attr-defined]
            module.NORM = _NORM  # type: ignore[attr-defined]
        elif key == ("util",):
            module.__dict__.update(self._util_functions())
        else:
            path = self.root.joinpath(*parts[:-1], parts[-1] + ".py")
            package = parts[:-1]

            def imports(
                name: str,
                globals: Any = None,
                locals: Any = None,
                fromlist: Any = (),
                level: int = 0,
            ) -> ModuleType:
                if level == 0:
                    if name == "spacy" or name.startswith("spacy."):
                        raise ImportError(f"{path.name} imports {name}")
                    return builtins.__import__(name, globals, locals, fromlist, level)
                base = package[: len(package) - (level - 1)] if level > 1 else package
                return self.load(*base, *(name.split(".") if name else ()))

            namespace = module.__dict__
            namespace["__builtins__"] = {**vars(builtins), "__import__": imports}
            namespace["__file__"] = str(path)
            exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        self.modules[key] = module
        return module

    def _util_functions(self) -> dict[str, Any]:
        path = self.root / "util.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        wanted = {"update_exc", "expand_exc"}
        body: list[ast.stmt] = [
            node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in wanted
        ]
        if {node.name for node in body if isinstance(node, ast.FunctionDef)} != wanted:
            raise ImportError("spacy/util.py no longer defines update_exc and expand_exc")

        class Errors:
            def __getattr__(self, name: str) -> str:
                return name + ": {key} {orths}"

        namespace: dict[str, Any] = {**vars(typing), "ORTH": _ORTH, "Errors": Errors()}
        exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
        return {name: namespace[name] for name in wanted}


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The blank English tokenizer's settings, as ``spacy.language.create_tokenizer`` builds them
    from ``English.Defaults`` (prefixes and suffixes from ``spacy/lang/punctuation.py``, infixes
    from ``spacy/lang/en/punctuation.py``, no token_match, ``URL_MATCH``, the English
    exceptions), compiled as ``spacy.util.compile_*_regex`` compiles them."""
    root = _spacy_root()
    if root is None:  # pragma: no cover - spaCy is a dependency
        raise ModuleNotFoundError("spacy")
    loader = _SourceLoader(root)
    punctuation = loader.load("lang", "punctuation")
    english_punctuation = loader.load("lang", "en", "punctuation")
    base_exceptions = loader.load("lang", "tokenizer_exceptions")
    english_exceptions = loader.load("lang", "en", "tokenizer_exceptions")
    prefix = "|".join("^" + piece for piece in punctuation.TOKENIZER_PREFIXES if piece.strip())
    suffix = "|".join(piece + "$" for piece in punctuation.TOKENIZER_SUFFIXES if piece.strip())
    infix = "|".join(piece for piece in english_punctuation.TOKENIZER_INFIXES if piece.strip())
    url = "(?u)" + base_exceptions.URL_PATTERN
    rules = {
        string: tuple(token[_ORTH] for token in tokens)
        for string, tokens in english_exceptions.TOKENIZER_EXCEPTIONS.items()
    }
    for string, pieces in rules.items():
        if "".join(pieces) != string:  # pragma: no cover - spaCy validates the same
            raise ValueError(f"tokenizer exception {string!r} does not spell its tokens")
    return Tables(
        prefix_search=re.compile(prefix).search,
        suffix_search=re.compile(suffix).search,
        infix_finditer=re.compile(infix).finditer,
        url_match=re.compile(url).match,
        rules=rules,
        patterns={"prefix": prefix, "suffix": suffix, "infix": infix, "url": url},
    )


# ---------------------------------------------------------------------------------------------
# the tokenizer, ported


class _Context:
    """Marks a chunk whose effect depends on its neighbours (see :meth:`Splitter.effect`)."""


_CONTEXT: Any = _Context()


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """(offset, string) of what spaCy's ``_tokenize_affixes`` hands to ``_tokenize``: runs of
    non-space characters, and whitespace runs less one leading ``" "`` (which is absorbed)."""
    if not text:
        return
    start = 0
    in_space = text[0].isspace()
    for i, char in enumerate(text):
        if char.isspace() != in_space:
            if start < i:
                yield start, text[start:i]
            start = i + 1 if char == " " else i
            in_space = not in_space
    if start < len(text):
        yield start, text[start:]


def _part(token: str) -> int:
    if token in PUNCT_CHARS:
        return _FINAL
    return _PUNCT if is_punct(token) else _WORD


def _effect(tokens: Iterable[tuple[int, str]]) -> Effect:
    """What the sentencizer does with these (offset, text) tokens, entered in either state."""
    parts = [(offset, _part(token)) for offset, token in tokens]
    result = []
    for pending in (False, True):
        inner: list[int] = []
        for offset, part in parts:
            if pending and part == _WORD:
                inner.append(offset)
                pending = False
            elif part == _FINAL:
                pending = True
        result.append((tuple(inner), pending))
    return (result[0], result[1])


class Splitter:
    """The port of ``Tokenizer._split_affixes``/``_attach_tokens``/``_apply_special_cases``."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.rules = tables.rules
        self.effects: dict[str, Effect] = {}
        # The special-case matcher: every exception string that a prefix, suffix or infix rule
        # touches (faster_heuristics), as the tokens spaCy makes of it without exceptions.
        self.matcher: dict[str, tuple[str, ...]] = {}
        for string in sorted(self.rules):
            if (
                self._prefix_len(string)
                or self._suffix_len(string)
                or any(True for _ in tables.infix_finditer(string))
                or " " in string
            ):
                self.matcher[string] = tuple(
                    piece for _, chunk in _chunks(string) for piece in self._pieces(chunk, False)
                )
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for pattern in self.matcher.values():
            self.by_first.setdefault(pattern[0], []).append(pattern)
        self.longest = max((len(p) for p in self.matcher.values()), default=1)
        # Exceptions whose re-tokenization can change what the sentencizer does.
        self.decisive = {
            string
            for string, pattern in self.matcher.items()
            if _effect(_offsets(pattern)) != _effect(_offsets(self.rules[string]))
        }

    # -- one chunk ------------------------------------------------------------------------------

    def _prefix_len(self, string: str) -> int:
        match = self.tables.prefix_search(string)
        return match.end() - match.start() if match is not None else 0

    def _suffix_len(self, string: str) -> int:
        match = self.tables.suffix_search(string)
        return match.end() - match.start() if match is not None else 0

    def pieces(self, chunk: str) -> list[str]:
        """The tokens of one chunk before the special-case pass (``_tokenize``)."""
        return self._pieces(chunk, True)

    def _pieces(self, string: str, specials: bool) -> list[str]:
        rules = self.rules
        if specials and string in rules:
            return list(rules[string])
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while string and len(string) != last_size:
            # (English has no token_match)
            if specials and string in rules:
                break
            last_size = len(string)
            pre_len = self._prefix_len(string)
            prefix = minus_pre = ""
            if pre_len:
                prefix = string[:pre_len]
                minus_pre = string[pre_len:]
                if minus_pre and specials and minus_pre in rules:
                    string = minus_pre
                    prefixes.append(prefix)
                    break
            suf_len = self._suffix_len(string[pre_len:])
            suffix = minus_suf = ""
            if suf_len:
                suffix = string[-suf_len:]
                minus_suf = string[:-suf_len]
                if minus_suf and specials and minus_suf in rules:
                    string = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and (pre_len + suf_len) <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        tokens = prefixes
        if string:
            # spaCy also looks the rest up in its chunk cache; a cached chunk tokenizes the same
            # way, since the rest has no prefix or suffix left.
            if specials and string in rules:
                tokens.extend(rules[string])
            elif self.tables.url_match(string):
                tokens.append(string)
            else:
                start = 0
                for match in self.tables.infix_finditer(string):
                    infix_start, infix_end = match.span()
                    if infix_start == 0:
                        continue
                    if infix_start != start:
                        tokens.append(string[start:infix_start])
                    if infix_start != infix_end:
                        tokens.append(string[infix_start:infix_end])
                    start = infix_end
                if string[start:]:
                    tokens.append(string[start:])
        tokens.extend(reversed(suffixes))
        return tokens

    def effect(self, chunk: str) -> Effect:
        """The chunk's effect on the sentencizer (cached), or ``_CONTEXT`` when a decisive
        exception matched inside it could be shadowed by a match reaching into a neighbour."""
        pieces = self.pieces(chunk)
        kept = _keep(self._matches(pieces))
        effect: Effect
        # Neighbours can only take matches away (a longer match across the space shadows one
        # here), so the chunk stands alone when no match kept here is decisive.
        if any("".join(pieces[start:end]) in self.decisive for start, end in kept):
            effect = _CONTEXT
        else:
            effect = _effect(_offsets(self._apply(pieces, kept)))
        if len(chunk) <= _CACHED_CHUNK and len(self.effects) < _CACHE_SIZE:
            self.effects[chunk] = effect
        return effect

    def effect_in_context(self, text: str, start: int, end: int) -> Effect:
        """The effect of the chunk ``text[start:end]`` given the chunks around it.

        A match of at most ``longest`` tokens decides whether a match touching this chunk is
        kept, so ``longest - 1`` chunks on each side (each at least one token) are enough; a
        match never crosses anything but a single space."""
        before: list[tuple[int, int]] = []
        at = start
        while len(before) < self.longest - 1 and at >= 2 and text[at - 1] == " ":
            if text[at - 2].isspace():
                break
            left = at - 1
            while left > 0 and not text[left - 1].isspace():
                left -= 1
            before.insert(0, (left, at - 1))
            at = left
        after: list[tuple[int, int]] = []
        at = end
        while len(after) < self.longest - 1 and at + 1 < len(text) and text[at] == " ":
            if text[at + 1].isspace():
                break
            match = _NONSPACE.match(text, at + 1)
            assert match is not None
            after.append((at + 1, match.end()))
            at = match.end()
        tokens: list[tuple[int, str]] = []
        mine = (0, 0)
        for chunk_start, chunk_end in [*before, (start, end), *after]:
            offset = chunk_start
            first = len(tokens)
            for piece in self.pieces(text[chunk_start:chunk_end]):
                tokens.append((offset, piece))
                offset += len(piece)
            if chunk_start == start:
                mine = (first, len(tokens))
        kept = _keep(self._matches([piece for _, piece in tokens]))
        own = [(s - mine[0], e - mine[0]) for s, e in kept if mine[0] <= s and e <= mine[1]]
        pieces = [piece for _, piece in tokens[mine[0] : mine[1]]]
        return _effect(_offsets(self._apply(pieces, own)))

    # -- the special-case pass ---------------------------------------------------------------

    def _matches(self, pieces: list[str]) -> list[tuple[int, int]]:
        """Every (start, end) where an exception's pattern matches (the PhraseMatcher)."""
        found = []
        by_first = self.by_first
        for i, piece in enumerate(pieces):
            for pattern in by_first.get(piece, ()):
                end = i + len(pattern)
                if tuple(pieces[i:end]) == pattern:
                    found.append((i, end))
        return found

    def _apply(self, pieces: list[str], kept: list[tuple[int, int]]) -> list[str]:
        """Replace each kept match inside one chunk by its exception's tokens."""
        if not kept:
            return pieces
        out: list[str] = []
        i = 0
        for start, end in kept:
            out.extend(pieces[i:start])
            out.extend(self.rules["".join(pieces[start:end])])
            i = end
        out.extend(pieces[i:])
        return out

    def special_pass(self, text: str, tokens: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """``_apply_special_cases`` over a whole text's (offset, text) tokens."""
        kept = _keep(self._matches([piece for _, piece in tokens]))
        out: list[tuple[int, str]] = []
        i = 0
        for start, end in kept:
            out.extend(tokens[i:start])
            first = tokens[start][0]
            last = tokens[end - 1][0] + len(tokens[end - 1][1])
            span = text[first:last]
            if span in self.rules:
                offset = first
                for piece in self.rules[span]:
                    out.append((offset, piece))
                    offset += len(piece)
            else:
                out.extend(tokens[start:end])
            i = end
        out.extend(tokens[i:])
        return out


def _keep(matches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """spaCy's ``_filter_special_spans``: longest first, then leftmost; a match is kept when
    neither its first nor its last token was covered by one before it, kept or not."""
    seen: set[int] = set()
    kept = []
    for start, end in sorted(matches, key=lambda m: (m[0] - m[1], m[0])):
        if start not in seen and end - 1 not in seen:
            kept.append((start, end))
        seen.update(range(start, end))
    kept.sort()
    return kept


def _offsets(pieces: Iterable[str]) -> list[tuple[int, str]]:
    out = []
    offset = 0
    for piece in pieces:
        out.append((offset, piece))
        offset += len(piece)
    return out


@lru_cache(maxsize=1)
def _splitter() -> Splitter:
    return Splitter(tables())
