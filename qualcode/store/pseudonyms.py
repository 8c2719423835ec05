"""The pseudonym table: real names and what shared exports print instead.

``pseudonyms(name UNIQUE COLLATE NOCASE, pseudonym)``. :class:`Replacer` applies the table to
text: a name matches in any case where it is not part of a longer word (a letter on either
side blocks it; digits, underscores and punctuation do not, so ``gp01_astrid`` and
``Astrid's`` both lose the name), with any white space between its words; longer names first. Writes are audited actions. The table
never changes the stored text: exports apply it on the way out (:mod:`qualcode.report.pseudonymise`)
and ``qualcode redact`` writes a new project file (:mod:`qualcode.store.redact`).
Instantiate as ``Pseudonyms(project.session)``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store.session import Session, now
from qualcode.text import map_strings

DEFAULT_SETTING = "pseudonymise"
"""Project setting (``1``/``0``): pseudonymise every export unless told otherwise."""


@dataclass(frozen=True)
class Candidate:
    name: str
    source: str
    """Where it was found: ``speaker``, ``attribute``, ``text`` or ``entity``."""
    count: int


class Replacer:
    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        cleaned = [(" ".join(n.split()), p) for n, p in pairs if n.strip()]
        cleaned.sort(key=lambda np: (-len(np[0]), np[0].casefold()))
        self.pairs = cleaned
        self._by_key = {n.casefold(): p for n, p in cleaned}
        if cleaned:
            alternatives = "|".join(
                r"\s+".join(re.escape(w) for w in n.split()) for n, _ in cleaned
            )
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<![^\W\d_])(?:{alternatives})(?![^\W\d_])", re.IGNORECASE
            )
        else:
            self._pattern = None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, value: str) -> str:
        """``value`` with every listed name replaced."""
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(self._swap, value)

    def _swap(self, m: re.Match[str]) -> str:
        return self._by_key.get(" ".join(m.group().split()).casefold(), m.group())

    def spans(self, value: str) -> list[tuple[int, int, str]]:
        """``(start, end, pseudonym)`` of every name in ``value``, in order (for redaction)."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._swap(m)) for m in self._pattern.finditer(value)]

    def deep(self, value: Any) -> Any:
        """Every string inside ``value`` replaced; unchanged parts are the same objects."""
        if self._pattern is None:
            return value
        return map_strings(value, self.text)


