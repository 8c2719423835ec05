"""Benchmark: inter-coder agreement on a study-sized project with two coders.

Builds (once, then reuses) 300 generated transcripts with the shipped Balint codebook (the
generator of ``bench/summary_bench.py``) and two coders with 30,000 codings each: ``anna`` codes
like the summary benchmark (1-3 sentence spans of random codes, 100 per transcript) and ``ben``
codes the same passages with realistic disagreement (60 % identical, 15 % a sentence more or
less at one end, 10 % another code, 15 % somewhere else entirely). Then times what a user meets,
from opening the file to the finished rows, for every code (and every theme as a ``--group``):

    character   percentage agreement, kappa, alpha per character, uα, |uα, cuα, (k)uα, α_U
    sentence    percentage agreement, kappa, alpha
    turn        percentage agreement, kappa, alpha
    document    percentage agreement, kappa, alpha

Goal (issue 13): every statistic for every code in under 3 s. Usage:

    python bench/agreement_bench.py [--dir DIR] [--fresh] [--repeat 3] [--cli]

Times are medians of ``--repeat`` runs; ``--cli`` adds ``qualcode agreement`` as a new process
(Python start-up and imports included) when the command is registered in ``qualcode.cli``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from summary_bench import CODINGS_PER_DOC, DOCUMENTS, SEED, transcript

from qualcode.analysis.agreement_data import agreement
from qualcode.codebook import codebook_entries, load_codebook
from qualcode.resources import default_codebook
from qualcode.store import Project
from qualcode.store.codings import CodingInput

CODERS = ("anna", "ben")


def build(path: Path) -> tuple[int, int]:
    rng = random.Random(SEED)
    book = load_codebook(default_codebook())
    with Project.create(path, coder=CODERS[0]) as project:
        project.codebook.apply(book.name, codebook_entries(book))
        codes = [c.name for c in project.codebook.codes()]
        docs = [transcript(rng, f"t{i:03d}") for i in range(1, DOCUMENTS + 1)]
        with project.action("bench.import", f"Imported {DOCUMENTS} generated transcripts"):
            for doc in docs:
                project.documents.add(doc)
        first: list[CodingInput] = []
        second: list[CodingInput] = []
        for doc in docs:
            spoken = [
                s
                for s in doc.sentences
                if any(t.start <= s[0] < t.end and t.speaker != "Interviewer" for t in doc.turns)
            ]
            last = len(spoken) - 1
            for _ in range(CODINGS_PER_DOC):
                i = rng.randrange(len(spoken) - 2)
                j = min(i + rng.randint(0, 2), last)
                code = rng.choice(codes)
                first.append(
                    CodingInput(doc.name, code, spoken[i][0], spoken[j][1], coder=CODERS[0])
                )
                roll = rng.random()
                if roll < 0.60:
                    pass
                elif roll < 0.75:
                    if rng.random() < 0.5:
                        i = max(0, min(i + rng.choice((-1, 1)), j))
                    else:
                        j = min(last, max(j + rng.choice((-1, 1)), i))
                elif roll < 0.85:
                    code = rng.choice(codes)
                else:
                    i = rng.randrange(len(spoken) - 2)
                    j = min(i + rng.randint(0, 2), last)
                second.append(
                    CodingInput(doc.name, code, spoken[i][0], spoken[j][1], coder=CODERS[1])
                )
        a = project.codings.import_rows(first, f"{len(first)} generated codings by anna")
        b = project.codings.import_rows(second, f"{len(second)} generated codings by ben")
    return a.added, b.added


def timed(
    label: str, func: Callable[[], object], results: list[tuple[str, float]], repeat: int
) -> object:
    times = []
    value: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    middle = statistics.median(times)
    results.append((label, middle))
    extra = f"   (fastest {min(times):.2f} s of {repeat})" if repeat > 1 else ""
    print(f"{label:<44} {middle:6.2f} s{extra}", flush=True)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/qualcode-agreement-bench"))
    parser.add_argument("--fresh", action="store_true", help="Rebuild the project.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per step (median shown).")
    parser.add_argument("--cli", action="store_true", help="Also time the CLI end to end.")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / "agreement.qc"
    if args.fresh or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        added = build(path)
        print(f"built {path} in {time.perf_counter() - start:.1f} s: codings {added}")
    with Project.open(path) as project:
        tree = project.codebook.tree()
        themes = [project.codebook.get(t).name for t in tree.themes if len(tree.children(t)) >= 2]
        n_codes = len(tree)
        counts = {c: len(project.codings.list(coder=c)) for c in CODERS}
    print(
        f"{DOCUMENTS} documents, {n_codes} codes, {len(themes)} themes as groups, codings {counts}"
    )

    results: list[tuple[str, float]] = []
    shown: dict[str, object] = {}
    for unit in ("character", "sentence", "turn", "document"):

        def run(unit: str = unit, groups: tuple[str, ...] = ()) -> object:
            with Project.open(path) as project:
                return agreement(project, unit=unit, groups=groups, codes=())

        shown[unit] = timed(f"{unit}: every code ({n_codes})", run, results, args.repeat)

        def run_groups(unit: str = unit) -> object:
            with Project.open(path) as project:
                return agreement(project, unit=unit, groups=themes)

        timed(f"{unit}: every theme as --group ({len(themes)})", run_groups, results, args.repeat)
    report = shown["character"]
    rows = getattr(report, "rows", [])
    alphas = [r.u_alpha for r in rows if r.u_alpha is not None]
    if alphas:
        print(
            f"character u-alpha over codes: median {statistics.median(alphas):.3f}, "
            f"range {min(alphas):.3f}..{max(alphas):.3f}"
        )
    if args.cli:
        from qualcode.cli import main as cli_main

        if "agreement" in getattr(cli_main, "commands", {}):
            exe = [sys.executable, "-m", "qualcode.cli", "agreement", str(path)]
            label = "CLI qualcode agreement"
        else:  # not registered in qualcode.cli yet: the command on its own, in a new process
            shim = (
                "import sys; from qualcode.commands.agreement import agreement; "
                "agreement.main(sys.argv[1:], prog_name='qualcode agreement')"
            )
            exe = [sys.executable, "-c", shim, str(path)]
            label = "process: agreement command alone"
        for unit in ("character", "sentence"):

            def process(unit: str = unit) -> object:
                return subprocess.run(
                    [*exe, "--unit", unit, "--format", "json"], check=True, capture_output=True
                )

            timed(f"{label} --unit {unit}", process, results, args.repeat)
    slowest = max(t for _, t in results)
    print(f"slowest step {slowest:.2f} s (goal: under 3 s)")
    return 0 if slowest < 3 else 1


if __name__ == "__main__":
    sys.exit(main())
