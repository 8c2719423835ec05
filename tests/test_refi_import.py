"""Importing REFI-QDA projects and codebooks written by other tools, leniently and safely."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.errors import IngestError, QualcodeError
from qualcode.interop.exchange import import_qdpx, load_qdc
from qualcode.interop.qdpx_read import read_qdpx
from qualcode.store import Project
from tests.conftest import dump
from tests.test_refi_helpers import make_qdpx, utf16

NS = 'xmlns="urn:QDA-XML:project:1.0"'

U1 = "088B08AC-D5CD-4ADB-8B71-B4F3459C177F"
U2 = "c32a2bd5-537f-4838-8b17-df9efbafdf4b"
C1 = "A182CD3A-D83C-4D8C-BC80-26D9103EC6D6"
C2 = "2D2466F0-D77F-4F8C-BDF9-628966B6B74D"
C3 = "086AC733-7B1C-4749-A138-D7182F63A5C9"
SRC = "C5E4C960-5296-4FDE-8C63-DEABA4E17F92"
V1 = "11111111-2222-3333-4444-555555555555"

# As another tool keeps it on disk: a byte-order mark and Windows line endings.
RAW = (
    "Interviewer: How was it? 😀\r\n"
    "Anna: I felt angry with her 😀. Then I understood why.\r\n"
    "Interviewer: And now?\r\n"
    "Anna: Now I am not alone 🇸🇪 with it. Ελλάδα и 日本語.\r\n"
)
STORED = RAW.replace("\r\n", "\n")
P1 = "I felt angry with her"
P2 = "Now I am not alone 🇸🇪 with it"


def _units(passage: str) -> tuple[int, int]:
    """The passage's span as a UTF-16 tool counts it in the file's text (CRLF as two)."""
    start = RAW.index(passage)
    return utf16(RAW, start), utf16(RAW, start + len(passage))


def nvivo_like(tmp_path: Path, name: str = "lenient.qdpx") -> Path:
    s1, e1 = _units(P1)
    s2, e2 = _units(P2)
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="Lenient study" origin="SomeTool 12">
  <Users>
    <User guid="{U1}" name="Alice"/>
    <User guid="{{{U2}}}" name="Bob"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="{C1}" name="Feelings" isCodable="false" color="#ABC">
      <Description/>
      <Code guid="{C2}" name="Anger" isCodable="true"><Description>Anger at a patient</Description></Code>
    </Code>
    <Code guid="{C3}" name="Relief" isCodable="true" color="nonsense"/>
  </Codes></CodeBook>
  <Variables><Variable guid="{V1}" name="role" typeOfVariable="Text"/></Variables>
  <Cases><Case guid="99999999-2222-3333-4444-555555555555" name="Anna">
    <VariableValue><VariableRef targetGUID="{V1}"/><TextValue>gp</TextValue></VariableValue>
    <SourceRef targetGUID="{SRC.lower()}"/>
  </Case></Cases>
  <Sources>
    <TextSource guid="{SRC}" name="Interview Anna" plainTextPath="{SRC}.txt">
      <Description/>
      <PlainTextSelection guid="aaaaaaaa-0000-0000-0000-000000000001" startPosition="{s1}" endPosition="{e1}" creatingUser="{U1}">
        <Coding guid="bbbbbbbb-0000-0000-0000-000000000001" creatingUser="{{{U2}}}"><CodeRef targetGUID="{C2}"/>
          <NoteRef targetGUID="cccccccc-0000-0000-0000-000000000001"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="aaaaaaaa-0000-0000-0000-000000000002" startPosition="{s1}" endPosition="{e1}" creatingUser="{U1}">
        <Coding guid="bbbbbbbb-0000-0000-0000-000000000002" creatingUser="{U1}"><CodeRef targetGUID="{C1.lower()}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="aaaaaaaa-0000-0000-0000-000000000003" startPosition="{s2}" endPosition="{e2}">
        <Coding guid="bbbbbbbb-0000-0000-0000-000000000003"><CodeRef targetGUID="{C3}"/></Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="cccccccc-0000-0000-0000-000000000002"/>
    </TextSource>
    <AudioSource guid="dddddddd-0000-0000-0000-000000000001" name="Recording" path="internal://rec.mp3">
      <AudioSelection guid="dddddddd-0000-0000-0000-000000000002" begin="0" end="10"/>
    </AudioSource>
    <PictureSource guid="dddddddd-0000-0000-0000-000000000003" name="Photo" path="internal://p.png"/>
  </Sources>
  <Notes>
    <Note guid="cccccccc-0000-0000-0000-000000000001" name="Why angry" creatingUser="{U2}" creationDateTime="2024-03-01T10:00:00Z">
      <PlainTextContent>Anger at the patient, not the group.</PlainTextContent>
    </Note>
    <Note guid="{{CCCCCCCC-0000-0000-0000-000000000002}}" creatingUser="{U1}">
      <PlainTextContent>Short interview.</PlainTextContent>
    </Note>
  </Notes>
  <Sets/>
</Project>"""
    return make_qdpx(
        tmp_path / name,
        {
            "Lenient study.qde": qde,
            f"Sources/{SRC}.txt": b"\xef\xbb\xbf" + RAW.encode("utf-8"),
            "Sources/preview.png": b"\x89PNG not really",
            "readme.txt": "extra entry",
        },
    )


