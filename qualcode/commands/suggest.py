"""Auto-coding commands: ``autocode`` (codebook rules), ``suggest`` (learned model) and
``suggestions`` (list, accept, reject).

Nothing is coded without the researcher's decision: ``autocode`` and ``suggest`` only add
pending suggestions, and ``suggestions --accept`` (or the review screen) turns them into codings.
Progress goes to stderr so that stdout stays clean for scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, open_project, project_argument
from qualcode.errors import QualcodeError
from qualcode.text import clip


def _rule_errors(problems: list[str]) -> None:
    for problem in problems:
        render.error(problem)
    render.error(f"{len(problems)} bad rule(s) in the codebook; nothing was written")
    sys.exit(1)


def _ids(values: tuple[str, ...]) -> list[int]:
    out: list[int] = []
    for value in values:
        for piece in value.replace(",", " ").split():
            if not piece.isdigit():
                raise QualcodeError(f"'{piece}' is not a suggestion id (a whole number)")
            out.append(int(piece))
    return out


@click.command()
@project_argument
@click.option(
    "--codes",
    "codes",
    multiple=True,
    metavar="NAME",
    help="Only this code and its sub-codes (repeatable; default: every code).",
)
@click.option(
    "--documents",
    "documents",
    multiple=True,
    metavar="NAME",
    help="Only this document (repeatable; default: every document).",
)
@click.option(
    "--unit",
    type=click.Choice(["sentence", "turn"]),
    default="sentence",
    show_default=True,
    help="What a suggestion covers: the sentence with the match, or the speaker's turn.",
)
@click.option(
    "--model",
    metavar="PIPELINE",
    help="Installed spaCy pipeline for lemmas (default: the project setting spacy_model, "
    "else blank English with lookup lemmas).",
)
@click.option("--check", is_flag=True, help="Only validate the rules; write nothing.")
@coder_option
def autocode(
    project: Path,
    codes: tuple[str, ...],
    documents: tuple[str, ...],
    unit: str,
    model: str | None,
    check: bool,
    coder: str | None,
) -> None:
    """Suggest codings from the codebook's keywords and patterns.

    Keywords match on lemmas and on lower-case words ("feel angry" finds "felt angry");
    patterns are spaCy Matcher token patterns. Each suggestion records the rule and the
    matched words. Re-running refreshes pending suggestions and never touches accepted or
    rejected ones. Every bad pattern is reported (one line each) before anything is written.

    \b
    Examples:
      qualcode autocode study.qc
      qualcode autocode study.qc --codes "Not alone between meetings" --unit turn
      qualcode autocode study.qc --check
    """
    from qualcode.nlp.autocode import autocode as run_autocode
    from qualcode.nlp.autocode import compile_project_rules
    from qualcode.nlp.rules import RuleError, slow_regexes

    with open_project(project, coder) as proj:
        try:
            if check:
                rules = compile_project_rules(proj, codes or None, model)
                slow = slow_regexes(rules.codes)  # REGEXes that backtrack past their budget
                if slow:
                    raise RuleError(slow)
                render.line(f"All {len(rules.labels)} rule(s) compile.")
                return
            result = run_autocode(
                proj,
                codes or None,
                documents or None,
                unit=unit,
                model=model,
                progress=render.progress("Matching"),
            )
        except RuleError as exc:
            _rule_errors(exc.problems)
        sync = result.sync
        render.line(
            f"Rule auto-coding of {result.documents} document(s): {result.matches} match(es), "
            f"{sync.pending} pending suggestion(s) ({sync.added} new, {sync.updated} "
            f"refreshed, {sync.removed} withdrawn); {sync.decided} already decided, kept."
        )
        for name, count in proj.suggestions.pending_by_code()[:10]:
            render.line(f"  {count:>5}  {name}")
        if sync.pending:
            render.line(f"Review: qualcode suggestions {project}   (or the workbench review)")


@click.command()
@project_argument
@click.option("--train", is_flag=True, help="Train the model on the project's codings.")
@click.option(
    "--evaluate",
    is_flag=True,
    help="Cross-validate (grouped by document), print per-code precision/recall/F1 and "
    "store each code's best-F1 threshold.",
)
@click.option(
    "--min-examples",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Codes with fewer coded sentences are skipped (and listed).",
)
@click.option(
    "--min-f1",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Codes with a lower cross-validated F1 make no suggestions.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True, help="Passes.")
@click.option("--codes", "codes", multiple=True, metavar="NAME", help="Only these codes.")
@click.option("--documents", "documents", multiple=True, metavar="NAME", help="Only score these.")
@coder_option
def suggest(
    project: Path,
    train: bool,
    evaluate: bool,
    min_examples: int,
    min_f1: float,
    seed: int,
    epochs: int,
    codes: tuple[str, ...],
    documents: tuple[str, ...],
    coder: str | None,
) -> None:
    """Suggest codings learned from your own coding (a spaCy text classifier).

    With --train, a model is trained on the coded documents: sentences overlapped by a
    code are its examples, the other sentences of those documents its counter-examples.
    With --evaluate, cross-validation by document shows how far to trust each code and
    picks its threshold. Without flags, uncoded sentences are scored and those above
    threshold become pending suggestions. The model is stored inside the project file.

    \b
    Examples:
      qualcode suggest study.qc --train --evaluate
      qualcode suggest study.qc
      qualcode suggestions study.qc --sort score
    """
    from qualcode.nlp import suggest as learned

    with open_project(project, coder) as proj:
        if train or evaluate:
            if train:
                report = learned.train_project(
                    proj,
                    min_examples,
                    seed,
                    evaluate=evaluate,
                    epochs=epochs,
                    codes=codes or None,
                    progress=render.progress("Training"),
                    min_f1=min_f1,
                )
            else:
                report = learned.evaluate_project(
                    proj,
                    min_examples,
                    seed,
                    epochs,
                    codes or None,
                    render.progress("Evaluating"),
                    min_f1=min_f1,
                )
            _print_training(report, train, min_examples, min_f1)
            if train:
                hint = "" if evaluate else " (add --evaluate to pick per-code thresholds)"
                render.line(f"Model stored in {project}{hint}. Score: qualcode suggest {project}")
            return
        result = learned.score_project(
            proj, documents or None, codes or None, render.progress("Scoring")
        )
        sync = result.sync
        render.line(
            f"Scored {result.sentences} sentence(s) in {result.documents} document(s) for "
            f"{result.codes} code(s): {sync.pending} pending model suggestion(s) "
            f"({sync.added} new, {sync.updated} refreshed, {sync.removed} withdrawn); "
            f"{sync.decided} already decided, kept."
        )
        if result.untrusted:
            render.line(
                f"Not suggested (cross-validated F1 below the minimum): "
                f"{', '.join(result.untrusted)}"
            )


@click.command()
@project_argument
@click.option("--code", metavar="NAME", help="Only this code (and its sub-codes).")
@click.option("--document", metavar="NAME", help="Only this document.")
@click.option(
    "--status",
    type=click.Choice(["pending", "accepted", "rejected", "all"]),
    default="pending",
    show_default=True,
)
@click.option("--source", type=click.Choice(["rule", "model"]), help="Only rule or model.")
@click.option(
    "--sort",
    type=click.Choice(["code", "score", "document"]),
    default="code",
    show_default=True,
)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@click.option("--accept", multiple=True, metavar="ID", help="Accept suggestion(s) by id.")
@click.option("--reject", multiple=True, metavar="ID", help="Reject suggestion(s) by id.")
@click.option("--accept-code", metavar="NAME", help="Accept every pending one of a code.")
@click.option("--reject-code", metavar="NAME", help="Reject every pending one of a code.")
@coder_option
def suggestions(
    project: Path,
    code: str | None,
    document: str | None,
    status: str,
    source: str | None,
    sort: str,
    limit: int | None,
    as_json: bool,
    accept: tuple[str, ...],
    reject: tuple[str, ...],
    accept_code: str | None,
    reject_code: str | None,
    coder: str | None,
) -> None:
    """List pending suggestions, or accept/reject them (each decision undoable).

    An accepted suggestion becomes a coding by you with origin 'rule' or 'model'.

    \b
    Examples:
      qualcode suggestions study.qc --sort score --limit 20
      qualcode suggestions study.qc --accept 12 --accept 15
      qualcode suggestions study.qc --reject-code "Rivalry"
      qualcode undo study.qc
    """

    decisions = [bool(accept), bool(reject), bool(accept_code), bool(reject_code)]
    if sum(decisions) > 1:
        raise QualcodeError("give only one of --accept, --reject, --accept-code, --reject-code")
    with open_project(project, coder) as proj:
        if accept:
            ids = proj.suggestions.accept(_ids(accept))
            render.line(f"Accepted {len(ids)} suggestion(s): coding id(s) {_join(ids)}")
            return
        if reject:
            n = proj.suggestions.reject(_ids(reject))
            render.line(f"Rejected {n} suggestion(s)")
            return
        if accept_code:
            ids = proj.suggestions.accept_code(accept_code)
            render.line(
                f"Accepted {len(ids)} suggestion(s) of '{proj.codebook.get(accept_code).name}'"
            )
            return
        if reject_code:
            n = proj.suggestions.reject_code(reject_code)
            render.line(f"Rejected {n} suggestion(s) of '{proj.codebook.get(reject_code).name}'")
            return
        items = proj.suggestions.list(
            status=None if status == "all" else status,
            code=code,
            document=document,
            source=source,
            order=sort,
            limit=limit,
        )
    if as_json:
        for s in items:
            render.json(
                {
                    "id": s.id,
                    "document": s.document,
                    "code": s.code,
                    "start": s.start,
                    "end": s.end,
                    "source": s.source,
                    "score": s.score,
                    "status": s.status,
                    "reason": s.reason,
                    "text": s.text,
                },
                indent=None,
            )
        return
    if not items:
        render.line(f"No {'' if status == 'all' else status + ' '}suggestions.")
        return
    for s in items:
        score = f" {s.score:.2f}" if s.score is not None else ""
        state = "" if status == "pending" else f" [{s.status}]"
        render.line(f"#{s.id}{state} {s.code} | {s.document} [{s.start}:{s.end}] {s.source}{score}")
        render.line(f"    {clip(s.text, 110)}")
        render.line(f"    why: {clip(s.reason, 106)}")
    render.line(f"{len(items)} suggestion(s)")


def _join(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids) or "none"


def _print_training(report, trained: bool, min_examples: int, min_f1: float) -> None:  # noqa: ANN001
    """The training/evaluation summary: codes learned, codes skipped, per-code figures."""
    render.line(
        f"{'Trained on' if trained else 'Evaluated on'} {report.sentences} sentence(s) from "
        f"{report.documents} coded document(s): {len(report.labels)} code(s)."
    )
    if report.skipped:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(report.skipped.items()))
        render.line(f"Skipped, fewer than {min_examples} coded sentences: {listed}")
    evaluation = report.evaluation
    if evaluation is None:
        return
    render.line(f"Cross-validation over {evaluation.folds} document folds:")
    rows = [
        (
            m.code,
            str(m.examples),
            f"{m.precision:.2f}",
            f"{m.recall:.2f}",
            f"{m.f1:.2f}",
            f"{m.threshold:.2f}",
            "yes" if m.f1 >= min_f1 else "no",
        )
        for m in evaluation.codes
    ]
    header = ("code", "examples", "precision", "recall", "F1", "threshold", "suggest")
    render.table(header, rows, right=range(1, len(header)))
    if evaluation.codes:
        mean = sum(m.f1 for m in evaluation.codes) / len(evaluation.codes)
        render.line(
            f"Mean F1 {mean:.2f}. Thresholds are each code's best F1 on held-out documents; "
            f"codes below F1 {min_f1:.2f} make no suggestions."
        )


COMMANDS = [autocode, suggest, suggestions]
