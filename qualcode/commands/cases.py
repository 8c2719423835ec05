"""``qualcode cases``: participants as cases across documents, and attribute types."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, open_project, project_argument
from qualcode.errors import QualcodeError


@click.command()
@project_argument
@click.option(
    "--assign",
    nargs=3,
    metavar="DOCUMENT SPEAKER CASE",
    help="Tie a document's speaker to a case (sets its 'participant' attribute).",
)
@click.option(
    "--unassign", nargs=2, metavar="DOCUMENT SPEAKER", help="Untie a speaker from its case."
)
@click.option(
    "--set",
    "set_attr",
    nargs=3,
    metavar="CASE KEY VALUE",
    help="Set an attribute on every speaker of a case.",
)
@click.option(
    "--type",
    "set_type",
    nargs=2,
    metavar="KEY TYPE",
    help="Declare an attribute's type: text, number or date (ISO YYYY-MM-DD).",
)
@coder_option
def cases(
    project: Path,
    assign: tuple[str, str, str] | None,
    unassign: tuple[str, str] | None,
    set_attr: tuple[str, str, str] | None,
    set_type: tuple[str, str] | None,
    coder: str | None,
) -> None:
    """List participants as cases (a case may span documents), link speakers to cases,
    set case attributes and attribute types. Every change is undoable.

    A participant interviewed twice is one case: give both speakers the same case and they
    count once in summaries, stats and crosstabs.

    \b
    Examples:
      qualcode cases study.qc
      qualcode cases study.qc --assign gp01_followup Astrid GP01
      qualcode cases study.qc --type years_in_group number
      qualcode cases study.qc --set GP01 years_in_group 6
    """
    from qualcode.store.cases import Cases

    if sum(x is not None for x in (assign, unassign, set_attr, set_type)) > 1:
        raise QualcodeError("give one of --assign, --unassign, --set, --type")
    with open_project(project, coder) as proj:
        repo = Cases(proj.session)
        if assign:
            repo.assign(*assign)
            render.line(f"{assign[1]} in {assign[0]} is case {assign[2]}")
            return
        if unassign:
            repo.unassign(*unassign)
            render.line(f"{unassign[1]} in {unassign[0]} belongs to no case now")
            return
        if set_attr:
            count = repo.set_attribute(*set_attr)
            render.line(f"Set {set_attr[1]}={set_attr[2]} on case {set_attr[0]} ({count} speakers)")
            return
        if set_type:
            repo.set_type(*set_type)
            render.line(f"Attribute {set_type[0]} is a {set_type[1]}")
            return
        found = repo.list(include_unlinked=False)
        types = repo.types()
        if types:
            render.line(
                "Attribute types: " + ", ".join(f"{k}={v}" for k, v in sorted(types.items()))
            )
        if not found:
            render.line(
                "No cases yet: give speakers a 'participant' attribute (front matter, "
                "--attributes CSV, or qualcode cases PROJECT --assign DOCUMENT SPEAKER CASE)"
            )
            return
        rows = [
            (
                c.name,
                str(len(c.speakers)),
                "; ".join(f"{doc}/{spk}" for doc, spk in c.speakers),
                ", ".join(f"{k}={v}" for k, v in c.attributes.items()),
            )
            for c in found
        ]
        render.table(("case", "speakers", "in", "attributes"), rows)


COMMANDS = [cases]
