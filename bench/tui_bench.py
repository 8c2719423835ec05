"""Workbench benchmark: a 50,000-word transcript and a 300-transcript study, headlessly.

Part 1, a 51k-word transcript, each figure beside Textual's own TextArea loading the same text
in the same run:
  * time to open (app start to first full screen),
  * key press -> coding stored in SQLite and redrawn (median of 100), next to a key press ->
    character inserted and redrawn in TextArea,
  * scrolling a page (median of 50 PageDowns),
and the process's peak memory. The transcript is imported in a child process, so spaCy (used
by import for sentences) never inflates the workbench's own memory figure.

Part 2, a real study's size: the project of ``bench/summary_bench.py`` (300 generated
transcripts of ~2,000 words, the Balint codebook, 30,000 codings; built by its ``build``,
imported, not copied), where each coding used to re-read every document row:
  * opening the project (new process to first frame, and in-process),
  * key -> coding stored and drawn (median of 60, goal < 50 ms),
  * page down (median of 50, goal < 30 ms),
  * search: keystroke in the search box -> results updated and drawn (goal < 50 ms).

    python bench/tui_bench.py [--words 50000] [--keep DIR] [--only long|study]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "the group patient doctor feeling always never maybe because when we they she he it "
    "think know remember talk listen case week year time room leader colleague difficult "
    "angry tired safe alone together frame trust story question answer work home family "
    "again really quite just very much more little long first last good bad hard easy"
).split()
SPEAKERS = ("Interviewer", "Participant")
SIZE = (160, 48)


def make_transcript(words: int, seed: int = 7) -> str:
    """Alternating speaker turns of 1-6 sentences of 6-22 words, about ``words`` words."""
    rnd = random.Random(seed)
    turns: list[str] = []
    count = 0
    turn = 0
    while count < words:
        sentences = []
        for _ in range(rnd.randint(1, 6)):
            n = rnd.randint(6, 22)
            body = " ".join(rnd.choice(WORDS) for _ in range(n))
            sentences.append(body[0].upper() + body[1:] + rnd.choice(".?."))
            count += n
        turns.append(f"{SPEAKERS[turn % 2]}: {' '.join(sentences)}")
        turn += 1
    return "\n\n".join(turns) + "\n"


def build_project(folder: Path, words: int) -> tuple[Path, str]:
    text = make_transcript(words)
    source = folder / "long_interview.txt"
    source.write_text(text, encoding="utf-8")
    project = folder / "bench.qc"
    code = (
        "import sys; from qualcode.cli import main; sys.argv = ['qualcode'] + sys.argv[1:]; main()"
    )
    for args in (["init", str(project)], ["import", str(project), str(source)]):
        subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-c", code, "codes", "add", str(project), "Bench code"],
        check=True,
        capture_output=True,
    )
    return project, text


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


class FrameClock:
    """Timestamps the frames the app hands to its (headless) driver.

    Pilot's own waits poll for CPU idleness and add tens of milliseconds, so instead a key
    event is posted directly and the clock waits for the first frame drawn once the expected
    change (coding stored, character inserted, page scrolled) is in place: that is the delay a
    researcher sees between pressing the key and the screen showing the result.
    """

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.frame_at = 0.0
        self.condition = lambda: True
        original = app._display

        def display(screen, renderable):  # type: ignore[no-untyped-def]
            if renderable is not None and self.condition():
                self.frame_at = time.perf_counter()
            return original(screen, renderable)

        app._display = display

    async def press(self, key: str, char: str | None, done) -> float:  # type: ignore[no-untyped-def]
        from textual import events

        self.condition = done
        self.frame_at = 0.0
        start = time.perf_counter()
        self.app._driver.send_message(events.Key(key, char))
        while self.frame_at < start:
            await asyncio.sleep(0.0005)
            if time.perf_counter() - start > 5:
                raise RuntimeError(f"no frame after {key!r}")
        self.condition = lambda: True
        return self.frame_at - start


async def bench_workbench(project: Path) -> dict[str, float]:
    from qualcode.store import Project
    from qualcode.store import workbench as wb
    from qualcode.tui.app import QualcodeApp

    with Project.open(project, coder="bench") as p:
        wb.set_pin(p, 1, p.codebook.get("Bench code").id)
    t0 = time.perf_counter()
    app = QualcodeApp(project, coder="bench", poll_interval=0)
    clock = FrameClock(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        while not clock.frame_at:
            await asyncio.sleep(0.0005)
        opened = clock.frame_at - t0
        await pilot.pause()
        bench = app.workbench
        assert bench is not None
        transcript = bench.transcript
        lines = len(transcript.lines)
        code_times: list[float] = []
        for _ in range(100):
            await pilot.press("u")  # to an uncoded sentence (not timed)
            await pilot.pause()
            before = len(transcript.codings)
            code_times.append(
                await clock.press("1", "1", lambda b=before: len(transcript.codings) == b + 1)
            )
        await pilot.pause()
        with Project.open(project) as p:
            stored = len(p.codings.list(coder="bench"))
        assert stored == 100, stored
        await pilot.press("g")
        await pilot.pause()
        page_times: list[float] = []
        for _ in range(50):
            y = transcript.scroll_offset.y
            page_times.append(
                await clock.press("pagedown", None, lambda y=y: transcript.scroll_offset.y > y)
            )
            await pilot.pause()
    return {
        "open_s": opened,
        "code_ms": median_ms(code_times),
        "code_max_ms": max(code_times) * 1000,
        "page_ms": median_ms(page_times),
        "lines": lines,
    }


async def bench_textarea(text: str) -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import TextArea

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield TextArea(text, soft_wrap=True, id="area")

    t0 = time.perf_counter()
    app = Plain()
    clock = FrameClock(app)
    async with app.run_test(size=SIZE) as pilot:
        while not clock.frame_at:
            await asyncio.sleep(0.0005)
        opened = clock.frame_at - t0
        await pilot.pause()
        area = app.query_one(TextArea)
        area.focus()
        await pilot.pause()
        key_times: list[float] = []
        for _ in range(100):
            n = len(area.text)
            key_times.append(await clock.press("x", "x", lambda n=n: len(area.text) == n + 1))
            await pilot.pause()
        await pilot.press("ctrl+home")
        await pilot.pause()
        page_times: list[float] = []
        for _ in range(50):
            y = area.scroll_offset.y
            page_times.append(
                await clock.press("pagedown", None, lambda y=y: area.scroll_offset.y > y)
            )
            await pilot.pause()
    return {"open_s": opened, "key_ms": median_ms(key_times), "page_ms": median_ms(page_times)}


STUDY_QUERIES = ("patient", "trust group", "burnout", "colleague", '"the group"')


def build_study(folder: Path) -> Path:
    """The 300-transcript, 30,000-coding project of bench/summary_bench.py (built once)."""
    path = folder / "study.qc"
    if not path.exists():
        sys.path.insert(0, str(Path(__file__).parent))
        from summary_bench import build  # the same generator, imported rather than copied

        build(path)
    return path


async def bench_study(path: Path) -> dict[str, float]:
    """Open, code, page and search on the study-sized project."""
    from textual.widgets import Input

    from qualcode.store import Project
    from qualcode.store import workbench as wb
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.finding import SearchScreen

    with Project.open(path, coder="bench") as p:
        wb.set_pin(p, 1, p.codebook.codes()[-1].id)
    t0 = time.perf_counter()
    app = QualcodeApp(path, coder="bench", poll_interval=0)
    clock = FrameClock(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        while not clock.frame_at:
            await asyncio.sleep(0.0005)
        opened = clock.frame_at - t0
        await pilot.pause()
        bench = app.workbench
        assert bench is not None
        transcript = bench.transcript
        code_times: list[float] = []
        for _ in range(60):
            await pilot.press("u")  # to an uncoded sentence (not timed)
            await pilot.pause()
            before = len(transcript.codings)
            code_times.append(
                await clock.press("1", "1", lambda b=before: len(transcript.codings) == b + 1)
            )
        await pilot.pause()
        page_times: list[float] = []
        await pilot.press("g")
        await pilot.pause()
        while len(page_times) < 50:
            y = transcript.scroll_offset.y
            if y >= transcript.max_scroll_y:
                await pilot.press("g")  # a study transcript is a few pages: start again
                await pilot.pause()
                continue
            page_times.append(
                await clock.press("pagedown", None, lambda y=y: transcript.scroll_offset.y > y)
            )
            await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        box = screen.query_one(Input)
        search_times: list[float] = []
        places = 0
        for query in STUDY_QUERIES:
            for i, char in enumerate(query):
                want = query[: i + 1]
                done = lambda want=want: screen._ran == want  # noqa: E731
                key = "space" if char == " " else ("quotation_mark" if char == '"' else char)
                elapsed = await clock.press(key, char, done)
                await pilot.pause()
                assert box.value == want, (box.value, want)
                if len(want.strip()) >= 2:
                    search_times.append(elapsed)
            places = max(places, len(screen.targets))
            for _ in query:
                await pilot.press("backspace")
            await pilot.pause()
    with Project.open(path) as p:
        stored = len(p.codings.list(coder="bench"))
    assert stored >= 60, stored
    return {
        "open_s": opened,
        "code_ms": median_ms(code_times),
        "code_max_ms": max(code_times) * 1000,
        "page_ms": median_ms(page_times),
        "search_ms": median_ms(search_times),
        "search_max_ms": max(search_times) * 1000,
        "search_keys": len(search_times),
        "places": places,
    }


COLD = """
import asyncio, sys, time
from qualcode.tui.app import QualcodeApp
async def run():
    app = QualcodeApp(sys.argv[1], coder="bench", poll_interval=0)
    first = []
    original = app._display
    def display(screen, renderable):
        if renderable is not None and not first:
            first.append(time.time())
        return original(screen, renderable)
    app._display = display
    async with app.run_test(size=(160, 48)):
        while not first:
            await asyncio.sleep(0.001)
    print(first[0], "spacy" in sys.modules)
