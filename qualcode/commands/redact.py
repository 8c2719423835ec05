"""``qualcode redact``: a shareable copy of a project with the listed names replaced."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import open_project, project_argument


@click.command()
@project_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new project file to write (must not exist).",
)
def redact(project: Path, output: Path) -> None:
    """Write a copy of the project in which every name in the pseudonym table is replaced
    in the text itself, with every turn, sentence, coding and suggestion offset remapped to
    the new text (memos and exemplars follow their codings). Names are also replaced in
    document and speaker names, attributes, codes and memos; the audit trail, trained models
    and the pseudonym table are left out of the copy. The project itself is not changed.

    \b
    Examples:
      qualcode pseudonyms study.qc --add "Astrid Berg" GP01
      qualcode redact study.qc -o shared.qc
    """
    from qualcode.store.redact import Redactor

    with open_project(project) as proj:
        result = Redactor(proj.session).write(output)
    render.wrote(
        result.path,
        f"{result.replacements} names replaced in {result.documents} documents, "
        f"{result.values} other values changed",
    )


COMMANDS = [redact]
