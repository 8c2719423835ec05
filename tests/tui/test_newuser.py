"""Problems found by using the workbench as a new researcher would (in tmux), each pinned by a
Pilot test that failed before its fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from qualcode.tui.app import QualcodeApp

from .test_workbench import SIZE, bench

PEEK = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "print(c.execute('SELECT COUNT(*) FROM events').fetchone()[0]); c.close()"
)


def other_process_events(path: Path) -> int:
    """Open and close the project in another process, as any CLI command does."""
    out = subprocess.run(
        [sys.executable, "-c", PEEK, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


async def settle(app: QualcodeApp, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_summary_worker_keeps_the_apps_locks(make_app, demo_path: Path) -> None:
    """Opening the summary used to open a second Project in-process, whose header check
    (a plain open()/close() of the .qc file) dropped every POSIX lock the app held on it: the
    next CLI command then checkpointed and deleted the WAL under the running app, and all its
    later changes went to a deleted file."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        before = other_process_events(demo_path)
        assert Path(str(demo_path) + "-wal").exists(), "the WAL was deleted under the app"
        await pilot.press("u", "enter")  # code an uncoded sentence
        await pilot.press(*"Knowing oneself")
        await pilot.press("enter")
        await pilot.pause()
        assert bench(app).transcript.codings_at_selection()
        assert other_process_events(demo_path) == before + 1