def test_lenient_project_lands_on_the_right_text(tmp_path: Path) -> None:
    path = nvivo_like(tmp_path)
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = import_qdpx(project, path)
        doc = project.documents.get("Interview Anna")
        assert doc.text == STORED
        assert doc.guid == SRC.lower()
        codings = {(c.code, c.text, c.coder) for c in project.codings.list()}
        assert codings == {
            ("Anger", P1, "Bob"),  # the Coding's creatingUser, not the selection's
            ("Feelings", P1, "Alice"),  # the same selection repeated for a second code
            ("Relief", P2, "me"),  # no creatingUser anywhere: the importing coder
        }
        tree = {c.name: c.parent for c in project.codebook.codes()}
        assert tree == {"Feelings": None, "Anger": "Feelings", "Relief": None}
        feelings = project.codebook.find("Feelings")
        assert feelings is not None and feelings.color == "#aabbcc"
        assert feelings.guid == C1.lower()
        anger = project.codebook.find("Anger")
        assert anger is not None and anger.brief == "Anger at a patient"
        memos = {(m.target_type, m.coder, m.text) for m in project.memos.list()}
        assert ("coding", "Bob", "Why angry\n\nAnger at the patient, not the group.") in memos
        assert ("document", "Alice", "Short interview.") in memos
        speakers = {s.name: s.attributes for s in project.documents.speakers(doc.name)}
        assert speakers["Anna"] == {"role": "gp"}
        assert set(project.codings.coders()) >= {"Alice", "Bob"}
    text = "\n".join(report.lines())
    assert "UTF-16" in text
    assert "Lenient study.qde" in text
    assert "CRLF" in text and "byte-order mark" in text
    assert "GUIDs" in text
    assert "internal://" in text and "'Sources/'" in text
    assert "audio source 'Recording' with 1 selection(s): not text" in text
    assert "picture source 'Photo'" in text
    assert "colour 'nonsense'" in text
    assert "not codable" in text


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    path = nvivo_like(tmp_path)
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        import_qdpx(project, path)
        before = (
            len(project.codings.list()),
            len(project.memos.list()),
            len(project.codebook.codes()),
        )
        report = import_qdpx(project, path)
        after = (
            len(project.codings.list()),
            len(project.memos.list()),
            len(project.codebook.codes()),
        )
        assert before == after
        assert report.documents.added == report.codes.added == report.codings.added == 0
        assert report.documents.matched == 1 and report.codes.matched == 3
        assert len(project.documents.all()) == 1


def test_beside_existing_work_codes_and_coders_match_by_name(tmp_path: Path) -> None:
    path = nvivo_like(tmp_path)
    with Project.create(tmp_path / "p.qc", coder="Alice") as project:
        project.codebook.add("anger", brief="mine")  # another GUID, the name in another case
        report = import_qdpx(project, path)
        names = [c.name for c in project.codebook.codes()]
        assert names.count("anger") == 1 and "Anger" not in names
        assert project.codebook.find("anger").brief == "mine"  # type: ignore[union-attr]
        assert {c.code for c in project.codings.list()} >= {"anger"}
        assert "code 'anger' by name" in report.matched
        assert report.coders.matched == 1


def test_a_taken_document_name_with_other_text_is_renamed(tmp_path: Path) -> None:
    from tests.conftest import simple_document

    path = nvivo_like(tmp_path)
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        project.documents.add(simple_document("Interview Anna"))
        report = import_qdpx(project, path)
        assert project.documents.get("Interview Anna (2)").text == STORED
    assert any("imported as 'Interview Anna (2)'" in a for a in report.adapted)


