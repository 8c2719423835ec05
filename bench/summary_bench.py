"""Benchmark: statistics, co-occurrence and every summary format on a large synthetic project.

Builds (once, then reuses) a project of 300 generated transcripts (~2,000 words each, an
interviewer and one participant, 40 turns) with the shipped Balint codebook and 30,000 codings
(100 per transcript: 1–3 sentence spans of random codes, so passages nest and overlap), then
times each step the way a user meets it — from opening the file to the finished output:

    stats          open + load + frequencies of every code and theme
    cooccur (3x)   open + load + overlap / same-turn / within-2-sentences co-occurrence
    summary md/html/docx/json   open + load + build (passages, key terms, quotes) + write

Goal (issue 4): each under 3 s on the development machine. Usage:

    python bench/summary_bench.py [--dir DIR] [--fresh] [--repeat 3] [--cli]

Times are the median of ``--repeat`` runs (the machine is shared, single runs are noisy); the
spaCy import is paid once per process and reported on its own line. ``--cli`` adds end-to-end
timings of ``qualcode`` commands in new processes (Python start-up and imports included).
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

from qualcode.analysis import Filters, load_corpus
from qualcode.analysis.cooccurrence import cooccurrence
from qualcode.analysis.frequencies import frequencies, totals
from qualcode.codebook import codebook_entries, load_codebook
from qualcode.report import SummaryOptions, build_summary, write_summary
from qualcode.resources import default_codebook
from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.store.codings import CodingInput

DOCUMENTS = 300
CODINGS_PER_DOC = 100
TURNS = 40
SEED = 20240601

WORDS = (
    "group patient doctor feel angry irritation week colleague leader member session case "
    "time practice consultation listen talk story trust safe confidential frame structure "
    "burnout tired joy satisfaction workload money fee region employer paradigm evidence "
    "guideline rivalry secret antipathy scapegoat agenda vulnerable empathy need approval "
    "understand prepare notice name emotion myself pattern mirror recognise limit obligation "
    "whole person reason seek proactive initiative responsibility change slow parallel process "
    "really quite always never sometimes perhaps maybe actually just somehow again together"
).split()
GLUE = "I we you it the a and but so because that this when then with of in to for".split()


def sentence(rng: random.Random) -> str:
    n = rng.randint(6, 22)
    words = [rng.choice(WORDS) if rng.random() < 0.55 else rng.choice(GLUE) for _ in range(n)]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?"])


def transcript(rng: random.Random, name: str) -> DocumentInput:
    participant = f"P{name[-3:]}"
    parts: list[str] = []
    turns: list[TurnInput] = []
    sentences: list[tuple[int, int]] = []
    pos = 0
    for t in range(TURNS):
        speaker = "Interviewer" if t % 2 == 0 else participant
        count = rng.randint(1, 2) if speaker == "Interviewer" else rng.randint(6, 12)
        label = f"{speaker}: "
        pos += len(label)
        parts.append(label)
        start = pos
        for i in range(count):
            if i:
                parts.append(" ")
                pos += 1
            s = sentence(rng)
            sentences.append((pos, pos + len(s)))
            parts.append(s)
            pos += len(s)
        turns.append(TurnInput(start, pos, speaker))
        parts.append("\n\n")
        pos += 2
    text = "".join(parts)
    return DocumentInput(
        name=name,
        text=text,
        sha256=f"bench-{name}",
        source_format="txt",
        turns=turns,
        sentences=sentences,
        attributes={
            "role": "leader" if int(name[-3:]) % 3 == 0 else "gp",
            "country": rng.choice(["Sweden", "UK", "Norway", "Denmark", "Germany"]),
        },
    )


def build(path: Path) -> None:
    rng = random.Random(SEED)
    book = load_codebook(default_codebook())
    with Project.create(path, coder="bench") as project:
        project.codebook.apply(book.name, codebook_entries(book))
        codes = [c.name for c in project.codebook.codes()]
        docs = [transcript(rng, f"t{i:03d}") for i in range(1, DOCUMENTS + 1)]
        with project.action("bench.import", f"Imported {DOCUMENTS} generated transcripts"):
            for doc in docs:
                project.documents.add(doc)
        rows = []
        for doc in docs:
            participant_sentences = [
                s
                for s in doc.sentences
                if any(t.start <= s[0] < t.end and t.speaker != "Interviewer" for t in doc.turns)
            ]
            for _ in range(CODINGS_PER_DOC):
                i = rng.randrange(len(participant_sentences) - 2)
                j = min(i + rng.randint(0, 2), len(participant_sentences) - 1)
                start, end = participant_sentences[i][0], participant_sentences[j][1]
                rows.append((doc.name, rng.choice(codes), start, end))
        project.codings.import_rows(
            [CodingInput(*row) for row in rows], f"{len(rows)} generated codings"
        )


def timed(
    label: str, func: Callable[[], object], results: list[tuple[str, float]], repeat: int = 1
) -> None:
    """Run ``func`` ``repeat`` times; record and print the median (and the fastest) time."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    middle = statistics.median(times)
    results.append((label, middle))
    extra = f"   (fastest {min(times):.2f} s of {repeat})" if repeat > 1 else ""
    print(f"{label:<38} {middle:6.2f} s{extra}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/qualcode-summary-bench"))
    parser.add_argument("--fresh", action="store_true", help="Rebuild the project.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per step (median shown).")
    parser.add_argument("--cli", action="store_true", help="Also time the CLI end to end.")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / "bench.qc"
    if args.fresh or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        build(path)
        print(f"built {path} in {time.perf_counter() - start:.1f} s")

    def corpus():  # noqa: ANN202
        with Project.open(path) as project:
            return load_corpus(project, Filters())

    c = corpus()
    t = totals(c)
    print(
        f"{t.documents} documents, {t.participants} participants, {t.words:,} words, "
        f"{t.codings:,} codings, {len(c.codes)} codes; coverage {100 * t.coverage:.1f}%"
    )
    # Warm the lazily imported modules (spaCy for key terms, python-docx) once, as a CLI run
    # pays them once too; their cost is reported on its own line.
    from qualcode.analysis.keyterms import Lemmatizer

    results: list[tuple[str, float]] = []
    timed("lemma table + stop words (once)", Lemmatizer, results)
    r = args.repeat
    timed("load project", corpus, results, r)
    timed("stats", lambda: frequencies(corpus()), results, r)
    timed("cooccur (overlap)", lambda: cooccurrence(corpus()), results, r)
    timed("cooccur (same turn)", lambda: cooccurrence(corpus(), mode="turn"), results, r)
    timed(
        "cooccur (within 2 sentences)",
        lambda: cooccurrence(corpus(), mode="sentences", window=2),
        results,
        r,
    )
    for fmt in ("md", "html", "docx", "json"):

        def run(fmt: str = fmt) -> None:
            summary = build_summary(
                corpus(), SummaryOptions(), project_path=path, extended=fmt == "json"
            )
            write_summary(summary, fmt, args.dir / f"summary.{fmt}")

        timed(f"summary --format {fmt}", run, results, r)
    if args.cli:
        # What a user meets: a new process, paying Python start-up and the spaCy import.
        exe = [sys.executable, "-m", "qualcode.cli"]
        commands = [("stats", ["stats", str(path)]), ("cooccur", ["cooccur", str(path)])]
        commands += [
            (f"summary -o summary.{fmt}", ["summary", str(path), "-o", str(args.dir / f"c.{fmt}")])
            for fmt in ("md", "html", "docx", "json")
        ]
        for label, argv in commands:
            timed(
                f"CLI qualcode {label}",
                lambda argv=argv: subprocess.run(exe + argv, check=True, capture_output=True),
                results,
                r,
            )
    slow = [label for label, secs in results[1:] if secs >= 3.0]
    print("all under 3 s" if not slow else f"3 s or more: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
