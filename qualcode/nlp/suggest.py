"""Learned suggestions for a project: train, evaluate, store, and score uncoded sentences.

The model lives in the project's ``models`` table together with the codebook fingerprint it was
trained under, its per-code thresholds and its cross-validation figures, so the project file
stays the whole project and a model never silently outlives the codes it learned.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.nlp import learn
from qualcode.nlp.learn import MIN_EXAMPLES, Progress, _quiet
from qualcode.store import Project
from qualcode.store import suggestions as store
from qualcode.store.models import StoredModel

# Codes whose cross-validated F1 is below this make no model suggestions: a threshold picked
# for a code the model cannot tell apart tends towards 0 and would flood the review list.
MIN_F1 = 0.5


@dataclass
class TrainReport:
    """What a training run did, for printing."""

    labels: list[str]
    positives: dict[str, int]
    skipped: dict[str, int]
    sentences: int
    documents: int
    evaluation: learn.Evaluation | None = None
    thresholds: dict[str, float] = field(default_factory=dict)


def train_project(
    project: Project,
    min_examples: int = MIN_EXAMPLES,
    seed: int = 0,
    evaluate: bool = False,
    epochs: int = learn.EPOCHS,
    codes: Sequence[str] | None = None,
    progress: Progress = _quiet,
    min_f1: float = MIN_F1,
) -> TrainReport:
    """Train on the project's coding and store the model (with thresholds from
    cross-validation when ``evaluate``; otherwise earlier thresholds of the same codes are
    kept, and new codes get 0.5)."""
    data = learn.training_set(project, min_examples, codes)
    evaluation = None
    if evaluate:
        evaluation = learn.cross_validate(
            data, seed=seed, epochs=epochs, progress=_stage(progress, "cross-validation")
        )
    nlp = learn.train(data, seed=seed, epochs=epochs, progress=_stage(progress, "training"))
    previous = project.models.load(learn.MODEL_NAME)
    old = previous.thresholds if previous else {}
    thresholds = (
        evaluation.thresholds
        if evaluation
        else {label: old.get(label, learn.DEFAULT_THRESHOLD) for label in data.labels}
    )
    metrics: dict[str, Any] = {
        "labels": data.labels,
        "examples": {label: data.positives[label] for label in data.labels},
        "skipped": data.skipped,
        "sentences": len(data.texts),
        "documents": data.documents,
        "seed": seed,
        "epochs": epochs,
        "min_examples": min_examples,
        "min_f1": min_f1,
    }
    if evaluation:
        metrics["evaluation"] = evaluation.as_dict()
    elif previous and "evaluation" in previous.metrics:
        metrics["evaluation"] = previous.metrics["evaluation"]
    project.models.save(
        learn.MODEL_NAME,
        learn.to_bytes(nlp),
        metrics,
        thresholds,
        f"Trained suggestion model on {len(data.texts)} sentences for {len(data.labels)} code(s)",
    )
    return TrainReport(
        data.labels,
        data.positives,
        data.skipped,
        len(data.texts),
        data.documents,
        evaluation,
        thresholds,
    )


def evaluate_project(
    project: Project,
    min_examples: int = MIN_EXAMPLES,
    seed: int = 0,
    epochs: int = learn.EPOCHS,
    codes: Sequence[str] | None = None,
    progress: Progress = _quiet,
    min_f1: float = MIN_F1,
) -> TrainReport:
    """Cross-validate without retraining; if the stored model covers the same codes under the
    same codebook, its thresholds and figures are updated."""
    data = learn.training_set(project, min_examples, codes)
    evaluation = learn.cross_validate(
        data, seed=seed, epochs=epochs, progress=_stage(progress, "cross-validation")
    )
    stored = project.models.load(learn.MODEL_NAME)
    if (
        stored is not None
        and stored.codebook_hash == project.codebook.hash()
        and stored.metrics.get("labels") == data.labels
    ):
        metrics = {**stored.metrics, "evaluation": evaluation.as_dict(), "min_f1": min_f1}
        project.models.update_evaluation(learn.MODEL_NAME, metrics, evaluation.thresholds)
    return TrainReport(
        data.labels,
        data.positives,
        data.skipped,
        len(data.texts),
        data.documents,
        evaluation,
        evaluation.thresholds,
    )


@dataclass
class ScoreResult:
    documents: int
    sentences: int
    codes: int
    sync: store.SyncResult
    untrusted: list[str] = field(default_factory=list)  # left out: cross-validated F1 too low


def stored_model(project: Project) -> tuple[Any, StoredModel]:
    """The stored model, loaded; a clear error if there is none or the codebook changed."""
    stored = project.models.load(learn.MODEL_NAME)
    if stored is None:
        raise QualcodeError(
            f"no trained model in {project.path.name}: "
            f"run 'qualcode suggest {project.path} --train'"
        )
    if stored.codebook_hash != project.codebook.hash():
        raise QualcodeError(
            f"the codebook changed since the model was trained ({stored.created_at}); "
            f"retrain it: qualcode suggest {project.path} --train"
        )
    return learn.from_bytes(stored.data), stored


def score_project(
    project: Project,
    documents: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    progress: Progress = _quiet,
    min_f1: float | None = None,
    include_interviewer: bool = False,
) -> ScoreResult:
    """Score every sentence not yet coded with a code, and keep the model suggestions above
    that code's threshold in sync (pending ones below it are withdrawn).

    Codes whose cross-validated F1 is below ``min_f1`` (default: the one given at training)
    or that were not learnable (best threshold 0, or flagging half of all sentences) make no
    suggestions. Interviewer turns are not scored unless ``include_interviewer``."""
    from qualcode.nlp.autocode import select_codes, select_documents

    nlp, stored = stored_model(project)
    labels = list(stored.metrics.get("labels") or stored.thresholds)
    evaluation = stored.metrics.get("evaluation", {}).get("codes", {})
    floor = float(stored.metrics.get("min_f1", MIN_F1)) if min_f1 is None else min_f1
    untrusted = [
        label
        for label in labels
        if label in evaluation
        and (evaluation[label]["f1"] < floor or not evaluation[label].get("learnable", True))
    ]
    if codes:
        chosen = {c.name for c in select_codes(project, codes)}
        labels = [label for label in labels if label in chosen]
        untrusted = [label for label in untrusted if label in chosen]
    # Untrusted codes stay in scope so that their earlier pending suggestions are withdrawn.
    scope = labels
    labels = [label for label in labels if label not in untrusted]
    code_ids = {c.name: c.id for c in project.codebook.codes()}
    doc_ids = select_documents(project, documents)
    asking = {} if include_interviewer else project.suggestions.interviewer_spans(doc_ids)
    featurizer = learn.Featurizer()
    proposals: list[store.Proposal] = []
    sentences_scored = 0
    for i, doc_id in enumerate(doc_ids):
        doc = project.documents.get(doc_id)
        progress(i, len(doc_ids), doc.name)
        sentences = project.documents.sentences(doc_id)
        skip = asking.get(doc_id)
        if skip:
            sentences = [
                s for s in sentences if not any(a <= s.start and s.end <= b for a, b in skip)
            ]
        if not sentences or not labels:
            continue
        coded: dict[str, list[tuple[int, int]]] = {}
        for coding in project.codings.list(document=doc_id):
            coded.setdefault(coding.code, []).append((coding.start, coding.end))
        for spans in coded.values():
            spans.sort()
        texts = [doc.text[s.start : s.end] for s in sentences]
        sentences_scored += len(texts)
        for sentence, cats in zip(sentences, learn.score(nlp, texts, featurizer), strict=True):
            for label in labels:
                value = round(float(cats.get(label, 0.0)), 4)
                threshold = stored.thresholds.get(label, learn.DEFAULT_THRESHOLD)
                if value < threshold or _overlaps(coded.get(label), sentence.start, sentence.end):
                    continue
                f1 = evaluation.get(label, {}).get("f1")
                trust = f", cross-validated F1 {f1:.2f}" if f1 is not None else ""
                proposals.append(
                    store.Proposal(
                        doc_id,
                        code_ids[label],
                        sentence.start,
                        sentence.end,
                        f"model score {value:.2f} (threshold {threshold:.2f}{trust})",
                        value,
                    )
                )
    progress(len(doc_ids), len(doc_ids), "")
    result = project.suggestions.sync(
        "model",
        proposals,
        doc_ids,
        [code_ids[label] for label in scope if label in code_ids],
        summary=f"Model suggestions ({len(doc_ids)} document(s))",
    )
    return ScoreResult(len(doc_ids), sentences_scored, len(labels), result, untrusted)


def _overlaps(spans: list[tuple[int, int]] | None, start: int, end: int) -> bool:
    if not spans:
        return False
    i = bisect.bisect_left(spans, (end, -1))
    return any(s < end and e > start for s, e in spans[:i])


def _stage(progress: Progress, stage: str) -> Progress:
    def report(done: int, total: int, message: str) -> None:
        progress(done, total, f"{stage}: {message}" if message else stage)

    return report
