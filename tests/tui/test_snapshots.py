"""SVG snapshots of the main screen on the demo project, at 80x24 (SSH) and 160x48.

Regenerate after an intended change of the look with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs in the diff.
They depend on the shipped samples, codebook and demo codings as well as on the TUI.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.tui.app import QualcodeApp

from .conftest import CODER


def _app(path: Path) -> QualcodeApp:
    return QualcodeApp(path, coder=CODER, poll_interval=0)


def test_main_screen_80x24(snap_compare, demo_path: Path) -> None:
    assert snap_compare(_app(demo_path), terminal_size=(80, 24), press=["n", "shift+down"])


def test_main_screen_160x48(snap_compare, demo_path: Path) -> None:
    assert snap_compare(_app(demo_path), terminal_size=(160, 48), press=["n", "shift+down"])
