"""REFI-QDA export: valid, deterministic, complete; and the round trip back into qualcode."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from qualcode.cli import QualcodeGroup
from qualcode.commands.refi import export_refi_command, import_refi_files, load_qdc_command
from qualcode.interop.codefields import parse_description
from qualcode.interop.exchange import export_refi, import_qdpx, load_qdc
from qualcode.store import Project
from tests.conftest import simple_document
from tests.test_refi_helpers import validator

P = "{urn:QDA-XML:project:1.0}"
CB = "{urn:QDA-XML:codebook:1.0}"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PROJECT_ORDER = [
    "Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
    "Description", "NoteRef",
]  # fmt: skip

EMOJI_TEXT = (
    "Interviewer: Anything else? 😀\n"
    "Mira: Yes 👩‍👩‍👧 my family, e\u0301 and Ελλάδα, مرحبا, 日本語 𠀀. The group helped me."
)


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory, demo_master: Path) -> Path:
    """The demo project with what the demo lacks: a second coder, memos on everything, speaker
    attributes and a document in several scripts with emoji."""
    path = tmp_path_factory.mktemp("demo") / "demo.qc"
    shutil.copy(demo_master, path)
    with Project.open(path, coder="demo") as project:
        doc = project.documents.get("gp02_bjorn")
        project.memos.set("project", None, "Project memo: why these GPs.")
        project.memos.set("document", doc.name, "Bjorn speaks slowly.\nTwo lines.")
        project.memos.set("code", "Preventing burnout", "Code memo <with> & markup")
        first = project.codings.list(document=doc.name)[0]
        project.memos.set("coding", first.id, "Coding memo 😀")
        speaker = next(s for s in project.documents.speakers(doc.name) if s.name != "Interviewer")
        project.documents.set_speaker_attribute(doc.name, speaker.name, "age", "54")
        project.documents.add(simple_document("emoji_mira", EMOJI_TEXT))
        passage = "The group helped me."
        start = EMOJI_TEXT.index(passage)
        project.codings.add("emoji_mira", "Preventing burnout", start, start + len(passage))
        start = EMOJI_TEXT.index("日本語 𠀀")
        project.codings.add("emoji_mira", "Member's needs", start, start + 5)
    with Project.open(path, coder="second") as project:
        project.codings.add("emoji_mira", "Preventing burnout", start, start + 5)
        project.memos.set("code", "Preventing burnout", "Second coder's view.")
        project.memos.set("coding", first.id, "I would not code this.")
    return path


def export(project_path: Path, kind: str, out: Path) -> bytes:
    with Project.open(project_path, coder="demo") as project:
        export_refi(project, kind, out)
    return out.read_bytes()


def project_xml(qdpx: Path) -> tuple[ET.Element, dict[str, bytes]]:
    with zipfile.ZipFile(qdpx) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())
    return ET.fromstring(members["project.qde"]), members


def test_export_is_deterministic(demo_project: Path, tmp_path: Path) -> None:
    assert export(demo_project, "qdpx", tmp_path / "a.qdpx") == export(
        demo_project, "qdpx", tmp_path / "b.qdpx"
    )
    assert export(demo_project, "qdc", tmp_path / "a.qdc") == export(
        demo_project, "qdc", tmp_path / "b.qdc"
    )


def test_exports_validate_against_the_official_schemas(demo_project: Path, tmp_path: Path) -> None:
    project_schema = validator("Project-mrt2019.xsd")
    codebook_schema = validator("Codebook.xsd")
    if project_schema is None or codebook_schema is None:
        pytest.skip("../shared/refi (the official schemas) is not beside this checkout")
    from lxml import etree

    export(demo_project, "qdpx", tmp_path / "s.qdpx")
    _, members = project_xml(tmp_path / "s.qdpx")
    qde = etree.fromstring(members["project.qde"])
    assert project_schema.validate(qde), project_schema.error_log
    qdc = etree.fromstring(export(demo_project, "qdc", tmp_path / "s.qdc"))
    assert codebook_schema.validate(qdc), codebook_schema.error_log


def test_export_structure(demo_project: Path, tmp_path: Path) -> None:
    """What the schema checks, and the references it cannot, without ../shared."""
    export(demo_project, "qdpx", tmp_path / "s.qdpx")
    root, members = project_xml(tmp_path / "s.qdpx")
    assert root.tag == f"{P}Project" and root.get("name") and root.get("origin")
    order = [child.tag.removeprefix(P) for child in root]
    assert order == sorted(order, key=PROJECT_ORDER.index)
    guids = [el.get("guid") for el in root.iter() if el.get("guid") is not None]
    assert len(guids) == len(set(guids)) and all(GUID.match(g or "") for g in guids)

    def of(tag: str) -> set[str]:
        return {el.get("guid") or "" for el in root.iter(f"{P}{tag}")}

    users, codes, notes, sources = of("User"), of("Code"), of("Note"), of("TextSource")
    variables = of("Variable")
    assert {u.get("name") for u in root.iter(f"{P}User")} == {"demo", "second"}
    for el in root.iter():
        for attr in ("creatingUser", "creatingUserGUID"):
            if el.get(attr) is not None:
                assert el.get(attr) in users
    assert all(r.get("targetGUID") in codes for r in root.iter(f"{P}CodeRef"))
    assert all(r.get("targetGUID") in notes for r in root.iter(f"{P}NoteRef"))
    assert all(r.get("targetGUID") in sources for r in root.iter(f"{P}SourceRef"))
    assert all(r.get("targetGUID") in variables for r in root.iter(f"{P}VariableRef"))
    referenced = {r.get("targetGUID") for r in root.iter(f"{P}NoteRef")}
    assert referenced == notes  # every memo annotates something
    for code in root.iter(f"{P}Code"):
        assert code.get("isCodable") == "true" and code.get("name")
    with Project.open(demo_project) as project:
        docs = {d.guid: project.documents.get(d.id) for d in project.documents.all()}
        codings = {c.guid: c for c in project.codings.list()}
        code_guid = {c.name: c.guid for c in project.codebook.codes()}
        memos = {m.guid: m for m in project.memos.list()}
    assert sources == set(docs)
    seen = set()
    for source in root.iter(f"{P}TextSource"):
        guid = source.get("guid") or ""
        assert source.get("plainTextPath") == f"internal://{guid}.txt"
        text = members[f"sources/{guid}.txt"].decode("utf-8")
        assert text == docs[guid].text and source.get("name") == docs[guid].name
        for sel in source.iter(f"{P}PlainTextSelection"):
            start, end = int(sel.get("startPosition") or ""), int(sel.get("endPosition") or "")
            for coding in sel.iter(f"{P}Coding"):
                stored = codings[coding.get("guid") or ""]
                seen.add(stored.guid)
                assert (stored.start, stored.end, stored.document) == (start, end, docs[guid].name)
                assert text[start:end] == stored.text
                ref = coding.find(f"{P}CodeRef")
                assert ref is not None and ref.get("targetGUID") == code_guid[stored.code]
                assert coding.get("creationDateTime", "").endswith("Z")
    assert seen == set(codings)
    assert {n.get("guid") for n in root.iter(f"{P}Note")} == set(memos)
    for note in root.iter(f"{P}Note"):
        content = note.find(f"{P}PlainTextContent")
        assert content is not None and content.text == memos[note.get("guid") or ""].text


def test_code_descriptions_carry_the_macqueen_fields(demo_project: Path, tmp_path: Path) -> None:
    root = ET.fromstring(export(demo_project, "qdc", tmp_path / "c.qdc"))
    assert root.tag == f"{CB}CodeBook"
    with Project.open(demo_project) as project:
        codes = {c.guid: c for c in project.codebook.codes()}
    described = 0
    for el in root.iter(f"{CB}Code"):
        code = codes[el.get("guid") or ""]
        desc = el.find(f"{CB}Description")
        text = desc.text if desc is not None else ""
        fields = parse_description(text or "")
        assert fields.get("brief", "") == code.brief
        assert fields.get("definition", "") == code.definition
        assert fields.get("when_to_use", "") == code.when_to_use
        assert fields.get("when_not_to_use", "") == code.when_not_to_use
        assert fields.get("example", "") == code.example
        assert fields.get("keywords", []) == code.keywords
        assert fields.get("patterns", []) == code.patterns
        if code.when_to_use:
            assert f"\n\nWhen to use: {code.when_to_use}" in (text or "")
            described += 1
    assert described > 10


def test_positions_are_code_points(demo_project: Path, tmp_path: Path) -> None:
    export(demo_project, "qdpx", tmp_path / "e.qdpx")
    root, _ = project_xml(tmp_path / "e.qdpx")
    source = next(s for s in root.iter(f"{P}TextSource") if s.get("name") == "emoji_mira")
    spans = {
        (int(s.get("startPosition") or ""), int(s.get("endPosition") or ""))
        for s in source.iter(f"{P}PlainTextSelection")
    }
    passage = "The group helped me."
    start = EMOJI_TEXT.index(passage)
    assert (start, start + len(passage)) in spans
    utf16_start = len(EMOJI_TEXT[:start].encode("utf-16-le")) // 2
    assert utf16_start != start  # the test text really tells the two apart


def _snapshot(path: Path) -> dict[str, Any]:
    with Project.open(path, coder="demo") as project:
        docs = project.documents.all()
        return {
            "documents": {
                d.name: (
                    project.documents.get(d.id).text,
                    d.guid,
                    project.documents.attributes(d.id),
                )
                for d in docs
            },
            "codes": [
                (
                    c.name,
                    c.parent,
                    c.brief,
                    c.definition,
                    c.when_to_use,
                    c.when_not_to_use,
                    c.example,
                    c.color,
                    c.keywords,
                    c.patterns,
                    c.guid,
                )
                for c in project.codebook.codes()
            ],  # fmt: skip
            "coders": project.codings.coders(),
            "codings": sorted(
                (c.document, c.code, c.start, c.end, c.coder, c.guid, c.created_at, c.text)
                for c in project.codings.list()
            ),
            "memos": sorted(
                (m.target_type, m.target, m.coder, m.text, m.guid, m.created_at, m.updated_at)
                for m in project.memos.list()
            ),
            "speakers": sorted(
                (s.document, s.name, sorted(s.attributes.items()))
                for s in project.documents.speakers()
                if s.attributes
            ),
        }


def test_round_trip_gives_back_the_same_project(demo_project: Path, tmp_path: Path) -> None:
    export(demo_project, "qdpx", tmp_path / "study.qdpx")
    fresh = tmp_path / "fresh.qc"
    with Project.create(fresh, coder="demo") as project:
        report = import_qdpx(project, tmp_path / "study.qdpx")
    assert report.skipped == [] and report.adapted == []
    before, after = _snapshot(demo_project), _snapshot(fresh)
    for key in before:
        assert after[key] == before[key], key
    assert len(after["memos"]) >= 6 and len(after["coders"]) == 2  # the demo has memos too


def test_round_trip_of_the_codebook(demo_project: Path, tmp_path: Path) -> None:
    export(demo_project, "qdc", tmp_path / "book.qdc")
    fresh = tmp_path / "fresh.qc"
    with Project.create(fresh, coder="demo") as project:
        report = load_qdc(project, tmp_path / "book.qdc")
    assert report.codes.added == len(_snapshot(demo_project)["codes"])
    assert _snapshot(fresh)["codes"] == _snapshot(demo_project)["codes"]


def test_an_empty_project_exports_and_its_codebook_is_refused(tmp_path: Path) -> None:
    with Project.create(tmp_path / "empty.qc") as project:
        export_refi(project, "qdpx", tmp_path / "empty.qdpx")
        root, members = project_xml(tmp_path / "empty.qdpx")
        assert list(root) == [] and list(members) == ["project.qde"]
        with pytest.raises(Exception, match="no codes"):
            export_refi(project, "qdc", tmp_path / "empty.qdc")


def test_text_xml_cannot_carry_is_dropped_not_fatal(tmp_path: Path) -> None:
    with Project.create(tmp_path / "c.qc", coder="x") as project:
        project.codebook.add("Bell", brief="rings \x07 here")
        project.memos.set("project", None, "escape \x1b[2J done")
        export_refi(project, "qdpx", tmp_path / "c.qdpx")
    root, _ = project_xml(tmp_path / "c.qdpx")
    assert "\x07" not in ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------- the command helpers


@click.group(cls=QualcodeGroup)
def app() -> None:
    """Stand-ins for the import, codebook load and export commands' hand-over."""


