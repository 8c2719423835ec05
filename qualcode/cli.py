"""The ``qualcode`` command: a thin click layer over ``Project``, ingest and codebooks.

Every command exits 0 on success and 1 on a user error with one line on stderr; anything
unexpected is also reported in one line (set QUALCODE_DEBUG=1 for the traceback). Commands that
change a project do it through ``Project`` actions, so nothing is ever half written.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode import __version__
from qualcode.errors import CodebookError, QualcodeError
from qualcode.store import Project

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 1


class QualcodeGroup(click.Group):
    """Turns every error into one line: the user never sees a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CodebookError as exc:
            detail = "; ".join(exc.problems)
            count = len(exc.problems)
            _fail(f"{exc.source}: {count} problem(s), nothing loaded: {detail}")
        except QualcodeError as exc:
            _fail(str(exc))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # Output piped into `head` and closed early: stop quietly, like other Unix tools.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            _fail("interrupted; the project is unchanged by the unfinished step")
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            if os.environ.get("QUALCODE_DEBUG"):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); "
                "re-run with QUALCODE_DEBUG=1 and report it"
            )

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # `qualcode study.qc` opens the workbench, like `qualcode open study.qc`.
        if args and args[0] not in self.commands and args[0].endswith(".qc"):
            args = ["open", *args]
        return super().resolve_command(ctx, args)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USER_ERROR)


def current_coder(explicit: str | None) -> str:
    """--coder, else $QUALCODE_CODER, else the OS user: every change is attributed."""
    if explicit:
        return explicit.strip()
    env = os.environ.get("QUALCODE_CODER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def coder_option(func: F) -> F:
    return click.option(
        "--coder",
        metavar="NAME",
        help="Who is coding (default: $QUALCODE_CODER, else your user name).",
    )(func)


def project_argument(func: F) -> F:
    return click.argument("project", type=click.Path(dir_okay=False, path_type=Path))(func)


def open_project(path: Path, coder: str | None = None) -> Project:
    return Project.open(path, coder=current_coder(coder))


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
def main() -> None:
    """qualcode: code interview transcripts in the terminal, offline.

    \b
    Quick start:
      qualcode demo                       build a demo project from the samples
      qualcode init study.qc              create a project
      qualcode import study.qc interviews/ --attributes participants.csv
      qualcode codebook load study.qc codebooks/balint-kjeldmand.yaml
      qualcode open study.qc              code in the workbench
    """


# ---------------------------------------------------------------- project & documents


@main.command()
@project_argument
@coder_option
def init(project: Path, coder: str | None) -> None:
    """Create a new, empty project file.

    \b
    Example:
      qualcode init study.qc
    """
    with Project.create(project, coder=current_coder(coder)):
        pass
    click.echo(f"Created {project}")


@main.command("import")
@project_argument
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--encoding", metavar="CODEC", help="Fallback encoding for non-UTF-8 text, e.g. cp1252."
)
@click.option(
    "--attributes",
    "attributes_csv",
    type=click.Path(path_type=Path),
    help="CSV of participant attributes (a 'document' or 'speaker' column).",
)
@click.option(
    "--replace", is_flag=True, help="Update documents whose file changed; codings are carried over."
)
@click.option(
    "--drop-unplaced", is_flag=True, help="With --replace: drop codings whose text is gone."
)
@click.option(
    "--as", "as_name", metavar="NAME", help="Document name for a single file (default: file name)."
)
@click.option(
    "--model",
    metavar="PIPELINE",
    help="Installed spaCy pipeline for sentences (default: blank English).",
)
@coder_option
def import_(
    project: Path,
    files: tuple[Path, ...],
    encoding: str | None,
    attributes_csv: Path | None,
    replace: bool,
    drop_unplaced: bool,
    as_name: str | None,
    model: str | None,
    coder: str | None,
) -> None:
    """Import transcripts (.txt .md .docx .vtt .srt, or folders of them).

    Each file is one transaction: a bad file is reported and skipped, the rest are imported.
    Exits 1 if any file failed.

    \b
    Example:
      qualcode import study.qc sample_transcripts/ --attributes sample_transcripts/participants.csv
    """
    from qualcode.importing import expand_paths, import_files
    from qualcode.ingest.attributes import read_attribute_table

    table = read_attribute_table(attributes_csv, encoding) if attributes_csv else None
    with open_project(project, coder) as proj:
        paths = expand_paths(files)
        if not paths:
            raise QualcodeError("no supported files found (.txt .md .docx .vtt .srt)")
        width = len(str(len(paths)))
        results = []
        for i, path in enumerate(paths, start=1):
            (result,) = import_files(
                proj,
                [path],
                encoding=encoding,
                model=model,
                replace=replace,
                drop_unplaced=drop_unplaced,
                name=as_name,
            )
            results.append(result)
            if result.ok:
                detail = f": {result.message}" if result.message else ""
                click.echo(f"[{i:>{width}}/{len(paths)}] {result.status:<9} {result.name}{detail}")
            else:
                click.echo(f"error: {result.message}", err=True)
        if table is not None:
            unmatched = proj.set_attributes_bulk(
                table.documents, table.speakers, f"Attributes from {attributes_csv}"
            )
            click.echo(
                f"Attributes from {attributes_csv} applied"
                + (f"; no match for {', '.join(unmatched)}" if unmatched else "")
            )
    failed = [r for r in results if not r.ok]
    done = sum(r.status in ("imported", "replaced") for r in results)
    click.echo(
        f"{done} imported, {len(results) - done - len(failed)} skipped, {len(failed)} failed"
    )
    if failed:
        sys.exit(EXIT_USER_ERROR)


