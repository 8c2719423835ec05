"""Files other tools exported (../shared/refi/samples): each imports with its code tree and
texts, and what qualcode writes back from them validates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.interop.exchange import export_refi, import_qdpx, load_qdc
from qualcode.interop.positions import stored_text
from qualcode.interop.qdc import read_qdc
from qualcode.interop.qdpx_read import read_qdpx
from qualcode.interop.refi_model import RefiCode, walk_codes
from qualcode.store import Project
from tests.test_refi_helpers import SAMPLES, validator

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="../shared/refi/samples is not beside this checkout"
)


def tree(codes: list[RefiCode]) -> list[tuple[str, str | None]]:
    return [(c.name, p.name if p else None) for c, p in walk_codes(codes)]


def project_tree(project: Project) -> list[tuple[str, str | None]]:
    return [(c.name, c.parent) for c in project.codebook.codes()]


def test_atlas_codebook_only_project(tmp_path: Path) -> None:
    path = SAMPLES / "target-atlas-project.qdpx"
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = import_qdpx(project, path)
        assert project_tree(project) == [
            ("Commits", None),
            ("2022-05-10T02:05:59Z 19e4dce", "Commits"),
            ("2022-02-11T10:39:25Z cdbfd92", "Commits"),
        ]
        commits = project.codebook.find("Commits")
        assert commits is not None and commits.guid == "a182cd3a-d83c-4d8c-bc80-26d9103ec6d6"
        assert "Enric Llagostera" in project.codings.coders()
        assert "ATLAS.ti" not in project.codings.coders()
    assert report.codes.added == 3 and report.coders.added == 1 and report.coders.skipped == 1
    assert any("upper case" in a for a in report.adapted)


def test_atlas_blank_project(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = import_qdpx(project, SAMPLES / "blank-atlas-project.qdpx")
        assert project.codebook.codes() == [] and project.documents.all() == []
    assert report.coders.added == 1


def test_maxqda_project_texts_and_two_level_tree(tmp_path: Path) -> None:
    path = SAMPLES / "maxqda-24.7-ICLS_Conf_Themes_just10.qdpx"
    refi = read_qdpx(path)
    with zipfile.ZipFile(path) as archive:
        files = {
            n.split("/")[-1].removesuffix(".txt").lower(): archive.read(n).decode("utf-8")
            for n in archive.namelist()
            if n.endswith(".txt")
        }
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = import_qdpx(project, path)
        docs = project.documents.all()
        assert len(docs) == 10
        for doc in docs:
            assert project.documents.get(doc.id).text == stored_text(files[doc.guid])
        assert {d.name for d in docs} >= {"ICLS 2024 3-10", "ICLS 2025 1034-1042"}
        assert project_tree(project) == tree(refi.codes)
        codes = project.codebook.codes()
        assert len(codes) == 307 and max(c.depth for c in codes) == 1
        affinity = project.codebook.find("THEME - Affinity Spaces (Gee)")
        assert affinity is not None and affinity.color == "#ef8256"
        assert (
            affinity.brief == "Apply this code when a study uses Gee's concept of affinity spaces."
        )
        assert sum(d.turn_count for d in docs) > 0 and sum(d.word_count for d in docs) > 10_000
    assert report.documents.added == 10 and report.codings.added == 0
    assert any("2 set(s)" in s for s in report.skipped)


def test_atlas_qdc_with_colour_description_and_set(tmp_path: Path) -> None:
    path = SAMPLES / "atlas-win-23.4.0-requal-test.qdc"
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = load_qdc(project, path)
        (code,) = project.codebook.codes()
        assert (code.name, code.color, code.brief) == ("code1", "#46aa00", "description")
        assert code.guid == "1ff58b12-6f6f-4b0c-8be5-bbdc91f55294"
    assert any("1 set(s)" in s for s in report.skipped)


def test_taguette_qdc_with_backslash_and_empty_sets(tmp_path: Path) -> None:
    path = SAMPLES / "taguette-tests-expected.qdc"
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        report = load_qdc(project, path)
        assert project_tree(project) == [
            ("interesting", None),
            ("people", None),
            ("interesting\\places", None),
        ]
    assert report.codes.added == 3
    assert any("<Sets/>" in a for a in report.adapted)


@pytest.mark.parametrize(
    "sample",
    ["target-atlas-project.qdpx", "maxqda-24.7-ICLS_Conf_Themes_just10.qdpx"],
)
def test_what_qualcode_writes_back_validates_and_keeps_the_tree(
    sample: str, tmp_path: Path
) -> None:
    with Project.create(tmp_path / "p.qc", coder="me") as project:
        import_qdpx(project, SAMPLES / sample)
        export_refi(project, "qdpx", tmp_path / "back.qdpx")
        export_refi(project, "qdc", tmp_path / "back.qdc")
    again = read_qdpx(tmp_path / "back.qdpx")
    assert tree(again.codes) == tree(read_qdpx(SAMPLES / sample).codes)
    original = {c.guid: c.description for c, _ in walk_codes(read_qdpx(SAMPLES / sample).codes)}
    assert {c.guid: c.description for c, _ in walk_codes(again.codes)} == original
    assert tree(read_qdc(tmp_path / "back.qdc").codes) == tree(again.codes)
    schema = validator("Project-mrt2019.xsd")
    if schema is not None:
        from lxml import etree

        with zipfile.ZipFile(tmp_path / "back.qdpx") as archive:
            qde = etree.fromstring(archive.read("project.qde"))
        assert schema.validate(qde), schema.error_log
