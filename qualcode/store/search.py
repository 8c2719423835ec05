"""Full-text search over turns: the one parser from what a researcher types to matches.

Grammar (operators in capitals; lower-case ``or``/``not`` are ordinary words)::

    query  := or
    or     := and ("OR" and)*
    and    := near (["AND"] near)*            words side by side are ANDed
    near   := unary ("NEAR" ["/" N] unary)*   both within N words (default 10, N <= 1000)
    unary  := ("-" | "NOT") atom | atom      NOT: the turn must not match atom
    atom   := '"' words '"' | word "*" | word "~" | word | "(" or ")"

Only ``NEAR`` and ``NEAR/n`` are operators: ``NEARLY`` is a word. An empty search is refused
by :func:`search_text` (a search that lists nothing is never what was meant).

A word matches itself (case and diacritics folded, as FTS5's ``unicode61`` folds them), a
quoted phrase its words in a row, ``burn*`` every word starting with ``burn``, and ``word~`` is
*stemmed*: every form with the same lemma in spaCy's English lookup table (``exhausted~`` finds
exhaust, exhausts, exhausting, exhausted).

The FTS5 index (``detail = none``) records which turns hold a word, not where, so FTS5 only
narrows the candidates (every positive word ANDed/ORed, phrases and NEAR as their words) and
every candidate turn is then checked on its text by :func:`evaluate`, which also returns where
the query matched (for keyword-in-context lines and for coding the results).
"""

from __future__ import annotations

import bisect
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from qualcode.errors import ProjectError, QualcodeError
from qualcode.store.records import SearchHit
from qualcode.store.session import Session

_TOKEN = re.compile(r"[^\W_]+")
_LEX = re.compile(r'\s+|"[^"]*"?|\(|\)|-(?=[^\W_"(])|NEAR/\d+(?![^\s()"])|[^\s()"]+')
DEFAULT_NEAR = 10
MAX_NEAR = 1000
"""Most words ``NEAR/n`` allows between its sides: a bigger n would be a whole document, and an
unbounded one reaches the counting in :func:`evaluate` as a number it cannot take."""
PREFILTER_TURNS = 50
"""With more candidate turns than this, words and phrases are first found per document."""


class SearchSyntaxError(QualcodeError):
    """A search that cannot be read; the message names the column (1-based)."""


class NothingToSearch(SearchSyntaxError):
    """A search whose every word is negated (FTS5 cannot list the turns lacking a word)."""


class EmptySearch(SearchSyntaxError):
    """A search with nothing in it: refused rather than answered with no matches."""

    def __init__(self) -> None:
        super().__init__("empty search")


@dataclass(frozen=True)
class Term:
    forms: frozenset[str]  # folded forms that match exactly
    prefix: str = ""  # or a folded prefix (``burn*``)
    text: str = ""


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Op:
    kind: str  # "AND" | "OR" | "NEAR"
    children: tuple[Node, ...]
    distance: int = DEFAULT_NEAR


Node = Term | Phrase | Not | Op


@dataclass(frozen=True)
class TextQuery:
    """A parsed search: its tree, the FTS5 expression narrowing the candidates, and the
    phrases (kept for callers of the former API)."""

    tree: Node | None
    match: str
    phrases: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class TextHit:
    """A turn that matches, with the matched stretches as document offsets."""

    turn_id: int
    document_id: int
    document: str
    speaker: str | None
    start: int
    end: int
    text: str
    matches: tuple[tuple[int, int], ...]

    def kwic(self, words: int = 5) -> list[tuple[str, str, str]]:
        """Keyword in context: (left, hit, right) for each match, ``words`` words each side."""
        return [kwic(self.text, s - self.start, e - self.start, words) for s, e in self.matches]


