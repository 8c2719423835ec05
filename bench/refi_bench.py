"""Benchmark: REFI-QDA export and import of the study-sized project.

Builds (once, then reuses) the summary benchmark's project (``bench/summary_bench.py``: 300
generated transcripts, 880,572 words, the Balint codebook, 30,000 codings), then times:

    export qdpx    open + read everything + write the .qdpx (zip of project.qde + 300 texts)
    export qdc     open + codebook + write the .qdc
    read qdpx      the pure reader alone (unzip, parse, positions), no project
    import qdpx    into a new, empty project: read + turns + sentences (spaCy) + store, one action

Goal (issue 12): export and import each under 5 s on the development machine. Usage:

    python bench/refi_bench.py [--dir DIR] [--fresh] [--repeat 3]

Times are the median of ``--repeat`` runs, wall clock and this process's CPU time (the
machine is shared: under load the wall clock stretches, the CPU time much less); the spaCy import (paid once per process by any
import) is warmed before the import is timed and reported on its own line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import summary_bench  # noqa: E402  (the generator of the study-sized project)

from qualcode.interop.exchange import export_refi, import_qdpx  # noqa: E402
from qualcode.interop.qdpx_read import read_qdpx  # noqa: E402
from qualcode.store import Project  # noqa: E402

GOAL_SECONDS = 5.0


def timed(label: str, func: Callable[[], object], repeat: int) -> tuple[float, object]:
    times = []
    cpu = []
    result: object = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    middle = statistics.median(times)
    extra = f"   (fastest {min(times):.2f} s of {repeat})" if repeat > 1 else ""
    print(f"{label:<34} {middle:6.2f} s  cpu {statistics.median(cpu):5.2f} s{extra}", flush=True)
    return middle, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/qualcode-summary-bench"))
    parser.add_argument("--fresh", action="store_true", help="Rebuild the project.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per step (median shown).")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / "bench.qc"
    if args.fresh or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        summary_bench.build(path)
        print(f"built {path} in {time.perf_counter() - start:.1f} s")
    qdpx = args.dir / "bench.qdpx"
    qdc = args.dir / "bench.qdc"
    with Project.open(path) as project:
        docs = project.documents.all()
        print(
            f"{len(docs)} documents, {sum(d.word_count for d in docs):,} words, "
            f"{sum(d.coding_count for d in docs):,} codings, "
            f"{len(project.codebook.codes())} codes"
        )

    def export(kind: str, out: Path) -> str:
        with Project.open(path) as project:
            return export_refi(project, kind, out)

    results: list[tuple[str, float]] = []
    secs, detail = timed("export qdpx", lambda: export("qdpx", qdpx), args.repeat)
    results.append(("export qdpx", secs))
    print(f"  {detail}; {qdpx.stat().st_size / 1e6:.1f} MB")
    secs, _ = timed("export qdc", lambda: export("qdc", qdc), args.repeat)
    results.append(("export qdc", secs))
    timed("read qdpx (pure reader)", lambda: read_qdpx(qdpx), args.repeat)
    start = time.perf_counter()
    from qualcode.nlp.pipeline import get_pipeline

    get_pipeline(None)
    print(f"{'spaCy import + pipeline (once)':<34} {time.perf_counter() - start:6.2f} s")
    counter = iter(range(10_000))

    def import_once() -> object:
        target = args.dir / f"imported-{next(counter)}.qc"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with Project.create(target, coder="bench") as project:
            report = import_qdpx(project, qdpx)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return report

    secs, report = timed("import qdpx (new project)", import_once, args.repeat)
    results.append(("import qdpx", secs))
    print("  " + "; ".join(line.strip() for line in report.lines()[1:]))  # type: ignore[attr-defined]
    slow = [label for label, s in results if s >= GOAL_SECONDS]
    print(f"all under {GOAL_SECONDS:.0f} s" if not slow else f"5 s or more: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
