"""Commands for codebooks (load, show, export) and the code tree (add, rename, move, merge, delete)."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.codebook import Codebook
from qualcode.commands.common import (
    coder_option,
    open_project,
    project_argument,
)
from qualcode.errors import CodebookError


def register(main: click.Group) -> None:
    """Add this module's commands to ``main``."""
    main.add_command(codebook)
    main.add_command(codes)


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
    """
    from qualcode.codebook import codebook_entries, load_codebook

    book = load_codebook(file)
    with open_project(project, coder) as proj:
        _check_rules_with_spacy(book, file, proj.setting("spacy_model"))
        changes = proj.apply_codebook(book.name, codebook_entries(book))
    click.echo(
        f"Loaded '{book.name}': {len(changes.added)} added, {len(changes.updated)} updated, "
        f"{changes.unchanged} unchanged"
    )
    for name, fields in changes.updated:
        click.echo(f"  updated {name}: {', '.join(fields)}")
    if changes.kept:
        click.echo(f"  kept {len(changes.kept)} code(s) not in the file: {', '.join(changes.kept)}")


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
    if source.suffix == ".qc":
        with open_project(source) as proj:
            codes = proj.codes()
        entries = [(c.depth, c.name, c.brief, c.coding_count, c) for c in codes]
    else:
        from qualcode.codebook import load_codebook

        book = load_codebook(source)
        depth_of: dict[str, int] = {}
        entries = []
        for spec, parent in book.walk():
            depth_of[spec.label] = 0 if parent is None else depth_of[parent.label] + 1
            entries.append((depth_of[spec.label], spec.label, spec.brief, None, spec))
        click.echo(f"{book.name} (version {book.version})")
    for depth, name, brief, count, node in entries:
        tally = f" [{count}]" if count is not None else ""
        click.echo(f"{'  ' * depth}- {name}{tally}: {brief}")
        if full:
            for label, attr in (
                ("definition", "definition"),
                ("use when", "when_to_use"),
                ("not when", "when_not_to_use"),
                ("example", "example"),
            ):
                value = getattr(node, attr)
                if value:
                    click.echo(f"{'  ' * depth}    {label}: {' '.join(value.split())}")


@codebook.command("export")
@project_argument
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="File to write (default: stdout)."
)
@click.option("--name", help="Codebook name (default: the loaded codebook's).")
def codebook_export(project: Path, output: Path | None, name: str | None) -> None:
    """Write the project's codes as a codebook YAML file.

    \b
    Example:
      qualcode codebook export study.qc -o my-codebook.yaml
    """
    from qualcode.codebook import codebook_from_codes, dump_codebook

    with open_project(project) as proj:
        book = codebook_from_codes(
            name or proj.setting("codebook_name") or proj.path.stem, proj.codes()
        )
    text = dump_codebook(book)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=False)


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
        proj.add_code(name, parent=parent, brief=brief, color=color)
    click.echo(f"Added {name}")


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
        proj.rename_code(old, new)
    click.echo(f"Renamed {old} to {new}")


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
        proj.move_code(name, parent)
    click.echo(f"Moved {name}")


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
        moved = proj.merge_codes(source, target)
    click.echo(f"Merged {source} into {target} ({moved} coding(s) moved)")


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
        deleted = proj.delete_code(name, force=force)
    click.echo(f"Deleted {name}" + (f" and {deleted} coding(s)" if deleted else ""))