def fold(word: str) -> str:
    """A token as unicode61 compares it: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _forms_by_lemma() -> dict[str, frozenset[str]]:
    from qualcode.nlp.lexicon import lemma_lookup

    table = lemma_lookup()
    out: dict[str, set[str]] = {}
    for form, lemma in table.items():
        out.setdefault(fold(lemma), set()).add(fold(form))
    return {k: frozenset(v) for k, v in out.items()}


def word_forms(word: str) -> frozenset[str]:
    """Every folded form sharing the lemma of ``word`` (the word itself included)."""
    from qualcode.nlp.lexicon import lemma_lookup

    folded = fold(word)
    lemma = fold(lemma_lookup().get(word.lower(), lemma_lookup().get(folded, folded)))
    forms = {folded, lemma} | _forms_by_lemma().get(lemma, frozenset())
    return frozenset(f for f in forms if _TOKEN.fullmatch(f))  # "i'm" is never one token


class _Parser:
    def __init__(self, query: str, stem: bool) -> None:
        self.query, self.stem = query, stem
        self.tokens = [(m.group(), m.start()) for m in _LEX.finditer(query) if m.group().strip()]
        self.i = 0

    def fail(self, what: str, shift: int = 0) -> SearchSyntaxError:
        """The error for the current token, ``shift`` characters into it."""
        at = self.tokens[self.i][1] + 1 if self.i < len(self.tokens) else len(self.query) + 1
        return SearchSyntaxError(f"{what} at column {at + shift}")

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()!r}")
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.peek() == "OR":
            self.i += 1
            parts.append(self.and_("OR"))
        return parts[0] if len(parts) == 1 else Op("OR", tuple(parts))

    def and_(self, after: str = "") -> Node:
        parts = [self.near(after)]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.i += 1
                parts.append(self.near("AND"))
            else:
                parts.append(self.near())
        return parts[0] if len(parts) == 1 else Op("AND", tuple(parts))

    def near(self, after: str = "") -> Node:
        node = self.unary(after)
        while _is_near(tok := self.peek()):
            distance = self.distance(tok or "")
            self.i += 1
            node = Op("NEAR", (node, self.unary("NEAR")), distance)
        return node

    def distance(self, tok: str) -> int:
        """The n of ``NEAR/n`` (``NEAR``: the default): 0 to :data:`MAX_NEAR` words, else an
        error pointing at what follows the slash (``NEAR/x``, ``NEAR/-1``, ``NEAR/10**20``)."""
        if tok == "NEAR":
            return DEFAULT_NEAR
        digits = tok[len("NEAR/") :]
        if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_NEAR:
            raise self.fail(f"NEAR/ needs a number of words from 0 to {MAX_NEAR}", len("NEAR/"))
        return int(digits)

    def unary(self, after: str = "") -> Node:
        if self.peek() in ("-", "NOT"):
            op = self.peek()
            self.i += 1
            return Not(self.atom(op or ""))
        return self.atom(after)

    def atom(self, after: str) -> Node:
        tok = self.peek()
        where = f" after {after}" if after else ""
        if tok is None or tok in ("OR", "AND", ")") or _is_near(tok):
            raise self.fail(f'expected a word, a "phrase" or (…){where}')
        self.i += 1
        if tok == "(":
            node = self.or_()
            if self.peek() != ")":
                raise self.fail("expected )")
            self.i += 1
            return node
        if tok.startswith('"'):
            if len(tok) < 2 or not tok.endswith('"'):
                self.i -= 1
                raise self.fail("unclosed quote")
            words = tuple(fold(w) for w in _TOKEN.findall(tok[1:-1]))
            if not words:
                self.i -= 1
                raise self.fail("empty phrase")
            if len(words) == 1:
                return Term(frozenset(words), text=tok)
            return Phrase(words)
        pieces = _TOKEN.findall(tok)
        if not pieces:
            self.i -= 1
            raise self.fail(f"{tok!r} holds no word")
        prefix = tok.endswith("*")
        nodes: list[Node] = []
        for k, w in enumerate(pieces):
            if prefix and k == len(pieces) - 1:
                nodes.append(Term(frozenset(), prefix=fold(w), text=tok))
            elif self.stem and tok.endswith("~") and len(pieces) == 1:
                nodes.append(Term(word_forms(w), text=tok))
            else:
                nodes.append(Term(frozenset({fold(w)}), text=tok))
        # "don't" or "e-mail" are tokens side by side: a phrase of their pieces
        if len(nodes) == 1:
            return nodes[0]
        if not prefix:
            return Phrase(tuple(fold(w) for w in pieces))
        return Op("AND", tuple(nodes))


def _is_near(tok: str | None) -> bool:
    """``NEAR`` or ``NEAR/…`` (whatever follows the slash, so a bad n is named as such); any
    other word starting with NEAR (``NEARLY``) is a word."""
    return tok is not None and (tok == "NEAR" or tok.startswith("NEAR/"))


def parse_text_query(query: str, stem: bool = True) -> TextQuery:
    """Parse a search (see the module docstring); one line with the column on a bad query.
    ``stem=False`` reads ``word~`` as the plain word."""
    tree = _Parser(query, stem).parse()
    if tree is None:
        return TextQuery(None, "")
    match = _fts(tree)
    if match is None:
        raise NothingToSearch(
            "a search needs at least one word that is not negated (e.g. burnout -stress)"
        )
    return TextQuery(tree, match, tuple(_phrases(tree)))


def _phrases(node: Node) -> list[tuple[str, ...]]:
    if isinstance(node, Phrase):
        return [node.words]
    if isinstance(node, Op):
        return [p for c in node.children for p in _phrases(c)]
    return []


def _fts(node: Node) -> str | None:
    """An FTS5 expression matching every turn the node can match (None: any turn)."""
    if isinstance(node, Term):
        if node.prefix:
            return f'"{node.prefix}"*'
        return "(" + " OR ".join(f'"{f}"' for f in sorted(node.forms)) + ")"
    if isinstance(node, Phrase):
        return "(" + " AND ".join(f'"{w}"' for w in node.words) + ")"
    if isinstance(node, Not):
        return None
    parts = [_fts(c) for c in node.children]
    if node.kind == "OR":
        if any(p is None for p in parts):
            return None
        return "(" + " OR ".join(p for p in parts if p) + ")"
    kept = [p for p in parts if p is not None]
    return "(" + " AND ".join(kept) + ")" if kept else None


def fts_query(query: str) -> str:
    """The FTS5 expression narrowing the candidates for what a researcher typed."""
    return parse_text_query(query).match


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Folded tokens of ``text`` with their offsets, as unicode61 splits them."""
    if text.isascii():  # the common case: lower case is the whole fold, offsets unchanged
        return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]
    return [(fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


class Folded:
    """A text as the search compares it: folded, with a way back to the original offsets.

    ASCII text is only lower-cased (same offsets). Other text becomes its folded tokens joined
    by spaces; a match always covers whole tokens, which map back to the original text."""

    def __init__(self, text: str) -> None:
        if text.isascii():
            self.norm = text.lower()
            self._map: tuple[list[int], list[int], list[int]] | None = None
            return
        toks = tokens(text)
        self.norm = " ".join(t for t, _, _ in toks)
        starts, pos = [], 0
        for t, _, _ in toks:
            starts.append(pos)
            pos += len(t) + 1
        self._map = (starts, [s for _, s, _ in toks], [e for _, _, e in toks])

    def original(self, start: int, end: int) -> tuple[int, int]:
        if self._map is None:
            return start, end
        starts, orig_starts, orig_ends = self._map
        i = bisect.bisect_right(starts, start) - 1
        j = bisect.bisect_right(starts, end - 1) - 1
        return orig_starts[i], orig_ends[j]


_EDGE_R, _GAP = r"(?![^\W_])", r"[\W_]+"


def _word(word: str) -> str:
    """``word`` starting a token: the literal first (so the regex engine scans for it fast),
    then a look behind it that the character before it is not part of a token."""
    return f"{re.escape(word)}(?<![^\\W_].{{{len(word)}}})"


@lru_cache(maxsize=512)
def _pattern(node: Term | Phrase) -> re.Pattern[str]:
    if isinstance(node, Phrase):
        return re.compile(_GAP.join(map(_word, node.words)) + _EDGE_R, re.S)
    if node.prefix:
        return re.compile(_word(node.prefix) + r"[^\W_]*", re.S)
    forms = sorted(node.forms, key=lambda f: (-len(f), f))
    return re.compile("(?:" + "|".join(map(_word, forms)) + ")" + _EDGE_R, re.S)


def evaluate(node: Node, folded: Folded) -> list[tuple[int, int]] | None:
    """Spans of ``folded.norm`` where ``node`` matches; ``None`` when it does not match (a
    NOT that holds matches with no span: ``[]``)."""
    if isinstance(node, Term | Phrase):
        found = [m.span() for m in _pattern(node).finditer(folded.norm)]
        return found or None
    if isinstance(node, Not):
        return [] if evaluate(node.child, folded) is None else None
    results = [evaluate(c, folded) for c in node.children]
    if node.kind == "OR":
        kept = [r for r in results if r is not None]
        return sorted({s for r in kept for s in r}) if kept else None
    if any(r is None for r in results):
        return None
    if node.kind == "AND":
        return sorted({s for r in results if r for s in r})
    left, right = results[0] or [], results[1] or []
    norm, most = folded.norm, node.distance
    near: set[tuple[int, int]] = set()
    for a in left:
        for b in right:
            lo, hi = min(a[1], b[1]), max(a[0], b[0])
            # words between them, counted only up to one more than allowed
            if lo >= hi or sum(1 for _ in islice(_TOKEN.finditer(norm, lo, hi), most + 1)) <= most:
                near.update((a, b))
    return sorted(near) or None


def match_text(query: TextQuery | str, text: str) -> list[tuple[int, int]] | None:
    """Character spans of ``text`` where the search matches (None: no match)."""
    parsed = parse_text_query(query) if isinstance(query, str) else query
    if parsed.tree is None:
        return None
    folded = Folded(text)
    spans = evaluate(parsed.tree, folded)
    if spans is None:
        return None
    return _merge([folded.original(s, e) for s, e in spans])


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def has_phrase(text: str, phrase: tuple[str, ...]) -> bool:
    """Whether the folded tokens of ``text`` contain ``phrase`` as a run."""
    return evaluate(Phrase(phrase), Folded(text)) is not None


def kwic(text: str, start: int, end: int, words: int = 5) -> tuple[str, str, str]:
    """(left, hit, right): ``words`` words of context each side, on one line (0: none)."""
    if words <= 0:  # the slicing below would read 0 as "every word"
        return "", " ".join(text[start:end].split()), ""
    left = text[:start]
    right = text[end:]
    lw = [m.start() for m in re.finditer(r"\S+", left)]
    rw = [m.end() for m in re.finditer(r"\S+", right)]
    lcut = lw[-words] if len(lw) >= words else 0
    rcut = rw[words - 1] if len(rw) >= words else len(right)
    flat = " ".join
    return (
        ("… " if lcut else "") + flat(left[lcut:].split()) + (" " if left[-1:].isspace() else ""),
        flat(text[start:end].split()),
        (" " if right[:1].isspace() else "")
        + flat(right[:rcut].split())
        + (" …" if rcut < len(right) else ""),
    )


class _Leaves:
    """Where each word and phrase of a search occurs in a whole document, found with one
    regex pass each, so turns that cannot match are skipped without being read.

    A turn can only match if its words and phrases occur inside it (AND and NEAR: all of
    them; OR: one; NOT: always possible), which these positions answer by bisection. A turn
    whose edge cuts a word is always read (its tokens differ from the document's)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded: Folded | None = None
        self.starts: dict[Term | Phrase, list[int]] = {}

    def possible(self, node: Node, start: int, end: int) -> bool:
        text = self.text
        if (
            start > 0 and start < len(text) and text[start - 1].isalnum() and text[start].isalnum()
        ) or (0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum()):
            return True
        return self._possible(node, start, end)

    def _possible(self, node: Node, start: int, end: int) -> bool:
        if isinstance(node, Term | Phrase):
            starts = self.starts.get(node)
            if starts is None:
                if self.folded is None:
                    self.folded = Folded(self.text)
                folded = self.folded
                starts = self.starts[node] = [
                    folded.original(*m.span())[0] for m in _pattern(node).finditer(folded.norm)
                ]
            i = bisect.bisect_left(starts, start)
            return i < len(starts) and starts[i] < end
        if isinstance(node, Not):
            return True
        if node.kind == "OR":
            return any(self._possible(c, start, end) for c in node.children)
        return all(self._possible(c, start, end) for c in node.children)


def search_text(
    session: Session, query: str, limit: int = 200, *, stem: bool = True
) -> list[TextHit]:
    """Turns matching a search, in (document name, offset) order, with where they match.
    An empty search is an error (:class:`EmptySearch`), not a search that finds nothing."""
    return list(islice(_hits(session, query, stem), max(0, limit)))


def search_counted(
    session: Session, query: str, limit: int, *, stem: bool = True
) -> tuple[list[TextHit], int]:
    """The first ``limit`` hits of :func:`search_text` and how many turns match in all, so a
    listing cut at ``limit`` can say how many it left out."""
    hits: list[TextHit] = []
    total = 0
    for hit in _hits(session, query, stem):
        total += 1
        if len(hits) < limit:
            hits.append(hit)
    return hits, total


def _hits(session: Session, query: str, stem: bool) -> Iterator[TextHit]:
    """Every turn matching a search, in (document name, offset) order, read lazily."""
    parsed = parse_text_query(query, stem)
    if parsed.tree is None:
        raise EmptySearch
    try:
        rows = session.conn.execute(
            'SELECT t.id, d.id, d.name, s.name, t.start, t."end" '
            "FROM turns t JOIN documents d ON d.id = t.document_id "
            "LEFT JOIN speakers s ON s.id = t.speaker_id "
            "WHERE t.id IN (SELECT rowid FROM turns_fts WHERE turns_fts MATCH ?) "
            "ORDER BY d.name, t.start",
            (parsed.match,),
        ).fetchall()
    except sqlite3.OperationalError as exc:
        raise ProjectError(f"cannot search for {query!r}: {exc}") from exc
    texts: dict[int, str] = {}
    leaves: _Leaves | None = None
    for turn_id, doc_id, doc, speaker, start, end in rows:
        text = texts.get(doc_id)
        if text is None:
            texts.clear()  # one document at a time: rows come in document order
            text = texts[doc_id] = session.conn.execute(
                "SELECT text FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()[0]
            leaves = _Leaves(text) if len(rows) > PREFILTER_TURNS else None
        if leaves is not None and not leaves.possible(parsed.tree, start, end):
            continue
        piece = text[start:end]
        spans = match_text(parsed, piece)
        if spans is None:
            continue
        found = tuple((start + s, start + e) for s, e in spans)
        yield TextHit(turn_id, doc_id, doc, speaker, start, end, piece, found)


def search_turns(session: Session, query: str, limit: int = 200) -> list[SearchHit]:
    """Turns matching a search (see the module docstring), as :class:`SearchHit` records.

    This is ``project.documents.search``, which never refuses: a search that cannot be read
    (``burnout AND``, an open quote) is searched as its words, all of them (operators left
    out), and one with only negated words, or none at all, finds nothing. :func:`search_text`
    says what is wrong instead."""
    try:
        parse_text_query(query)
    except NothingToSearch:
        return []
    except SearchSyntaxError:
        words = [w for w in _TOKEN.findall(query) if w not in ("AND", "OR", "NOT", "NEAR")]
        query = " ".join(f'"{w}"' for w in words)
    if not query.strip():
        return []  # search_text refuses an empty search; this API answers it with nothing
    return [
        SearchHit(
            turn_id=h.turn_id,
            document=h.document,
            speaker=h.speaker,
            start=h.start,
            end=h.end,
            text=h.text,
        )
        for h in search_text(session, query, limit)
    ]
