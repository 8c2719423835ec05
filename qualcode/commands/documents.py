"""Commands for project files, documents, speakers and attributes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import (
    EXIT_USER_ERROR,
    coder_option,
    current_coder,
    open_project,
    project_argument,
)
from qualcode.errors import QualcodeError
from qualcode.store import Project


@click.command()
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
    render.line(f"Created {project}")


@click.command("import")
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
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show per file the layout, speakers with turn counts and first turns; write nothing.",
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
    dry_run: bool,
    coder: str | None,
) -> None:
    """Import transcripts (.txt .md .docx .odt .pdf .vtt .srt .json, or folders of them), or
    a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Speakers are found in the layouts transcription tools write: `Name: text`,
    `Speaker 1:`, Otter.ai (`Name  0:03`), Rev (`Name (00:03):`), Teams/Zoom .vtt and .docx,
    Whisper/WhisperX JSON. Each file is one transaction: a bad file is reported and skipped,
    the rest are imported. Exits 1 if any file failed.

    \b
    Examples:
      qualcode import study.qc sample_transcripts/ --attributes sample_transcripts/participants.csv
      qualcode import study.qc interviews/ --dry-run
      qualcode import study.qc from-nvivo.qdpx
    """
    from qualcode.commands.refi import import_refi_files
    from qualcode.importing import BATCH_FILES, ImportResult, expand_paths, import_files
    from qualcode.ingest.attributes import read_attribute_table

    if not dry_run:
        files = tuple(import_refi_files(project, files, coder, model))  # .qdpx: REFI-QDA
        if not files:
            return
    if dry_run:
        _dry_run(files, encoding, as_name)
        return
    table = read_attribute_table(attributes_csv, encoding) if attributes_csv else None
    with open_project(project, coder) as proj:
        paths = expand_paths(files)
        if not paths:
            raise QualcodeError(_NO_FILES)
        if as_name is not None and len(paths) != 1:
            raise QualcodeError("--as NAME needs exactly one file")
        width = len(str(len(paths)))
        results: list[ImportResult] = []
        # The batched path: each call reads and segments up to BATCH_FILES files in one spaCy
        # pass and then stores them one transaction each; results are printed per batch.
        for first in range(0, len(paths), BATCH_FILES):
            batch = import_files(
                proj,
                paths[first : first + BATCH_FILES],
                encoding=encoding,
                model=model,
                replace=replace,
                drop_unplaced=drop_unplaced,
                name=as_name,
            )
            for i, result in enumerate(batch, start=len(results) + 1):
                if result.ok:
                    detail = f": {result.message}" if result.message else ""
                    render.line(
                        f"[{i:>{width}}/{len(paths)}] {result.status:<9} {result.name}{detail}"
                    )
                else:
                    render.error(result.message)
            results.extend(batch)
        if table is not None:
            unmatched = proj.documents.set_attributes_bulk(
                table.documents, table.speakers, f"Attributes from {attributes_csv}"
            )
            render.line(
                f"Attributes from {attributes_csv} applied"
                + (f"; no match for {', '.join(unmatched)}" if unmatched else "")
            )
    failed = [r for r in results if not r.ok]
    done = sum(r.status in ("imported", "replaced") for r in results)
    render.line(
        f"{done} imported, {len(results) - done - len(failed)} skipped, {len(failed)} failed"
    )
    if failed:
        sys.exit(EXIT_USER_ERROR)


_NO_FILES = "no supported files found (.txt .md .docx .odt .pdf .vtt .srt .json)"


def _dry_run(files: tuple[Path, ...], encoding: str | None, as_name: str | None) -> None:
    """``import --dry-run``: what each file would give; the project is not opened."""
    from qualcode.importing import expand_paths, preview_files

    paths = expand_paths(files)
    if not paths:
        raise QualcodeError(_NO_FILES)
    if as_name is not None and len(paths) != 1:
        raise QualcodeError("--as NAME needs exactly one file")
    previews = preview_files(paths, encoding=encoding, name=as_name)
    for preview in previews:
        if preview.ok:
            for line in preview.lines():
                render.line(line)
        else:
            render.error(preview.error)
    failed = sum(not p.ok for p in previews)
    render.line(f"dry run: {len(previews) - failed} readable, {failed} failed; nothing written")
    if failed:
        sys.exit(EXIT_USER_ERROR)


@click.command()
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
        unmatched = proj.documents.set_attributes_bulk(
            table.documents, table.speakers, f"Attributes from {csv_file}"
        )
    render.line(
        f"Applied {csv_file}" + (f"; no match for {', '.join(unmatched)}" if unmatched else "")
    )


@click.command()
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
            proj.documents.remove(remove)
            render.line(f"Removed {remove}")
            return
        if show:
            doc = proj.documents.get(show)
            for turn in proj.documents.turns(doc.id):
                who = turn.speaker or "(no speaker)"
                render.line(f"{who}: {doc.text[turn.start : turn.end]}\n")
            return
        attrs = proj.documents.all_attributes()
        documents = proj.documents.all()
        if as_json:
            render.json(
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
                ]
            )
            return
        if not documents:
            render.line("No documents yet: qualcode import PROJECT FILES...")
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
        render.table(("document", "format", "words", "speakers", "codings", "attributes"), rows)


@click.command()
@project_argument
@click.argument("document", required=False)
@click.option(
    "--rename", nargs=2, metavar="OLD NEW", help="Rename a speaker (in DOCUMENT or --all)."
)
@click.option(
    "--merge",
    nargs=2,
    metavar="OLD INTO",
    help="Merge speaker OLD into INTO: OLD's turns become INTO's (in DOCUMENT or --all).",
)
@click.option(
    "--all", "everywhere", is_flag=True, help="Rename/merge/mark in every document of the project."
)
@click.option(
    "--interviewer",
    "interviewer",
    metavar="NAME",
    help="Mark a speaker as interviewer (in DOCUMENT or --all).",
)
@click.option(
    "--not-interviewer",
    "not_interviewer",
    metavar="NAME",
    help="Mark a speaker as not an interviewer (in DOCUMENT or --all).",
)
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
    merge: tuple[str, str] | None,
    everywhere: bool,
    interviewer: str | None,
    not_interviewer: str | None,
    set_attr: tuple[str, str, str] | None,
    coder: str | None,
) -> None:
    """List speakers, rename or merge them (in one document or the whole project), mark the
    interviewer, or set an attribute. Renames and merges are one undoable action.

    \b
    Examples:
      qualcode speakers study.qc
      qualcode speakers study.qc --all
      qualcode speakers study.qc --rename "Speaker 1" Interviewer --all
      qualcode speakers study.qc --merge "Speaker 3" Interviewer --all
      qualcode speakers study.qc --interviewer Facilitator --all
      qualcode speakers study.qc gp03_claire --rename R Claire
    """
    from qualcode.store.speakers import Speakers

    changes = [x for x in (rename, merge, interviewer, not_interviewer) if x]
    if len(changes) > 1:
        raise QualcodeError("give one of --rename, --merge, --interviewer, --not-interviewer")
    if everywhere and document:
        raise QualcodeError("give a DOCUMENT or --all, not both")
    with open_project(project, coder) as proj:
        people = Speakers(proj.session)
        if (changes or set_attr) and not (document or (everywhere and not set_attr)):
            raise QualcodeError(
                "name the DOCUMENT whose speaker to change"
                + ("" if set_attr else ", or --all for every document")
            )
        where = "every document" if everywhere else document
        if rename:
            count = people.rename(rename[0], rename[1], document)
            render.line(f"Renamed {rename[0]} to {rename[1]} in {where} ({count} document(s))")
            return
        if merge:
            count = people.merge(merge[0], merge[1], document)
            render.line(f"Merged {merge[0]} into {merge[1]} in {where} ({count} document(s))")
            return
        if interviewer or not_interviewer:
            name = interviewer or not_interviewer or ""
            count = people.set_interviewer(name, bool(interviewer), document)
            role = "interviewer" if interviewer else "not interviewer"
            render.line(f"Marked {name} as {role} in {where} ({count} speaker(s))")
            return
        if set_attr:
            proj.documents.set_speaker_attribute(document, *set_attr)  # type: ignore[arg-type]
            render.line(f"Set {set_attr[1]}={set_attr[2]} on {set_attr[0]} in {document}")
            return
        if everywhere:
            names = [
                (
                    n.name,
                    str(len(n.documents)),
                    str(n.turns),
                    "interviewer" if n.interviewer else "",
                    ", ".join(n.documents[:4]) + (" …" if len(n.documents) > 4 else ""),
                )
                for n in people.names()
            ]
            render.table(("speaker", "documents", "turns", "role", "in"), names)
            return
        rows = [
            (
                s.document,
                s.name,
                str(s.turn_count),
                ", ".join(f"{k}={v}" for k, v in s.attributes.items()),
            )
            for s in proj.documents.speakers(document)
        ]
        render.table(("document", "speaker", "turns", "attributes"), rows)


COMMANDS = [init, import_, attributes, docs, speakers]