asyncio.run(run())
"""


def cold_open(project: Path) -> tuple[float, bool]:
    """From spawning a fresh Python process to the workbench's first frame (median of 5):
    what `qualcode open` costs, interpreter start and imports included."""
    times, spacy = [], False
    for _ in range(5):
        t = time.time()
        out = subprocess.run(
            [sys.executable, "-c", COLD, str(project)], check=True, capture_output=True, text=True
        )
        stamp, loaded = out.stdout.split()
        times.append(float(stamp) - t)
        spacy = spacy or loaded == "True"
    return statistics.median(times), spacy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument(
        "--keep", type=Path, help="Build the projects in this folder and keep them."
    )
    parser.add_argument("--only", choices=("long", "study"), help="Run one part only.")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-tui-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.only != "study":
        bench_long(folder, args.words)
    if args.only != "long":
        bench_study_part(folder)


def bench_study_part(folder: Path) -> None:
    source = build_study(folder)
    run = folder / "study-run.qc"  # a fresh copy per run: the timed codings must not pile up
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, run)
    cold, _ = cold_open(run)
    ours = asyncio.run(bench_study(run))
    print("study: 300 transcripts, 30,000 codings (bench/summary_bench.py's project)")
    print(f"{'open, new process to first frame':38}{cold:>9.2f}s   (median of 5; goal < 1 s)")
    print(f"{'open, app start to first frame':38}{ours['open_s']:>9.3f}s")
    print(f"{'key -> coding stored+drawn, median':38}{ours['code_ms']:>8.1f}ms   (goal < 50 ms)")
    print(f"{'  slowest of 60':38}{ours['code_max_ms']:>8.1f}ms")
    print(f"{'page down, median of 50':38}{ours['page_ms']:>8.1f}ms   (goal < 30 ms)")
    print(
        f"{'search keystroke -> results, median':38}{ours['search_ms']:>8.1f}ms   (goal < 50 ms;"
        f" {ours['search_keys']} keys, slowest {ours['search_max_ms']:.0f} ms,"
        f" up to {ours['places']} places listed)"
    )
    goals = cold < 1 and ours["code_ms"] < 50 and ours["page_ms"] < 30 and ours["search_ms"] < 50
    print("study goals:", "met" if goals else "NOT met")


def bench_long(folder: Path, words_wanted: int) -> None:
    for old in folder.glob("bench.qc*"):
        old.unlink()
    project, text = build_project(folder, words_wanted)
    words = len(text.split())
    demo_dir = folder / "demo"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from qualcode.demo import build_demo; "
            "from pathlib import Path; build_demo(Path(sys.argv[1]), fresh=True)",
            str(demo_dir),
        ],
        check=True,
        capture_output=True,
    )
    cold_demo, spacy_demo = cold_open(demo_dir / "demo.qc")
    cold_big, _ = cold_open(project)
    ours = asyncio.run(bench_workbench(project))
    rss_after_workbench = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    theirs = asyncio.run(bench_textarea(text))
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    spacy_loaded = "spacy" in sys.modules
    print(
        f"cold start, new process to first frame (median of 5): demo {cold_demo:.2f}s, "
        f"50k-word transcript {cold_big:.2f}s; spaCy imported: {spacy_demo}"
    )
    print(f"transcript: {words:,} words, {len(text):,} characters, {ours['lines']:,} rows")
    print(f"{'':34}{'workbench':>12}{'TextArea':>12}")
    print(
        f"{'open (app start to first frame)':34}{ours['open_s']:>11.3f}s{theirs['open_s']:>11.3f}s"
    )
    print(
        f"{'key -> stored+drawn, median':34}{ours['code_ms']:>10.1f}ms{theirs['key_ms']:>10.1f}ms"
        "   (workbench: apply pinned code; TextArea: insert a character)"
    )
    print(f"{'  workbench slowest of 100':34}{ours['code_max_ms']:>10.1f}ms")
    print(f"{'page down, median':34}{ours['page_ms']:>10.1f}ms{theirs['page_ms']:>10.1f}ms")
    print(
        f"peak memory (max RSS): {rss_after_workbench:.0f} MB after the workbench, "
        f"{rss_peak:.0f} MB after TextArea too; spaCy imported: {spacy_loaded}"
    )
    goals = ours["open_s"] < 1 and ours["code_ms"] < 50 and rss_after_workbench < 300
    print("goals (open < 1 s, code median < 50 ms, peak < 300 MB):", "met" if goals else "NOT met")


if __name__ == "__main__":
    main()
