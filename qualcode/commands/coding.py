"""Commands for coding passages, retrieving codings, memos, undo/redo, the audit log and search."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import (
    coder_option,
    format_option,
    open_project,
    project_argument,
)
from qualcode.errors import QualcodeError
from qualcode.text import clip


@click.command()
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
        doc = proj.documents.get(document)
        if passage is not None:
            if start is not None or end is not None:
                raise QualcodeError("give either --text or --start/--end, not both")
            start, end = _find_passage(doc.text, passage, occurrence, doc.name)
        elif start is None or end is None:
            raise QualcodeError("give --start and --end, or --text")
        with proj.action(
            "coding.add", f"Coded {', '.join(code_names)} on {doc.name} [{start}:{end}]"
        ):
            ids = [proj.codings.add(doc.id, name, start, end) for name in code_names]
            for coding_id in ids if memo else []:
                proj.memos.set("coding", coding_id, memo or "")
    for coding_id, name in zip(ids, code_names, strict=True):
        render.line(f"Coding {coding_id}: {name} on {doc.name} [{start}:{end}]")


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


@click.command()
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
            proj.codings.get(coding_id)
        with proj.action("coding.remove", f"Removed coding(s) {', '.join(map(str, coding_ids))}"):
            removed = [proj.codings.remove(cid) for cid in coding_ids]
    for c in removed:
        render.line(f"Removed coding {c.id}: {c.code} on {c.document} [{c.start}:{c.end}]")


@click.command()
@project_argument
@click.option("--document", help="Only this document.")
@click.option("--code", "code_name", help="Only this code.")
@click.option("--theme", is_flag=True, help="With --code: include its sub-codes.")
@click.option("--coder", "by_coder", help="Only this coder's codings.")
@format_option
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
        rows = proj.codings.list(
            document=document, code=code_name, coder=by_coder, include_subcodes=theme
        )
        note = ""
        if code_name is not None and fmt == "table":
            code = proj.codebook.get(code_name)
            if code.child_count:  # one meaning per count (see stats): say which this is
                note = (
                    f"'{code.name}' with its sub-codes: {len(rows)} coding(s)"
                    if theme
                    else f"'{code.name}' itself: {len(rows)} coding(s); --theme adds its "
                    f"{code.child_count} sub-code(s)"
                )
        if fmt == "csv":
            from qualcode.codings_csv import codings_text
            from qualcode.report.csvout import codings_csv_rows

            render.data(codings_text(codings_csv_rows(proj, rows)))
            return
    if fmt == "json":
        render.json(
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
            ]
        )
        return
    if note:
        render.line(note)
    if not rows:
        render.line("No codings.")
        return
    render.table(
        ("id", "document", "code", "span", "coder", "text"),
        [
            (str(c.id), c.document, c.code, f"{c.start}-{c.end}", c.coder, clip(c.text, 50))
            for c in rows
        ],
    )


@click.command()
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
            for m in proj.memos.list(target_type, tgt):
                render.line(f"[{m.target}] {m.coder}: {m.text}")
            return
        proj.memos.set(target_type, tgt, "" if clear else (text or ""))
    render.line("Memo cleared" if clear else "Memo saved")


@click.command()
@project_argument
@coder_option
def undo(project: Path, coder: str | None) -> None:
    """Undo your last change.

    \b
    Example:
      qualcode undo study.qc
    """
    _step_history(project, coder, forward=False)


@click.command()
@project_argument
@coder_option
def redo(project: Path, coder: str | None) -> None:
    """Redo the change you last undid.

    \b
    Example:
      qualcode redo study.qc
    """
    _step_history(project, coder, forward=True)


def _step_history(project: Path, coder: str | None, forward: bool) -> None:
    with open_project(project, coder) as proj:
        event = proj.history.redo() if forward else proj.history.undo()
    done, nothing = ("Redone", "redo") if forward else ("Undone", "undo")
    render.line(f"{done}: {event.summary}" if event else f"Nothing to {nothing}")


@click.command()
@project_argument
@click.option("-n", "limit", default=20, show_default=True, help="How many events.")
def log(project: Path, limit: int) -> None:
    """Show the audit trail (who changed what, when), newest first.

    \b
    Example:
      qualcode log study.qc -n 50
    """
    with open_project(project) as proj:
        for e in proj.history.events(limit):
            flag = " (undone)" if e.reverted else ""
            render.line(f"{e.id:>5} {e.at} {e.coder or '-'}: {e.summary}{flag}")


COMMANDS = [code, uncode, codings, memo, undo, redo, log]
