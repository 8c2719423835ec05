"""Suggestions learned from the researcher's own coding: a spaCy ``textcat_multilabel``.

Training data: every sentence of a document that has at least one coding. A sentence
overlapped by a code's codings is a positive for that code, every other sentence of those
documents a negative. Codes with fewer positive sentences than ``min_examples`` are left out
(and listed), because a classifier learned from three sentences only repeats them.

The model is spaCy's bag-of-words text classifier (``spacy.TextCatBOW.v3``) over lower-cased
lemmas: it trains in seconds on a laptop CPU, needs no word vectors or download, and its
behaviour is easy to explain ("these words"). Unigrams only: with a few dozen examples per code,
bigrams let the model memorise its training sentences instead of learning the code's words
(cross-validated F1 fell from 0.99 to about 0.8 on the generated test corpus).
Cross-validation is grouped by document, because sentences of one interview resemble each
other and would flatter the scores; each code's threshold is the one with the best F1 on the
held-out predictions.

Training is reproducible: ``spacy.util.fix_random_seed`` plus a seeded shuffle.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from qualcode.store import Project

MODEL_NAME = "suggest"
MIN_EXAMPLES = 8
EPOCHS = 10
BATCH_SIZE = 64  # at least; larger data gets larger batches (see batch_size())
MAX_BATCH_SIZE = 512
# A bag-of-words model on a few hundred sentences learns too slowly at Adam's default 0.001,
# and without a penalty on its weights it memorises which ordinary words happened to occur in
# the training examples. Classic L2 (added to the gradient, not decoupled weight decay) keeps the
# weight on the telling words: cross-validated F1 on the generated corpus rose from ~0.8 to ~0.92.
LEARN_RATE = 0.1
L2 = 0.03
FOLDS = 5
DEFAULT_THRESHOLD = 0.5
TEXTCAT_CONFIG = {
    "threshold": DEFAULT_THRESHOLD,
    "model": {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": False,
        "ngram_size": 1,
        "no_output_layer": False,
        "length": 65536,
    },
}

Progress = Callable[[int, int, str], None]


def _quiet(_done: int, _total: int, _message: str) -> None:
    return None


# ---------------------------------------------------------------- data


@dataclass
class TrainingSet:
    """Sentences with their per-code labels (1.0 positive, 0.0 negative)."""

    texts: list[str]
    doc_ids: list[int]
    cats: list[dict[str, float]]
    labels: list[str]
    positives: dict[str, int] = field(default_factory=dict)  # every code with >= 1 positive
    skipped: dict[str, int] = field(default_factory=dict)  # codes with too few positives
    min_examples: int = MIN_EXAMPLES

    @property
    def documents(self) -> int:
        return len(set(self.doc_ids))

    def subset(self, keep: Sequence[int]) -> TrainingSet:
        return TrainingSet(
            [self.texts[i] for i in keep],
            [self.doc_ids[i] for i in keep],
            [self.cats[i] for i in keep],
            self.labels,
            self.positives,
            self.skipped,
            self.min_examples,
        )


def training_set(
    project: Project, min_examples: int = MIN_EXAMPLES, codes: Sequence[str] | None = None
) -> TrainingSet:
    """Labelled sentences from the project's codings (see the module docstring)."""
    wanted: set[int] | None = None
    if codes:
        wanted = set()
        for name in codes:
            wanted.update(project.codebook.descendant_ids(name))
    by_doc: dict[int, list[tuple[int, int, str]]] = {}
    for coding in project.codings.list():
        by_doc.setdefault(coding.document_id, []).append((coding.start, coding.end, coding.code))
    names = {c.id: c.name for c in project.codebook.codes()}
    texts: list[str] = []
    doc_ids: list[int] = []
    positive_sets: list[set[str]] = []
    for doc_id in sorted(by_doc):
        text = project.documents.get(doc_id).text
        spans = sorted(by_doc[doc_id])
        for sentence in project.documents.sentences(doc_id):
            inside = {
                code for start, end, code in spans if start < sentence.end and end > sentence.start
            }
            texts.append(text[sentence.start : sentence.end])
            doc_ids.append(doc_id)
            positive_sets.append(inside)
    positives: dict[str, int] = {}
    for inside in positive_sets:
        for code in inside:
            positives[code] = positives.get(code, 0) + 1
    allowed = None if wanted is None else {names[i] for i in wanted}
    order = {name: i for i, name in enumerate(names.values())}
    labels = sorted(
        (
            c
            for c, n in positives.items()
            if n >= min_examples and n < len(texts) and (allowed is None or c in allowed)
        ),
        key=lambda c: order.get(c, 0),
    )
    skipped = {
        c: n for c, n in positives.items() if n < min_examples and (allowed is None or c in allowed)
    }
    cats = [{label: float(label in inside) for label in labels} for inside in positive_sets]
    return TrainingSet(texts, doc_ids, cats, labels, positives, skipped, min_examples)