class Pseudonyms:
    def __init__(self, session: Session) -> None:
        self.s = session

    def pairs(self) -> list[tuple[str, str]]:
        """(name, pseudonym) in name order."""
        return [
            (str(r[0]), str(r[1]))
            for r in self.s.conn.execute(
                "SELECT name, pseudonym FROM pseudonyms ORDER BY name COLLATE NOCASE, id"
            )
        ]

    def set(self, name: str, pseudonym: str) -> None:
        """Add or change one pair."""
        name, pseudonym = " ".join(name.split()), " ".join(pseudonym.split())
        if not name or not pseudonym:
            raise ProjectError("a pseudonym needs a name and a replacement")
        if name.casefold() in pseudonym.casefold():
            raise ProjectError(f"the pseudonym for '{name}' must not contain the name")
        row = self.s.conn.execute(
            "SELECT id, pseudonym FROM pseudonyms WHERE name = ?", (name,)
        ).fetchone()
        if row is not None and row[1] == pseudonym:
            return
        with self.s.action("pseudonym.set", f"Pseudonym {pseudonym} for a listed name"):
            if row is None:
                self.s.insert(
                    "pseudonyms", {"name": name, "pseudonym": pseudonym, "created_at": now()}
                )
            else:
                self.s.update("pseudonyms", int(row[0]), {"pseudonym": pseudonym})

    def set_many(self, pairs: list[tuple[str, str]]) -> int:
        """Add or change several pairs in one action; returns how many changed."""
        changed = 0
        with self.s.action("pseudonym.set", f"Pseudonyms for {len(pairs)} names"):
            for name, pseudonym in pairs:
                before = self.s.conn.execute(
                    "SELECT pseudonym FROM pseudonyms WHERE name = ?", (" ".join(name.split()),)
                ).fetchone()
                if before is None or before[0] != " ".join(pseudonym.split()):
                    self.set(name, pseudonym)
                    changed += 1
        return changed

    def remove(self, name: str) -> bool:
        row = self.s.conn.execute("SELECT id FROM pseudonyms WHERE name = ?", (name,)).fetchone()
        if row is None:
            return False
        with self.s.action("pseudonym.remove", "Removed a pseudonym"):
            self.s.delete("pseudonyms", int(row[0]))
        return True

    def suggest(self, min_count: int = 2) -> list[Candidate]:
        """Names that may need a pseudonym and are not listed yet: speaker names, attribute
        values that look like names, and capitalised words not in the lexicon that recur in
        the text (and person/place entities when a trained spaCy pipeline is installed)."""
        listed = {n.casefold() for n, _ in self.pairs()} | {p.casefold() for _, p in self.pairs()}
        found: dict[str, Candidate] = {}

        def add(name: str, source: str, count: int = 1) -> None:
            name = " ".join(name.split())
            key = name.casefold()
            if not name or key in listed or key in found or _not_a_name(name):
                return
            found[key] = Candidate(name, source, count)

        from qualcode.store.analysis_data import is_interviewer

        for (name,) in self.s.conn.execute("SELECT DISTINCT name FROM speakers ORDER BY name"):
            if not is_interviewer(name):
                add(name, "speaker")
        for (value,) in self.s.conn.execute(
            "SELECT DISTINCT value FROM speaker_attributes UNION "
            "SELECT DISTINCT value FROM document_attributes ORDER BY 1"
        ):
            if _NAME_LIKE.fullmatch(value or ""):
                add(value, "attribute")
        counts: Counter[str] = Counter()
        first_word: Counter[str] = Counter()
        texts = [str(r[0]) for r in self.s.conn.execute("SELECT text FROM documents ORDER BY id")]
        for text in texts:
            for m in _CAPITALISED.finditer(text):
                word = m.group()
                before = text[max(0, m.start() - 3) : m.start()]
                if re.search(r"[.!?:\n]\s*$", before) or m.start() == 0:
                    first_word[word] += 1
                counts[word] += 1
        lexicon = _lexicon()
        for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if n < min_count or first_word[word] == n:
                continue
            if lexicon is not None and word.lower() in lexicon:
                continue
            add(word, "text", n)
        for name, n in _entities(texts):
            add(name, "entity", n)
        return sorted(found.values(), key=lambda c: (_ORDER[c.source], -c.count, c.name))


_ORDER = {"speaker": 0, "attribute": 1, "entity": 2, "text": 3}
_NAME_LIKE = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}")
_CAPITALISED = re.compile(r"(?<![\w'’])[A-Z][a-z]{2,}(?![\w])")
_NOT_NAMES = frozenset({"i", "interviewer", "moderator", "participant", "speaker", "yes", "no"})


def _not_a_name(name: str) -> bool:
    letters = sum(ch.isalpha() for ch in name)
    return name.casefold() in _NOT_NAMES or letters < 2 or any(ch.isdigit() for ch in name)


def _lexicon() -> set[str] | None:
    """Lower-case English words (spaCy's lookup lemmatizer table), or None without it."""
    try:
        from qualcode.nlp.lexicon import lemma_lookup, stop_words

        table = lemma_lookup()
    except Exception:  # noqa: BLE001 - optional data
        return None
    if not table:
        return None
    return {k.lower() for k in table} | {v.lower() for v in table.values()} | set(stop_words())


def _entities(texts: list[str]) -> list[tuple[str, int]]:
    """PERSON/GPE/LOC entities when a trained pipeline is installed; [] otherwise."""
    try:
        import importlib.util

        if importlib.util.find_spec("en_core_web_sm") is None:
            return []
        import spacy

        nlp = spacy.load("en_core_web_sm")
    except Exception:  # noqa: BLE001 - optional
        return []
    counts: Counter[str] = Counter()
    for doc in nlp.pipe(texts):
        for ent in doc.ents:
            if ent.label_ in ("PERSON", "GPE", "LOC"):
                counts[ent.text.strip()] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
