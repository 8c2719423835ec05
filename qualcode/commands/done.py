"""``qualcode done``: a coder marks a document as finished (or not, with --undo).

Agreement counts, per coder, only the documents that coder marked done.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, open_project, project_argument
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.store.done import DoneMark


@click.command()
@project_argument
@click.argument("documents", nargs=-1)
@click.option("--undo", "unmark", is_flag=True, help="Take the done-mark off again.")
@click.option(
    "--list",
    "listing",
    is_flag=True,
    help="Only list every coder's done-marks (of DOCUMENTS, if named); marks nothing.",
)
@coder_option
def done(
    project: Path, documents: tuple[str, ...], unmark: bool, listing: bool, coder: str | None
) -> None:
    """Mark DOCUMENTS as done (fully coded) for the current coder.

    Agreement then counts, for this coder, only the documents they marked done (a coder who
    marked none counts with every document they coded). Every name is checked first: if one
    is not a document, nothing is marked. With --list, DOCUMENTS only narrow the listing.

    \b
    Examples:
      qualcode done study.qc interview-03 interview-04 --coder anna
      qualcode done study.qc interview-03 --undo
      qualcode done study.qc --list
      qualcode done study.qc --list interview-03
    """
    from qualcode.store.done import DoneMarks

    if listing and unmark:
        raise QualcodeError("--list only lists; leave out --undo")
    if not documents and not listing:
        raise QualcodeError("name a document (or pass --list)")
    with open_project(project, coder) as proj:
        marks = DoneMarks(proj.session)
        if listing:
            _list(marks.list(documents=documents))
            return
        changed = marks.mark_many(documents, done=not unmark)
        state = "not done" if unmark else "done"
        for name, change in zip(documents, changed, strict=True):
            note = "" if change else " (already)"
            render.line(f"{name}: {state} for {proj.coder}{note}")


def _list(marks: list[DoneMark]) -> None:
    render.table(
        ["coder", "document", "marked at"],
        [[m.coder, m.document, m.marked_at] for m in marks],
    )


COMMANDS = [done]