@app.command("imp")
@click.argument("project", type=click.Path(path_type=Path))
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def _imp(project: Path, files: tuple[Path, ...]) -> None:
    rest = import_refi_files(project, files, "tester")
    click.echo(f"rest: {[str(f) for f in rest]}")


@app.command("load")
@click.argument("project", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path))
def _load(project: Path, file: Path) -> None:
    load_qdc_command(project, file, "tester")


@app.command("exp")
@click.argument("project", type=click.Path(path_type=Path))
@click.argument("kind")
@click.option("-o", "--output", type=click.Path(path_type=Path))
def _exp(project: Path, kind: str, output: Path | None) -> None:
    export_refi_command(project, kind, output)


def test_command_helpers(demo_project: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli.qdpx"
    result = runner.invoke(app, ["exp", str(demo_project), "qdpx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "codings" in result.output and out.exists()
    result = runner.invoke(app, ["exp", str(demo_project), "qdpx"])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "-o" in result.output
    result = runner.invoke(app, ["exp", str(demo_project), "qdc"])
    assert result.exit_code == 0 and result.output.startswith("<?xml")
    result = runner.invoke(app, ["exp", str(demo_project), "qdpx", "-o", str(demo_project)])
    assert result.exit_code == 1 and "project file" in result.output
    target = tmp_path / "t.qc"
    Project.create(target).close()
    result = runner.invoke(app, ["imp", str(target), str(out), "x.txt"])
    assert result.exit_code == 0, result.output
    assert "documents: 10 added" in result.output and "rest: ['x.txt']" in result.output
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"PK\x03\x04 broken")
    result = runner.invoke(app, ["imp", str(target), str(bad)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("error: ")
    book = tmp_path / "b.qdc"
    book.write_bytes(runner.invoke(app, ["exp", str(demo_project), "qdc"]).output.encode())
    result = runner.invoke(app, ["load", str(tmp_path / "t.qc"), str(book)])
    with Project.open(demo_project) as demo:
        codes = len(demo.codebook.codes())
    assert result.exit_code == 0 and f"codes: 0 added, {codes} matched" in result.output
