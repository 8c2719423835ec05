"""``qualcode query``: coding queries, saved queries and turning results into a code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from qualcode.commands import render
from qualcode.commands.common import (
    coder_option,
    format_option,
    open_project,
    output_option,
    project_argument,
)
from qualcode.errors import QualcodeError
from qualcode.outputs import csv_text

QUERY_HELP = """Ask the coded data a question: passages where codes meet, with context.

\b
Operators (NEAR binds tightest, then FOLLOWED BY, then AND, then OR; use parentheses):
  "Code"                 passages of the code and its sub-codes (bare one-word names too)
  THEME "Theme"          the same for a top-level code (an error if it is not a theme)
  TEXT "burnout OR tired*"  the words a full-text search finds (see `qualcode search`)
  QUERY "name"           the passages of a saved query
  A OR B                 every passage of A and of B, fused where they overlap
  A AND B                passages of A that overlap a passage of B, with those of B (fused)
  A AND NOT B            passages of A that overlap no passage of B
  A NEAR/n B             passages of A and B within n sentences of each other (NEAR = NEAR/1;
                         NEAR/0 = in the same sentence)
  A FOLLOWED BY B [WITHIN turn|sentence|document]
                         passages of A with a passage of B starting at or after A's end in
                         the same turn/sentence/document (default document), with those of B
  ... WHERE role = gp AND years_in_group >= 5 AND SPEAKER = Anna AND CODER != bot
                         only codings whose document, speaker (who holds most of the
                         passage), coder and attributes pass; = and != ignore case, numbers
                         compare as numbers; OR and parentheses work here too
A result passage belongs to the person whose turn holds most of it; its case is that
person when a participant: the `participant` attribute, else document/speaker.

\b
Examples:
  qualcode query study.qc '"Knowing oneself" AND NOT "Rivalry"'
  qualcode query study.qc '("Safety" OR "Openness") NEAR/2 "Leader interventions"'
  qualcode query study.qc '"Burnout" FOLLOWED BY "Breathing space" WITHIN turn'
  qualcode query study.qc 'THEME "Difficulties" WHERE role = gp' --count
  qualcode query study.qc '"Burnout" WHERE years_in_group >= 5' --save seniors
  qualcode query study.qc --run seniors --format csv -o seniors.csv
  qualcode query study.qc --run seniors --code-as "Senior burnout"
  qualcode query study.qc --list
"""


@click.command(help=QUERY_HELP)
@project_argument
@click.argument("query_text", metavar="[QUERY]", required=False)
@click.option("--run", "run_name", metavar="NAME", help="Run a saved query.")
@click.option(
    "--save", "save_name", metavar="NAME",
    help="Save QUERY under NAME (undoable; replaces a query of that name, never one that would "
    "then use itself).",
)  # fmt: skip
@click.option("--list", "list_saved", is_flag=True, help="List the saved queries.")
@click.option(
    "--delete", "delete_name", metavar="NAME",
    help="Delete a saved query (not while another uses it).",
)  # fmt: skip
@click.option("--count", is_flag=True, help="Counts by document and case, not passages.")
@click.option(
    "--code-as", "code_as_name", metavar="CODE",
    help="Code every result with a new code (undoable); lists nothing, so not with --count, "
    "-o or --format csv/json.",
)  # fmt: skip
@click.option("--parent", metavar="CODE", help="With --code-as: put the new code under CODE.")
@click.option(
    "--context", default=6, show_default=True, metavar="N",
    help="Words of context each side (0: none).",
)  # fmt: skip
@format_option
@output_option("File to write (default: stdout).")
@coder_option
def query(
    project: Path,
    query_text: str | None,
    run_name: str | None,
    save_name: str | None,
    list_saved: bool,
    delete_name: str | None,
    count: bool,
    code_as_name: str | None,
    parent: str | None,
    context: int,
    fmt: str,
    output: Path | None,
    coder: str | None,
) -> None:
    from qualcode.query import passage_rows, run_query
    from qualcode.query.service import delete_query
    from qualcode.store.queries import SavedQueries

    _check_options(
        context=context, save_name=save_name, code_as_name=code_as_name, parent=parent,
        count=count, fmt=fmt, output=output,
    )  # fmt: skip
    with open_project(project, coder) as proj:
        saved = SavedQueries(proj.session)
        if list_saved:
            listed = [(q.name, q.query) for q in saved.list()]
            _emit(["name", "query"], listed, fmt, output, project, empty="No saved queries.")
            return
        if delete_name:
            deleted = delete_query(proj, delete_name)
            render.line(f"Deleted saved query '{deleted}'", err=True)
            return
        if run_name and query_text:
            raise QualcodeError("give a QUERY or --run NAME, not both")
        if run_name:
            query_text = saved.get(run_name).query
        if not query_text:
            raise QualcodeError("give a QUERY, --run NAME or --list (see qualcode query --help)")
        result = run_query(proj, query_text)
        if save_name is not None or code_as_name is not None:
            _save_and_code(proj, result, save_name, code_as_name, parent)
        if code_as_name is not None:
            return
        if count:
            _counts(result, fmt, output, project)
            return
        rows = passage_rows(result.engine, result.passages, context)
    if fmt == "table":
        table = [
            (
                r["document"],
                f"{r['start']}:{r['end']}",
                r["speaker"] or "-",
                r["case"] or "-",
                render.clip(r["context"], 100),
            )
            for r in rows
        ]
        _emit(["document", "span", "speaker", "case", "context"], table, fmt, output, project)
        render.line(f"{len(rows)} passage(s)", err=True)
        return
    keys = ["document", "start", "end", "speaker", "case", "text", "before", "after"]
    _emit(keys, [[r[k] for k in keys] for r in rows], fmt, output, project)


def _check_options(
    *,
    context: int,
    save_name: str | None,
    code_as_name: str | None,
    parent: str | None,
    count: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Refuse, before the project is opened, options that would be silently ignored: --code-as
    makes a code and says how many passages it coded, so it neither lists nor counts them."""
    if context < 0:
        raise QualcodeError(f"--context takes a number of words, 0 or more, not {context}")
    if save_name is not None and not save_name.strip():
        raise QualcodeError("--save needs a name for the query")
    if code_as_name is not None and not code_as_name.strip():
        raise QualcodeError("--code-as needs a name for the new code")
    if parent is not None and code_as_name is None:
        raise QualcodeError("--parent goes with --code-as (the new code's parent)")
    if parent is not None and not parent.strip():
        raise QualcodeError("--parent needs a code name")
    if code_as_name is not None:
        ignored = [
            name
            for name, given in (
                ("--count", count),
                (f"--format {fmt}", fmt != "table"),
                ("-o", output is not None),
            )
            if given
        ]
        if ignored:
            raise QualcodeError(
                f"--code-as codes the results and lists nothing: leave out {', '.join(ignored)} "
                "(run the query without --code-as to list or count them)"
            )