# ---------------------------------------------------------------- features


class Featurizer:
    """Turns sentences into the docs the classifier sees: each distinct lower-cased lemma once,
    punctuation dropped. Lemmas make "felt", "feels" and "Feeling" one feature (the same lookup
    lemmas as the rules); counting each word once keeps a long rambling sentence from drowning
    its few telling words, since a bag-of-words model sums over its features. Stop words stay:
    "alone", "nobody" and "never" are stop words and carry meaning in interviews."""

    def __init__(self) -> None:
        from qualcode.nlp.pipeline import get_pipeline
        from qualcode.nlp.rules import Lemmas

        self.nlp = get_pipeline(lemmas=True)
        self.lemmas = Lemmas(self.nlp, trained=False)

    def docs(self, texts: Sequence[str], vocab: Any) -> list[Doc]:
        from spacy.tokens import Doc

        strings = self.nlp.vocab.strings
        of = self.lemmas.of
        out: list[Doc] = []
        for doc in self.nlp.tokenizer.pipe(texts, batch_size=1000):  # type: ignore[union-attr]  # spaCy types nlp.tokenizer as a callable; it is a Tokenizer
            words = dict.fromkeys(
                strings[of(token.lower)] for token in doc if not (token.is_punct or token.is_space)
            )
            out.append(Doc(vocab, words=list(words) or ["-"]))
        return out


def new_pipeline(labels: Sequence[str]) -> Language:
    """A blank English pipeline with an untrained multi-label text classifier."""
    import spacy

    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config=TEXTCAT_CONFIG)
    for label in labels:
        textcat.add_label(label)  # type: ignore[attr-defined]  # add_pipe returns the TextCategorizer
    return nlp


def train(
    data: TrainingSet,
    seed: int = 0,
    epochs: int = EPOCHS,
    progress: Progress = _quiet,
    featurizer: Featurizer | None = None,
) -> Language:
    """Train a classifier for ``data.labels``; the same data and seed give the same model."""
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    if not data.labels:
        raise QualcodeError(_no_labels_message(data))
    fix_random_seed(seed)
    featurizer = featurizer or Featurizer()
    nlp = new_pipeline(data.labels)
    docs = featurizer.docs(data.texts, nlp.vocab)
    examples = [
        Example.from_dict(doc, {"cats": cats}) for doc, cats in zip(docs, data.cats, strict=True)
    ]
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = LEARN_RATE
    optimizer.L2 = L2
    optimizer.L2_is_weight_decay = False
    rng = random.Random(seed)
    order = list(examples)
    for epoch in range(epochs):
        rng.shuffle(order)
        losses: dict[str, float] = {}
        for batch in minibatch(order, size=batch_size(len(order))):
            nlp.update(batch, sgd=optimizer, losses=losses)
        progress(epoch + 1, epochs, f"epoch {epoch + 1}/{epochs}")
    return nlp


