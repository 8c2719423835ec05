"""Commands for codebooks (load, show, export) and the code tree (add, rename, move, merge, delete)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from qualcode.codebook import Codebook
from qualcode.commands import render
from qualcode.commands.common import (
    coder_option,
    open_project,
    output_option,
    project_argument,
)
from qualcode.errors import CodebookError
from qualcode.report.cli import pseudonymise_option
from qualcode.text import flatten


@click.group()
def codebook() -> None:
    """Load, show and export codebooks (YAML)."""


@codebook.command("load")
@project_argument
@click.argument("file", type=click.Path(path_type=Path))
@coder_option
def codebook_load(project: Path, file: Path, coder: str | None) -> None:
    """Validate a codebook and merge it into the project by code name (undoable).

    \b
    Example:
      qualcode codebook load study.qc codebooks/balint-kjeldmand.yaml
      qualcode codebook load study.qc codebook.qdc      # REFI-QDA, from another tool
    """
    from qualcode.codebook import codebook_entries, load_codebook
    from qualcode.commands.refi import is_qdc, load_qdc_command

    if is_qdc(file):  # a REFI-QDA codebook from another tool
        load_qdc_command(project, file, coder)
        return
    book = load_codebook(file)
    with open_project(project, coder) as proj:
        _check_rules_with_spacy(book, file, proj.settings.get("spacy_model"))
        changes = proj.codebook.apply(
            book.name, codebook_entries(book), book.version, book.description, book.sources
        )
    themes = {spec.label for spec in book.themes}
    new_themes = sum(1 for name in changes.added if name in themes)
    render.line(
        f"Loaded '{book.name}': {_count(new_themes, 'theme')} and "
        f"{_count(len(changes.added) - new_themes, 'code')} added, "
        f"{len(changes.updated)} updated, {changes.unchanged} unchanged"
    )
    for name, fields in changes.updated:
        render.line(f"  updated {name}: {', '.join(fields)}")
    if changes.kept:
        render.line(
            f"  kept {len(changes.kept)} code(s) not in the file: {', '.join(changes.kept)}"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _check_rules_with_spacy(book: Codebook, file: Path, model: str | None) -> None:
    """spaCy's own validation of every keyword and pattern, before anything is loaded.

    ``load_codebook`` checks the shape of patterns without spaCy (so it stays fast and pure);
    here the same rules auto-coding will compile are compiled once, so a pattern spaCy rejects
    is reported at load time, naming its code and index.
    """
    if not any(spec.keywords or spec.patterns for spec, _ in book.walk()):
        return
    from qualcode.nlp.rules import CodeRules, check_rules

    rules = [
        CodeRules(i, spec.label, tuple(spec.keywords), tuple(spec.patterns))
        for i, (spec, _) in enumerate(book.walk())
    ]
    problems = check_rules(rules, model)
    if problems:
        raise CodebookError(str(file), problems)


@codebook.command("show")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--full", is_flag=True, help="Also print definitions and when (not) to use.")
def codebook_show(source: Path, full: bool) -> None:
    """Show a codebook file or a project's codes as a tree.

    \b
    Examples:
      qualcode codebook show codebooks/balint-kjeldmand.yaml
      qualcode codebook show study.qc --full
    """
    tallies: dict[str, str] = {}
    if source.suffix == ".qc":
        with open_project(source) as proj:
            codes = proj.codebook.codes()
            tree = proj.codebook.tree()
        own = {c.id: c.coding_count for c in codes}
        for c in codes:  # one meaning per count: a theme says both, as stats counts it
            below = sum(own[i] for i in tree.descendants(c.id))
            tallies[c.name] = (
                f" [{c.coding_count} own codings, {below} with sub-codes]"
                if c.child_count
                else f" [{_count(c.coding_count, 'coding')}]"
            )
        entries: list[tuple[int, str, str, int | None, Any]] = [
            (c.depth, c.name, c.brief, c.coding_count, c) for c in codes
        ]
    else:
        from qualcode.codebook import load_codebook

        book = load_codebook(source)
        depth_of: dict[str, int] = {}
        entries = []
        for spec, parent in book.walk():
            depth_of[spec.label] = 0 if parent is None else depth_of[parent.label] + 1
            entries.append((depth_of[spec.label], spec.label, spec.brief, None, spec))
        render.line(f"{book.name} (version {book.version})")
    for depth, name, brief, _, node in entries:
        tally = tallies.get(name, "")
        render.line(f"{'  ' * depth}- {name}{tally}: {brief}")
        if full:
            for label, attr in (
                ("definition", "definition"),
                ("use when", "when_to_use"),
                ("not when", "when_not_to_use"),
                ("example", "example"),
            ):
                value = getattr(node, attr)
                if value:
                    render.line(f"{'  ' * depth}    {label}: {flatten(value)}")


@codebook.command("export")
@project_argument
@output_option("File to write (default: stdout).")
@click.option("--name", help="Codebook name (default: the loaded codebook's).")
@pseudonymise_option
def codebook_export(
    project: Path, output: Path | None, name: str | None, pseudonymise: bool | None
) -> None:
    """Write the project's codes as a codebook YAML file, with the codebook's description and
    sources as loaded.

    \b
    Example:
      qualcode codebook export study.qc -o my-codebook.yaml
    """
    import json

    from qualcode.codebook import codebook_from_codes, dump_codebook
    from qualcode.report.cli import wants_pseudonyms
    from qualcode.report.pseudonymise import load_replacer

    with open_project(project) as proj:
        settings = proj.settings
        version = settings.get("codebook_version") or "1"
        book = codebook_from_codes(
            name or settings.get("codebook_name") or proj.path.stem,
            proj.codebook.codes(),
            version=int(version) if version.isdigit() else 1,
            description=settings.get("codebook_description") or "",
            sources=json.loads(settings.get("codebook_sources") or "[]"),
        )
        text = dump_codebook(book)
        if wants_pseudonyms(proj, pseudonymise):
            text = load_replacer(proj).text(text)
    render.emit(text, output, protect=(project,))


@click.group()
def codes() -> None:
    """Add, rename, move, merge and delete codes (each undoable)."""


@codes.command("add")
@project_argument
@click.argument("name")
@click.option("--parent", help="Put the code under this theme/code.")
@click.option("--brief", help="Brief definition.")
@click.option("--color", help="Colour like #1f77b4.")
@coder_option
def codes_add(
    project: Path,
    name: str,
    parent: str | None,
    brief: str | None,
    color: str | None,
    coder: str | None,
) -> None:
    """Add a code.

    \b
    Example:
      qualcode codes add study.qc "Feeling alone" --parent "Security"
    """
    with open_project(project, coder) as proj:
        proj.codebook.add(name, parent=parent, brief=brief, color=color)
    render.line(f"Added {name}")


@codes.command("rename")
@project_argument
@click.argument("old")
@click.argument("new")
@coder_option
def codes_rename(project: Path, old: str, new: str, coder: str | None) -> None:
    """Rename a code.

    \b
    Example:
      qualcode codes rename study.qc "Rivalry" "Competition"
    """
    with open_project(project, coder) as proj:
        proj.codebook.rename(old, new)
    render.line(f"Renamed {old} to {new}")


@codes.command("move")
@project_argument
@click.argument("name")
@click.option("--parent", help="New parent (omit for top level).")
@coder_option
def codes_move(project: Path, name: str, parent: str | None, coder: str | None) -> None:
    """Move a code under another.

    \b
    Example:
      qualcode codes move study.qc "Rivalry" --parent "Group"
    """
    with open_project(project, coder) as proj:
        proj.codebook.move(name, parent)
    render.line(f"Moved {name}")


@codes.command("merge")
@project_argument
@click.argument("source")
@click.argument("target")
@coder_option
def codes_merge(project: Path, source: str, target: str, coder: str | None) -> None:
    """Merge SOURCE into TARGET (codings move).

    \b
    Example:
      qualcode codes merge study.qc A B
    """
    with open_project(project, coder) as proj:
        moved = proj.codebook.merge(source, target)
    render.line(f"Merged {source} into {target} ({moved} coding(s) moved)")


@codes.command("delete")
@project_argument
@click.argument("name")
@click.option("--force", is_flag=True, help="Also delete its codings; sub-codes move up.")
@coder_option
def codes_delete(project: Path, name: str, force: bool, coder: str | None) -> None:
    """Delete a code (refused if it has codings, unless --force).

    \b
    Example:
      qualcode codes delete study.qc Old
    """
    with open_project(project, coder) as proj:
        deleted = proj.codebook.delete(name, force=force)
    render.line(f"Deleted {name}" + (f" and {deleted} coding(s)" if deleted else ""))


COMMANDS = [codebook, codes]
