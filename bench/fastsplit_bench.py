"""Sentence starts: spaCy (blank English + sentencizer) against qualcode.nlp.fastsplit.

Generates ``bench/import_bench.py``'s interview corpus (default 1,000,000 words in 100 files),
then, interleaved and each in a fresh Python process, finds every file's sentence starts

* with spaCy: ``import spacy``, ``spacy.blank("en")`` + ``sentencizer``, ``nlp.pipe`` and the
  ``SENT_START``/``IDX`` arrays (what ``qualcode/nlp/segment.py`` does today);
* with ``fastsplit.sentence_starts`` (no spaCy import).

CPU is measured inside each child with ``time.process_time`` (set-up: imports and tables;
splitting: the files), plus the whole child process (``RUSAGE_CHILDREN``, interpreter start-up
included). Prints the medians and checks that both give identical starts for every file.

Usage: python bench/fastsplit_bench.py [--words 1000000] [--files 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from import_bench import make_corpus  # noqa: E402  (the shared corpus generator)

from qualcode.text import count_words  # noqa: E402

SPACY = """
import json, sys, time
t0 = time.process_time()
import spacy
from spacy.attrs import IDX, SENT_START
nlp = spacy.blank("en")
nlp.add_pipe("sentencizer")
t1 = time.process_time()
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1:-1]]
t2 = time.process_time()
out = []
for doc in nlp.pipe(texts, batch_size=32):
    table = doc.to_array([SENT_START, IDX])
    out.append(table[:, 1][table[:, 0] == 1].tolist() if len(doc) else [])
t3 = time.process_time()
json.dump({"setup": t1 - t0, "split": t3 - t2, "starts": out}, open(sys.argv[-1], "w"))
"""

FAST = """
import json, sys, time
t0 = time.process_time()
from qualcode.nlp.fastsplit import sentence_starts, tables
tables()
sentence_starts("Warm. Up.")
t1 = time.process_time()
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1:-1]]
t2 = time.process_time()
out = [sentence_starts(text) for text in texts]
t3 = time.process_time()
assert "spacy" not in sys.modules
json.dump({"setup": t1 - t0, "split": t3 - t2, "starts": out}, open(sys.argv[-1], "w"))
"""


def run(code: str, paths: list[Path], out: Path) -> dict[str, object]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-c", code, *map(str, paths), str(out)], check=True, cwd=str(ROOT)
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, object] = json.loads(out.read_text())
    result["process"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_corpus(folder, args.words, args.files)
        texts = [p.read_text(encoding="utf-8") for p in paths]
        chars = sum(len(text) for text in texts)
        words = sum(count_words(text) for text in texts)
        runs: dict[str, list[dict[str, object]]] = {"spacy": [], "fastsplit": []}
        for _ in range(args.repeat):
            runs["spacy"].append(run(SPACY, paths, folder / "spacy.json"))
            runs["fastsplit"].append(run(FAST, paths, folder / "fast.json"))

    same = all(
        a["starts"] == b["starts"] for a, b in zip(runs["spacy"], runs["fastsplit"], strict=True)
    )
    starts = runs["spacy"][0]["starts"]
    assert isinstance(starts, list)
    print(f"corpus: {words:,} words, {chars:,} characters in {len(paths)} files")
    print(f"sentences: {sum(len(s) for s in starts):,}; medians of {args.repeat} runs (CPU s)")
    print(f"{'':12}{'set-up':>10}{'splitting':>11}{'in-process':>12}{'whole process':>15}")
    medians: dict[str, float] = {}
    for name, results in runs.items():
        setup = statistics.median(float(r["setup"]) for r in results)  # type: ignore[arg-type]
        split = statistics.median(float(r["split"]) for r in results)  # type: ignore[arg-type]
        whole = statistics.median(float(r["process"]) for r in results)  # type: ignore[arg-type]
        medians[name] = setup + split
        print(f"{name:12}{setup:10.3f}{split:11.3f}{setup + split:12.3f}{whole:15.3f}")
    print(f"fastsplit / spaCy (in-process): {medians['fastsplit'] / medians['spacy']:.3f}x")
    print(f"identical sentence starts for every file: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
