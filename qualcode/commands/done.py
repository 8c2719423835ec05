"""``qualcode done``: a coder marks a document as finished (or not, with --undo).

Agreement counts, per coder, only the documents that coder marked done.
"""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, open_project, project_argument


@click.command()
@project_argument
@click.argument("documents", nargs=-1)
@click.option("--undo", "unmark", is_flag=True, help="Take the done-mark off again.")
@click.option("--list", "listing", is_flag=True, help="List every coder's done-marks.")
@coder_option
def done(
    project: Path, documents: tuple[str, ...], unmark: bool, listing: bool, coder: str | None
) -> None:
    """Mark DOCUMENTS as done (fully coded) for the current coder.

    Agreement then counts, for this coder, only the documents they marked done (a coder who
    marked none counts with every document they coded).

    \b
    Examples:
      qualcode done study.qc interview-03 --coder anna
      qualcode done study.qc interview-03 --undo
      qualcode done study.qc --list
    """
    from qualcode.store.done import DoneMarks

    if not documents and not listing:
        raise click.UsageError("name a document (or pass --list)")
    with open_project(project, coder) as proj:
        marks = DoneMarks(proj.session)
        for name in documents:
            changed = marks.mark(name, done=not unmark)
            state = "not done" if unmark else "done"
            note = "" if changed else " (already)"
            render.line(f"{name}: {state} for {proj.coder}{note}")
        if listing:
            render.table(
                ["coder", "document", "marked at"],
                [[m.coder, m.document, m.marked_at] for m in marks.list()],
            )


COMMANDS = [done]
