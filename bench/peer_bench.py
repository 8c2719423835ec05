"""Race qualcode against qc (PyPI ``qualitative-coding``), the closest peer, step by step.

Generates one corpus (``bench/import_bench.py``'s interview generator: 100 transcripts,
~1.03 M words, one speaker turn per line) and 20,000 codings over 40 codes, then builds the
same project with both tools, each through its own command line, and times every step as a
whole process (Python start-up and imports included):

    start-up    ``qualcode --help``                      ``qc --help``
    import      ``qualcode import P corpus/``            ``qc corpus import -r -i verbatim corpus/``
    codings     ``qualcode import-codings P codings.csv``  a process calling qc's own storage
                (or, until that command exists, a          path, ``QCCorpus.update_coded_lines``
                process calling the bulk helper            once per document, as ``qc code`` does
                ``add_codings_bulk``: FALLBACK)             after its editor closes
    stats       ``qualcode stats P --format csv``        ``qc codes stats -o stats.csv``
    cooccur     ``qualcode cooccur P --format csv``      ``qc codes crosstab -o crosstab.csv``
    retrieval   ``qualcode codings P --code X``          ``qc codes find X -j``

qc codes whole lines, so every generated coding spans exactly one participant turn (one line)
and no (document, line, code) repeats: then qualcode's passages, overlaps and retrievals and qc's
coded lines, same-line co-occurrences and found lines are the same numbers, and the bench checks
that they are (against each other and against the generated data).

Runs are interleaved (per run and step: qualcode, then qc) on fresh projects; CPU is user+sys of
the child process (``RUSAGE_CHILDREN`` deltas), wall is ``perf_counter``; medians are printed
with the ratio qualcode/qc. qc is installed (once) into its own virtualenv under
``bench/.peer-venv`` when the package index is reachable; otherwise the peer is skipped and the
bench says so. ``--profile`` then runs qualcode's import, codings and stats once more under
cProfile and prints where the time goes.

Usage (from the repository root, with the project's venv):

    .venv/bin/python bench/peer_bench.py [--runs 3] [--small] [--keep DIR] [--profile]
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import os
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from import_bench import WORDS, make_corpus  # noqa: E402  (the shared corpus generator)

QC_PACKAGE = "qualitative-coding"
QC_VERSION = "1.7.8"
CODER = "bench"
SEED = 20261125
CODES = sorted(set(WORDS))  # the generator's 40 distinct words double as code names
RETRIEVE = "anger"
EXPORT_COLUMNS = (
    "coding_id,document,code,theme,start,end,speaker,participant,turn,coder,origin,words,memo,text"
).split(",")

# Fallback for loading codings until `qualcode import-codings` exists: the bulk helper that
# bench/summary_bench.py uses, run as its own process so it is timed like a CLI command.
FALLBACK_LOADER = '''\
"""FALLBACK loader (peer_bench): qualcode has no `import-codings` command yet."""
import csv
import sys

from qualcode.store import Project

try:
    from qualcode.store.analysis_data import add_codings_bulk
except ImportError:  # the new store API (issue 8): Codings.import_rows
    add_codings_bulk = None

project_path, csv_path = sys.argv[1], sys.argv[2]
with open(csv_path, newline="", encoding="utf-8") as fh:
    rows = [(r["document"], r["code"], int(r["start"]), int(r["end"])) for r in csv.DictReader(fh)]
summary = f"{len(rows)} codings from {csv_path}"
with Project.open(project_path, coder="bench") as project:
    if add_codings_bulk is not None:
        add_codings_bulk(project, rows, summary)
    else:
        from qualcode.store.codings import CodingInput

        project.codings.import_rows([CodingInput(*row) for row in rows], summary)
'''

# qc's own storage path: what `qc code CODER` does once the editor has closed (parse the codes
# file, then QCCorpus.update_coded_lines in a session), for every document in one process.
QC_LOADER = '''\
"""peer_bench: load codings through qc's storage path (QCCorpus.update_coded_lines)."""
import csv
import sys
from collections import defaultdict

from qualitative_coding.corpus import QCCorpus
from qualitative_coding.logs import configure_logger

