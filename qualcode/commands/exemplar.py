"""``qualcode exemplar``: mark codings as the quotes a summary should use first."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, format_option, open_project, project_argument


@click.command()
@project_argument
@click.argument("codings", nargs=-1, type=int, metavar="[CODING_ID]...")
@click.option("--remove", is_flag=True, help="Unmark the codings instead.")
@format_option
@coder_option
def exemplar(
    project: Path, codings: tuple[int, ...], remove: bool, fmt: str, coder: str | None
) -> None:
    """Mark codings (by id, as `qualcode codings` lists them) as exemplars: summaries quote
    them first, before the automatic choice. Without ids, list the exemplars.

    \b
    Examples:
      qualcode exemplar study.qc 42 57
      qualcode exemplar study.qc 42 --remove
      qualcode exemplar study.qc
    """
    from qualcode.store.exemplars import Exemplars

    with open_project(project, coder) as proj:
        marks = Exemplars(proj.session)
        if codings:
            changed = [c for c in codings if (marks.unmark(c) if remove else marks.mark(c))]
            verb = "Unmarked" if remove else "Marked"
            render.line(f"{verb} {len(changed)} of {len(codings)} codings as exemplars", err=True)
            return
        ids = sorted(marks.ids())
        rows = []
        for coding_id in ids:
            c = proj.codings.get(coding_id)
            rows.append([str(coding_id), c.code, c.document, " ".join(c.text.split())[:70]])
    if fmt == "csv":
        render.csv(["coding", "code", "document", "text"], rows)
    elif fmt == "json":
        render.json(
            [dict(zip(["coding", "code", "document", "text"], r, strict=True)) for r in rows]
        )
    elif not rows:
        render.line(
            "No exemplars yet: qualcode exemplar P CODING_ID (or the x key in the workbench)"
        )
    else:
        render.table(["coding", "code", "document", "text"], rows, right={0})


COMMANDS = [exemplar]
