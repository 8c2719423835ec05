"""``qualcode disagreements``: walk the places two coders differ and settle them.

Finding and settling disagreements is :mod:`qualcode.store.consensus`; this module parses the
options and prints each disagreement with both coders' spans in context, side by side.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import (
    format_option,
    open_project,
    project_argument,
    split_names,
)
from qualcode.errors import QualcodeError

CHOICE_NAMES = {
    "a": "a",
    "b": "b",
    "union": "union",
    "intersection": "intersection",
    "neither": "neither",
}


def marked(text: str, offset: int, spans: tuple[tuple[int, int], ...]) -> str:
    """``text`` (starting at ``offset`` in its document) with ``spans`` in ⟦ ⟧."""
    out, pos = [], 0
    for start, end in spans:
        s, e = max(start - offset, 0), max(min(end - offset, len(text)), 0)
        out += [text[pos:s], "⟦", text[s:e], "⟧"]
        pos = e
    out.append(text[pos:])
    return " ".join("".join(out).split())


def side_by_side(left: str, right: str, width: int) -> list[str]:
    column = max(20, (width - 3) // 2)
    a = textwrap.wrap(left, column) or [""]
    b = textwrap.wrap(right, column) or [""]
    rows = max(len(a), len(b))
    a += [""] * (rows - len(a))
    b += [""] * (rows - len(b))
    return [f"{x.ljust(column)} │ {y}".rstrip() for x, y in zip(a, b, strict=True)]


def _settlements(
    values: tuple[str, ...], edits: tuple[str, ...]
) -> list[tuple[int, str, tuple[int, int] | None]]:
    out: list[tuple[int, str, tuple[int, int] | None]] = []
    for value in values:
        number, _, choice = value.partition("=")
        if not number.strip().isdigit() or choice.strip().lower() not in CHOICE_NAMES:
            raise QualcodeError(
                f"--settle '{value}': use NUMBER=a|b|union|intersection|neither (e.g. 3=union)"
            )
        out.append((int(number), choice.strip().lower(), None))
    for value in edits:
        number, _, span = value.partition("=")
        start, _, end = span.partition("-")
        if not (number.strip().isdigit() and start.strip().isdigit() and end.strip().isdigit()):
            raise QualcodeError(f"--edit '{value}': use NUMBER=START-END (e.g. 3=120-180)")
        out.append((int(number), "edit", (int(start), int(end))))
    return out


@click.command()
@project_argument
@click.option("--coders", "coders", required=True, metavar="A,B", help="The two coders to compare.")
@click.option("--code", "codes", multiple=True, metavar="NAME", help="Only this code (repeatable).")
@click.option(
    "--document",
    "documents",
    multiple=True,
    metavar="NAME",
    help="Only this document (repeatable).",
)
@click.option("--open", "only_open", is_flag=True, help="List only disagreements not yet settled.")
@click.option(
    "--settle",
    "settle",
    multiple=True,
    metavar="N=CHOICE",
    help="Settle disagreement N into the consensus coder: a (A's span), b, union, "
    "intersection or neither (repeatable).",
)
@click.option(
    "--edit",
    "edits",
    multiple=True,
    metavar="N=START-END",
    help="Settle disagreement N with a consensus span of your own boundaries (repeatable).",
)
@click.option(
    "--copy-agreed",
    is_flag=True,
    help="Copy every span both coders placed identically into the consensus coder.",
)
@click.option(
    "--consensus",
    "consensus_name",
    default="consensus",
    show_default=True,
    metavar="NAME",
    help="The coder that receives the settled codings.",
)
@format_option
def disagreements(
    project: Path,
    coders: str,
    codes: tuple[str, ...],
    documents: tuple[str, ...],
    only_open: bool,
    settle: tuple[str, ...],
    edits: tuple[str, ...],
    copy_agreed: bool,
    consensus_name: str,
    fmt: str,
) -> None:
    """Walk the places where two coders' codings differ, code by code, with each coder's span
    in context side by side, and settle them into a consensus coder.

    Each decision (--settle, --edit; or the review screen in the workbench, key W) is one
    undoable action in the audit trail. Report the settled result with
    'qualcode summary PROJECT --coder consensus'.

    \b
    Examples:
      qualcode disagreements study.qc --coders anna,ben
      qualcode disagreements study.qc --coders anna,ben --code Emotions --open
      qualcode disagreements study.qc --coders anna,ben --settle 1=union --edit 2=120-180
      qualcode disagreements study.qc --coders anna,ben --copy-agreed
    """
    from qualcode.store.consensus import CHOICE_LABELS, Consensus

    todo = _settlements(settle, edits)
    with open_project(project) as proj:
        names = split_names((coders,), proj.codings.coders())
        if len(names) != 2:
            raise QualcodeError("--coders takes two coders: --coders A,B")
        a, b = names
        cons = Consensus(proj.session, consensus_name)
        found = cons.disagreements(a, b, codes=list(codes), documents=list(documents))
        by_number = {d.number: d for d in found}
        if copy_agreed:
            added = cons.copy_agreed(a, b)
            render.line(f"Copied {added} agreed coding(s) into '{consensus_name}'", err=True)
        for number, choice, span in todo:
            d = by_number.get(number)
            if d is None:
                raise QualcodeError(f"no disagreement {number} (there are {len(found)})")
            made = cons.settle(d, choice, a, b, span)
            render.line(
                f"#{number} '{d.code}' on {d.document}: {CHOICE_LABELS[choice]} "
                f"({len(made)} consensus coding(s))",
                err=True,
            )
        if todo:
            found = cons.disagreements(a, b, codes=list(codes), documents=list(documents))
        shown = [d for d in found if not (only_open and d.decision)]
        if fmt == "json":
            render.json(
                {
                    "coders": [a, b],
                    "consensus": consensus_name,
                    "total": len(found),
                    "open": sum(1 for d in found if d.decision is None),
                    "disagreements": [d.as_dict() for d in shown],
                }
            )
            return
        if fmt == "csv":
            render.csv(
                [
                    "number",
                    "document",
                    "code",
                    "start",
                    "end",
                    f"{a}_spans",
                    f"{b}_spans",
                    "decision",
                ],
                [
                    [
                        d.number,
                        d.document,
                        d.code,
                        d.start,
                        d.end,
                        " ".join(f"{s}-{e}" for s, e in d.a_spans),
                        " ".join(f"{s}-{e}" for s, e in d.b_spans),
                        d.decision or "",
                    ]
                    for d in shown
                ],
            )
            return
        width = min(shutil.get_terminal_size((100, 24)).columns, 140)
        for d in shown:
            text, offset = cons.context(d)
            state = CHOICE_LABELS[d.decision] if d.decision else "open"
            render.line(f"#{d.number}  {d.document}  '{d.code}'  [{d.start}:{d.end}]  {state}")
            header = side_by_side(f"{a}:", f"{b}:", width)
            body = side_by_side(
                marked(text, offset, d.a_spans), marked(text, offset, d.b_spans), width
            )
            render.line("\n".join(["  " + row for row in header + body]))
            render.line()
        left = sum(1 for d in found if d.decision is None)
        render.line(f"{len(found)} disagreement(s) between {a} and {b}, {left} open", err=True)


COMMANDS = [disagreements]