configure_logger("settings.yaml")
per_doc = defaultdict(list)
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    for r in csv.DictReader(fh):
        per_doc[r["file"]].append({"line": int(r["line"]), "code_id": r["code"]})
corpus = QCCorpus("settings.yaml")
for doc, lines in per_doc.items():
    with corpus.session():
        corpus.update_coded_lines(doc, "bench", lines)
print(f"{sum(map(len, per_doc.values()))} coded lines in {len(per_doc)} documents")
'''


# ------------------------------------------------------------------------------- the data


@dataclass
class Coding:
    document: str  # file stem = qualcode's document name
    line: int  # 0-based line = qc's coded line
    code: str
    start: int
    end: int
    speaker: str
    text: str


@dataclass
class Corpus:
    folder: Path
    files: list[Path]
    words: int
    chars: int
    size: int  # bytes on disk
    codings: list[Coding] = field(default_factory=list)
    line_starts: dict[str, list[int]] = field(default_factory=dict)

    def line_of(self, document: str, offset: int) -> int:
        return bisect.bisect_right(self.line_starts[document], offset) - 1


def build_corpus(folder: Path, files: int, words: int, codings: int) -> Corpus:
    folder.mkdir(parents=True, exist_ok=True)
    paths = make_corpus(folder, words, files)
    rng = random.Random(SEED)
    corpus = Corpus(folder, paths, 0, 0, sum(p.stat().st_size for p in paths))
    candidates: list[tuple[str, int, int, int, str, str]] = []  # participant turns
    for path in paths:
        text = path.read_text(encoding="utf-8")
        corpus.words += len(text.split())
        corpus.chars += len(text)
        starts, pos = [], 0
        for n, line in enumerate(text.split("\n")):
            starts.append(pos)
            speaker, sep, _ = line.partition(": ")
            if sep and speaker != "Interviewer":
                begin = pos + len(speaker) + len(sep)
                candidates.append(
                    (path.stem, n, begin, pos + len(line), speaker, line[begin - pos :])
                )
            pos += len(line) + 1
        corpus.line_starts[path.stem] = starts
    # Unique (document, line, code) triples: qc keeps one coded line per triple.
    picked: set[tuple[int, str]] = set()
    while len(picked) < codings:
        picked.add((rng.randrange(len(candidates)), rng.choice(CODES)))
    for index, code in sorted(picked):
        doc, line, start, end, speaker, text = candidates[index]
        corpus.codings.append(Coding(doc, line, code, start, end, speaker, text))
    return corpus


def write_inputs(corpus: Corpus, folder: Path) -> dict[str, Path]:
    """The codings as qualcode's export CSV and as qc's (file, line, code) table; codebooks."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "codings": folder / "codings.csv",
        "qc_codings": folder / "qc_codings.csv",
        "codebook": folder / "codebook.yaml",
        "qc_codebook": folder / "qc_codebook.yaml",
        "loader": folder / "fallback_load_codings.py",
        "qc_loader": folder / "qc_load_codings.py",
    }
    with out["codings"].open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        for n, c in enumerate(corpus.codings, start=1):
            writer.writerow(
                [n, c.document, c.code, "", c.start, c.end, c.speaker, "yes", c.line, CODER]
                + ["manual", len(c.text.split()), "", c.text]
            )
    with out["qc_codings"].open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "line", "code"])
        writer.writerows((f"{c.document}.txt", c.line, c.code) for c in corpus.codings)
    book = ["name: peer bench", "themes:"] + [f'  - label: "{code}"' for code in CODES]
    out["codebook"].write_text("\n".join(book) + "\n", encoding="utf-8")
    out["qc_codebook"].write_text("".join(f'- "{code}"\n' for code in CODES), encoding="utf-8")
    out["loader"].write_text(FALLBACK_LOADER, encoding="utf-8")
    out["qc_loader"].write_text(QC_LOADER, encoding="utf-8")
    return out


# ----------------------------------------------------------------------------- processes


@dataclass
class Timing:
    cpu: float
    wall: float


def run(
    argv: list[str], cwd: Path | None = None, stdout: Path | None = None, env: dict | None = None
) -> Timing:
    """Run one command to completion; CPU is the child's user+sys time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(stdout or os.devnull, "w", encoding="utf-8") as out:
        proc = subprocess.run(argv, cwd=cwd, stdout=out, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        hint = "" if QUALCODE_SRC else "\n(working tree mid-edit? `--rev HEAD` runs a commit)"
        raise SystemExit(
            f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr[-2000:]}{hint}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(cpu, wall)


def find_qualcode() -> Path:
    here = Path(sys.executable).parent / "qualcode"
    found = here if here.exists() else shutil.which("qualcode")
    if not found:
        raise SystemExit("qualcode is not installed here: run with the project's .venv/bin/python")
    return Path(found)


def has_import_codings(qualcode: Path) -> bool:
    proc = subprocess.run(
        [str(qualcode), "import-codings", "--help"], capture_output=True, env=qualcode_env()
    )
    return proc.returncode == 0


QUALCODE_SRC: Path | None = None
"""Source tree to run qualcode from (``--rev``/``--src``) instead of the installed one."""


def fallback_helper() -> str:
    """Which store call the fallback loader will use with this qualcode."""
    probe = "import qualcode.store.analysis_data as m; print(hasattr(m, 'add_codings_bulk'))"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=qualcode_env(),
        cwd=tempfile.gettempdir(),  # `-c` puts the working directory first on sys.path
    )
    if proc.stdout.strip() == "True":
        return "qualcode.store.analysis_data.add_codings_bulk (one non-undoable action)"
    return "project.codings.import_rows (new store API, one undoable action)"


def qualcode_env() -> dict[str, str]:
    env = {**os.environ, "QUALCODE_CODER": CODER}
    if QUALCODE_SRC:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(QUALCODE_SRC), env.get("PYTHONPATH")])
        )
    return env


def export_revision(rev: str, folder: Path) -> Path:
    """``git archive`` of a commit, so the bench can run a fixed qualcode while the tree moves."""
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(BENCH.parent), "archive", rev], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def install_qc(venv: Path, version: str) -> Path | None:
    """qc's executable in its own virtualenv (created once), or None when it cannot be had."""
    qc = venv / "bin" / "qc"
    python = venv / "bin" / "python"
    if qc.exists():
        probe = subprocess.run([str(qc), "version"], capture_output=True, text=True, cwd=venv)
        if probe.returncode == 0 and version in probe.stdout:
            return qc
    print(f"installing {QC_PACKAGE}=={version} into {venv} ...", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        (venv / ".gitignore").write_text("*\n")  # the cache never shows up in git status
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--timeout", "30", "--retries", "1"]
        + [f"{QC_PACKAGE}=={version}"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not qc.exists():
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        print(f"SKIPPING the peer: could not install {QC_PACKAGE}=={version} ({last})")
        return None
    return qc


# --------------------------------------------------------------------------------- steps


STEPS = ["start-up", "import", "codings", "stats", "cooccur", "retrieval"]


@dataclass
class Tool:
    name: str
    root: Path  # where this run's project lives
    outputs: dict[str, Path] = field(default_factory=dict)

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())


def qualcode_steps(qualcode: Path, root: Path, corpus: Corpus, inputs: dict, bulk_cli: bool):
    root.mkdir(parents=True)
    project = root / "bench.qc"
    q, env = str(qualcode), qualcode_env()
    tool = Tool("qualcode", root)
    yield "setup", run([q, "init", str(project)], env=env)
    yield "start-up", run([q, "--help"], env=env)
    yield "import", run([q, "import", str(project), str(corpus.folder)], env=env)
    yield "setup", run([q, "codebook", "load", str(project), str(inputs["codebook"])], env=env)
    if bulk_cli:
        load = [q, "import-codings", str(project), str(inputs["codings"])]
    else:
        load = [sys.executable, str(inputs["loader"]), str(project), str(inputs["codings"])]
    yield "codings", run(load, env=env)
    for step, argv in [
        ("stats", ["stats", str(project), "--format", "csv"]),
        ("cooccur", ["cooccur", str(project), "--format", "csv"]),
        ("retrieval", ["codings", str(project), "--code", RETRIEVE, "--format", "csv"]),
    ]:
        tool.outputs[step] = root.parent / f"qualcode-{step}.csv"
        yield step, run([q, *argv], stdout=tool.outputs[step], env=env)
    yield "done", tool


def qc_steps(qc: Path, root: Path, corpus: Corpus, inputs: dict):
    root.mkdir(parents=True)
    q = str(qc)
    python = str(qc.parent / "python")
    tool = Tool("qc", root)
    yield "setup", run([q, "init"], cwd=root)
    shutil.copyfile(inputs["qc_codebook"], root / "codebook.yaml")
    yield "start-up", run([q, "--help"], cwd=root)
    yield "import", run([q, "corpus", "import", "-r", "-i", "verbatim", str(corpus.folder)], root)
    yield "setup", Timing(0.0, 0.0)  # qc's codebook is the YAML file copied above
    yield "codings", run([python, str(inputs["qc_loader"]), str(inputs["qc_codings"])], root)
    tool.outputs["stats"] = root.parent / "qc-stats.csv"
    yield "stats", run([q, "codes", "stats", "-o", str(tool.outputs["stats"])], root)
    tool.outputs["cooccur"] = root.parent / "qc-crosstab.csv"
    yield "cooccur", run([q, "codes", "crosstab", "-o", str(tool.outputs["cooccur"])], root)
    tool.outputs["retrieval"] = root.parent / "qc-find.json"
    yield (
        "retrieval",
        run([q, "codes", "find", RETRIEVE, "-j"], cwd=root, stdout=tool.outputs["retrieval"]),
    )
    yield "done", tool


def one_run(steppers: list, results: dict) -> dict[str, Tool]:
    """Advance the tools' step generators in lock step: each step, each tool in turn."""
    tools: dict[str, Tool] = {}
    while steppers:
        for name, gen in list(steppers):
            step, value = next(gen)
            if step == "done":
                tools[name] = value
                steppers.remove((name, gen))
            elif step != "setup":
                results[name][step].append(value)
    return tools


# ------------------------------------------------------------------------------ checking


def expected(corpus: Corpus):
    per_code = Counter(c.code for c in corpus.codings)
    by_line: dict[tuple[str, int], set[str]] = {}
    for c in corpus.codings:
        by_line.setdefault((c.document, c.line), set()).add(c.code)
    pairs: Counter = Counter()
    for codes in by_line.values():
        pairs.update(itertools.combinations(sorted(codes), 2))
    found = {(c.document, c.line) for c in corpus.codings if c.code == RETRIEVE}
    return dict(per_code), dict(pairs), found


def read_qualcode(tool: Tool, corpus: Corpus):
    with tool.outputs["stats"].open(encoding="utf-8") as fh:
        per_code = {r["code"]: int(r["codings"]) for r in csv.DictReader(fh) if int(r["codings"])}
    with tool.outputs["cooccur"].open(encoding="utf-8") as fh:
        pairs = {
            tuple(sorted((r["code_a"], r["code_b"]))): int(r["count"]) for r in csv.DictReader(fh)
        }
    with tool.outputs["retrieval"].open(encoding="utf-8") as fh:
        found = {
            (r["document"], corpus.line_of(r["document"], int(r["start"])))
            for r in csv.DictReader(fh)
        }
    return per_code, pairs, found


def read_qc(tool: Tool):
    with tool.outputs["stats"].open(encoding="utf-8") as fh:
        per_code = {r["Code"]: int(r["Count"]) for r in csv.DictReader(fh) if int(r["Count"])}
    with tool.outputs["cooccur"].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    labels, pairs = rows[0][1:], {}
    for i, row in enumerate(rows[1:]):
        for j in range(i + 1, len(labels)):
            if int(row[j + 1]):
                pairs[tuple(sorted((labels[i], labels[j])))] = int(row[j + 1])
    records = json.loads(tool.outputs["retrieval"].read_text(encoding="utf-8"))
    found = {(Path(r["document"]).stem, r["line"]) for r in records if r["code"] == RETRIEVE}
    return per_code, pairs, found


def table_sizes(project: Path, top: int = 8) -> str:
    """Bytes per table and index of a qualcode project (SQLite's dbstat), largest first."""
    conn = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return "(no dbstat in this SQLite)"
    finally:
        conn.close()
    return ", ".join(f"{name} {size / 1e6:.1f}" for name, size in rows[:top]) + " (MB)"


def check(corpus: Corpus, tools: dict[str, Tool]) -> bool:
    truth = expected(corpus)
    seen = {"generated": truth, "qualcode": read_qualcode(tools["qualcode"], corpus)}
    if "qc" in tools:
        seen["qc"] = read_qc(tools["qc"])
    ok = True
    print("\nagreement (last run):")
    for i, what in enumerate(["codings per code", "co-occurring pairs", f"'{RETRIEVE}' passages"]):
        values = {name: got[i] for name, got in seen.items()}
        same = all(v == truth[i] for v in values.values())
        ok &= same
        size = {
            name: (sum(v.values()) if isinstance(v, dict) else len(v)) for name, v in values.items()
        }
        sizes = ", ".join(f"{name} {n:,}" for name, n in size.items())
        counts = {name: len(v) for name, v in values.items()}
        detail = f"{sizes}  (entries: {', '.join(f'{k} {n}' for k, n in counts.items())})"
        print(f"  {what:<22} {'agree' if same else 'DIFFER'}: {detail}")
        if not same:
            for name, v in values.items():
                if v != truth[i]:
                    diff = (
                        {k for k in set(v) | set(truth[i]) if v.get(k) != truth[i].get(k)}
                        if isinstance(v, dict)
                        else v ^ truth[i]
                    )
                    print(f"    {name} differs from the generated data on {sorted(diff)[:5]} ...")
    return ok


# ------------------------------------------------------------------------------ profiling


def profile_qualcode(qualcode: Path, corpus: Corpus, inputs: dict, folder: Path, bulk_cli: bool):
    """qualcode's import, codings and stats once more under cProfile; print the top entries."""
    folder.mkdir(parents=True, exist_ok=True)
    project, env = folder / "profile.qc", qualcode_env()
    q = str(qualcode)
    run([q, "init", str(project)], env=env)
    cli = [sys.executable, "-m", "cProfile", "-o"]
    steps = [("import", ["-m", "qualcode.cli", "import", str(project), str(corpus.folder)])]
    steps.append(("setup", []))
    if bulk_cli:
        steps.append(("codings", ["-m", "qualcode.cli", "import-codings", str(project)]))
        steps[-1][1].append(str(inputs["codings"]))
    else:
        steps.append(("codings", [str(inputs["loader"]), str(project), str(inputs["codings"])]))
    steps.append(("stats", ["-m", "qualcode.cli", "stats", str(project), "--format", "csv"]))
    for step, argv in steps:
        if step == "setup":
            run([q, "codebook", "load", str(project), str(inputs["codebook"])], env=env)
            continue
        out = folder / f"{step}.prof"
        # cwd=folder: `python -m` puts the working directory first on sys.path, and the bench
        # must run the qualcode it measured (--rev/--src), not the checkout it was started in.
        timing = run(cli + [str(out)] + argv, cwd=folder, env=env)
        print(f"\n--- profile: qualcode {step} ({timing.cpu:.2f} s CPU under cProfile) -> {out}")
        stats = pstats.Stats(str(out), stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(12)
        stats.sort_stats("cumulative").print_stats(r"qualcode", 15)


# ----------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Interleaved runs (medians shown).")
    parser.add_argument("--small", action="store_true", help="10 transcripts, 2,000 codings.")
    parser.add_argument("--keep", type=Path, help="Work in DIR and keep it (else a temp dir).")
    parser.add_argument("--venv", type=Path, default=BENCH / ".peer-venv", help="qc's venv.")
    parser.add_argument("--qc-version", default=QC_VERSION)
    parser.add_argument("--no-peer", action="store_true", help="Time qualcode alone.")
    parser.add_argument("--profile", action="store_true", help="cProfile qualcode's slow steps.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--rev", help="Run qualcode as of this git commit (git archive).")
    source.add_argument("--src", type=Path, help="Run qualcode from this source tree.")
    args = parser.parse_args()
    global QUALCODE_SRC
    files, words, codings = (10, 100_000, 2_000) if args.small else (100, 1_000_000, 20_000)

    qualcode = find_qualcode()
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
        work = args.keep
        work.mkdir(parents=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="peer-bench-"))
    try:
        if args.rev:
            QUALCODE_SRC = export_revision(args.rev, work / "qualcode-src")
        elif args.src:
            QUALCODE_SRC = args.src.resolve()
        if QUALCODE_SRC:
            print(f"qualcode from {args.rev or QUALCODE_SRC} ({QUALCODE_SRC})")
        bulk_cli = has_import_codings(qualcode)
        qc = None if args.no_peer else install_qc(args.venv, args.qc_version)
        if args.no_peer:
            print("peer skipped (--no-peer)")
        corpus = build_corpus(work / "corpus", files, words, codings)
        inputs = write_inputs(corpus, work / "inputs")
        print(
            f"corpus: {len(corpus.files)} transcripts, {corpus.words:,} words, "
            f"{corpus.chars:,} characters, {corpus.size / 1e6:.2f} MB on disk; "
            f"{len(corpus.codings):,} codings over {len(CODES)} codes "
            f"(one participant turn = one line each)"
        )
        print(
            "qualcode codings: "
            + (
                "`qualcode import-codings` (CLI)"
                if bulk_cli
                else f"FALLBACK (no `qualcode import-codings` yet): a process calling "
                f"{fallback_helper()}"
            )
        )
        if qc:
            print(f"qc {args.qc_version}: {qc}; codings through QCCorpus.update_coded_lines")

        results = {name: {step: [] for step in STEPS} for name in ("qualcode", "qc")}
        tools: dict[str, Tool] = {}
        for r in range(args.runs):
            base = work / f"run{r}"
            steppers = [
                ("qualcode", qualcode_steps(qualcode, base / "qualcode", corpus, inputs, bulk_cli))
            ]
            if qc:
                steppers.append(("qc", qc_steps(qc, base / "qc", corpus, inputs)))
            tools = one_run(steppers, results)
            print(f"run {r + 1}/{args.runs} done", flush=True)
            if r < args.runs - 1 and not args.keep:
                for tool in tools.values():
                    shutil.rmtree(tool.root)

        def med(name: str, step: str, attr: str) -> float:
            return statistics.median(getattr(t, attr) for t in results[name][step])

        print(
            f"\nmedians of {args.runs} interleaved runs, whole processes (CPU = user+sys)\n"
            f"{'step':<11}{'qualcode CPU':>13}{'qc CPU':>9}{'ratio':>8}"
            f"{'qualcode wall':>15}{'qc wall':>9}{'ratio':>8}"
        )
        for step in STEPS:
            qc_cpu = med("qc", step, "cpu") if qc else None
            line = f"{step:<11}{med('qualcode', step, 'cpu'):>12.2f}s"
            if qc_cpu:
                line += f"{qc_cpu:>8.2f}s{med('qualcode', step, 'cpu') / qc_cpu:>7.2f}x"
            else:
                line += f"{'-':>9}{'-':>8}"
            line += f"{med('qualcode', step, 'wall'):>14.2f}s"
            if qc:
                qc_wall = med("qc", step, "wall")
                line += f"{qc_wall:>8.2f}s{med('qualcode', step, 'wall') / qc_wall:>7.2f}x"
            print(line)
        q_size = tools["qualcode"].size()
        print(
            f"\nproject size after codings: qualcode {q_size / 1e6:.1f} MB "
            f"({q_size / corpus.size:.2f}x the corpus text, {corpus.size / 1e6:.2f} MB)"
        )
        print(f"  largest: {table_sizes(tools['qualcode'].root / 'bench.qc')}")
        if qc:
            qc_root = tools["qc"].root
            db = qc_root / "qualitative_coding.sqlite3"
            text = sum(p.stat().st_size for p in (qc_root / "corpus").rglob("*") if p.is_file())
            qc_size = tools["qc"].size()
            print(
                f"                            qc {qc_size / 1e6:.1f} MB "
                f"({qc_size / corpus.size:.2f}x: database {db.stat().st_size / 1e6:.1f} MB + "
                f"corpus copy {text / 1e6:.1f} MB + settings, codebook, log)"
            )
        ok = check(corpus, tools)
        if args.profile:
            profile_qualcode(qualcode, corpus, inputs, work / "profile", bulk_cli)
        if args.keep:
            print(f"\nkept in {work}")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