def _save_and_code(
    proj: Any, result: Any, save_name: str | None, code_as_name: str | None, parent: str | None
) -> None:
    """--save and --code-as; both together are one action, so a refused code saves nothing
    and one undo takes both back."""
    from qualcode.query import code_as
    from qualcode.query.service import save_query

    replaced: str | None = None
    if save_name is not None and code_as_name is not None:
        summary = f"Saved query '{save_name}' and coded its results as '{code_as_name}'"
        with proj.action("query.save_code_as", summary):
            replaced = save_query(proj, save_name, result.text)
            code_as(proj, result, code_as_name, parent)
    elif save_name is not None:
        replaced = save_query(proj, save_name, result.text)
    elif code_as_name is not None:
        code_as(proj, result, code_as_name, parent)
    if save_name is not None:
        name = " ".join(save_name.split())
        render.line(
            f"Replaced saved query '{replaced}'" if replaced else f"Saved query '{name}'", err=True
        )
    if code_as_name is not None:
        render.line(
            f"Coded {len(result.passages)} passage(s) as '{code_as_name}' "
            "(one action: qualcode undo takes it back)",
            err=True,
        )


def _counts(result: Any, fmt: str, output: Path | None, project: Path) -> None:
    from qualcode.query.service import case_label

    data = result.engine.data
    by_doc: dict[str, int] = {}
    by_case: dict[str, int] = {}
    for p in result.passages:
        by_doc[p.document] = by_doc.get(p.document, 0) + 1
        person = data.persons[p.person_id]
        case = case_label(person) if person.is_participant else "(not a case)"
        by_case[case] = by_case.get(case, 0) + 1
    if fmt == "json":
        payload = {"passages": len(result.passages), "by_document": by_doc, "by_case": by_case}
        render.emit(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output,
                    protect=(project,))  # fmt: skip
        return
    rows = [("document", k, v) for k, v in by_doc.items()]
    rows += [("case", k, v) for k, v in sorted(by_case.items())]
    rows.append(("total", "", len(result.passages)))
    _emit(["by", "name", "passages"], rows, fmt, output, project)


def _emit(
    header: list[str],
    rows: list[Any],
    fmt: str,
    output: Path | None,
    project: Path,
    empty: str = "No passages.",
) -> None:
    if fmt == "csv":
        render.emit(csv_text(header, rows), output, protect=(project,))
    elif fmt == "json":
        payload = [dict(zip(header, r, strict=True)) for r in rows]
        render.emit(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output,
                    protect=(project,))  # fmt: skip
    elif not rows and output is None:
        render.line(empty)
    else:
        right = [i for i, h in enumerate(header) if h in ("passages",)]
        render.emit(render.table_text(header, [[str(c) for c in r] for r in rows], right),
                    output, protect=(project,))  # fmt: skip


COMMANDS = [query]
