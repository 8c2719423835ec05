"""``qualcode merge``: bring coders' project files together into one team file.

Matching rules and what undo does are in :mod:`qualcode.store.merge`; this module parses the
options and prints what came from where.
"""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, current_coder


@click.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--rename",
    is_flag=True,
    help="Add a document whose name is taken by another text as 'NAME (FILE)' instead of "
    "refusing the merge.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@coder_option
def merge(
    target: Path, sources: tuple[Path, ...], rename: bool, fmt: str, coder: str | None
) -> None:
    """Merge coders' project files into TARGET (created when it does not exist).

    Documents are matched by their stored text, codes by GUID then name, coders by name;
    codings, memos and done-marks are added and nothing is duplicated, so merging the same file
    twice adds nothing. A code with the same name but another definition is reported and kept
    as TARGET's; a document with the same name but another text is refused unless --rename.
    The merge is one undoable action ('qualcode undo TARGET'), written to the audit trail with
    what came from where. The source files are only read.

    Each coder works in their own copy; files travel by shared drive, e-mail or git. Never let
    two people write one project file over a network share.

    \b
    Examples:
      qualcode merge team.qc anna.qc ben.qc
      qualcode merge team.qc carla.qc --rename
    """
    from qualcode.store.merge import merge_files

    reports = merge_files(target, list(sources), current_coder(coder), rename=rename)
    if fmt == "json":
        render.json({"target": str(target), "sources": [r.as_dict() for r in reports]})
        return
    render.table(
        [
            "source",
            "coders",
            "docs added",
            "docs matched",
            "codes added",
            "codings added",
            "already there",
            "memos",
            "done",
        ],
        [
            [
                r.source,
                ",".join(r.coders),
                str(len(r.documents_added)),
                str(r.documents_matched),
                str(len(r.codes_added)),
                str(r.codings_added),
                str(r.codings_present),
                str(r.memos_added),
                str(r.done_added),
            ]
            for r in reports
        ],
        right=range(2, 9),
    )
    for r in reports:
        for old, new in r.documents_renamed:
            render.line(f"{r.source}: document '{old}' has another text here; added as '{new}'")
        for name, fields in r.code_conflicts:
            render.warning(
                f"{r.source}: code '{name}' has another {', '.join(fields)} there; kept {target.name}'s"
            )
    render.line(f"Merged into {target} (undo with 'qualcode undo {target}')", err=True)


COMMANDS = [merge]