def _standard_qdpx(tmp_path: Path, text: str, spans: list[tuple[int, int]], **members: str) -> Path:
    selections = "".join(
        f'<PlainTextSelection guid="aaaaaaaa-0000-0000-0000-00000000000{i}" startPosition="{s}" '
        f'endPosition="{e}"><Coding guid="bbbbbbbb-0000-0000-0000-00000000000{i}">'
        f'<CodeRef targetGUID="{C1}"/></Coding></PlainTextSelection>'
        for i, (s, e) in enumerate(spans)
    )
    qde = (
        f'<Project {NS} name="s"><CodeBook><Codes><Code guid="{C1}" name="Code" '
        f'isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="{SRC}" name="doc" '
        f'plainTextPath="internal://{SRC}.txt">{selections}</TextSource></Sources></Project>'
    )
    return make_qdpx(
        tmp_path / "s.qdpx",
        {"project.qde": qde, f"sources/{SRC}.txt": text, **members},
    )


def test_standard_code_point_positions_with_emoji_combining_marks_and_scripts(
    tmp_path: Path,
) -> None:
    text = "😀 Café with e\u0301 and 👩‍👩‍👧 family, Ελλάδα, مرحبا, नमस्ते, 日本語 𠀀 end."
    wanted = ["e\u0301", "👩‍👩‍👧 family", "مرحبا", "नमस्ते", "日本語 𠀀", "end"]
    spans = [(text.index(w), text.index(w) + len(w)) for w in wanted]
    path = _standard_qdpx(tmp_path, text, spans)
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = import_qdpx(project, path)
        got = sorted(c.text for c in project.codings.list())
    assert got == sorted(wanted)
    assert not any("UTF-16" in a for a in report.adapted)


def test_selections_outside_the_text_are_skipped_not_fatal(tmp_path: Path) -> None:
    path = _standard_qdpx(tmp_path, "Some short text.", [(0, 4), (5, 500)])
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = import_qdpx(project, path)
        assert [c.text for c in project.codings.list()] == ["Some"]
    assert any("[5:500] is not inside the text" in s for s in report.skipped)


# ---------------------------------------------------------------- hostile archives


def _hostile(tmp_path: Path, kind: str) -> Path:
    good = f'<Project {NS} name="x"/>'
    path = tmp_path / f"{kind}.qdpx"
    if kind == "not-zip":
        path.write_bytes(b"this is not a zip file at all")
    elif kind == "bomb":
        make_qdpx(path, {"project.qde": good, "sources/big.txt": b"\0" * (30 * 1024 * 1024)})
    elif kind == "traversal":
        make_qdpx(path, {"project.qde": good, "../../etc/evil.txt": "x"})
    elif kind == "absolute":
        make_qdpx(path, {"project.qde": good, "/etc/evil.txt": "x"})
    elif kind == "entities":
        laughs = (
            '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            f'<Project {NS} name="&b;"/>'
        )
        make_qdpx(path, {"project.qde": laughs})
    elif kind == "external":
        xxe = (
            '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            f'<Project {NS} name="&x;"/>'
        )
        make_qdpx(path, {"project.qde": xxe})
    elif kind == "dtd":
        make_qdpx(
            path, {"project.qde": f'<!DOCTYPE Project SYSTEM "p.dtd"><Project {NS} name="x"/>'}
        )
    elif kind == "no-project":
        make_qdpx(path, {"sources/a.txt": "text"})
    elif kind == "broken-xml":
        make_qdpx(path, {"project.qde": f"<Project {NS} name='x'><Users>"})
    elif kind == "many":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.qde", good)
            for i in range(10_001):
                archive.writestr(f"s/{i}", "")
    return path


