"""The summary/stats/export/cooccur commands: output, CSV exports, and one-line user errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import dump
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    path, _ = build_hand_project(tmp_path)
    return path


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_stats_table_and_json(cli: Callable[..., Result], hand: Path) -> None:
    result = cli("stats", hand)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == (
        "3 documents, 4 participants, 118 words; 18 codings cover 86.4% of all words, "
        "100.0% of participants' words"
    )
    assert any(line.split() == ["Support", "7", "10", "3", "4/4", "62", "52.5%"] for line in lines)
    data = json.loads(cli("stats", hand, "--format", "json").output)
    assert data["totals"]["coded_words"] == 102
    assert [f["passages"] for f in data["frequencies"]] == [7, 5, 4, 4, 4, 2, 2]
    filtered = cli("stats", hand, "--where", "role=leader", "--format", "csv").output
    assert rows(filtered)[1][:4] == ["Support", "0", "2", "3"]


def test_export_codings_csv(cli: Callable[..., Result], hand: Path, tmp_path: Path) -> None:
    out = tmp_path / "codings.csv"
    assert cli("export", hand, "codings", "-o", out).exit_code == 0
    table = rows(out.read_text(encoding="utf-8"))
    assert table[0][:9] == [
        "coding_id",
        "document",
        "code",
        "theme",
        "start",
        "end",
        "speaker",
        "participant",
        "turn",
    ]
    assert len(table) == 19
    first = dict(zip(table[0], table[1], strict=True))
    assert first["document"] == "a1" and first["code"] == "Peer support"
    assert first["theme"] == "Support" and first["speaker"] == "Anna" and first["words"] == "17"
    interviewer = next(r for r in table if r[-1] == "Tell me about supervision.")
    assert interviewer[6:8] == ["Interviewer", "no"]
    again = tmp_path / "again.csv"
    cli("export", hand, "codings", "-o", again)
    assert again.read_bytes() == out.read_bytes()


def test_export_matrix_and_crosstab(cli: Callable[..., Result], hand: Path, tmp_path: Path) -> None:
    cli("export", hand, "matrix", "-o", tmp_path / "m.csv")
    m = rows((tmp_path / "m.csv").read_text(encoding="utf-8"))
    assert m[0] == ["code", "depth", "a1", "b2", "c3", "total"]
    assert m[1] == ["Support", "0", "2", "3", "2", "7"]
    result = cli("export", hand, "crosstab", "--by", "gender", "--unit", "speaker")
    x = rows(result.output)
    assert x[0][2:5] == [
        "gender=female passages",
        "gender=female participants with code",
        "gender=female % of 2 participants",
    ]
    supervision = next(r for r in x if r[0] == "Supervision")
    assert supervision[2:] == ["1", "1", "50.0", "2", "2", "100.0"]
    by_role = rows(cli("export", hand, "crosstab", "--by", "role").output)
    joy = next(r for r in by_role if r[0] == "Joy")
    assert joy[2:] == ["1", "1", "50.0", "1", "1", "100.0"]
    for name in ("m.csv",):
        first = (tmp_path / name).read_bytes()
        cli("export", hand, "matrix", "-o", tmp_path / name)
        assert (tmp_path / name).read_bytes() == first


def test_cooccur_modes(cli: Callable[..., Result], hand: Path) -> None:
    out = cli("cooccur", hand, "--format", "csv").output
    # Sorted by count, then Jaccard.
    assert rows(out)[1:3] == [
        ["Workload", "Burnout", "2", "4", "0.5000", "4", "2"],
        ["Peer support", "Supervision", "2", "7", "0.2857", "5", "4"],
    ]
    turn = rows(cli("cooccur", hand, "--same-turn", "--format", "csv").output)
    assert turn[1][:5] == ["Workload", "Burnout", "2", "3", "0.6667"]
    near = rows(cli("cooccur", hand, "--within-sentences", "2", "--format", "csv").output)
    assert near[1][:5] == ["Peer support", "Workload", "3", "3", "1.0000"]
    assert near[2][:5] == ["Peer support", "Supervision", "3", "4", "0.7500"]
    themes = cli("cooccur", hand, "--themes")
    assert "Support" in themes.output and "Stress" in themes.output
    data = json.loads(cli("cooccur", hand, "--format", "json", "--min", "2").output)
    assert all(p["count"] >= 2 for p in data["pairs"])


def test_summary_command_formats(cli: Callable[..., Result], hand: Path, tmp_path: Path) -> None:
    for name in ("s.md", "s.html", "s.docx", "s.json"):
        result = cli("summary", hand, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 500
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["format"] == (
        "qualcode-summary"
    )
    stdout = cli("summary", hand, "--theme", "Joy", "--quotes", "1", "--coder", "alice")
    assert "### 1. Joy" in stdout.output and "Filters: coders: alice" in stdout.output
    overlap = cli("summary", hand, "--cooccur", "overlap", "--theme", "Stress")
    assert "| Support | Stress | 1 | 10 | 0.10 |" in overlap.output
    near = cli("summary", hand, "--cooccur", "2", "--theme", "Stress")
    assert "are at most 2 sentences apart" in near.output
    explicit = cli("summary", hand, "--format", "html", "-o", tmp_path / "x.out")
    assert explicit.exit_code == 0
    assert (tmp_path / "x.out").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("summary", "{p}", "--format", "docx"), "DOCX needs a file"),
        (("summary", "{p}", "--theme", "Nope"), "no code named 'Nope'"),
        (("summary", "{p}", "--quotes", "-1"), "--quotes must be 0 or more"),
        (("summary", "{p}", "--cooccur", "near"), "--cooccur must be turn, overlap or a number"),
        (("summary", "{p}", "-o", "{d}/missing/s.md"), "folder does not exist"),
        (("stats", "{p}", "--where", "role"), "KEY=VALUE"),
        (("stats", "{p}", "--document", "zz"), "no document named 'zz'"),
        (("export", "{p}", "crosstab"), "needs --by"),
        (("export", "{p}", "matrix", "--by", "role"), "--by only applies"),
        (("export", "{p}", "crosstab", "--by", "age"), "no document in scope has an attribute"),
        (("cooccur", "{p}", "--same-turn", "--within-sentences", "1"), "either"),
        (("cooccur", "{p}", "--within-sentences", "-1"), "0 or more"),
        (("stats", "{d}/nothing.qc"), "no such project file"),
    ],
)
def test_user_errors_are_one_line(
    cli: Callable[..., Result], hand: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    before = dump(hand)
    result = cli(*(a.format(p=hand, d=tmp_path) for a in args))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stderr.startswith("error: ")
    assert dump(hand) == before


def test_help_has_examples(cli: Callable[..., Result]) -> None:
    for command in ("summary", "stats", "export", "cooccur"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output and "qualcode " in result.output


def test_readme_shareable_report_runs(
    cli: Callable[..., Result], tmp_path: Path, demo_copy: Callable[[Path], Path]
) -> None:
    """The README's shareable-report section runs as written on the demo project, and what it
    writes holds none of the names it lists."""
    import re
    import shlex
    import zipfile

    from tests.test_readme import README

    demo_copy(tmp_path / "study.qc")
    heading = "A report to paste into a paper and send to a co-author"
    section = README.read_text(encoding="utf-8").split(f"## {heading}", 1)[1].split("\n## ")[0]
    commands = [
        shlex.split(line.split(" # ", 1)[0].strip())[1:]
        for block in re.findall(r"```sh\n(.*?)```", section, re.S)
        for line in block.splitlines()
        if line.startswith("qualcode ")
    ]
    assert len(commands) == 8
    for argv in commands:
        result = cli(*argv)
        assert result.exit_code == 0, (argv, result.output)
    for name in ("shared.docx", "shared.html", "memos.docx", "gp01.html", "shared.qc"):
        data = (tmp_path / name).read_bytes()
        if name.endswith(".docx"):
            with zipfile.ZipFile(tmp_path / name) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        assert data and b"Astrid" not in data and b"Bjorn" not in data, name