@main.command()
@project_argument
@click.argument("csv_file", type=click.Path(path_type=Path))
@click.option("--encoding", metavar="CODEC")
@coder_option
def attributes(project: Path, csv_file: Path, encoding: str | None, coder: str | None) -> None:
    """Set document/speaker attributes from a CSV (undoable).

    \b
    Example:
      qualcode attributes study.qc participants.csv
    """
    from qualcode.ingest.attributes import read_attribute_table

    table = read_attribute_table(csv_file, encoding)
    with open_project(project, coder) as proj:
        unmatched = proj.set_attributes_bulk(
            table.documents, table.speakers, f"Attributes from {csv_file}"
        )
    click.echo(
        f"Applied {csv_file}" + (f"; no match for {', '.join(unmatched)}" if unmatched else "")
    )


@main.command()
@project_argument
@click.option("--remove", metavar="NAME", help="Delete a document and its codings.")
@click.option("--show", metavar="NAME", help="Print a document's turns.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@coder_option
def docs(
    project: Path, remove: str | None, show: str | None, as_json: bool, coder: str | None
) -> None:
    """List documents with speakers, words, codings and attributes.

    \b
    Examples:
      qualcode docs study.qc
      qualcode docs study.qc --show gp01_astrid
    """
    with open_project(project, coder) as proj:
        if remove:
            proj.remove_document(remove)
            click.echo(f"Removed {remove}")
            return
        if show:
            doc = proj.document(show)
            for turn in proj.turns(doc.id):
                who = turn.speaker or "(no speaker)"
                click.echo(f"{who}: {doc.text[turn.start : turn.end]}\n")
            return
        attrs = proj.all_document_attributes()
        documents = proj.documents()
        if as_json:
            click.echo(
                json.dumps(
                    [
                        {
                            "name": d.name,
                            "format": d.source_format,
                            "words": d.word_count,
                            "speakers": d.speaker_count,
                            "turns": d.turn_count,
                            "codings": d.coding_count,
                            "attributes": attrs.get(d.name, {}),
                        }
                        for d in documents
                    ],
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        if not documents:
            click.echo("No documents yet: qualcode import PROJECT FILES...")
            return
        rows = [
            (
                d.name,
                d.source_format,
                str(d.word_count),
                str(d.speaker_count),
                str(d.coding_count),
                ", ".join(f"{k}={v}" for k, v in attrs.get(d.name, {}).items()),
            )
            for d in documents
        ]
        _table(("document", "format", "words", "speakers", "codings", "attributes"), rows)


@main.command()
@project_argument
@click.argument("document", required=False)
@click.option("--rename", nargs=2, metavar="OLD NEW", help="Rename a speaker in DOCUMENT.")
@click.option(
    "--set",
    "set_attr",
    nargs=3,
    metavar="SPEAKER KEY VALUE",
    help="Set an attribute on a speaker in DOCUMENT.",
)
@coder_option
def speakers(
    project: Path,
    document: str | None,
    rename: tuple[str, str] | None,
    set_attr: tuple[str, str, str] | None,
    coder: str | None,
) -> None:
    """List speakers (per document), rename one, or set an attribute.

    \b
    Examples:
      qualcode speakers study.qc
      qualcode speakers study.qc gp03_claire --rename R Claire
    """
    with open_project(project, coder) as proj:
        if (rename or set_attr) and not document:
            raise QualcodeError("name the DOCUMENT whose speaker to change")
        if rename:
            proj.rename_speaker(document, rename[0], rename[1])  # type: ignore[arg-type]
            click.echo(f"Renamed {rename[0]} to {rename[1]} in {document}")
            return
        if set_attr:
            proj.set_speaker_attribute(document, *set_attr)  # type: ignore[arg-type]
            click.echo(f"Set {set_attr[1]}={set_attr[2]} on {set_attr[0]} in {document}")
            return
        rows = [
            (
                s.document,
                s.name,
                str(s.turn_count),
                ", ".join(f"{k}={v}" for k, v in s.attributes.items()),
            )
            for s in proj.speakers(document)
        ]
        _table(("document", "speaker", "turns", "attributes"), rows)


# ---------------------------------------------------------------- codebook & codes


@main.group()
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
        changes = proj.apply_codebook(book.name, codebook_entries(book))
    click.echo(
        f"Loaded '{book.name}': {len(changes.added)} added, {len(changes.updated)} updated, "
        f"{changes.unchanged} unchanged"
    )
    for name, fields in changes.updated:
        click.echo(f"  updated {name}: {', '.join(fields)}")
    if changes.kept:
        click.echo(f"  kept {len(changes.kept)} code(s) not in the file: {', '.join(changes.kept)}")


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


@main.group()
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


# ---------------------------------------------------------------- coding


@main.command()
@project_argument
@click.argument("document")
@click.argument("code_names", nargs=-1, required=True, metavar="CODE...")
@click.option("--start", type=int, help="Start offset (characters, inclusive).")
@click.option("--end", type=int, help="End offset (characters, exclusive).")
@click.option("--text", "passage", help="Code the passage with exactly this text instead.")
@click.option(
    "--occurrence",
    type=int,
    default=1,
    show_default=True,
    help="With --text: which occurrence, if the passage appears more than once.",
)
@click.option("--memo", help="Attach a memo to the coding.")
@coder_option
def code(
    project: Path,
    document: str,
    code_names: tuple[str, ...],
    start: int | None,
    end: int | None,
    passage: str | None,
    occurrence: int,
    memo: str | None,
    coder: str | None,
) -> None:
    """Code a passage of a document with one or more codes.

    \b
    Examples:
      qualcode code study.qc gp01_astrid "Knowing oneself" --start 120 --end 240
      qualcode code study.qc gp01_astrid "Vulnerability" --text "I felt so exposed"
    """
    with open_project(project, coder) as proj:
        doc = proj.document(document)
        if passage is not None:
            if start is not None or end is not None:
                raise QualcodeError("give either --text or --start/--end, not both")
            start, end = _find_passage(doc.text, passage, occurrence, doc.name)
        elif start is None or end is None:
            raise QualcodeError("give --start and --end, or --text")
        with proj.action(
            "coding.add", f"Coded {', '.join(code_names)} on {doc.name} [{start}:{end}]"
        ):
            ids = [proj.add_coding(doc.id, name, start, end, memo=memo) for name in code_names]
    for coding_id, name in zip(ids, code_names, strict=True):
        click.echo(f"Coding {coding_id}: {name} on {doc.name} [{start}:{end}]")


def _find_passage(text: str, passage: str, occurrence: int, where: str) -> tuple[int, int]:
    passage = passage.strip()
    if not passage:
        raise QualcodeError("--text is empty")
    pos, found = -1, 0
    while found < occurrence:
        pos = text.find(passage, pos + 1)
        if pos == -1:
            break
        found += 1
    if pos == -1:
        if found:
            raise QualcodeError(f"the passage occurs only {found} time(s) in {where}")
        raise QualcodeError(f"the passage was not found in {where} (it must match exactly)")
    return pos, pos + len(passage)


@main.command()
@project_argument
@click.argument("coding_ids", nargs=-1, type=int, required=True, metavar="CODING_ID...")
@coder_option
def uncode(project: Path, coding_ids: tuple[int, ...], coder: str | None) -> None:
    """Remove codings by id (see `qualcode codings`); undoable.

    \b
    Example:
      qualcode uncode study.qc 42
    """
    with open_project(project, coder) as proj:
        for coding_id in coding_ids:
            proj.coding(coding_id)
        with proj.action("coding.remove", f"Removed coding(s) {', '.join(map(str, coding_ids))}"):
            removed = [proj.remove_coding(cid) for cid in coding_ids]
    for c in removed:
        click.echo(f"Removed coding {c.id}: {c.code} on {c.document} [{c.start}:{c.end}]")


@main.command()
@project_argument
@click.option("--document", help="Only this document.")
@click.option("--code", "code_name", help="Only this code.")
@click.option("--theme", is_flag=True, help="With --code: include its sub-codes.")
@click.option("--coder", "by_coder", help="Only this coder's codings.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def codings(
    project: Path,
    document: str | None,
    code_name: str | None,
    theme: bool,
    by_coder: str | None,
    fmt: str,
) -> None:
    """List codings with their text.

    \b
    Examples:
      qualcode codings study.qc --code "Knowing oneself"
      qualcode codings study.qc --format csv > codings.csv
    """
    with open_project(project) as proj:
        rows = proj.codings(
            document=document, code=code_name, coder=by_coder, include_subcodes=theme
        )
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "document": c.document,
                        "code": c.code,
                        "start": c.start,
                        "end": c.end,
                        "coder": c.coder,
                        "origin": c.origin,
                        "memo": c.memo,
                        "text": c.text,
                    }
                    for c in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(
            ["id", "document", "code", "start", "end", "coder", "origin", "memo", "text"]
        )
        for c in rows:
            writer.writerow(
                [c.id, c.document, c.code, c.start, c.end, c.coder, c.origin, c.memo or "", c.text]
            )
    else:
        if not rows:
            click.echo("No codings.")
            return
        _table(
            ("id", "document", "code", "span", "coder", "text"),
            [
                (str(c.id), c.document, c.code, f"{c.start}-{c.end}", c.coder, _clip(c.text, 50))
                for c in rows
            ],
        )


@main.command()
@project_argument
@click.argument("text", required=False)
@click.option(
    "--on",
    "target_type",
    type=click.Choice(["project", "document", "code", "coding"]),
    default="project",
    show_default=True,
)
@click.option("--target", help="Document name, code name or coding id.")
@click.option("--clear", is_flag=True, help="Delete your memo on the target.")
@coder_option
def memo(
    project: Path,
    text: str | None,
    target_type: str,
    target: str | None,
    clear: bool,
    coder: str | None,
) -> None:
    """Write a memo on the project, a document, a code or a coding; without TEXT, list memos.

    \b
    Examples:
      qualcode memo study.qc "Leaders talk more about frames than GPs do."
      qualcode memo study.qc --on code --target "Rivalry" "Check against the 2010 paper."
      qualcode memo study.qc --on code
    """
    with open_project(project, coder) as proj:
        tgt: str | int | None = target
        if target_type == "coding" and target is not None:
            if not target.isdigit():
                raise QualcodeError("--target for a coding memo is its numeric id")
            tgt = int(target)
        if text is None and not clear:
            for m in proj.memos(target_type, tgt):
                click.echo(f"[{m.target_type} {m.target_id or ''}] {m.coder}: {m.text}")
            return
        proj.set_memo(target_type, tgt, "" if clear else (text or ""))
    click.echo("Memo cleared" if clear else "Memo saved")


@main.command()
@project_argument
@coder_option
def undo(project: Path, coder: str | None) -> None:
    """Undo your last change.

    \b
    Example:
      qualcode undo study.qc
    """
    with open_project(project, coder) as proj:
        event = proj.undo()
    click.echo(f"Undone: {event.summary}" if event else "Nothing to undo")


@main.command()
@project_argument
@coder_option
def redo(project: Path, coder: str | None) -> None:
    """Redo the change you last undid.

    \b
    Example:
      qualcode redo study.qc
    """
    with open_project(project, coder) as proj:
        event = proj.redo()
    click.echo(f"Redone: {event.summary}" if event else "Nothing to redo")


@main.command()
@project_argument
@click.option("-n", "limit", default=20, show_default=True, help="How many events.")
def log(project: Path, limit: int) -> None:
    """Show the audit trail (who changed what, when), newest first.

    \b
    Example:
      qualcode log study.qc -n 50
    """
    with open_project(project) as proj:
        for e in proj.events(limit):
            flag = " (undone)" if e.reverted else ""
            click.echo(f"{e.id:>5} {e.at} {e.coder or '-'}: {e.summary}{flag}")


@main.command()
@project_argument
@click.argument("query")
@click.option("-n", "limit", default=50, show_default=True)
def search(project: Path, query: str, limit: int) -> None:
    """Full-text search across transcripts.

    \b
    Example:
      qualcode search study.qc "alone"
    """
    with open_project(project) as proj:
        hits = proj.search(query, limit)
    for hit in hits:
        click.echo(
            f"{hit.document} [{hit.start}:{hit.end}] {hit.speaker or '-'}: {_clip(hit.text, 80)}"
        )
    if not hits:
        click.echo("No matches.")


# ---------------------------------------------------------------- demo


@main.command()
@click.argument(
    "directory",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("qualcode-demo"),
)
@click.option("--fresh", is_flag=True, help="Rebuild the demo project from scratch.")
@click.option(
    "--no-open", is_flag=True, help="Only build and summarise; do not open the workbench."
)
def demo(directory: Path, fresh: bool, no_open: bool) -> None:
    """Build a demo project from the shipped samples and codebook, and summarise it.

    \b
    Example:
      qualcode demo            # creates ./qualcode-demo/demo.qc
    """
    from qualcode.demo import build_demo, describe_demo

    path = build_demo(directory, fresh=fresh, echo=click.echo)
    if not no_open and sys.stdout.isatty():
        from qualcode.commands.workbench import open_workbench

        open_workbench(path, current_coder(None))
        return
    with open_project(path, "demo") as proj:
        click.echo(describe_demo(proj))


# ---------------------------------------------------------------- helpers


def _clip(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _register_commands() -> None:
    """Commands that live beside the layers they drive (analysis, auto-coding, workbench)."""
    from qualcode.commands import analysis, suggest, workbench

    for module in (workbench, analysis, suggest):
        module.register(main)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
