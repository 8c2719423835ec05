"""Is adding a coding as cheap at the 20,000th as at the first?

One ``project.codings.add`` per action (what ``qualcode code`` and the workbench do), 20,000
times into the 100-transcript peer-bench corpus, timing each block of 1,000. Before issue 9 every
action scanned the whole audit trail (``UPDATE events SET redo_available = 0 ...`` without an
index), so the cost per coding climbed from 0.24 ms to 2.6 ms; it must now stay flat.

Usage: python bench/coding_cost_bench.py [--codings 20000] [--documents 100]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import make_corpus  # noqa: E402

from qualcode.errors import QualcodeError  # noqa: E402
from qualcode.importing import import_files  # noqa: E402
from qualcode.store import Project  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--block", type=int, default=1_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qc-cost-"))
    (folder / "corpus").mkdir()
    paths = make_corpus(folder / "corpus", args.documents * 10_000, args.documents)
    rng = random.Random(3)
    with Project.create(folder / "cost.qc", coder="bench") as project:
        import_files(project, paths)
        for name in ("Anger", "Support", "Safety", "Rivalry"):
            project.codebook.add(name)
        docs = [(d.name, d.length) for d in project.documents.all()]
        blocks: list[float] = []
        done = 0
        while done < args.codings:
            start = time.process_time()
            made = 0
            while made < args.block:
                name, length = rng.choice(docs)
                begin = rng.randrange(0, length - 200)
                try:
                    project.codings.add(
                        name,
                        rng.choice(("Anger", "Support", "Safety", "Rivalry")),
                        begin,
                        begin + 80,
                    )
                except QualcodeError:
                    continue  # that passage already has that code: drawn again
                made += 1
            blocks.append((time.process_time() - start) / args.block * 1000)
            done += args.block
        size = (folder / "cost.qc").stat().st_size / 1e6
    print(f"{args.codings:,} codings, one action each, CPU ms per coding by block of {args.block}:")
    print("  " + " ".join(f"{ms:.2f}" for ms in blocks))
    first, last = blocks[0], blocks[-1]
    print(f"first block {first:.2f} ms, last block {last:.2f} ms, ratio {last / first:.2f}")
    print(f"project {size:.1f} MB with the undo history of {args.codings:,} actions")


if __name__ == "__main__":
    main()
