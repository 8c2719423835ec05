"""``qualcode matrix``: rows of passages (codes, themes, saved queries) by columns."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import format_option, open_project, output_option, project_argument
from qualcode.outputs import csv_text


@click.command()
@project_argument
@click.option(
    "--rows", default="codes", show_default=True, metavar="codes|themes|query:NAME[,NAME]",
    help="What the rows are: every code, the themes, or saved queries.",
)  # fmt: skip
@click.option(
    "--cols", default="documents", show_default=True,
    metavar="ATTR|codes|themes|documents|cases",
    help="What the columns are: an attribute's values, codes, documents or cases.",
)  # fmt: skip
@click.option(
    "--cells", "measure", type=click.Choice(["passages", "cases", "words"]),
    default="passages", show_default=True, help="What a cell counts.",
)  # fmt: skip
@click.option("--percent", type=click.Choice(["row", "col"]), help="Row or column percentages.")
@click.option(
    "--bins", metavar="N|E1,E2,…",
    help="Bin a numeric attribute: a count (at most 100) or increasing edges.",
)  # fmt: skip
@click.option("--passages", "show", metavar="ROW=COL", help="List one cell's passages.")
@format_option
@output_option("File to write (default: stdout).")
def matrix(
    project: Path,
    rows: str,
    cols: str,
    measure: str,
    percent: str | None,
    bins: str | None,
    show: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """A matrix whose cells you can open: passages, cases or words per row and column.

    Rows are passages as a coding query returns them (a code with its sub-codes); a passage
    is in an attribute's (or case's) column by the person whose turn holds most of it (an
    interviewer's passage is in none, nor in the totals: attributes describe the people
    interviewed), in a code's column when it overlaps a passage of that code.
    --passages ROW=COL lists a cell's passages.

    \b
    Examples:
      qualcode matrix study.qc --rows themes --cols role
      qualcode matrix study.qc --rows codes --cols years_in_balint_group --bins 0,5,10 --cells cases
      qualcode matrix study.qc --rows themes --cols themes --percent row
      qualcode matrix study.qc --rows query:lonely --cols documents --format csv -o m.csv
      qualcode matrix study.qc --rows themes --cols role --passages "Parallel process=leader"
    """
    from qualcode.query import engine_for, passage_rows
    from qualcode.query.matrix import build_matrix, find_cell

    with open_project(project) as proj:
        engine = engine_for(proj)
        m = build_matrix(engine, rows, cols, bins)
        if show:
            i, j = find_cell(m, show)
            found = passage_rows(engine, m.cells[i][j])
            body = [
                (r["document"], f"{r['start']}:{r['end']}", r["speaker"] or "-",
                 render.clip(r["context"], 100))
                for r in found
            ]  # fmt: skip
            header = ["document", "span", "speaker", "context"]
            if fmt == "json":
                text = json.dumps(found, indent=2, ensure_ascii=False) + "\n"
            elif fmt == "csv":
                keys = ["document", "start", "end", "speaker", "case", "text"]
                text = csv_text(keys, [[r[k] for k in keys] for r in found])
            else:
                text = render.table_text(header, body)
            render.emit(text, output, protect=(project,))
            return
        table = m.table(measure, percent)
    header = ["row", *m.columns, "total"]
    if fmt == "json":
        payload = {
            "rows": rows, "cols": cols, "cells": measure, "percent": percent,
            "columns": m.columns,
            "data": [{"row": r[0], "values": r[1:-1], "total": r[-1]} for r in table],
        }  # fmt: skip
        render.emit(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output,
                    protect=(project,))  # fmt: skip
    elif fmt == "csv":
        render.emit(csv_text(header, table), output, protect=(project,))
    else:
        shown = [
            ["  " * row.depth + row.label, *(_num(v, percent) for v in r[1:-1]), str(r[-1])]
            for row, r in zip(m.rows, table, strict=True)
        ]
        right = range(1, len(header))
        render.emit(render.table_text(header, shown, right), output, protect=(project,))


def _num(value: float, percent: str | None) -> str:
    return f"{value:.1f}%" if percent else str(value)


COMMANDS = [matrix]
