"""The demo project: the shipped samples, the shipped codebook and a set of example codings.

The example codings (``sample_transcripts/demo_codings.csv``: document, code, exact passage)
stand in for a first coder's work, so that every later view (retrieval, summaries, agreement,
learned suggestions) has something real to show on a fresh machine.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from qualcode.codebook import codebook_entries, load_codebook
from qualcode.errors import QualcodeError
from qualcode.importing import import_files
from qualcode.resources import default_codebook, samples_dir
from qualcode.store import Project

DEMO_FILE = "demo.qc"
DEMO_CODER = "demo"
DEMO_CODINGS = "demo_codings.csv"


def build_demo(
    directory: Path, fresh: bool = False, echo: Callable[[str], None] = lambda _: None
) -> Path:
    """Create (or reuse) ``directory/demo.qc`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_FILE
    if path.exists() and not fresh:
        echo(f"Using existing demo project {path} (--fresh rebuilds it)")
        return path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    samples = samples_dir()
    with Project.create(path, coder=DEMO_CODER) as project:
        echo(f"Importing samples from {samples} ...")
        results = import_files(
            project,
            [samples],
            progress=lambda i, n, name: echo(f"  [{i + 1}/{n}] {name}") if name else None,
        )
        failed = [r for r in results if not r.ok]
        if failed:
            raise QualcodeError(f"demo import failed for {failed[0].path}: {failed[0].message}")
        participants = samples / "participants.csv"
        if participants.exists():
            from qualcode.ingest.attributes import read_attribute_table

            table = read_attribute_table(participants)
            project.documents.set_attributes_bulk(
                table.documents, table.speakers, "Demo participants"
            )
        book = load_codebook(default_codebook())
        project.codebook.apply(book.name, codebook_entries(book))
        added = apply_demo_codings(project, samples / DEMO_CODINGS)
        add_demo_notes(project)
        echo(
            f"Built {path}: {len(results)} transcripts, codebook '{book.name}', "
            f"{added} example codings"
        )
        from qualcode.nlp.autocode import autocode

        suggested = autocode(project).sync.pending
        echo(f"Rule auto-coding: {suggested} suggestions to review (v in the workbench)")
    return path


def apply_demo_codings(project: Project, csv_path: Path) -> int:
    """Apply (document, code, passage) rows as codings in one action; returns how many."""
    if not csv_path.exists():
        return 0
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts: dict[str, str] = {}
    count = 0
    with project.action("demo.codings", f"Applied {len(rows)} example codings"):
        for row in rows:
            name = row["document"]
            if name not in texts:
                texts[name] = project.documents.get(name).text
            start = texts[name].find(row["text"])
            if start < 0:
                raise QualcodeError(f"{csv_path}: passage not found in {name}: {row['text'][:40]}")
            project.codings.add(name, row["code"], start, start + len(row["text"]))
            count += 1
    return count


DEMO_MEMOS = (
    (
        "project",
        None,
        "Nine interviews, six GPs and three leaders. Read the leaders' accounts against the "
        "GPs': do they describe the same groups?",
    ),
    (
        "document",
        "gp01_astrid",
        "Astrid has the longest time in a group; her account of security is the fullest.",
    ),
    (
        "code",
        "Rivalry",
        "Compare with the 2010 paper: rivalry was named by leaders more than by members.",
    ),
)


def add_demo_notes(project: Project) -> None:
    """Memos of every kind and one exemplar quote per theme, as a first coder would leave them,
    so summaries show memos and chosen quotes on a fresh machine."""
    with project.action("demo.notes", "Demo memos and exemplar quotes"):
        for target_type, target, text in DEMO_MEMOS:
            if target_type == "project" or _exists(project, target_type, str(target)):
                project.memos.set(target_type, target, text)
        codings = project.codings.list()
        tree = project.codebook.tree()
        chosen: dict[int, int] = {}
        for coding in codings:  # the first coding of each theme, in document order
            chosen.setdefault(tree.theme_of(coding.code_id), coding.id)
        for coding_id in chosen.values():
            project.exemplars.mark(coding_id)
        if codings:
            project.memos.set(
                "coding",
                codings[0].id,
                "A clear instance; the sentence before it sets the scene.",
            )


def _exists(project: Project, target_type: str, name: str) -> bool:
    if target_type == "document":
        return project.documents.find(name) is not None
    return project.codebook.find(name) is not None


def describe_demo(project: Project) -> str:
    """A short plain-text overview of what the project holds."""
    docs = project.documents.all()
    codes = project.codebook.codes()
    themes = [c for c in codes if c.depth == 0]
    codings = project.codings.list()
    lines = [
        f"Project {project.path}",
        f"  {len(docs)} documents, {sum(d.word_count for d in docs):,} words, "
        f"{sum(d.turn_count for d in docs)} turns",
        f"  {len(themes)} themes, {len(codes) - len(themes)} codes, {len(codings)} codings",
        "",
        "Themes (codings including sub-codes):",
    ]
    per_code = {c.id: c.coding_count for c in codes}
    for theme in themes:
        total = sum(per_code[i] for i in project.codebook.descendant_ids(theme.id))
        lines.append(f"  {total:>4}  {theme.name}")
    lines += ["", f"Open it: qualcode open {project.path}"]
    return "\n".join(lines)
