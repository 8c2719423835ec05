"""``qualcode pseudonyms``: the table of real names and what shared exports print instead."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import coder_option, format_option, open_project, project_argument
from qualcode.errors import QualcodeError


@click.command()
@project_argument
@click.option(
    "--add",
    "add",
    nargs=2,
    multiple=True,
    metavar="NAME PSEUDONYM",
    help="Add or change a pseudonym (repeatable).",
)
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read NAME,PSEUDONYM rows from a CSV file (a header row name,pseudonym is optional).",
)
@click.option("--remove", "remove", multiple=True, metavar="NAME", help="Remove a name.")
@click.option(
    "--suggest",
    is_flag=True,
    help="List names that may need a pseudonym: speaker names, name-like attribute values, "
    "capitalised words not in the lexicon that recur in the text (and person/place entities "
    "when a trained spaCy pipeline is installed).",
)
@click.option(
    "--default",
    "default",
    type=click.Choice(["on", "off"]),
    help="Pseudonymise every export of this project unless --no-pseudonymise is given.",
)
@format_option
@coder_option
def pseudonyms(
    project: Path,
    add: tuple[tuple[str, str], ...],
    from_file: Path | None,
    remove: tuple[str, ...],
    suggest: bool,
    default: str | None,
    fmt: str,
    coder: str | None,
) -> None:
    """List or edit the pseudonym table. Exports given --pseudonymise (or with --default
    on) replace every listed name, in any case and with possessives, in quotes, speaker
    labels, attributes and memos; the stored project never changes. For a copy with the
    names replaced in the text itself, use qualcode redact.

    \b
    Examples:
      qualcode pseudonyms study.qc --add "Astrid Berg" GP01 --add Astrid GP01
      qualcode pseudonyms study.qc --from names.csv --default on
      qualcode pseudonyms study.qc --suggest
      qualcode summary study.qc -o shared.docx --pseudonymise
    """
    from qualcode.store.pseudonyms import DEFAULT_SETTING, Pseudonyms

    pairs = list(add)
    if from_file is not None:
        pairs += _read_pairs(from_file)
    with open_project(project, coder) as proj:
        table = Pseudonyms(proj.session)
        if pairs:
            changed = table.set_many(pairs)
            render.line(f"{changed} of {len(pairs)} pseudonyms added or changed", err=True)
        for name in remove:
            if not table.remove(name):
                raise QualcodeError(f"'{name}' is not in the pseudonym table")
        if default is not None:
            proj.settings.set(DEFAULT_SETTING, "1" if default == "on" else "0")
            render.line(f"Pseudonymised exports by default: {default}", err=True)
        if suggest:
            found = table.suggest()
            rows = [[c.name, c.source, str(c.count)] for c in found]
            if fmt == "csv":
                render.csv(["name", "source", "count"], rows)
            elif fmt == "json":
                render.json([{"name": c.name, "source": c.source, "count": c.count} for c in found])
            elif not rows:
                render.line("No unlisted names found.")
            else:
                render.table(["name", "found in", "count"], rows, right={2})
                render.line(
                    "Add them with --add NAME PSEUDONYM (or --from a CSV of name,pseudonym)."
                )
            return
        if pairs or remove or default is not None:
            return
        listed = table.pairs()
        if fmt == "csv":
            render.csv(["name", "pseudonym"], listed)
        elif fmt == "json":
            render.json([{"name": n, "pseudonym": p} for n, p in listed])
        elif not listed:
            render.line("No pseudonyms yet: qualcode pseudonyms P --suggest, then --add NAME ID")
        else:
            render.table(["name", "pseudonym"], [list(p) for p in listed])


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise QualcodeError(f"cannot read {path}: {exc}") from exc
    out = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise QualcodeError(f"{path}, line {number}: expected NAME,PSEUDONYM")
        if number == 1 and [c.strip().lower() for c in row[:2]] == ["name", "pseudonym"]:
            continue
        out.append((row[0].strip(), row[1].strip()))
    return out


COMMANDS = [pseudonyms]
