"""Key terms: the lemmas that set a code's passages apart from the rest of the corpus.

Method: the weighted log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi &
Quinn (2008), "Fightin' Words: Lexical Feature Selection and Evaluation for Identifying the
Content of Political Conflict", *Political Analysis* 16(4):372–403, doi:10.1093/pan/mpn018.
For a lemma w, with y_w^i its count in the code's passages (n^i lemmas in all), y_w^j its count
in the rest of the corpus in scope (n^j), and prior pseudo-counts α_w (α_0 = Σ α_w):

    δ_w = log[(y_w^i + α_w) / (n^i + α_0 − y_w^i − α_w)]
        − log[(y_w^j + α_w) / (n^j + α_0 − y_w^j − α_w)]          (their eq. 16)
    σ²_w ≈ 1 / (y_w^i + α_w) + 1 / (y_w^j + α_w)                   (eq. 18)
    z_w = δ_w / σ_w                                                 (eq. 19)

The informative prior has the shape of the corpus in scope: α_w = α_0 · y_w / n, with y_w the
lemma's count in the whole corpus (n lemmas): Monroe et al.'s informative prior, pseudo-counts
in proportion to background frequencies. Its weight α_0 (in pseudo-tokens) is ``min(n, PRIOR_SIZE)`` with PRIOR_SIZE = 1,000.
Why not α_0 = n (the tidylo package's empirical-Bayes default)? A code's passages are a few
hundred tokens; a prior as heavy as the whole corpus shrinks them so hard that in a
20,000-word study few lemmas reach significance (on the shipped demo, 3 of 8 themes got no
term and the others one or two). With 1,000 pseudo-tokens the prior still pulls rare and
frequent words toward their corpus rate, but a word a code uses several times more often than
the corpus does stands out. Terms are ranked by z; only terms with z ≥ 1.96 and at least
``min_count`` occurrences in the passages are kept. 1.96 is the two-sided 5% critical value, so
as a one-sided test of over-representation it is the 2.5% level, uncorrected for testing every
lemma: a screening threshold (as in Monroe et al.'s plots), not a significance claim per term.

Lemmas. Words come from spaCy's English lookup lemmatizer — the table of
``get_pipeline(lemmas=True)`` (spacy-lookups-data), read directly by ``qualcode.nlp.lexicon``
so a summary never pays for importing spaCy — with spaCy's English stop-word list and
number words. Tokens are runs of word characters joined by apostrophes, found with one
``re.split`` per document rather than spaCy's tokenizer, which costs ~5 µs a word and alone
would take most of the 3-second budget on a 600,000-word corpus; the lemmas and stop words are
spaCy's. Tokens holding a digit or an underscore never count (numbers, IDs), nor does
punctuation. Contractions lose their clitic (``patient's`` → patient; ``don't`` is dropped as a
stop word) and speaker names (every word of every speaker label) are left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.analysis.corpus import Corpus, Passage

if TYPE_CHECKING:
    import numpy as np

TOKEN = re.compile(r"\w+(?:['’]\w+)*")
SPLIT = re.compile(f"({TOKEN.pattern})")
_LETTERS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
Z_THRESHOLD = 1.96
PRIOR_SIZE = 1000
MIN_LENGTH = 2


@dataclass(frozen=True)
class KeyTerm:
    lemma: str
    z: float
    count: int
    """Occurrences in the code's passages."""
    rest: int
    """Occurrences in the rest of the corpus in scope."""


class Lemmatizer:
    """Lemma lookup with spaCy's tables and stop words, cached per word form."""

    def __init__(self, exclude: Iterable[str] = ()) -> None:
        from qualcode.nlp.lexicon import is_number_word, lemma_lookup, stop_words

        self._table = lemma_lookup()
        self._stop = stop_words()
        self._like_num = is_number_word
        self._exclude = {w.casefold() for w in exclude}
        self._cache: dict[str, str | None] = {}

    def lemma(self, form: str) -> str | None:
        """The lemma of one token, or None if it should not count."""
        if form in self._cache:
            return self._cache[form]
        word = form.replace("’", "'")
        lemma: str | None = None
        if not _LETTERS.fullmatch(word):  # digits or underscores: numbers, codes, ids
            self._cache[form] = None
            return None
        head, _, tail = word.partition("'")
        if not (tail == "t" and head.lower().endswith("n")):  # n't: a negated auxiliary
            lower = head.lower()
            found = self._table.get(head) or self._table.get(lower) or lower
            found = str(found).lower()
            if (
                len(found) >= MIN_LENGTH
                and lower not in self._stop
                and found not in self._stop
                and lower not in self._exclude
                and found not in self._exclude
                and not self._like_num(lower)
            ):
                lemma = found
        self._cache[form] = lemma
        return lemma


