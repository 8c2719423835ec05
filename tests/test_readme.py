"""The README's tour is executable documentation: every command in it must work as written."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands(heading: str) -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, heading
    commands = []
    for line in block.group(1).splitlines():
        line = line.split(" # ", 1)[0].strip()
        if line.startswith("qualcode "):
            commands.append(shlex.split(line)[1:])
    return commands


def test_tour_runs_as_written(cli: Callable[..., Result], tmp_path: Path) -> None:
    repo = README.parent
    shutil.copytree(repo / "sample_transcripts", tmp_path / "sample_transcripts")
    shutil.copytree(repo / "codebooks", tmp_path / "codebooks")
    commands = readme_commands("A 60-second tour")
    assert len(commands) >= 10
    for argv in commands:
        result = cli(*argv)
        assert result.exit_code == 0, (argv, result.output)


def test_analysis_and_autocode_examples_run(
    cli: Callable[..., Result], tmp_path: Path, demo_copy: Callable[[Path], Path]
) -> None:
    demo_copy(tmp_path / "study.qc")
    for heading in (
        "Analysis and theme summaries",
        "Auto-coding: suggestions you accept or reject",
        "Querying: coding queries, matrices, search and saturation",
    ):
        for argv in readme_commands(heading):
            if argv[0] == "suggest":
                continue  # training takes a while on the demo; tests/test_learn.py covers it
            result = cli(*argv)
            assert result.exit_code == 0, (argv, result.output)


def test_project_file_examples_run(
    cli: Callable[..., Result], tmp_path: Path, demo_copy: Callable[[Path], Path]
) -> None:
    """The bulk-codings example copies every coding of the demo into a second project, and the
    views the README names for Datasette/pandas/R answer the query it shows."""
    import sqlite3

    repo = README.parent
    shutil.copytree(repo / "sample_transcripts", tmp_path / "sample_transcripts")
    shutil.copytree(repo / "codebooks", tmp_path / "codebooks")
    demo_copy(tmp_path / "study.qc")
    for argv in readme_commands("The project file"):
        result = cli(*argv)
        assert result.exit_code == 0, (argv, result.output)
    queries = []
    for path in ("study.qc", "copy.qc"):
        conn = sqlite3.connect(f"file:{tmp_path / path}?mode=ro", uri=True)
        queries.append(
            conn.execute(
                'SELECT document, code, theme, coder, start, "end", text FROM coded_passages '
                'ORDER BY document, start, "end", code'
            ).fetchall()
        )
        conn.close()
    assert len(queries[0]) == 196
    assert queries[0] == queries[1]


def test_refi_examples_run(
    cli: Callable[..., Result], tmp_path: Path, demo_copy: Callable[[Path], Path]
) -> None:
    """The REFI-QDA block: export the demo as .qdpx/.qdc and bring both into a new project."""
    demo_copy(tmp_path / "study.qc")
    for argv in readme_commands("Moving projects to and from NVivo"):
        result = cli(*argv)
        assert result.exit_code == 0, (argv, result.output)
    from qualcode.store import Project

    with Project.open(tmp_path / "study.qc") as a, Project.open(tmp_path / "copy.qc") as b:
        assert len(b.codings.list()) == len(a.codings.list()) == 196
        assert [c.name for c in b.codebook.codes()] == [c.name for c in a.codebook.codes()]
