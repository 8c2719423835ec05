"""``qualcode agreement``: inter-coder agreement per code and per group of codes.

Reads the project only. The statistics are in :mod:`qualcode.analysis.agreement`, the choice of
units and values in :mod:`qualcode.analysis.agreement_data`; this module parses the options and
prints through :mod:`qualcode.commands.render`.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.commands import render
from qualcode.commands.common import (
    format_option,
    open_project,
    project_argument,
    split_names,
)
from qualcode.errors import QualcodeError
from qualcode.store.lookup import document_names

if TYPE_CHECKING:
    from qualcode.analysis.agreement_data import AgreementReport
    from qualcode.store import Project

HEADINGS = {
    "percent_agreement": "%agree",
    "cohen_kappa": "kappa",
    "krippendorff_alpha": "alpha",
    "u_alpha": "u-alpha",
    "binary_u_alpha": "|u-alpha",
    "cu_alpha": "cu-alpha",
    "alpha_U": "alpha_U",
}
UNITIZING = ("u_alpha", "binary_u_alpha", "cu_alpha", "alpha_U")


def _names(
    option: str, kind: str, values: tuple[str, ...], known: Collection[str] = ()
) -> list[str]:
    """The names given to ``option``, each once; none given means "all". Given but empty
    (``--coders ,``) is an error, never a silent "all"."""
    names = split_names(values, known)
    if values and not names:
        raise QualcodeError(f"{option} names no {kind}: a {kind} name cannot be empty")
    return list(dict.fromkeys(names))


def _coders(values: tuple[str, ...], known: Collection[str]) -> list[str]:
    """--coders: a coder named twice is a mistake (agreement of a coder with themselves),
    refused in the words ``qualcode disagreements`` uses."""
    names = split_names(values, known)
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise QualcodeError(f"--coders names '{twice}' twice: compare different coders")
    return _names("--coders", "coder", values, known)


def _warn_uncounted(proj: Project, report: AgreementReport, documents: list[str]) -> None:
    """A document asked for with --documents that does not count for a coder is missing for
    that coder (no units from it), which is easy to mistake for disagreement: say so."""
    marks = proj.done.marks()
    for name in documents:
        for scope in report.scopes:
            if name in scope.documents:
                continue
            done = marks.get(scope.coder, set())
            why = (
                f"{len(done)} marked done"
                if scope.rule == "done"
                else "none marked done, and no codings in it"
            )
            render.warning(f"{name} is not among the documents {scope.coder} counts ({why})")


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.1f}" if percent else f"{value:.3f}"


@click.command()
@project_argument
@click.option(
    "--coders",
    "coders",
    multiple=True,
    metavar="A,B[,C...]",
    help="Coders to compare (default: every coder with codings).",
)
@click.option(
    "--code",
    "codes",
    multiple=True,
    metavar="NAME",
    help="Only this code, with its sub-codes (repeatable; default: every code).",
)
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="NAME",
    help="Treat the children of this theme as mutually exclusive values of one variable "
    "(repeatable).",
)
@click.option(
    "--unit",
    type=click.Choice(["character", "sentence", "turn", "document"]),
    default="sentence",
    show_default=True,
    help="What is compared: characters (with the unitizing statistics), sentences, speaker "
    "turns or whole documents.",
)
@click.option(
    "--documents",
    "documents",
    multiple=True,
    metavar="NAME[,NAME...]",
    help="Only these documents (repeatable or comma-separated).",
)
@format_option
def agreement(
    project: Path,
    coders: tuple[str, ...],
    codes: tuple[str, ...],
    groups: tuple[str, ...],
    unit: str,
    documents: tuple[str, ...],
    fmt: str,
) -> None:
    """Inter-coder agreement per code (and per --group): percentage agreement, Cohen's kappa
    (two coders), Krippendorff's alpha (nominal, any number of coders, missing data allowed)
    and, with --unit character, the unitizing coefficients u-alpha, |u-alpha, cu-alpha and
    alpha_U. A statistic the data leave undefined (nobody used the code, one value only) is
    shown as "-" (null in JSON).

    Per coder, only the documents the coder marked done count; if the coder marked none, the
    documents the coder coded at all. The output says which rule was used.

    \b
    Examples:
      qualcode agreement study.qc
      qualcode agreement study.qc --coders anna,ben --unit character --format json
      qualcode agreement study.qc --group "Parallel process" --unit turn
    """
    from qualcode.analysis.agreement_data import agreement as compute

    with open_project(project) as proj:
        chosen = _coders(coders, proj.codings.coders())
        only = _names("--documents", "document", documents, document_names(proj.session))
        report = compute(
            proj,
            coders=chosen or None,
            codes=list(codes),
            groups=list(groups),
            unit=unit,
            documents=only,
        )
        _warn_uncounted(proj, report, only)
    if fmt == "json":
        render.json(
            {
                "rows": [row.as_dict() for row in report.rows],
                "unit": report.unit,
                "unit_definition": report.unit_definition,
                "coders": list(report.coders),
                "documents": [scope.as_dict() for scope in report.scopes],
            }
        )
        return
    columns = list(HEADINGS) if unit == "character" else list(HEADINGS)[:3]
    if fmt == "csv":
        render.csv(
            ["code", "kind", "unit", "coders", "n_units", *columns],
            [
                [
                    row.code,
                    row.kind,
                    row.unit,
                    ", ".join(row.coders),
                    row.n_units,
                    *("" if getattr(row, c) is None else f"{getattr(row, c):.6f}" for c in columns),
                ]
                for row in report.rows
            ],
        )
        return
    render.line(f"Agreement between {', '.join(report.coders)}")
    render.line(f"Unit: {report.unit_definition}")
    for scope in report.scopes:
        rule = "marked done" if scope.rule == "done" else "coded (none marked done)"
        render.line(f"  {scope.coder}: {len(scope.documents)} document(s) {rule}")
    if report.coders and len(report.coders) != 2:
        render.line("  Cohen's kappa needs exactly two coders: shown as -")
    render.line()
    if not report.rows:
        render.line("No codes yet: qualcode codebook load PROJECT FILE.yaml")
        return
    table = []
    for row in report.rows:
        name = f"{row.code} (group)" if row.kind == "group" else row.code
        cells = [name, str(row.n_units)]
        cells += [_number(getattr(row, c), percent=c == "percent_agreement") for c in columns]
        table.append(cells)
    render.table(
        ["code", "units", *(HEADINGS[c] for c in columns)],
        table,
        right=range(1, len(columns) + 2),
    )
    for row in report.rows:
        if row.kind == "group" and row.per_value:
            values = ", ".join(f"{k} {_number(v)}" for k, v in row.per_value.items())
            render.line(f"(k)u-alpha in {row.code}: {values}")
        if row.kind == "group" and row.conflicts:
            what = "characters" if row.unit == "character" else f"{row.unit}s"
            render.line(
                f"{row.code}: {row.conflicts} {what} where a coder used two or more of its "
                "codes (each took one value; see --help)"
            )


COMMANDS = [agreement]
