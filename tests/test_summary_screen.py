"""The summary screen on a minimal App: chart, co-occurrence table, quotes, and export."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, ProgressBar, Select, Static

from qualcode.analysis import load_corpus
from qualcode.report import SummaryOptions, build_summary, render
from qualcode.store import Project
from qualcode.tui.screens.summary import SummaryScreen
from tests.test_analysis_fixture import build_hand_project


class Host(App[None]):
    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(SummaryScreen(self.project))


async def settle(app: App[None], pilot) -> None:  # noqa: ANN001
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def text_of(screen: SummaryScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    path, _ = build_hand_project(tmp_path)
    return path


def test_screen_shows_chart_cooccurrence_and_quotes(hand: Path) -> None:
    async def run() -> None:
        with Project.open(hand) as project:
            app = Host(project)
            async with app.run_test(size=(140, 50)) as pilot:
                await settle(app, pilot)
                screen = app.screen
                assert isinstance(screen, SummaryScreen)
                chart = text_of(screen, "#chart")
                lines = chart.splitlines()
                assert lines[0].startswith("Support") and lines[0].endswith(" 7")
                assert "█" * 30 in lines[0]  # the largest count gets the full bar
                assert lines[1].startswith("  Peer support") and lines[1].endswith(" 5")
                table = screen.query_one("#cooccurrence", DataTable)
                rows = [table.get_row_at(i) for i in range(table.row_count)]
                # Themes in the same turn (derived in test_report_formats).
                assert rows == [
                    ["Support", "Stress", "2", "0.29"],
                    ["Stress", "Joy", "1", "0.25"],
                    ["Support", "Joy", "1", "0.14"],
                ]
                quotes = text_of(screen, "#quotes")
                assert "1. Support — 7 passages, 4 of 4 participants" in quotes
                assert "“The group gives me support when the work is heavy." in quotes
                assert "— Anna\n" in quotes  # attributed as a paper does: no file or offsets
                assert "a1, turn 2" not in quotes
                overview = text_of(screen, "#overview")
                assert "3 documents with 4 participants" in overview
                await pilot.press("escape")
                await pilot.pause()
                assert not isinstance(app.screen, SummaryScreen)

    asyncio.run(run())


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_export_runs_in_a_worker(hand: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"

    async def run() -> None:
        with Project.open(hand) as project:
            app = Host(project)
            async with app.run_test(size=(140, 50)) as pilot:
                await settle(app, pilot)
                screen = app.screen
                await pilot.press("e")
                await pilot.pause()
                assert screen.query_one("#export-bar").has_class("visible")
                screen.query_one("#export-format", Select).value = fmt
                await pilot.pause()
                path_input = screen.query_one("#export-path", Input)
                assert path_input.value.endswith(f"hand-summary.{fmt}")
                path_input.value = str(target)
                await pilot.click("#export-go")
                await settle(app, pilot)
                bar = screen.query_one("#export-progress", ProgressBar)
                assert bar.total is not None and bar.progress == bar.total
                assert screen.exported == target
                assert f"Wrote {target}" in str(screen.query_one("#export-status").render())

    asyncio.run(run())
    assert target.exists()
    if fmt == "md":
        from qualcode.report.context import load_context

        with Project.open(hand) as project:  # what `qualcode summary` writes, context included
            corpus = load_corpus(project)
            context = load_context(project)
        summary = build_summary(corpus, SummaryOptions(), project_path=hand, context=context)
        expected = render(summary, "md")
        assert target.read_text(encoding="utf-8") == expected
    else:
        from docx import Document

        assert any(p.text == "1. Support" for p in Document(str(target)).paragraphs)


def test_export_to_missing_folder_is_reported(hand: Path, tmp_path: Path) -> None:
    async def run() -> None:
        with Project.open(hand) as project:
            app = Host(project)
            async with app.run_test(size=(140, 50)) as pilot:
                await settle(app, pilot)
                screen = app.screen
                await pilot.press("e")
                screen.query_one("#export-path", Input).value = str(tmp_path / "nope" / "x.md")
                await pilot.click("#export-go")
                await settle(app, pilot)
                status = str(screen.query_one("#export-status").render())
                assert "folder does not exist" in status
                assert screen.exported is None

    asyncio.run(run())
