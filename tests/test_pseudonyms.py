"""The pseudonym table, its matching rules, --suggest, and --pseudonymise on summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import ProjectError
from qualcode.report.pseudonymise import Replacer
from qualcode.store import Project
from qualcode.store.pseudonyms import Pseudonyms
from tests.conftest import simple_document


def test_replacer_matches_any_case_possessives_and_word_edges() -> None:
    r = Replacer([("Astrid", "GP01"), ("Astrid Berg", "GP01"), ("Malmö", "City A")])
    assert r.text("Astrid Berg's group") == "GP01's group"
    assert r.text("ASTRID and astrid, Astrid’s") == "GP01 and GP01, GP01’s"
    assert r.text("gp01_astrid.txt") == "gp01_GP01.txt"
    assert r.text("Astridsen and Bastrid stay") == "Astridsen and Bastrid stay"
    assert r.text("astrid\n  berg") == "GP01"
    assert r.text("in MALMÖ") == "in City A"
    assert r.spans("Hi Astrid") == [(3, 9, "GP01")]
    assert not Replacer([]) and Replacer([]).text("Astrid") == "Astrid"


def test_replacer_deep_keeps_unchanged_objects() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Box:
        a: str
        b: tuple[str, ...]
        n: int

    box = Box("plain", ("x",), 3)
    r = Replacer([("Astrid", "P1")])
    assert r.deep(box) is box
    assert r.deep(Box("Astrid", ("astrid", "y"), 3)) == Box("P1", ("P1", "y"), 3)
    assert r.deep({"Astrid": ["astrid"]}) == {"P1": ["P1"]}


def test_store_set_remove_and_refusals(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.qc") as proj:
        table = Pseudonyms(proj.session)
        table.set("Astrid  Berg", "GP01")
        table.set("astrid berg", "GP02")  # same name in another case: changed, not added
        assert table.pairs() == [("Astrid Berg", "GP02")]
        with pytest.raises(ProjectError, match="must not contain"):
            table.set("Anna", "Anna B")
        assert table.set_many([("Bo", "GP03"), ("Astrid Berg", "GP02")]) == 1
        assert table.remove("bo") and not table.remove("nobody")
        proj.history.undo()
        assert [n for n, _ in table.pairs()] == ["Astrid Berg", "Bo"]


def test_suggest_finds_speakers_attributes_and_recurring_names(tmp_path: Path) -> None:
    text = (
        "Interviewer: Did Gunnarsson help?\n"
        "Anna: Yes, Gunnarsson did. We met in Trondheim and Gunnarsson said so.\n"
        "Interviewer: And the group?\n"
        "Anna: The group helped me. Trondheim was cold."
    )
    with Project.create(tmp_path / "p.qc") as proj:
        proj.documents.add(simple_document("d1", text))
        proj.documents.set_speaker_attribute("d1", "Anna", "hometown", "Bergen")
        table = Pseudonyms(proj.session)
        found = {c.name: c.source for c in table.suggest()}
        assert found["Anna"] == "speaker"
        assert found["Bergen"] == "attribute"
        assert found["Gunnarsson"] == "text" and found["Trondheim"] == "text"
        assert "Interviewer" not in found and "The" not in found and "Yes" not in found
        table.set("Anna", "P1")
        assert "Anna" not in {c.name for c in table.suggest()}


def test_pseudonyms_command(cli, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "p.qc"
    with Project.create(path) as proj:
        proj.documents.add(simple_document())
    (tmp_path / "names.csv").write_text("name,pseudonym\nAnna,P1\n", encoding="utf-8")
    assert cli("pseudonyms", path, "--from", tmp_path / "names.csv").exit_code == 0
    listed = cli("pseudonyms", path, "--format", "csv")
    assert listed.output.splitlines() == ["name,pseudonym", "Anna,P1"]
    assert "No unlisted names" in cli("pseudonyms", path, "--suggest").output
    bad = cli("pseudonyms", path, "--remove", "Zed")
    assert bad.exit_code == 1 and "not in the pseudonym table" in bad.output
    (tmp_path / "bad.csv").write_text("Anna\n", encoding="utf-8")
    bad = cli("pseudonyms", path, "--from", tmp_path / "bad.csv")
    assert bad.exit_code == 1 and "line 1: expected NAME,PSEUDONYM" in bad.output