class TermIndex:
    """Lemma ids of every counted token in the corpus in scope, by document, with offsets.

    With ``participants_only``, only participants' talk counts (interviewer questions and
    non-speech lines are left out of both the passages and the background), so a code's key
    terms are the participants' words, not the interviewer's prompts."""

    def __init__(self, corpus: Corpus, participants_only: bool = False) -> None:
        import numpy as np

        names = {
            part
            for person in corpus.persons.values()
            if person.is_speaker
            for part in TOKEN.findall(person.name)
        }
        lemmatizer = Lemmatizer(exclude=names)
        self.vocab: list[str] = []
        lemma_id: dict[str, int] = {}
        form_id: dict[str, int] = {}  # word form -> lemma id, or -1 if it does not count
        self.offsets: dict[int, np.ndarray] = {}
        self.lemma_ids: dict[int, np.ndarray] = {}
        for doc in corpus.documents:
            pieces = SPLIT.split(doc.text)
            forms = pieces[1::2]
            for form in set(forms).difference(form_id):
                lemma = lemmatizer.lemma(form)
                if lemma is None:
                    form_id[form] = -1
                    continue
                if lemma not in lemma_id:
                    lemma_id[lemma] = len(self.vocab)
                    self.vocab.append(lemma)
                form_id[form] = lemma_id[lemma]
            lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
            ends = np.cumsum(lengths)
            starts = (ends - lengths)[1::2]
            ids = np.fromiter(map(form_id.__getitem__, forms), dtype=np.int64, count=len(forms))
            turns = corpus.turns[doc.id]
            if participants_only:
                turns = [t for t in turns if corpus.persons[t.person_id].is_participant]
            if not turns:
                self.offsets[doc.id] = np.zeros(0, dtype=np.int64)
                self.lemma_ids[doc.id] = np.zeros(0, dtype=np.int64)
                continue
            t_start = np.array([t.start for t in turns], dtype=np.int64)
            t_end = np.array([t.end for t in turns], dtype=np.int64)
            which = np.searchsorted(t_start, starts, side="right") - 1
            in_turn = (which >= 0) & (starts < t_end[np.maximum(which, 0)])
            keep = (ids >= 0) & in_turn
            self.offsets[doc.id] = starts[keep]
            self.lemma_ids[doc.id] = ids[keep]
        # Keep only lemmas that occur in the text in scope (speaker labels and turns out of
        # scope were tokenized too), renumbered in order of first appearance.
        total = self._bincount(list(self.lemma_ids.values()))
        used = np.flatnonzero(total > 0)
        remap = np.full(len(self.vocab), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        self.vocab = [self.vocab[i] for i in used]
        self.lemma_ids = {doc_id: remap[ids] for doc_id, ids in self.lemma_ids.items()}
        self.total = total[used]
        # The same tokens as one array over the corpus's virtual text (see Corpus.base).
        self._base = corpus.base
        order = [d.id for d in corpus.documents]
        self._offsets = np.concatenate(
            [self.offsets[d] + corpus.base[d] for d in order] or [np.zeros(0, dtype=np.int64)]
        )
        self._ids = np.concatenate(
            [self.lemma_ids[d] for d in order] or [np.zeros(0, dtype=np.int64)]
        )

    def prior(self, size: int = PRIOR_SIZE) -> np.ndarray:
        """α_w = α_0 · y_w / n with α_0 = min(n, size): the corpus's shape, ``size`` tokens' weight."""
        n = float(self.total.sum())
        if n == 0:
            return self.total.astype(float)
        return self.total * (min(n, float(size)) / n)

    def _bincount(self, arrays: list[np.ndarray]) -> np.ndarray:
        import numpy as np

        size = len(self.vocab)
        if not arrays:
            return np.zeros(size, dtype=np.int64)
        return np.bincount(np.concatenate(arrays), minlength=size).astype(np.int64)

    def counts(self, passages: Iterable[Passage]) -> np.ndarray:
        """Lemma counts inside the passages (tokens starting within a passage)."""
        import numpy as np

        spans = [
            (self._base[p.document_id] + p.start, self._base[p.document_id] + p.end)
            for p in passages
        ]
        if not spans or not len(self._offsets):
            return np.zeros(len(self.vocab), dtype=np.int64)
        bounds = np.array(spans, dtype=np.int64)
        lo = np.searchsorted(self._offsets, bounds[:, 0], side="left")
        hi = np.searchsorted(self._offsets, bounds[:, 1], side="left")
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(len(self.vocab), dtype=np.int64)
        # Indices lo[0]..hi[0]-1, lo[1]..hi[1]-1, … without a Python loop.
        shift = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
        index = np.arange(total, dtype=np.int64) + shift
        return np.bincount(self._ids[index], minlength=len(self.vocab)).astype(np.int64)


def log_odds_z(y_i: np.ndarray, y_j: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Monroe et al. (2008) z-scores of group i against group j with prior ``alpha``."""
    import numpy as np

    n_i, n_j, a0 = float(y_i.sum()), float(y_j.sum()), float(alpha.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log((y_i + alpha) / (n_i + a0 - y_i - alpha)) - np.log(
            (y_j + alpha) / (n_j + a0 - y_j - alpha)
        )
        sigma = np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
        z = delta / sigma
    return np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)


def key_terms(
    index: TermIndex,
    passages: list[Passage],
    top: int = 8,
    min_count: int = 2,
    z_min: float = Z_THRESHOLD,
) -> list[KeyTerm]:
    """The ``top`` most distinctive lemmas of the passages (z ≥ ``z_min``), best first.

    Ties in z are broken alphabetically, so the list is the same on every run.
    """
    if not passages or not index.vocab:
        return []
    y_i = index.counts(passages)
    y_j = index.total - y_i
    z = log_odds_z(y_i, y_j, index.prior())
    import numpy as np

    keep = np.nonzero((y_i >= min_count) & (z >= z_min))[0]
    candidates = [(float(z[w]), index.vocab[w], int(y_i[w]), int(y_j[w])) for w in keep]
    candidates.sort(key=lambda t: (-round(t[0], 9), t[1]))
    return [KeyTerm(lemma, round(zv, 4), c, r) for zv, lemma, c, r in candidates[:top]]


def z_score(y_i: int, n_i: int, y_j: int, n_j: int, alpha: float, alpha0: float) -> float:
    """The formula for one lemma in plain floats, for checking by hand."""
    delta = math.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha)) - math.log(
        (y_j + alpha) / (n_j + alpha0 - y_j - alpha)
    )
    return delta / math.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha))
