"""Shared fixtures: every test builds its own project in ``tmp_path``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.cli import main
from qualcode.store import DocumentInput, Project, TurnInput

SIMPLE_TEXT = (
    "Interviewer: How did the group help you?\n"
    "Anna: I felt angry with her. Then I understood why. The group listened.\n"
    "Interviewer: And now?\n"
    "Anna: Now I am not alone with it."
)


def simple_document(name: str = "doc1", text: str = SIMPLE_TEXT) -> DocumentInput:
    """A hand-made document whose turn and sentence offsets are computed from the text."""
    turns: list[TurnInput] = []
    sentences: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        speaker, _, said = line.partition(": ")
        start = pos + len(speaker) + 2
        turns.append(TurnInput(start, pos + len(line), speaker))
        cursor = start
        for piece in said.split(". "):
            piece_end = cursor + len(piece) + (0 if piece.endswith(("?", ".")) else 1)
            piece_end = min(piece_end, pos + len(line))
            sentences.append((cursor, piece_end))
            cursor = piece_end + 1
        pos += len(line) + 1
    return DocumentInput(name, text, f"sha-{name}", "txt", turns, sentences, {"role": "gp"})


@pytest.fixture
def project(tmp_path: Path) -> Project:
    proj = Project.create(tmp_path / "study.qc", coder="ann")
    yield proj
    proj.close()


@pytest.fixture
def project_with_doc(project: Project) -> Project:
    project.documents.add(simple_document())
    project.codebook.add("Security")
    project.codebook.add("Not alone", parent="Security", brief="Feeling supported", color="#112233")
    project.codebook.add("Emotions", brief="Naming feelings")
    return project


def dump(path: Path) -> list[str]:
    """The whole database as SQL: equal dumps mean nothing changed."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the qualcode CLI in-process from ``tmp_path`` as coder 'tester'."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per test session (import, codebook, example codings, rule
    suggestions: a few seconds); tests get copies through :func:`demo_copy`."""
    from qualcode.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo-master"))


@pytest.fixture
def demo_copy(demo_master: Path, tmp_path: Path) -> Callable[[Path], Path]:
    """Copy the session's demo project to a path (default ``tmp_path/demo/demo.qc``)."""
    import shutil

    def copy(target: Path = tmp_path / "demo" / "demo.qc") -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(demo_master, target)
        return target

    return copy
