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
@click.option(
    "--include-interviewer",
    is_flag=True,
    help="Also auto-code the interviewer's turns (left out by default).",
)
@click.option(
    "--negation",
    "negation",
    multiple=True,
    metavar="CODE=MODE",
    help="How a code treats negated matches ('nobody competed'): skip (default), flag or "
    "ignore; CODE '*' sets every code. Saved in the project (repeatable).",
)
@click.option(
    "--evaluate",
    is_flag=True,
    help="Report how each code and keyword/pattern fared against your codings and "
    "decisions (precision, recall, counts); write no suggestions.",
)
@click.option(
    "--disable-keyword",
    "disable",
    multiple=True,
    metavar="KEYWORD",
    help="Remove a keyword from its code (with --codes when several codes have it); "
    "undoable (repeatable).",
)
@coder_option
def autocode(
    project: Path,
    codes: tuple[str, ...],
    documents: tuple[str, ...],
    unit: str,
    model: str | None,
    check: bool,
    include_interviewer: bool,
    negation: tuple[str, ...],
    evaluate: bool,
    disable: tuple[str, ...],
    coder: str | None,
) -> None:
    """Suggest codings from the codebook's keywords and patterns.

    Keywords match on lemmas and on lower-case words ("feel angry" finds "felt angry"); a
    word written inflected matches only as written ("satisfying" never finds "satisfied");
    "=phrase" matches only as written, "~phrase" every inflection. Patterns are spaCy
    Matcher token patterns. Interviewer turns and bracketed annotations ([laughs]) are never
    matched; a match inside a negation ("nobody competed") is dropped or flagged, per code
    (--negation). Each suggestion records the rule and the matched words. Re-running
    refreshes pending suggestions and never re-suggests what you accepted or rejected.
    Every bad pattern is reported (one line each) before anything is written.

    \b
    Examples:
      qualcode autocode study.qc
      qualcode autocode study.qc --codes "Not alone between meetings" --unit turn
      qualcode autocode study.qc --check
      qualcode autocode study.qc --evaluate
      qualcode autocode study.qc --evaluate --disable-keyword "on call"
      qualcode autocode study.qc --negation Rivalry=flag
    """
    from qualcode.nlp.autocode import autocode as run_autocode
    from qualcode.nlp.autocode import compile_project_rules
    from qualcode.nlp.rules import RuleError, slow_regexes

    with open_project(project, coder) as proj:
        if negation or disable:
            _configure(proj, negation, disable, codes)
            if not evaluate:
                return
        if evaluate:
            try:
                _print_evaluation(proj, codes, documents, model, include_interviewer)
            except RuleError as exc:
                _rule_errors(exc.problems)
            return
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
                include_interviewer=include_interviewer,
            )
        except RuleError as exc:
            _rule_errors(exc.problems)
        sync = result.sync
        render.line(
            f"Rule auto-coding of {result.documents} document(s): {result.matches} match(es), "
            f"{sync.pending} pending suggestion(s) ({sync.added} new, {sync.updated} "
            f"refreshed, {sync.removed} withdrawn); {sync.decided} already decided, kept."
        )
        left_out = []
        if result.interviewer:
            left_out.append(f"{result.interviewer} interviewer sentence(s) not matched")
        if result.negated:
            left_out.append(f"{result.negated} negated match(es) dropped or flagged")
        if left_out:
            render.line("  " + "; ".join(left_out) + ".")
        pending = proj.suggestions.pending_by_code()
        for name, count in pending[:10]:
            render.line(f"  {count:>5}  {name}")
        if len(pending) > 10:
            rest = sum(count for _, count in pending[10:])
            render.line(f"  …and {len(pending) - 10} more code(s) with {rest} suggestion(s)")
        from qualcode.nlp.evaluate import rejected_rules

        for row in rejected_rules(proj):
            render.line(f"  Mostly rejected: {row.advice()}")
        if sync.pending:
            render.line(f"Review: qualcode suggestions {project}   (or the workbench review)")


