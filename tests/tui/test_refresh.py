"""Pilot tests for the refresh path: a coding redraws only what it touched; the transcript's
row cache is bounded and survives cursor moves; the palette is built from the bindings."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.store import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import ChooseCodeScreen
from qualcode.tui.widgets.documents import DocumentOptions
from qualcode.tui.widgets.transcript import CACHE_ROWS

from .conftest import CODER

SIZE = (120, 32)


def _label(app: QualcodeApp, document_id: int) -> str:
    options = app.screen.query_one(DocumentOptions)
    return str(options.get_option(str(document_id)).prompt)


async def test_coding_updates_its_document_row_and_counts_only(
    make_app, demo_path: Path, monkeypatch
) -> None:
    from qualcode.store import workbench as wb

    with Project.open(demo_path, coder=CODER) as project:
        code = project.codebook.find("Secrecy")
        assert code is not None
        wb.set_pin(project, 1, code.id)
        before_total = len(project.codings.list(code=code.id))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.workbench
        assert screen is not None
        doc = screen.document_id
        assert doc is not None
        others = {r.id: _label(app, r.id) for r in screen.documents.rows if r.id != doc}

        # A coding must not read every document's row again.
        def every_row(project: Project) -> None:
            raise AssertionError("a coding re-read every document row")

        monkeypatch.setattr(wb, "document_rows", every_row)
        await pilot.press("u")
        await pilot.pause()
        row_before = screen.documents.row(doc)
        await pilot.press("1")
        await pilot.pause()
        row_after = screen.documents.row(doc)
        assert row_before is not None and row_after is not None
        assert row_after.codings == row_before.codings + 1
        assert f"{row_after.coded:.0%}" in _label(app, doc)
        assert {r: _label(app, r) for r in others} == others
        assert screen.code_tree.total(code.id) == before_total + 1
        assert "Coded: Secrecy" in str(screen.query_one("#status").render())


@pytest.mark.slow
async def test_cursor_moves_keep_the_row_cache_and_it_stays_bounded(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        transcript = app.workbench.transcript  # type: ignore[union-attr]
        rows = set(transcript._cache.keys())
        assert len(rows) > 10
        await pilot.press("down")
        await pilot.pause()
        kept = rows & set(transcript._cache.keys())
        # Only the rows of the old and the new cursor sentence were drawn again.
        assert len(kept) >= len(rows) - 8
        for _ in range(40):
            await pilot.press("pagedown")
        await pilot.pause()
        assert len(transcript._cache) <= CACHE_ROWS
        assert transcript._cache.maxsize == CACHE_ROWS


async def test_palette_runs_a_codebook_binding(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("C")  # the codebook pane: its bindings are commands too
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Fold the highlighted")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChooseCodeScreen)
        assert app.screen.title_text.startswith("Merge '")