def batch_size(examples: int) -> int:
    """Bigger batches for bigger data: each update touches the whole hashed weight table (one
    row per code), so with 12,000 sentences and 49 codes, batches of 64 spent most of the time
    updating weights; batches of ~500 train 4x faster and, on the generated corpus, no worse."""
    return min(MAX_BATCH_SIZE, max(BATCH_SIZE, examples // 25))


def score(
    nlp: Language, texts: Sequence[str], featurizer: Featurizer | None = None
) -> list[dict[str, float]]:
    """Per-text, per-code probabilities."""
    featurizer = featurizer or Featurizer()
    docs = featurizer.docs(texts, nlp.vocab)
    return [dict(doc.cats) for doc in nlp.pipe(docs, batch_size=1000)]


def to_bytes(nlp: Language) -> bytes:
    """The whole pipeline (config + weights) as bytes, to live inside the project file.

    Compressed: most of the hashed bag-of-words table is never touched and stays zero."""
    import zlib

    import srsly

    payload = {"config": nlp.config.to_str(), "pipeline": nlp.to_bytes()}
    return zlib.compress(srsly.msgpack_dumps(payload), 6)


def from_bytes(data: bytes) -> Language:
    import zlib

    import srsly
    from spacy.util import get_lang_class
    from thinc.api import Config

    try:
        payload = srsly.msgpack_loads(zlib.decompress(data))
        config = Config().from_str(payload["config"])
        nlp = get_lang_class(config["nlp"]["lang"]).from_config(config)
        nlp.from_bytes(payload["pipeline"])
    except (KeyError, ValueError, TypeError, zlib.error) as exc:
        raise QualcodeError(f"the stored model cannot be read ({exc}); retrain it") from exc
    return nlp


# ---------------------------------------------------------------- evaluation

NOT_LEARNABLE_THRESHOLD = 0.01
NOT_LEARNABLE_SHARE = 0.5


@dataclass(frozen=True)
class CodeMetrics:
    code: str
    examples: int
    precision: float
    recall: float
    f1: float
    threshold: float
    sentences: int = 0  # held-out sentences scored (every sentence is held out once)
    flagged: int = 0  # ... at or above the threshold
    f1_spread: float = 0.0  # standard deviation of the F1 across folds, at the threshold

    @property
    def support(self) -> int:
        """Positive sentences among the held-out ones (every fold's, added up)."""
        return self.examples

    @property
    def base_rate(self) -> float:
        return self.examples / self.sentences if self.sentences else 0.0

    @property
    def learnable(self) -> bool:
        """False when the best threshold is (nearly) 0 or flags at least half of all
        sentences (a "recall 1.00" that only means the model suggests everything), or when its
        precision is no better than twice the base rate (no better than guessing)."""
        if self.f1 <= 0.0 or self.threshold <= NOT_LEARNABLE_THRESHOLD:
            return False
        if self.sentences and self.flagged >= NOT_LEARNABLE_SHARE * self.sentences:
            return False
        return self.precision > 2 * self.base_rate

    def as_dict(self) -> dict[str, float | int | bool]:
        return {
            "examples": self.examples,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "threshold": round(self.threshold, 4),
            "sentences": self.sentences,
            "flagged": self.flagged,
            "f1_spread": round(self.f1_spread, 4),
            "base_rate": round(self.base_rate, 4),
            "learnable": self.learnable,
        }


def best_threshold(labels: Sequence[float], scores: Sequence[float]) -> CodeMetrics:
    """The decision threshold with the best F1 (ties: the higher threshold, fewer suggestions)
    and the precision/recall/F1 there. ``code``/``examples`` are filled in by the caller."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    total_pos = sum(1 for _, y in pairs if y >= 0.5)
    best = CodeMetrics("", total_pos, 0.0, 0.0, 0.0, DEFAULT_THRESHOLD)
    tp = fp = 0
    i = 0
    while i < len(pairs):
        threshold = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == threshold:
            if pairs[i][1] >= 0.5:
                tp += 1
            else:
                fp += 1
            i += 1
        precision = tp / (tp + fp)
        recall = tp / total_pos if total_pos else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best.f1 + 1e-12:
            best = CodeMetrics("", total_pos, precision, recall, f1, threshold)
    return best


def metrics_at(
    labels: Sequence[float], scores: Sequence[float], threshold: float
) -> tuple[float, float, float]:
    """Precision, recall and F1 when suggesting every score >= ``threshold``."""
    tp = sum(1 for y, s in zip(labels, scores, strict=True) if s >= threshold and y >= 0.5)
    fp = sum(1 for y, s in zip(labels, scores, strict=True) if s >= threshold and y < 0.5)
    fn = sum(1 for y, s in zip(labels, scores, strict=True) if s < threshold and y >= 0.5)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Evaluation:
    folds: int
    codes: list[CodeMetrics]

    @property
    def thresholds(self) -> dict[str, float]:
        return {m.code: m.threshold for m in self.codes}

    def as_dict(self) -> dict[str, Any]:
        return {"folds": self.folds, "codes": {m.code: m.as_dict() for m in self.codes}}


def document_folds(doc_ids: Sequence[int], folds: int, seed: int) -> list[set[int]]:
    """Documents dealt into ``folds`` groups after a seeded shuffle."""
    docs = sorted(set(doc_ids))
    random.Random(seed).shuffle(docs)
    k = max(2, min(folds, len(docs)))
    return [set(docs[i::k]) for i in range(k)]


def cross_validate(
    data: TrainingSet,
    folds: int = FOLDS,
    seed: int = 0,
    epochs: int = EPOCHS,
    progress: Progress = _quiet,
) -> Evaluation:
    """Out-of-fold scores for every sentence, grouped by document, then per-code metrics and
    best-F1 thresholds."""
    if not data.labels:
        raise QualcodeError(_no_labels_message(data))
    if data.documents < 2:
        raise QualcodeError(
            "cross-validation needs coded sentences in at least 2 documents "
            f"(found {data.documents})"
        )
    featurizer = Featurizer()
    groups = document_folds(data.doc_ids, folds, seed)
    scores: list[dict[str, float]] = [{} for _ in data.texts]
    fold_of = [0] * len(data.texts)
    for k, held_out in enumerate(groups):
        progress(k, len(groups), f"fold {k + 1}/{len(groups)}")
        train_idx = [i for i, d in enumerate(data.doc_ids) if d not in held_out]
        test_idx = [i for i, d in enumerate(data.doc_ids) if d in held_out]
        for i in test_idx:
            fold_of[i] = k
        model = train(data.subset(train_idx), seed=seed, epochs=epochs, featurizer=featurizer)
        for i, cats in zip(
            test_idx, score(model, [data.texts[i] for i in test_idx], featurizer), strict=True
        ):
            scores[i] = cats
    progress(len(groups), len(groups), "scored held-out documents")
    out: list[CodeMetrics] = []
    for label in data.labels:
        ys = [cats[label] for cats in data.cats]
        ss = [s.get(label, 0.0) for s in scores]
        best = best_threshold(ys, ss)
        per_fold = []
        for k in range(len(groups)):
            idx = [i for i in range(len(ys)) if fold_of[i] == k]
            if any(ys[i] >= 0.5 for i in idx):
                per_fold.append(
                    metrics_at([ys[i] for i in idx], [ss[i] for i in idx], best.threshold)[2]
                )
        spread = statistics.pstdev(per_fold) if len(per_fold) > 1 else 0.0
        out.append(
            CodeMetrics(
                label,
                data.positives[label],
                best.precision,
                best.recall,
                best.f1,
                best.threshold,
                sentences=len(ys),
                flagged=sum(1 for v in ss if v >= best.threshold),
                f1_spread=spread,
            )
        )
    return Evaluation(len(groups), out)


def _no_labels_message(data: TrainingSet) -> str:
    if not data.positives:
        return "no codings to learn from: code some passages first"
    return (
        f"no code has at least {data.min_examples} coded sentences to learn from "
        f"(most: {max(data.positives.values())}); code more, or lower --min-examples"
    )
