"""Learned suggestions on a generated corpus where each code has its own vocabulary: training
data, F1 on held-out documents, refusal of codes with too few examples, reproducibility,
the model stored inside the project, scoring, and the `suggest` command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.errors import QualcodeError
from qualcode.importing import import_files
from qualcode.nlp import learn
from qualcode.nlp import suggest as learned
from qualcode.nlp.synthetic import CODE_WORDS, generate
from qualcode.store import Project

EPOCHS = 6  # enough for this corpus, and keeps the file fast


def build_project(path: Path, documents: int = 12, sentences: int = 50, seed: int = 7) -> Path:
    """A project from the generated corpus with its codings, plus a code with 3 codings."""
    folder = path.parent / "corpus"
    folder.mkdir()
    docs = generate(documents=documents, sentences=sentences, seed=seed)
    for doc in docs:
        (folder / f"{doc.name}.txt").write_text(doc.text, encoding="utf-8")
    with Project.create(path, coder="ann") as project:
        results = import_files(project, sorted(folder.glob("*.txt")))
        assert all(r.ok for r in results)
        for name in CODE_WORDS:
            project.codebook.add(name, definition=f"Talk about {name.lower()}")
        project.codebook.add("Rare")
        with project.action("test.codings", "Generated codings"):
            for doc in docs:
                for code, start, end in doc.codings:
                    project.codings.add(doc.name, code, start, end)
            first = docs[0]
            for _code, start, end in first.codings[:3]:
                project.codings.add(first.name, "Rare", start, end)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("learn") / "generated.qc")


@pytest.fixture
def project(corpus: Path, tmp_path: Path) -> Project:
    """A private copy of the generated project, for tests that write."""
    path = tmp_path / "copy.qc"
    shutil.copy(corpus, path)
    proj = Project.open(path, coder="ann")
    yield proj
    proj.close()


def test_training_set_labels_and_too_few_examples(corpus: Path) -> None:
    with Project.open(corpus) as project:
        data = learn.training_set(project)
        assert data.labels == list(CODE_WORDS)  # codebook order
        assert data.skipped == {"Rare": 3}
        assert data.documents == 12
        assert (
            len(data.texts)
            == len(data.cats)
            == sum(len(project.documents.sentences(d.id)) for d in project.documents.all())
        )
        for text, cats in zip(data.texts, data.cats, strict=True):
            for code, words in CODE_WORDS.items():
                has_word = any(w in text.lower().replace(".", " ").split() for w in words)
                assert cats[code] == float(has_word), (code, text)
        assert learn.training_set(project, min_examples=2).skipped == {}
        with pytest.raises(QualcodeError, match="no code has at least 9999"):
            learn.train(learn.training_set(project, min_examples=9999))


def test_f1_on_held_out_documents(corpus: Path) -> None:
    """Train on 9 documents (thresholds from cross-validation on them), test on 3 unseen."""
    with Project.open(corpus) as project:
        data = learn.training_set(project)
    docs = sorted(set(data.doc_ids))
    unseen = set(docs[-3:])
    train = data.subset([i for i, d in enumerate(data.doc_ids) if d not in unseen])
    test = data.subset([i for i, d in enumerate(data.doc_ids) if d in unseen])
    evaluation = learn.cross_validate(train, seed=1, epochs=EPOCHS)
    assert evaluation.folds == 5
    for m in evaluation.codes:
        assert m.f1 >= 0.8, m
        assert m.examples == train.positives[m.code]
    model = learn.train(train, seed=1, epochs=EPOCHS)
    scores = learn.score(model, test.texts)
    f1s = {}
    for label in train.labels:
        ys = [cats[label] for cats in test.cats]
        ss = [s[label] for s in scores]
        f1s[label] = learn.metrics_at(ys, ss, evaluation.thresholds[label])[2]
    # Three documents hold about ten examples per code, so one code's F1 moves in steps of
    # ~0.05; the mean over codes is the stable figure.
    assert sum(f1s.values()) / len(f1s) >= 0.8, f1s
    assert min(f1s.values()) >= 0.7, f1s


def test_training_is_reproducible_with_a_seed(corpus: Path) -> None:
    with Project.open(corpus) as project:
        data = learn.training_set(project)
    small = data.subset(range(300))
    texts = ["the budget and the fee were too expensive", "I felt so alone and isolated"]
    first = learn.score(learn.train(small, seed=3, epochs=EPOCHS), texts)
    second = learn.score(learn.train(small, seed=3, epochs=EPOCHS), texts)
    assert first == second
    assert first[0]["Money"] > first[0]["Loneliness"]


def test_a_code_that_flags_everything_is_not_learnable() -> None:
    flat = learn.CodeMetrics("Flat", 10, 0.01, 1.0, 0.02, 0.0, sentences=1000, flagged=1000)
    assert not flat.learnable and flat.as_dict()["learnable"] is False
    half = learn.CodeMetrics("Half", 10, 0.02, 1.0, 0.04, 0.2, sentences=1000, flagged=600)
    assert not half.learnable
    chance = learn.CodeMetrics("Chance", 10, 0.015, 0.3, 0.03, 0.2, sentences=1000, flagged=100)
    assert not chance.learnable  # precision 0.015 is not above twice the base rate of 0.01
    good = learn.CodeMetrics("Good", 10, 0.6, 0.5, 0.55, 0.4, sentences=1000, flagged=9)
    assert good.learnable and good.support == 10 and good.base_rate == 0.01


def test_best_threshold() -> None:
    best = learn.best_threshold([1, 1, 0, 0, 1], [0.9, 0.8, 0.7, 0.2, 0.1])
    assert (best.threshold, round(best.f1, 3)) == (0.8, 0.8)
    assert learn.metrics_at([1, 0], [0.9, 0.1], 0.5) == (1.0, 1.0, 1.0)


def test_train_store_score_and_codebook_change(project: Project) -> None:
    report = learned.train_project(project, seed=0, evaluate=True, epochs=EPOCHS)
    assert report.labels == list(CODE_WORDS) and report.skipped == {"Rare": 3}
    stored = project.models.load(learn.MODEL_NAME)
    assert stored is not None and set(stored.thresholds) == set(CODE_WORDS)
    assert stored.metrics["evaluation"]["codes"]["Money"]["examples"] > 8
    # Remove some codings so there is something uncoded to find.
    removed = [c for c in project.codings.list(code="Anger")][:4]
    for coding in removed:
        project.codings.remove(coding.id)
    path = project.path
    project.close()
    with Project.open(path, coder="ann") as reopened:  # the model lives in the file
        result = learned.score_project(reopened)
        found = reopened.suggestions.list(source="model", code="Anger")
        spans = {(s.start, s.end) for s in found}
        assert all((c.start, c.end) in spans for c in removed)
        for s in found:
            assert s.score is not None and s.score >= stored.thresholds["Anger"]
            assert s.reason.startswith(f"model score {s.score:.2f}")
        coded = {(c.start, c.end) for c in reopened.codings.list(code="Anger")}
        assert not coded & spans  # coded sentences are not suggested again
        assert result.sync.added == len(reopened.suggestions.list(source="model"))
        again = learned.score_project(reopened)
        assert again.sync.added == 0 and again.sync.unchanged == result.sync.added
        reopened.codebook.rename("Anger", "Irritation")
        with pytest.raises(QualcodeError, match="codebook changed since the model was trained"):
            learned.score_project(reopened)


def test_cli_suggest(project: Project, monkeypatch) -> None:
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    path = str(project.path)
    project.close()
    runner = CliRunner()
    none = runner.invoke(main, ["suggest", path])
    assert none.exit_code == 1 and "no trained model" in none.stderr
    trained = runner.invoke(
        main, ["suggest", path, "--train", "--evaluate", "--epochs", str(EPOCHS), "--seed", "2"]
    )
    assert trained.exit_code == 0, trained.output
    out = trained.stdout
    assert "Skipped, fewer than 8 coded sentences: Rare (3)" in out
    for column in ("code", "support", "base rate", "precision", "recall", "F1 ± folds"):
        assert column in out
    for name in CODE_WORDS:
        assert any(line.startswith(name) for line in out.splitlines())
    assert "Model stored" in out
    scored = runner.invoke(main, ["suggest", path])
    assert scored.exit_code == 0 and "Scored" in scored.stdout
    strict = runner.invoke(main, ["suggest", path, "--min-f1", "1.0"])  # honoured at scoring
    assert strict.exit_code == 0 and "0 pending model suggestion(s)" in strict.stdout
    assert "Not suggested (cross-validated F1 below the minimum)" in strict.stdout
    evaluated = runner.invoke(main, ["suggest", path, "--evaluate", "--epochs", "2"])
    assert evaluated.exit_code == 0 and "Cross-validation over 5 document folds" in evaluated.stdout
    too_many = runner.invoke(main, ["suggest", path, "--train", "--min-examples", "500"])
    assert too_many.exit_code == 1
    assert too_many.stderr.startswith("error: no code has at least 500 coded sentences")
    assert "Example" in runner.invoke(main, ["suggest", "--help"]).output
