"""Import throughput against the bare spaCy pass over the same text.

Generates a corpus of interview transcripts (default 1,000,000 words in 100 files), then in the
same run times (a) ``nlp.pipe`` of the default pipeline (blank English + sentencizer) over the
files' text and (b) ``qualcode import`` of the same files into a fresh project (read, detect
turns, segment, store with FTS index). Goal: import within 2x of the bare spaCy pass.

Usage: python bench/import_bench.py [--words 1000000] [--files 100]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

WORDS = (
    "the group helped me to see my patient as a whole person and i felt less alone with "
    "difficult emotions because colleagues listened patiently while we talked about anger "
    "guilt and the limits of what a doctor can do in ten minutes with a demanding patient"
).split()


def make_corpus(folder: Path, total_words: int, files: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    per_file = total_words // files
    paths = []
    for n in range(files):
        lines, words = [], 0
        turn = 0
        while words < per_file:
            speaker = "Interviewer" if turn % 2 == 0 else f"Doctor{n}"
            sentences = []
            for _ in range(rng.randint(1, 6) if turn % 2 else 1):
                length = rng.randint(6, 24)
                sentence = " ".join(rng.choice(WORDS) for _ in range(length))
                sentences.append(sentence.capitalize() + rng.choice([".", ".", "?", "!"]))
                words += length
            lines.append(f"{speaker}: {' '.join(sentences)}")
            turn += 1
        path = folder / f"interview_{n:03d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()

    from qualcode.importing import count_words, import_files
    from qualcode.nlp.pipeline import get_pipeline
    from qualcode.store import Project

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_corpus(folder, args.words, args.files)
        texts = [p.read_text(encoding="utf-8") for p in paths]
        words = sum(count_words(t) for t in texts)
        nlp = get_pipeline()
        list(nlp.pipe(["Warm up. Twice."]))

        start = time.perf_counter()
        tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=64))
        bare = time.perf_counter() - start

        start = time.perf_counter()
        with Project.create(folder / "bench.qc", coder="bench") as project:
            results = import_files(project, paths)
            stored = project.session.conn.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        imported = time.perf_counter() - start

    failed = [r for r in results if not r.ok]
    assert not failed, failed[0].message
    print(f"corpus: {words:,} words in {len(paths)} files")
    print(
        f"bare nlp.pipe (blank en + sentencizer): {bare:6.2f} s  "
        f"{words / bare:>10,.0f} words/s  ({tokens:,} tokens)"
    )
    print(
        f"qualcode import (read+turns+segment+store): {imported:6.2f} s  "
        f"{words / imported:>10,.0f} words/s  ({stored:,} sentences stored)"
    )
    print(f"ratio import / bare spaCy: {imported / bare:.2f}x  (goal: <= 2x)")


if __name__ == "__main__":
    main()
