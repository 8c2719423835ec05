"""Redaction and the no-leak guarantee: with names listed in the pseudonym table, no listed
name (in any case) reaches any byte of any pseudonymised export or of the redacted file."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest

from qualcode.report.pseudonymise import Replacer
from qualcode.store import Project
from qualcode.store.exemplars import Exemplars
from qualcode.store.pseudonyms import Pseudonyms
from qualcode.store.redact import OffsetMap, Redactor
from tests.conftest import simple_document

NAMES = [("Astrid Berg", "P1"), ("Astrid", "P1"), ("Berg", "P1"), ("Malmö", "City A")]
LISTED = [n for n, _ in NAMES]

TEXT = (
    "Interviewer: Tell me about Astrid Berg's group in Malmö.\n"
    "Astrid: I am Astrid. ASTRID'S colleagues in malmö helped me.\n"
    "Interviewer: And astrid  berg now?\n"
    "Astrid: Now I am fine. Berg was my mother's name."
)


def build_leaky(path: Path) -> Path:
    """A project with the listed names in every place a name can hide."""
    with Project.create(path, coder="astrid") as proj:
        doc = dataclasses.replace(
            simple_document("astrid_malmö", TEXT),
            attributes={"name": "Astrid Berg", "city": "Malmö", "role": "gp"},
            source_path="/home/study/Astrid Berg/interview.txt",
        )
        proj.documents.add(doc)
        proj.documents.add(simple_document("other"))
        proj.documents.set_speaker_attribute("astrid_malmö", "Astrid", "nickname", "Astrid B")
        proj.documents.set_speaker_attribute("astrid_malmö", "Astrid", "role", "gp")
        proj.codebook.add("Place", brief="Talk about Malmö or Berg's town")
        proj.codebook.add("Astrid's view", parent="Place", definition="What Astrid says.")
        proj.codebook.add("Support")
        text = TEXT
        inside = text.index("Astrid Berg's") + 3  # starts inside a name
        c1 = proj.codings.add("astrid_malmö", "Astrid's view", inside, text.index("in Malmö") + 8)
        c2 = proj.codings.add(
            "astrid_malmö", "Place", text.index("I am Astrid"), text.index("me.\n") + 3
        )
        c3 = proj.codings.add("astrid_malmö", "Support", text.index("Now I am"), len(text))
        proj.codings.add("other", "Support", 0, 30)
        proj.memos.set("project", None, "Met Astrid Berg in Malmö.")
        proj.memos.set("document", "astrid_malmö", "ASTRID was nervous.")
        proj.memos.set("code", "Place", "Malmö comes up a lot.")
        proj.memos.set("coding", c2, "astrid's key line")
        Exemplars(proj.session).mark(c2)
        Exemplars(proj.session).mark(c3)
        proj.settings.set("codebook_name", "Astrid's codebook")
        Pseudonyms(proj.session).set_many(NAMES)
        assert c1
    return path


def leaks(data: bytes) -> list[str]:
    """Listed names found in ``data`` (and in every member, if it is a ZIP)."""
    blobs = [data]
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            blobs += [z.read(n) for n in z.namelist()] + [n.encode() for n in z.namelist()]
    found = set()
    for blob in blobs:
        text = blob.decode("utf-8", errors="ignore").casefold()
        found |= {n for n in LISTED if n.casefold() in text}
        for n in LISTED:  # also names in the other common encodings
            if n.casefold().encode("utf-16-le") in blob.lower():
                found.add(n)
    return sorted(found)


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_leaky(tmp_path_factory.mktemp("leak") / "study.qc")


def test_the_fixture_does_leak_without_pseudonyms(leaky: Path, cli, tmp_path: Path) -> None:  # noqa: ANN001
    assert leaks(leaky.read_bytes()) == sorted(LISTED)
    result = cli("summary", leaky, "-o", tmp_path / "plain.md")
    assert result.exit_code == 0, result.output
    assert leaks((tmp_path / "plain.md").read_bytes())


EXPORTS = [
    ("summary", "{p}", "-o", "{o}/s.md"),
    ("summary", "{p}", "-o", "{o}/s.html"),
    ("summary", "{p}", "-o", "{o}/s.docx"),
    ("summary", "{p}", "-o", "{o}/s.json"),
    ("export", "{p}", "codings", "-o", "{o}/codings.csv"),
    ("export", "{p}", "matrix", "-o", "{o}/matrix.csv"),
    ("export", "{p}", "crosstab", "--by", "city", "-o", "{o}/crosstab.csv"),
    ("export", "{p}", "memos", "-o", "{o}/memos.md"),
    ("export", "{p}", "memos", "-o", "{o}/memos.docx"),
    ("export", "{p}", "memos", "-o", "{o}/memos.csv"),
    ("export", "{p}", "document", "astrid_malmö", "-o", "{o}/doc.md"),
    ("export", "{p}", "document", "astrid_malmö", "-o", "{o}/doc.html"),
    ("export", "{p}", "document", "astrid_malmö", "-o", "{o}/doc.docx"),
    ("export", "{p}", "qdpx", "-o", "{o}/study.qdpx"),
    ("export", "{p}", "qdc", "-o", "{o}/codebook.qdc"),
]


def test_no_listed_name_in_any_pseudonymised_export(leaky: Path, cli, tmp_path: Path) -> None:  # noqa: ANN001
    written = []
    for args in EXPORTS:
        argv = [a.format(p=leaky, o=tmp_path) for a in args] + ["--pseudonymise"]
        result = cli(*argv)
        assert result.exit_code == 0, (argv, result.output)
        out = Path(argv[argv.index("-o") + 1])
        written.append(out)
        assert leaks(out.read_bytes()) == [], (out.name, leaks(out.read_bytes()))
    # the pseudonyms are there instead
    assert "P1" in (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "City A" in (tmp_path / "doc.md").read_text(encoding="utf-8")
    # and the project default applies without the flag
    assert cli("pseudonyms", leaky, "--default", "on").exit_code == 0
    try:
        result = cli("summary", leaky, "-o", tmp_path / "default.md")
        assert result.exit_code == 0
        assert leaks((tmp_path / "default.md").read_bytes()) == []
        result = cli("summary", leaky, "--no-pseudonymise", "-o", tmp_path / "off.md")
        assert leaks((tmp_path / "off.md").read_bytes())
    finally:
        cli("pseudonyms", leaky, "--default", "off")


def test_redacted_file_has_no_listed_name_and_remapped_offsets(leaky: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared.qc"
    with Project.open(leaky) as proj:
        before_text = proj.documents.get("astrid_malmö").text
        before = [
            (c.code, proj.documents.get(c.document).text[c.start : c.end])
            for c in proj.codings.list()
        ]
        result = Redactor(proj.session).write(out)
        assert result.replacements == 9
    assert leaks(out.read_bytes()) == []
    assert not list(tmp_path.glob(".*part*"))
    replacer = Replacer(NAMES)
    with Project.open(out) as red:
        docs = {d.name: d for d in red.documents.all()}
        assert set(docs) == {"P1_City A", "other"}
        text = red.documents.get("P1_City A").text
        assert text == replacer.text(before_text)
        after = [
            (c.code, red.documents.get(c.document).text[c.start : c.end])
            for c in red.codings.list()
        ]
        for (code_a, span_a), (code_b, span_b) in zip(before, after, strict=True):
            assert replacer.text(code_a) == code_b
            # spans map to the same words; one that began inside a name now starts at its pseudonym
            assert replacer.text(span_a).endswith(span_b) or span_b.endswith(replacer.text(span_a))
        first = [s for c, s in after if c == "P1's view"][0]
        assert first.startswith("P1's group in City A")
        for t in red.documents.turns("P1_City A"):
            assert text[t.start : t.end].strip() and t.speaker in ("Interviewer", "P1")
        for sent in red.documents.sentences("P1_City A"):
            assert 0 <= sent.start < sent.end <= len(text)
        assert len(Exemplars(red.session).ids()) == 2
        memos = {m.target_type: m.text for m in red.memos.list()}
        assert memos == {
            "project": "Met P1 in City A.",
            "document": "P1 was nervous.",
            "code": "City A comes up a lot.",
            "coding": "P1's key line",
        }
        assert red.documents.search("P1") and not red.documents.search("Astrid")
        assert Pseudonyms(red.session).pairs() == []
    with Project.open(leaky) as proj:  # the source is unchanged
        assert proj.documents.get("astrid_malmö").text == before_text


def test_redact_command(leaky: Path, cli, tmp_path: Path) -> None:  # noqa: ANN001
    result = cli("redact", leaky, "-o", tmp_path / "shared.qc")
    assert result.exit_code == 0, result.output
    assert "names replaced" in result.output
    again = cli("redact", leaky, "-o", tmp_path / "shared.qc")
    assert again.exit_code == 1 and "exists" in again.output
    empty = tmp_path / "empty.qc"
    Project.create(empty).close()
    result = cli("redact", empty, "-o", tmp_path / "x.qc")
    assert result.exit_code == 1 and "pseudonym table is empty" in result.output


def test_offset_map() -> None:
    # "ab NAME cd" with NAME (4) -> "X" (1): offsets after it move 3 to the left
    spans = [(3, 7, "X")]
    m = OffsetMap(spans)
    assert [m(x) for x in (0, 3, 7, 8)] == [0, 3, 4, 5]
    assert m(5, "start") == 3 and m(5, "end") == 4
    two = OffsetMap([(0, 2, "ABCD"), (5, 6, "")])
    assert [two(x) for x in (0, 2, 3, 5, 6, 9)] == [0, 4, 5, 7, 7, 10]
