"""Exemplars: marked codings are quoted first; the mark is audited and undoable."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.analysis import load_corpus
from qualcode.errors import ProjectError
from qualcode.report import SummaryOptions, build_summary, render
from qualcode.report.context import load_context
from qualcode.store import Project
from qualcode.store.exemplars import Exemplars
from tests.test_analysis_fixture import build_hand_project


@pytest.fixture
def hand(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    return build_hand_project(tmp_path)


def _quotes(path: Path, n: int = 2) -> list[tuple[str, bool]]:
    with Project.open(path) as proj:
        corpus = load_corpus(proj)
        context = load_context(proj)
    summary = build_summary(corpus, SummaryOptions(quotes=n, themes=("Support",)), context=context)
    return [(q.text, q.exemplar) for q in summary.themes[0].quotes]


def test_marked_codings_are_quoted_first(hand) -> None:  # noqa: ANN001
    path, ids = hand
    automatic = _quotes(path)
    assert not any(mark for _, mark in automatic)
    with Project.open(path) as proj:
        marks = Exemplars(proj.session)
        assert marks.mark(ids["c11"]) and not marks.mark(ids["c11"])
        text = proj.codings.get(ids["c11"]).text.strip()
    chosen = _quotes(path)
    assert chosen[0] == (text, True)
    assert chosen[1][1] is False  # the automatic choice fills the rest
    with Project.open(path) as proj:
        assert Exemplars(proj.session).toggle(ids["c11"]) is False
        proj.history.undo()
        assert Exemplars(proj.session).ids() == {ids["c11"]}
        with pytest.raises(ProjectError, match="no coding"):
            Exemplars(proj.session).mark(99999)


def test_exemplar_command_and_summary_attribution(hand, cli) -> None:  # noqa: ANN001
    path, ids = hand
    result = cli("exemplar", path, str(ids["c11"]))
    assert result.exit_code == 0 and "Marked 1 of 1" in result.output
    listing = cli("exemplar", path, "--format", "csv").output.splitlines()
    assert listing[0] == "coding,code,document,text" and listing[1].startswith(f"{ids['c11']},")
    md = cli("summary", path, "--theme", "Support", "--quotes", "1", "--attribute", "gender")
    assert "> — Ben, male" in md.output
    assert cli("exemplar", path, str(ids["c11"]), "--remove").exit_code == 0
    assert "No exemplars yet" in cli("exemplar", path).output


def test_summary_with_memos_and_exemplars_in_every_format(hand, tmp_path: Path) -> None:  # noqa: ANN001
    path, ids = hand
    with Project.open(path) as proj:
        proj.memos.set("coding", ids["c11"], "Strong line about peers.")
        proj.memos.set("document", "a1", "Short interview.")
        Exemplars(proj.session).mark(ids["c11"])
        corpus = load_corpus(proj)
        context = load_context(proj)
    summary = build_summary(corpus, SummaryOptions(), context=context)
    kinds = [m.kind for m in summary.memos]
    assert kinds == sorted(kinds, key=["project", "document", "code", "coding"].index)
    assert {"document", "code", "coding"} <= set(kinds)
    coding = [m for m in summary.memos if m.kind == "coding"][0]
    assert coding.target.startswith("Peer support, coded on Ben's words (b2, turn 4)")
    assert coding.date and len(coding.date) == 10
    md = render(summary, "md")
    assert "## Memos" in md and "### Coding memos" in md and "Strong line about peers." in md
    html = render(summary, "html")
    assert '<section id="memos">' in html and "Strong line about peers." in html
    assert '"exemplar": true' in render(summary, "json")
