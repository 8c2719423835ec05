"""Fixtures for the workbench tests: the demo project, built once and copied per test."""

from __future__ import annotations

import asyncio
import inspect
import shutil
from pathlib import Path

import pytest

from qualcode.demo import build_demo
from qualcode.tui.app import QualcodeApp

CODER = "tester"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo-template"))


@pytest.fixture
def demo_path(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.qc"
    shutil.copyfile(demo_template, target)
    return target


@pytest.fixture
def make_app(demo_path: Path):  # type: ignore[no-untyped-def]
    """A workbench on a fresh copy of the demo, fixed coder, no polling unless asked."""

    def make(poll_interval: float = 0, path: Path | None = None) -> QualcodeApp:
        return QualcodeApp(path or demo_path, coder=CODER, poll_interval=poll_interval)

    return make


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop: Pilot needs one, and this avoids
    depending on an async pytest plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**args))
    return True
