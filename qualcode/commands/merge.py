"""``qualcode merge``: bring coders' project files together into one team file.

Matching rules and what undo does are in :mod:`qualcode.store.merge`; this module parses the
options and prints what came from where.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, current_coder

if TYPE_CHECKING:
    from qualcode.store.merge import SourceReport


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
    twice adds nothing (and writes nothing). A code with the same name but another parent or
    definition is reported and kept as TARGET's (a field left empty in the source is no
    conflict); a document with the same name but another text is refused unless --rename. A
    memo edited in the source since an earlier merge replaces its old text in TARGET, unless
    TARGET's copy was edited later.

    A merge never deletes: codings that a coder deleted or moved in their own file since an
    earlier merge stay in TARGET, and a warning names how many, per coder, to review.

    The merge is one undoable action ('qualcode undo TARGET'), written to the audit trail with
    what came from where. The source files are only read: one made by an older qualcode is
    upgraded in a temporary copy, never in place.

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
            render.warning(f"{r.source}: {conflict_text(r, name, fields, target.name)}")
        if r.memos_updated:
            render.line(
                f"{r.source}: {r.memos_updated} memo(s) edited there since an earlier merge; "
                "their new text replaced the old"
            )
        if r.memos_kept:
            render.warning(
                f"{r.source}: {r.memos_kept} memo(s) have other text there, but {target.name}'s "
                "copy was edited later; kept it"
            )
        for coder_name, count in sorted(r.codings_missing.items()):
            render.warning(
                f"{count} coding(s) by {coder_name} in {target.name} are no longer in {r.source} "
                "(deleted or moved there since an earlier merge); they were kept — review them "
                f"with `qualcode codings {target} --coder {coder_name}`"
            )
    if not any(r.rows_written for r in reports):
        render.line(f"{target}: nothing new to merge; the file was not changed", err=True)
        return
    render.line(f"Merged into {target} (undo with 'qualcode undo {target}')", err=True)


def conflict_text(report: SourceReport, name: str, fields: list[str], target: str) -> str:
    """One code conflict in words: a different parent names both, other fields are listed."""
    where = report.source
    parts: list[str] = []
    if "parent" in fields:
        ours, theirs = report.parent_conflicts[name]
        parts.append(
            f"another parent there ({_place(ours)} in {target}, {_place(theirs)} in {where})"
        )
    others = [f for f in fields if f != "parent"]
    if others:
        parts.append(f"another {', '.join(others)} there")
    return f"code '{name}' has {' and '.join(parts)}; kept {target}'s"


def _place(parent: str | None) -> str:
    return "top level" if parent is None else f"under '{parent}'"


COMMANDS = [merge]
