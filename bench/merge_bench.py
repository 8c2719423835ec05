"""Benchmark: merging two coders' study-sized project files into a new team file.

Builds (once, then reuses) a base project of 300 generated transcripts with the shipped Balint
codebook (the generator of ``bench/summary_bench.py``, imported), copies it to ``anna.qc`` and
``ben.qc`` and gives each coder 30,000 codings of their own (1-3 sentence spans of random codes,
100 per transcript), a few memos and done-marks on every document. Then times, from the command's
point of view (open the files, match, write, commit):

    merge into a new file      qualcode merge team.qc anna.qc ben.qc
    merge again (no-op)        the same files again: everything matched, nothing added

Goal (issue 13): merging the two files in under 10 s. Usage:

    python bench/merge_bench.py [--dir DIR] [--fresh] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

from summary_bench import CODINGS_PER_DOC, DOCUMENTS, SEED, transcript

from qualcode.codebook import codebook_entries, load_codebook
from qualcode.resources import default_codebook
from qualcode.store import Project
from qualcode.store.codings import CodingInput
from qualcode.store.done import DoneMarks
from qualcode.store.merge import merge_files

CODERS = ("anna", "ben")


def build(folder: Path) -> list[Path]:
    base = folder / "base.qc"
    for path in folder.glob("*.qc*"):
        path.unlink()
    rng = random.Random(SEED)
    book = load_codebook(default_codebook())
    docs = [transcript(rng, f"t{i:03d}") for i in range(1, DOCUMENTS + 1)]
    with Project.create(base, coder="lead") as project:
        project.codebook.apply(book.name, codebook_entries(book))
        with project.action("bench.import", f"Imported {DOCUMENTS} generated transcripts"):
            for doc in docs:
                project.documents.add(doc)
    files = []
    for coder in CODERS:
        path = folder / f"{coder}.qc"
        shutil.copy(base, path)
        with Project.open(path, coder=coder) as project:
            codes = [c.name for c in project.codebook.codes()]
            rows: list[CodingInput] = []
            for doc in docs:
                last = len(doc.sentences) - 1
                for _ in range(CODINGS_PER_DOC):
                    i = rng.randrange(last)
                    j = min(i + rng.randint(0, 2), last)
                    rows.append(
                        CodingInput(
                            doc.name, rng.choice(codes), doc.sentences[i][0], doc.sentences[j][1]
                        )
                    )
            project.codings.import_rows(rows, f"generated codings by {coder}")
            marks = DoneMarks(project.session)
            with project.action("bench.memos", "memos and done-marks"):
                for doc in docs[:20]:
                    project.memos.set("document", doc.name, f"{coder} on {doc.name}")
                for doc in docs:
                    marks.write(project.documents.get(doc.name).id, project.session.coder_id())
        files.append(path)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/qualcode-merge-bench"))
    parser.add_argument("--fresh", action="store_true", help="Rebuild the coders' files.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per step (median shown).")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    sources = [args.dir / f"{c}.qc" for c in CODERS]
    if args.fresh or not all(p.exists() for p in sources):
        start = time.perf_counter()
        sources = build(args.dir)
        print(f"built {', '.join(p.name for p in sources)} in {time.perf_counter() - start:.1f} s")
    for path in sources:
        with Project.open(path) as project:
            n = project.session.conn.execute("SELECT COUNT(*) FROM codings").fetchone()[0]
            print(f"{path.name}: {len(project.documents.all())} documents, {n} codings")
    team = args.dir / "team.qc"
    first: list[float] = []
    again: list[float] = []
    for _ in range(args.repeat):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{team}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        reports = merge_files(team, sources, "lead")
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        repeat = merge_files(team, sources, "lead")
        again.append(time.perf_counter() - start)
    added = sum(r.codings_added for r in reports)
    assert sum(r.codings_added for r in repeat) == 0
    print(
        f"merge into a new file ({added} codings)   {statistics.median(first):6.2f} s   "
        f"(fastest {min(first):.2f} s of {args.repeat})"
    )
    print(
        f"merge again (nothing added)            {statistics.median(again):6.2f} s   "
        f"(fastest {min(again):.2f} s of {args.repeat})"
    )
    slowest = max(statistics.median(first), statistics.median(again))
    print(f"slowest step {slowest:.2f} s (goal: under 10 s)")
    return 0 if slowest < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