def _configure(
    proj: object, negation: tuple[str, ...], disable: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    """Apply --negation and --disable-keyword (each an undoable change)."""
    from qualcode.nlp.autocode import set_negation_mode
    from qualcode.nlp.negation import MODES
    from qualcode.store import Project

    assert isinstance(proj, Project)
    pairs = []
    for item in negation:
        code, sep, mode = item.rpartition("=")
        if not sep or not code.strip():
            raise QualcodeError(f"--negation takes CODE=MODE (e.g. Rivalry=flag), not '{item}'")
        if mode.strip() not in MODES:
            raise QualcodeError(f"negation mode must be one of {', '.join(MODES)}, not '{mode}'")
        if code.strip() != "*":
            proj.codebook.get(code.strip())
        pairs.append((code.strip(), mode.strip()))
    for code, mode in pairs:
        set_negation_mode(proj, code, mode)
        render.line(f"Negated matches of '{code}': {mode} (used by the next autocode run)")
    for keyword in disable:
        wanted = " ".join(keyword.split()).casefold()
        allowed = None
        if codes:
            allowed = set()
            for name in codes:
                allowed.update(proj.codebook.descendant_ids(name))
        owners = [
            c
            for c in proj.codebook.codes()
            if (allowed is None or c.id in allowed)
            and any(" ".join(k.split()).casefold() == wanted for k in c.keywords or ())
        ]
        if not owners:
            raise QualcodeError(f"no code has the keyword '{keyword}'")
        if len(owners) > 1:
            names = ", ".join(f"'{c.name}'" for c in owners)
            raise QualcodeError(
                f"the keyword '{keyword}' belongs to {names}; name one with --codes"
            )
        owner = owners[0]
        kept = [k for k in owner.keywords if " ".join(k.split()).casefold() != wanted]
        proj.codebook.update(owner.id, keywords=kept)
        render.line(
            f"Removed keyword '{keyword}' from '{owner.name}' (undo: qualcode undo {proj.path}); "
            "its pending suggestions go at the next autocode run."
        )


def _pct(value: float | None) -> str:
    return "  –  " if value is None else f"{value:5.2f}"


def _print_evaluation(
    proj: object,
    codes: tuple[str, ...],
    documents: tuple[str, ...],
    model: str | None,
    include_interviewer: bool,
) -> None:
    from qualcode.nlp.evaluate import REJECT_MIN, evaluate_rules
    from qualcode.store import Project

    assert isinstance(proj, Project)
    ev = evaluate_rules(proj, codes or None, documents or None, model, include_interviewer)
    render.line(
        "Rules against your hand codings (agreed) and suggestion decisions (accepted/rejected);"
    )
    render.line(
        "precision counts decided hits only, hit rate counts pending ones as wrong; recall is the "
        "share of the code's hand codings a rule hits."
    )
    header = (
        f"{'code / rule':<44} {'hits':>5} {'agr':>4} {'acc':>4} {'rej':>4} {'pend':>5} "
        f"{'neg':>4} {'prec':>5} {'rate':>5} {'recall':>6}"
    )
    render.line(header)
    for row in ev.codes:
        rows = [row, *ev.rules.get(row.code, [])]
        for i, r in enumerate(rows):
            label = clip(r.code, 44) if i == 0 else "  " + clip(r.rule, 42)
            recall = _pct(r.recall)
            if r.codings and i == 0:
                recall = f"{r.found}/{r.codings}"
            render.line(
                f"{label:<44} {r.hits:>5} {r.agreed:>4} {r.accepted:>4} {r.rejected:>4} "
                f"{r.pending:>5} {r.negated:>4} {_pct(r.precision)} {_pct(r.hit_rate)} "
                f"{recall:>6}"
            )
    flagged = ev.flagged()
    if flagged:
        render.line("")
        render.line(f"Mostly rejected (over half of at least {REJECT_MIN} decisions):")
        for r in flagged:
            render.line(f"  {r.advice()}")


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
    default=None,
    help="Codes with a lower cross-validated F1 make no suggestions (training: stored with the "
    "model, default 0.5; scoring: overrides the stored value).",
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
    min_f1: float | None,
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
      qualcode suggest study.qc --min-f1 0.6
      qualcode suggestions study.qc --sort score
    """
    from qualcode.nlp import suggest as learned

    min_f1_given = min_f1 is not None
    min_f1 = learned.MIN_F1 if min_f1 is None else min_f1
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
            proj,
            documents or None,
            codes or None,
            render.progress("Scoring"),
            min_f1=min_f1 if min_f1_given else None,
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
@click.option(
    "--show",
    "show",
    type=int,
    metavar="ID",
    help="Show one suggestion in context (the sentences around it, why, the code's brief).",
)
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
    show: int | None,
    coder: str | None,
) -> None:
    """List pending suggestions, show one, or accept/reject them (each decision undoable).

    An accepted suggestion becomes a coding by you with origin 'rule' or 'model'.

    \b
    Examples:
      qualcode suggestions study.qc --sort score --limit 20
      qualcode suggestions study.qc --show 12
      qualcode suggestions study.qc --accept 12 --accept 15
      qualcode suggestions study.qc --reject-code "Rivalry"
      qualcode undo study.qc
    """

    decisions = [bool(accept), bool(reject), bool(accept_code), bool(reject_code)]
    if sum(decisions) > 1:
        raise QualcodeError("give only one of --accept, --reject, --accept-code, --reject-code")
    with open_project(project, coder) as proj:
        if show is not None:
            _show(proj, show)
            return
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
                    "negated": s.negated,
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
        flag = " NEGATED" if s.negated else ""
        render.line(
            f"#{s.id}{state} {s.code} | {s.document} [{s.start}:{s.end}] {s.source}{score}{flag}"
        )
        render.line(f"    {clip(s.text, 110)}")
        render.line(f"    why: {clip(s.reason, 106)}")
    render.line(f"{len(items)} suggestion(s)")


def _show(proj: object, suggestion_id: int) -> None:
    """One suggestion in context: a sentence either side, the code, why, and its status."""
    from qualcode.store import Project

    assert isinstance(proj, Project)
    s = proj.suggestions.get(suggestion_id)
    text = proj.documents.get(s.document_id).text
    spans = [(x.start, x.end) for x in proj.documents.sentences(s.document_id)]
    before = max((a for a, b in spans if b <= s.start), default=s.start)
    after = min((b for a, b in spans if a >= s.end), default=s.end)
    render.line(f"#{s.id} [{s.status}] {s.code} | {s.document} [{s.start}:{s.end}] {s.source}")
    code = proj.codebook.get(s.code_id)
    if code.brief:
        render.line(f"  code: {code.brief}")
    if before < s.start:
        render.line(f"  … {clip(text[before : s.start], 200)}")
    render.line(f"  >> {' '.join(text[s.start : s.end].split())}")
    if after > s.end:
        render.line(f"  {clip(text[s.end : after], 200)} …")
    for part in s.reason.split("; "):
        render.line(f"  why: {part}")
    if s.negated:
        render.line("  NEGATED: the matched words are inside a negation; read before accepting.")
    if s.status == "pending":
        render.line(
            f"  accept: qualcode suggestions {proj.path} --accept {s.id}   reject: --reject {s.id}"
        )


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
    render.line(
        f"Cross-validation over {evaluation.folds} document folds (each document held out once):"
    )
    rows = []
    for m in evaluation.codes:
        learnable = m.learnable
        rows.append(
            (
                m.code,
                str(m.support),
                f"{m.base_rate:.1%}",
                f"{m.precision:.2f}" if learnable else "–",
                f"{m.recall:.2f}" if learnable else "–",
                f"{m.f1:.2f} ± {m.f1_spread:.2f}" if learnable else "–",
                f"{m.threshold:.2f}" if learnable else "–",
                ("yes" if m.f1 >= min_f1 else f"no, F1 < {min_f1:.2f}")
                if learnable
                else "no, not learnable yet",
            )
        )
    header = (
        "code",
        "support",
        "base rate",
        "precision",
        "recall",
        "F1 ± folds",
        "threshold",
        "suggest",
    )
    render.table(header, rows, right=range(1, len(header) - 1))
    if evaluation.codes:
        learnt = [m for m in evaluation.codes if m.learnable]
        trusted = [m for m in learnt if m.f1 >= min_f1]
        mean = sum(m.f1 for m in learnt) / len(learnt) if learnt else 0.0
        render.line(
            f"{len(trusted)} of {len(evaluation.codes)} code(s) will be suggested. Support: coded "
            "sentences in the held-out documents; base rate: their share of all sentences; F1 "
            "± its standard deviation over folds, at each code's best-F1 threshold."
        )
        render.line(
            f"Mean F1 of learnable codes {mean:.2f}. 'Not learnable yet': at its best threshold "
            "the model flags (nearly) every sentence or does no better than guessing; code more "
            "passages of it. Codes below F1 "
            f"{min_f1:.2f} make no suggestions (change with --min-f1 when scoring)."
        )


COMMANDS = [autocode, suggest, suggestions]