@pytest.mark.parametrize(
    "kind",
    [
        "not-zip",
        "bomb",
        "traversal",
        "absolute",
        "entities",
        "external",
        "dtd",
        "no-project",
        "broken-xml",
        "many",
    ],
)
def test_hostile_archives_are_refused_in_one_line_and_change_nothing(
    tmp_path: Path, kind: str
) -> None:
    path = _hostile(tmp_path, kind)
    project_path = tmp_path / "p.qc"
    with Project.create(project_path, coder="me") as project:
        project.codebook.add("Existing")
    before = dump(project_path)
    with Project.open(project_path, coder="me") as project, pytest.raises(IngestError) as err:
        import_qdpx(project, path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    assert dump(project_path) == before


def test_a_qdc_with_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.qdc"
    path.write_text(
        '<!DOCTYPE CodeBook [<!ENTITY a "x">]><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        '<Codes><Code guid="' + C1 + '" name="&a;" isCodable="true"/></Codes></CodeBook>'
    )
    with Project.create(tmp_path / "p.qc") as project, pytest.raises(IngestError):
        load_qdc(project, path)


def test_a_failure_while_storing_leaves_the_project_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = nvivo_like(tmp_path)
    project_path = tmp_path / "p.qc"
    with Project.create(project_path, coder="me") as project:
        project.codebook.add("Existing")
    before = dump(project_path)

    def boom(*args: object, **kwargs: object) -> None:
        raise QualcodeError("disk on fire")

    with Project.open(project_path, coder="me") as project:
        monkeypatch.setattr(project.memos, "add_for", boom)
        with pytest.raises(QualcodeError):
            import_qdpx(project, path)
    assert dump(project_path) == before


# ---------------------------------------------------------------- reader details


def test_reader_is_pure_and_reports_sources_folder_and_inner_name(tmp_path: Path) -> None:
    refi = read_qdpx(nvivo_like(tmp_path))
    assert refi.name == "Lenient study"
    assert [s.name for s in refi.sources] == ["Interview Anna"]
    assert any("'Lenient study.qde'" in a for a in refi.adapted)


def test_plain_text_inline_and_path_without_prefix(tmp_path: Path) -> None:
    qde = (
        f'<Project {NS} name="x"><Sources>'
        f'<TextSource guid="{SRC}" name="inline"><PlainTextContent>Inline text here.'
        "</PlainTextContent>"
        f'<PlainTextSelection guid="{C1}" startPosition="0" endPosition="6"/>'
        "</TextSource>"
        f'<TextSource guid="{C2}" name="plain" plainTextPath="{C2}.txt"/>'
        f'<TextSource guid="{C3}" name="outside" plainTextPath="file:///C:/data/a.txt"/>'
        "</Sources></Project>"
    )
    path = make_qdpx(tmp_path / "x.qdpx", {"project.qde": qde, f"sources/{C2}.txt": "From a file."})
    with Project.create(tmp_path / "p.qc") as project:
        report = import_qdpx(project, path)
        texts = {d.name: project.documents.get(d.id).text for d in project.documents.all()}
    assert texts == {"inline": "Inline text here.", "plain": "From a file."}
    assert any("'outside'" in s and "not in the archive" in s for s in report.skipped)
    assert any("selection(s) without a code" in s for s in report.skipped)


def test_qdc_beside_existing_codes(tmp_path: Path) -> None:
    path = tmp_path / "book.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Tool"><Codes>'
        f'<Code guid="{C1}" name="Theme" isCodable="true" color="#112233">'
        "<Description>A theme.\n\nDefinition: The full one.\n\nWhen to use: Always.</Description>"
        f'<Code guid="{C2}" name="Child" isCodable="true"/></Code>'
        f'<Code guid="{C3}" name="Mine" isCodable="true"/>'
        "</Codes><Sets/></CodeBook>",
        encoding="utf-8",
    )
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        project.codebook.add("Mine", brief="kept")
        report = load_qdc(project, path)
        theme = project.codebook.find("Theme")
        assert theme is not None
        assert (theme.brief, theme.definition, theme.when_to_use) == (
            "A theme.",
            "The full one.",
            "Always.",
        )
        assert theme.color == "#112233" and theme.guid == C1.lower()
        assert project.codebook.find("Child").parent == "Theme"  # type: ignore[union-attr]
        assert project.codebook.find("Mine").brief == "kept"  # type: ignore[union-attr]
        assert project.history.undo() is not None  # one undoable action
        assert [c.name for c in project.codebook.codes()] == ["Mine"]
    assert (report.codes.added, report.codes.matched) == (2, 1)
    assert any("<Sets/>" in a for a in report.adapted)


def test_duplicate_code_names_under_different_parents(tmp_path: Path) -> None:
    path = tmp_path / "dup.qdc"
    path.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        f'<Code guid="{C1}" name="Staff" isCodable="true">'
        '<Code guid="aaaaaaaa-0000-0000-0000-000000000001" name="Other" isCodable="true"/></Code>'
        f'<Code guid="{C2}" name="Patients" isCodable="true">'
        '<Code guid="aaaaaaaa-0000-0000-0000-000000000002" name="Other" isCodable="true"/></Code>'
        "</Codes></CodeBook>"
    )
    with Project.create(tmp_path / "p.qc") as project:
        report = load_qdc(project, path)
        names = {c.name: c.parent for c in project.codebook.codes()}
    assert names["Other"] == "Staff" and names["Other (Patients)"] == "Patients"
    assert any("imported as 'Other (Patients)'" in a for a in report.adapted)
