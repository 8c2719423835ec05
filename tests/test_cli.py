"""The qualcode command: every command works, and bad input gives exit 1, one line on stderr,
and an unchanged project file."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from click.testing import Result

from qualcode.resources import default_codebook
from tests.conftest import dump

Run = Callable[..., Result]

INTERVIEW = (
    "Interviewer: How was it?\nAnna: I felt alone before. Now I am not alone.\n"
    "Interviewer: Why?\nAnna: The group.\n"
)


@pytest.fixture
def study(cli: Run, tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "gp01.txt").write_text(INTERVIEW, encoding="utf-8")
    (tmp_path / "in" / "gp02.md").write_text(
        "---\nrole: leader\n---\nInterviewer: And you?\nBo: Rivalry, mostly.\n"
        "Interviewer: More?\nBo: No.\n",
        encoding="utf-8",
    )
    (tmp_path / "people.csv").write_text(
        "document,country\ngp01,Sweden\ngp02,UK\n", encoding="utf-8"
    )
    assert cli("init", "study.qc").exit_code == 0
    result = cli("import", "study.qc", "in", "--attributes", "people.csv")
    assert result.exit_code == 0, result.output
    assert "2 imported, 0 skipped, 0 failed" in result.output
    book = tmp_path / "book.yaml"
    book.write_text(
        "name: Tiny\nthemes:\n  - label: Security\n    codes:\n"
        "      - label: Not alone\n        keywords: [not alone]\n"
        "  - label: Rivalry\n",
        encoding="utf-8",
    )
    assert cli("codebook", "load", "study.qc", "book.yaml").exit_code == 0
    return tmp_path / "study.qc"


def assert_user_error(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_every_command_has_help_with_an_example(cli: Run) -> None:
    from qualcode.cli import main

    def walk(group, prefix):  # type: ignore[no-untyped-def]
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, [*prefix, name])
            else:
                yield [*prefix, name]

    for path in walk(main, []):
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "qualcode " in result.output and "Example" in result.output, path


def test_import_lists_documents_speakers_attributes(cli: Run, study: Path) -> None:
    out = cli("docs", str(study), "--json").output
    docs = {d["name"]: d for d in json.loads(out)}
    assert docs["gp01"]["attributes"] == {"country": "Sweden"}
    assert docs["gp02"]["attributes"] == {"country": "UK", "role": "leader"}
    assert docs["gp01"]["speakers"] == 2
    speakers = cli("speakers", str(study)).output
    assert "Anna" in speakers and "Bo" in speakers
    assert cli("speakers", str(study), "gp01", "--rename", "Anna", "GP Anna").exit_code == 0
    assert "GP Anna" in cli("speakers", str(study), "gp01").output


def test_code_by_offsets_and_by_text_then_uncode_undo_redo(cli: Run, study: Path) -> None:
    start = INTERVIEW.index("Now I am")
    result = cli("code", str(study), "gp01", "Not alone", "--start", start, "--end", start + 18)
    assert result.exit_code == 0, result.output
    result = cli(
        "code",
        str(study),
        "gp02",
        "Rivalry",
        "Security",
        "--text",
        "Rivalry, mostly.",
        "--memo",
        "both",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(cli("codings", str(study), "--format", "json").output)
    assert [(r["document"], r["code"], r["text"], r["coder"]) for r in rows] == [
        ("gp01", "Not alone", "Now I am not alone", "tester"),
        ("gp02", "Rivalry", "Rivalry, mostly.", "tester"),
        ("gp02", "Security", "Rivalry, mostly.", "tester"),
    ]
    assert rows[1]["memo"] == "both"
    theme = json.loads(
        cli("codings", str(study), "--code", "Security", "--theme", "--format", "json").output
    )
    assert {r["code"] for r in theme} == {"Not alone", "Security"}
    assert cli("uncode", str(study), str(rows[0]["id"])).exit_code == 0
    assert len(json.loads(cli("codings", str(study), "--format", "json").output)) == 2
    assert "Undone: Removed" in cli("undo", str(study)).output
    assert len(json.loads(cli("codings", str(study), "--format", "json").output)) == 3
    assert "Redone: Removed" in cli("redo", str(study)).output
    assert "Nothing to redo" in cli("redo", str(study)).output
    log = cli("log", str(study)).output
    assert "tester: Redo: Removed" in log and "Imported gp01" in log
    csv_out = cli("codings", str(study), "--format", "csv").output
    from qualcode.codings_csv import COLUMNS

    assert csv_out.splitlines()[0] == ",".join(COLUMNS)  # the schema `export codings` writes


def test_coder_option_and_environment(cli: Run, study: Path) -> None:
    cli("code", str(study), "gp01", "Not alone", "--text", "not alone", "--coder", "maria")
    rows = json.loads(cli("codings", str(study), "--format", "json").output)
    assert rows[0]["coder"] == "maria"
    # tester's last action loaded the codebook; maria's coding now depends on its codes.
    assert_user_error(cli("undo", str(study)), "later changes depend on it")
    assert "Nothing to undo" in cli("undo", str(study), "--coder", "nobody").output


def test_memos_codes_and_codebook_export(cli: Run, study: Path, tmp_path: Path) -> None:
    assert cli("memo", str(study), "Project-wide thought").exit_code == 0
    assert cli("memo", str(study), "--on", "code", "--target", "Rivalry", "Check").exit_code == 0
    assert "tester: Check" in cli("memo", str(study), "--on", "code").output
    assert cli("codes", "add", str(study), "Loneliness", "--parent", "Security").exit_code == 0
    assert cli("codes", "rename", str(study), "Loneliness", "Isolation").exit_code == 0
    assert cli("codes", "move", str(study), "Isolation").exit_code == 0
    assert cli("codes", "merge", str(study), "Isolation", "Not alone").exit_code == 0
    cli("code", str(study), "gp02", "Rivalry", "--text", "Rivalry")
    assert_user_error(cli("codes", "delete", str(study), "Rivalry"), "--force")
    assert "1 coding" in cli("codes", "delete", str(study), "Rivalry", "--force").output
    assert cli("codebook", "export", str(study), "-o", "out.yaml").exit_code == 0
    text = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    assert "name: Tiny" in text and "Not alone" in text and "Rivalry" not in text
    shown = cli("codebook", "show", str(study), "--full").output
    assert "- Security [0 own codings, 0 with sub-codes]" in shown
    assert "Naming and handling" in cli("codebook", "show", str(default_codebook())).output


def test_search(cli: Run, study: Path) -> None:
    assert "gp01" in cli("search", str(study), "alone").output
    assert "No matches." in cli("search", str(study), "zebra").output


def make_bad_files(tmp_path: Path) -> dict[str, Path]:
    bad = tmp_path / "bad"
    bad.mkdir()
    files = {
        "corrupt.docx": b"PK\x03\x04garbage",
        "binary.txt": bytes(range(256)) * 8,
        "empty.txt": b"",
        "latin.txt": "Anna: Malmö\nBo: ja\n".encode("cp1252"),
    }
    out = {}
    for name, data in files.items():
        (bad / name).write_bytes(data)
        out[name] = bad / name
    document = docx.Document()
    document.add_paragraph("Anna: hi")
    bomb = bad / "bomb.docx"
    document.save(str(bomb))
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/zeros.bin", b"\0" * (40 * 1024 * 1024))
    out["bomb.docx"] = bomb
    (bad / "book.yaml").write_text("name: x\nthemes:\n  - label: [broken\n", encoding="utf-8")
    out["book.yaml"] = bad / "book.yaml"
    (bad / "invalid.yaml").write_text(
        "name: x\nthemes:\n  - label: A\n    color: red\n  - label: A\n", encoding="utf-8"
    )
    out["invalid.yaml"] = bad / "invalid.yaml"
    return out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "{p}", "{bad}/corrupt.docx"), "not a valid .docx"),
        (("import", "{p}", "{bad}/binary.txt"), "binary"),
        (("import", "{p}", "{bad}/empty.txt"), "empty"),
        (("import", "{p}", "{bad}/bomb.docx"), "zip bomb"),
        (("import", "{p}", "{bad}/latin.txt"), "--encoding"),
        (("import", "{p}", "{bad}/missing.txt"), "no such file"),
        (("codebook", "load", "{p}", "{bad}/book.yaml"), "malformed YAML"),
        (("codebook", "load", "{p}", "{bad}/invalid.yaml"), "2 problem(s), nothing loaded"),
        (("code", "{p}", "gp01", "Nope", "--start", "0", "--end", "3"), "no code named 'Nope'"),
        (("code", "{p}", "gp01", "Rivalry", "--start", "5", "--end", "999"), "not inside"),
        (("code", "{p}", "gp01", "Rivalry", "--text", "not in there"), "not found"),
        (("code", "{p}", "gp01", "Rivalry"), "--start and --end"),
        (("code", "{p}", "gp09", "Rivalry", "--text", "x"), "no document named 'gp09'"),
        (("uncode", "{p}", "999"), "no coding with id 999"),
        (("codes", "rename", "{p}", "Rivalry", "Security"), "already exists"),
        (("memo", "{p}", "--on", "coding", "--target", "x", "hi"), "numeric id"),
        (("speakers", "{p}", "gp01", "--rename", "Zed", "Z"), "no speaker"),
        (("docs", "{bad}/../nothere.qc"), "no such project file"),
        (("init", "{p}"), "already exists"),
    ],
)
def test_bad_input_exit_1_one_line_project_unchanged(
    cli: Run, study: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    bad = make_bad_files(tmp_path)
    before = dump(study)
    argv = [a.format(p=study, bad=bad["book.yaml"].parent) for a in args]
    assert_user_error(cli(*argv), message)
    assert dump(study) == before


def test_import_reports_each_failure_and_keeps_the_good_ones(
    cli: Run, study: Path, tmp_path: Path
) -> None:
    bad = make_bad_files(tmp_path)
    good = tmp_path / "good.txt"
    good.write_text("Anna: fine.\nBo: yes.\n", encoding="utf-8")
    result = cli("import", str(study), str(bad["binary.txt"]), str(good), str(bad["empty.txt"]))
    assert result.exit_code == 1
    assert "1 imported, 0 skipped, 2 failed" in result.output
    assert "binary.txt" in result.stderr and "empty.txt" in result.stderr
    names = [d["name"] for d in json.loads(cli("docs", str(study), "--json").output)]
    assert names == ["good", "gp01", "gp02"]


def test_encoding_fallback_via_cli(cli: Run, study: Path, tmp_path: Path) -> None:
    bad = make_bad_files(tmp_path)
    result = cli("import", str(study), str(bad["latin.txt"]), "--encoding", "cp1252")
    assert result.exit_code == 0
    assert "Anna: Malmö" in cli("docs", str(study), "--show", "latin").output


def test_unexpected_errors_are_one_line_too(cli: Run, study: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from qualcode.store import Project

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Project, "close", boom)
    assert_user_error(cli("docs", str(study)), "internal error (RuntimeError: disk on fire)")


def test_bare_project_path_means_open(cli: Run) -> None:
    from qualcode.cli import main

    ctx = main.make_context("qualcode", ["study.qc"])
    name, command, rest = main.resolve_command(ctx, ["study.qc"])
    assert name == "open" and rest == ["study.qc"]


def test_newer_project_is_read_only_from_the_cli(cli: Run, study: Path) -> None:
    import sqlite3

    from qualcode.store import SCHEMA_VERSION

    conn = sqlite3.connect(study)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    listing = cli("docs", str(study))
    assert listing.exit_code == 0 and "gp01" in listing.stdout
    assert "made by a newer qualcode; opened read-only" in listing.stderr
    before = dump(study)
    result = cli("code", str(study), "gp01", "Rivalry", "--text", "The group.")
    assert result.exit_code == 1 and "upgrade qualcode" in result.stderr
    assert dump(study) == before


def test_codebook_load_checks_patterns_with_spacy(cli: Run, study: Path, tmp_path: Path) -> None:
    book = tmp_path / "patterns.yaml"
    book.write_text(
        "name: Bad patterns\nthemes:\n  - label: Security\n    codes:\n"
        "      - label: Lonely\n        patterns:\n"
        '          - [{LENGTH: "long"}]\n'
        '          - [{LOWER: not}, {LOWER: {REGEX: "(unclosed"}}]\n',
        encoding="utf-8",
    )
    before = dump(study)
    result = cli("codebook", "load", str(study), str(book))
    assert_user_error(result, "2 problem(s), nothing loaded")
    assert "themes[0].codes[0].patterns[0][0].LENGTH: input should be a valid integer" in (
        result.stderr
    )
    assert "themes[0].codes[0].patterns[1][1].LOWER.REGEX: bad regular expression" in (
        result.stderr
    )
    assert dump(study) == before
    assert cli("codebook", "load", str(study), str(default_codebook())).exit_code == 0


def test_demo_opens_the_workbench_only_in_a_terminal(cli: Run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import qualcode.commands.demo
    import qualcode.commands.workbench

    opened: list[tuple[Path, str]] = []
    monkeypatch.setattr(
        qualcode.commands.workbench, "open_workbench", lambda p, c: opened.append((p, c))
    )
    monkeypatch.setattr(qualcode.commands.demo, "_interactive", lambda: False)
    printed = cli("demo", str(tmp_path / "d"))
    assert printed.exit_code == 0 and "Open it: qualcode open" in printed.output
    assert opened == []
    monkeypatch.setattr(qualcode.commands.demo, "_interactive", lambda: True)
    assert cli("demo", str(tmp_path / "d"), "--no-open").exit_code == 0
    assert opened == []
    assert cli("demo", str(tmp_path / "d")).exit_code == 0
    assert opened == [(tmp_path / "d" / "demo.qc", "tester")]
