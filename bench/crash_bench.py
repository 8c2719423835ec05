"""Crash and concurrency stress: no coding lost, nothing corrupt, no lock error.

Part 1, kills: a writer process codes passages one action at a time through the CLI's own
store path and prints the id of every coding it was told was saved; it is SIGKILLed at a random
moment, N times over the same project. After each kill the project must pass SQLite's
``integrity_check`` and ``foreign_key_check``, every coding the writer reported must be there,
and undo then redo of the last action must work.

Part 2, sharing: the workbench runs headless (Textual's ``run_test``) coding a sentence every
few milliseconds while two CLI processes add and remove codings in the same file. Counted: lock
or busy errors the user would have seen, and codings each side reported but the file lacks.

Usage: python bench/crash_bench.py [--kills 30] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qualcode.store import Project  # noqa: E402
from tests.conftest import SIMPLE_TEXT, simple_document  # noqa: E402

WRITER = textwrap.dedent(
    """
    import sys
    from qualcode.errors import QualcodeError
    from qualcode.store import Project
    path, seed = sys.argv[1], int(sys.argv[2])
    import random
    rng = random.Random(seed)
    with Project.open(path, coder="writer") as project:
        length = len(project.documents.get("doc1").text)
        print("ready", flush=True)
        while True:
            start = rng.randrange(0, length - 10)
            try:
                cid = project.codings.add("doc1", "A", start, start + rng.randrange(1, 10))
            except QualcodeError:
                continue  # the same passage twice: refused, nothing written
            print(cid, flush=True)  # only after COMMIT: the coding is saved
    """
)

CLI_WRITER = textwrap.dedent(
    """
    import sys, time, random
    from qualcode.errors import QualcodeError
    from qualcode.store import Project
    path, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rng = random.Random(name)
    errors = saved = 0
    ids = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with Project.open(path, coder=name) as project:  # one CLI command = one process
                start = rng.randrange(0, 3000)
                ids.append(project.codings.add("doc1", "A", start, start + 5))
                saved += 1
                if rng.random() < 0.3:
                    project.codings.remove(ids.pop(0))
        except QualcodeError as exc:
            if "busy" in str(exc) or "locked" in str(exc):
                errors += 1
    print(saved, errors, " ".join(map(str, ids)), flush=True)
    """
)


def make_project(folder: Path) -> Path:
    path = folder / "stress.qc"
    with Project.create(path, coder="setup") as project:
        project.documents.add(simple_document("doc1", "\n".join([SIMPLE_TEXT] * 20)))
        project.codebook.add("A")
    return path


def check(path: Path, reported: set[int]) -> tuple[bool, int]:
    """(consistent, codings missing of those reported saved)."""
    with Project.open(path, coder="writer") as project:
        conn = project.session.conn
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ok = ok and not conn.execute("PRAGMA foreign_key_check").fetchall()
        present = {r[0] for r in conn.execute("SELECT id FROM codings")}
        missing = len(reported - present)
        undone = project.history.undo()
        if undone is not None:
            ok = ok and project.history.redo() is not None
    return ok, missing


def kills(count: int, seed: int) -> None:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="qc-crash-"))
    path = make_project(folder)
    reported: set[int] = set()
    corrupt = lost = 0
    start = time.perf_counter()
    for i in range(count):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(i)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        reported |= {int(x) for x in out.split() if x.isdigit()}
        ok, missing = check(path, reported)
        corrupt += not ok
        lost += missing
    took = time.perf_counter() - start
    print(
        f"kills: {count} SIGKILLs, {len(reported)} codings reported saved, "
        f"{lost} lost, {corrupt} inconsistent after a kill ({took:.1f} s)"
    )


async def workbench_codes(path: Path, seconds: float) -> tuple[int, int]:
    """Code sentences in the headless workbench; (codings made, errors shown)."""
    from qualcode.tui.app import QualcodeApp

    app = QualcodeApp(path, coder="workbench")
    made = shown = 0
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        with Project.open(path) as reader:
            before = len(reader.codings.list(coder="workbench"))
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await pilot.press("down")
            await pilot.press("1")  # quick key 1: pinned below
            await pilot.pause(0.01)
        shown = sum(
            1
            for n in app._notifications
            if n.severity == "error"  # noqa: SLF001
        )
        with Project.open(path) as reader:
            made = len(reader.codings.list(coder="workbench")) - before
    return made, shown


def sharing(seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="qc-share-"))
    path = make_project(folder)
    from qualcode.store import workbench as wb

    with Project.open(path, coder="workbench") as project:
        wb.set_pin(project, 1, project.codebook.get("A").id)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", CLI_WRITER, str(path), name, str(seconds)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for name in ("cli-1", "cli-2")
    ]
    made, shown = asyncio.run(workbench_codes(path, seconds))
    saved = errors = 0
    kept: set[int] = set()
    for proc in writers:
        out, _ = proc.communicate()
        parts = out.decode().split()
        saved += int(parts[0])
        errors += int(parts[1])
        kept |= {int(x) for x in parts[2:]}
    ok, missing = check(path, kept)
    print(
        f"sharing: workbench made {made} codings ({shown} errors shown); CLI writers saved "
        f"{saved} ({errors} lock/busy errors); {missing} reported codings missing; "
        f"file {'consistent' if ok else 'INCONSISTENT'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    kills(args.kills, args.seed)
    sharing(args.seconds)


if __name__ == "__main__":
    main()
