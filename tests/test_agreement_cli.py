"""``qualcode agreement`` and the data side: which units, values and documents are compared."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.analysis.agreement_data import agreement, merge_spans
from qualcode.cli import main
from qualcode.store import Project
from qualcode.store.codings import CodingInput
from tests.conftest import simple_document

# simple_document's sentences: [13,40) [47,69) [70,92) [93,112) [126,134) [141,168);
# turns: [13,40) [47,112) [126,134) [141,168); length 168.
Row = tuple[str, str, int, int, str]


def build(path: Path, rows: Sequence[Row], documents: Sequence[str] = ("doc1",)) -> Path:
    with Project.create(path, coder="ann") as project:
        for name in documents:
            project.documents.add(simple_document(name))
        project.codebook.add("Security")
        project.codebook.add("Not alone", parent="Security")
        project.codebook.add("Safe", parent="Security")
        project.codebook.add("Emotions")
        project.codebook.add("Unused")
        project.codings.import_rows(
            [CodingInput(d, c, s, e, coder=k) for d, c, s, e, k in rows], "test codings"
        )
    return path


@pytest.fixture
def run() -> Callable[..., Result]:
    """The real ``qualcode`` command group (errors become one line and exit 1)."""
    group = main
    runner = CliRunner()

    def invoke(*args: object) -> Result:
        return runner.invoke(group, [str(a) for a in args], catch_exceptions=False)

    return invoke


def rows_of(result: Result) -> dict[str, dict]:
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    return {row["code"]: row for row in data["rows"]}


KEYS = {
    "code",
    "unit",
    "coders",
    "n_units",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "u_alpha",
    "binary_u_alpha",
    "cu_alpha",
    "alpha_U",
}


def test_json_rows_per_code_on_sentences(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = build(
        tmp_path / "p.qc",
        [
            ("doc1", "Emotions", 47, 69, "ann"),
            ("doc1", "Emotions", 47, 60, "bob"),
            ("doc1", "Emotions", 141, 168, "ann"),
            ("doc1", "Not alone", 141, 168, "bob"),
        ],
    )
    rows = rows_of(run("agreement", path, "--format", "json"))
    assert list(rows) == ["Security", "Not alone", "Safe", "Emotions", "Unused"]
    emotions = rows["Emotions"]
    assert KEYS <= set(emotions)
    assert emotions["unit"] == "sentence" and emotions["coders"] == ["ann", "bob"]
    assert emotions["n_units"] == 6
    # Sentences coded: ann {1, 5}, bob {1}: 5 of 6 agree.
    assert emotions["percent_agreement"] == pytest.approx(5 / 6)
    assert emotions["cohen_kappa"] == pytest.approx(
        (5 / 6 - (4 / 6 * 5 / 6 + 2 / 6 * 1 / 6)) / (1 - (4 / 6 * 5 / 6 + 2 / 6 * 1 / 6))
    )
    assert emotions["u_alpha"] is None and emotions["alpha_U"] is None  # not on sentences
    # Nobody used it: undefined, not 1.0 and not 0.
    unused = rows["Unused"]
    assert unused["n_units"] == 6
    assert unused["cohen_kappa"] is None and unused["krippendorff_alpha"] is None
    # A theme stands for its sub-codes.
    assert rows["Security"]["n_units"] == 6


def test_table_names_the_unit_and_the_document_rule(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    path = build(
        tmp_path / "p.qc",
        [("doc1", "Emotions", 47, 69, "ann"), ("doc1", "Emotions", 47, 69, "bob")],
    )
    result = run("agreement", path)
    assert result.exit_code == 0
    assert "Unit: sentence: a coder codes a sentence" in result.output
    assert "ann: 1 document(s) coded (none marked done)" in result.output
    assert "Unused" in result.output and " - " in result.output  # undefined shown as -
    csv = run("agreement", path, "--format", "csv", "--code", "Emotions").output.splitlines()
    assert (
        csv[0] == "code,kind,unit,coders,n_units,percent_agreement,cohen_kappa,krippendorff_alpha"
    )
    # Coder names are joined as everywhere else (names cannot hold a comma: see --coder).
    assert csv[1].startswith('Emotions,code,sentence,"ann, bob",6,1.000000,')


def test_overlapping_spans_merge_touching_spans_stay_apart(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    """ann's two overlapping spans are one unit, so she and bob agree perfectly, α_U included;
    Emotions split into two touching spans by ann stays two units against bob's one."""
    path = build(
        tmp_path / "p.qc",
        [
            ("doc1", "Security", 47, 80, "ann"),
            ("doc1", "Security", 60, 112, "ann"),
            ("doc1", "Security", 47, 112, "bob"),
            ("doc1", "Emotions", 47, 80, "ann"),
            ("doc1", "Emotions", 80, 112, "ann"),
            ("doc1", "Emotions", 47, 112, "bob"),
        ],
    )
    rows = rows_of(run("agreement", path, "--unit", "character", "--format", "json"))
    security = rows["Security"]
    assert security["n_units"] == 168
    for key in ("percent_agreement", "krippendorff_alpha", "u_alpha", "binary_u_alpha", "alpha_U"):
        assert security[key] == 1.0, key
    assert security["cu_alpha"] is None  # one value only
    emotions = rows["Emotions"]
    # Every character agrees, so the intersection-based uα sees no disagreement; α_U compares
    # units, and ann's two touching units are not bob's one.
    assert emotions["percent_agreement"] == 1.0 and emotions["u_alpha"] == 1.0
    assert emotions["alpha_U"] < 1.0


def test_merge_spans() -> None:
    import numpy as np

    s, e = merge_spans(np.array([5, 0, 20, 30]), np.array([12, 10, 30, 31]))
    assert s.tolist() == [0, 20, 30] and e.tolist() == [12, 30, 31]


def test_group_values_and_missing(tmp_path: Path, run: Callable[..., Result]) -> None:
    """Children of Security are the values; a sentence without any of them is missing for that
    coder, so only sentences both coders gave a value are pairable."""
    path = build(
        tmp_path / "p.qc",
        [
            ("doc1", "Not alone", 47, 69, "ann"),
            ("doc1", "Not alone", 47, 69, "bob"),
            ("doc1", "Safe", 93, 112, "ann"),
            ("doc1", "Not alone", 93, 112, "bob"),
            ("doc1", "Safe", 141, 168, "ann"),
            ("doc1", "Safe", 141, 168, "bob"),
            ("doc1", "Safe", 13, 40, "bob"),  # ann: nothing here -> missing, not "no"
        ],
    )
    data = json.loads(run("agreement", path, "--group", "Security", "--format", "json").output)
    assert [r["code"] for r in data["rows"]] == ["Security"]
    row = data["rows"][0]
    assert row["kind"] == "group" and row["n_units"] == 3
    assert row["percent_agreement"] == pytest.approx(2 / 3)
    assert row["conflicts"] == 0
    assert "missing where the coder used none" in data["unit_definition"]
    chars = rows_of(
        run("agreement", path, "--group", "Security", "--unit", "character", "--format", "json")
    )["Security"]
    assert set(chars["k_u_alpha"]) == {"Not alone", "Safe"}
    assert chars["cu_alpha"] is not None and chars["cu_alpha"] < 1
    text = run("agreement", path, "--group", "Security", "--unit", "character").output
    assert "(k)u-alpha in Security" in text


def test_three_coders_no_kappa(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = build(
        tmp_path / "p.qc",
        [("doc1", "Emotions", 47, 69, k) for k in ("ann", "bob", "cy")]
        + [("doc1", "Emotions", 141, 168, "cy")],
    )
    row = rows_of(run("agreement", path, "--code", "Emotions", "--format", "json"))["Emotions"]
    assert row["coders"] == ["ann", "bob", "cy"]
    assert row["cohen_kappa"] is None and row["krippendorff_alpha"] is not None
    pair = rows_of(
        run("agreement", path, "--coders", "ann,bob", "--code", "Emotions", "--format", "json")
    )["Emotions"]
    assert pair["coders"] == ["ann", "bob"] and pair["cohen_kappa"] == 1.0
    assert pair["percent_agreement"] == 1.0


def test_documents_rule_and_filter(
    tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without done-marks each coder counts the documents they coded; bob never opened doc2,
    so doc2 is missing for him, not "not coded". With done-marks (the store method arrives
    later), a coder who marked documents counts only those."""
    path = build(
        tmp_path / "p.qc",
        [
            ("doc1", "Emotions", 47, 69, "ann"),
            ("doc1", "Emotions", 47, 69, "bob"),
            ("doc2", "Emotions", 47, 69, "ann"),
        ],
        documents=("doc1", "doc2"),
    )
    data = json.loads(run("agreement", path, "--code", "Emotions", "--format", "json").output)
    assert data["documents"] == [
        {"coder": "ann", "rule": "coded", "documents": ["doc1", "doc2"]},
        {"coder": "bob", "rule": "coded", "documents": ["doc1"]},
    ]
    assert data["rows"][0]["n_units"] == 6
    assert data["rows"][0]["krippendorff_alpha"] == 1.0
    result = run("agreement", path, "--documents", "doc2", "--code", "Emotions", "--format", "json")
    only = json.loads(result.stdout)
    assert only["rows"][0]["n_units"] == 0 and only["rows"][0]["krippendorff_alpha"] is None
    # Why there is nothing to compare is said, on stderr, without spoiling the JSON.
    assert result.stderr == (
        "warning: doc2 is not among the documents bob counts "
        "(none marked done, and no codings in it)\n"
    )

    assert run("done", path, "doc2", "--coder", "ann").exit_code == 0  # real done-marks
    assert run("done", path, "doc1", "--coder", "bob").exit_code == 0
    data = json.loads(run("agreement", path, "--code", "Emotions", "--format", "json").output)
    assert data["documents"] == [
        {"coder": "ann", "rule": "done", "documents": ["doc2"]},
        {"coder": "bob", "rule": "done", "documents": ["doc1"]},
    ]
    assert data["rows"][0]["n_units"] == 0  # they marked different documents done
    text = run("agreement", path, "--code", "Emotions").output
    assert "ann: 1 document(s) marked done" in text
    result = run("agreement", path, "--code", "Emotions", "--documents", "doc1,doc2")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: doc1 is not among the documents ann counts (1 marked done)",
        "warning: doc2 is not among the documents bob counts (1 marked done)",
    ]


def test_group_on_characters_counts_the_pairable_characters(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    """A group's characters outside every child are missing, as its sentences are: n_units is
    the characters that entered %, kappa and alpha (here the 22 both coders gave a value), not
    the whole continuum, while a code row's gaps are "not coded" and all 168 count."""
    path = build(
        tmp_path / "p.qc",
        [
            ("doc1", "Not alone", 47, 69, "ann"),
            ("doc1", "Not alone", 47, 69, "bob"),
            ("doc1", "Safe", 93, 112, "ann"),  # bob: nothing there, so missing
        ],
    )
    args = ("--group", "Security", "--code", "Security", "--format", "json")
    chars = json.loads(run("agreement", path, *args, "--unit", "character").output)["rows"]
    code, group = chars
    assert (code["kind"], group["kind"]) == ("code", "group")
    assert code["n_units"] == 168
    assert group["n_units"] == 22 and group["percent_agreement"] == 1.0
    sentences = json.loads(run("agreement", path, *args).output)["rows"]
    assert sentences[1]["n_units"] == 1  # the one sentence both gave a value


def test_turn_and_document_units(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = build(
        tmp_path / "p.qc",
        [("doc1", "Emotions", 47, 69, "ann"), ("doc1", "Emotions", 93, 112, "bob")],
    )
    turn = rows_of(run("agreement", path, "--unit", "turn", "--format", "json"))["Emotions"]
    assert turn["n_units"] == 4 and turn["percent_agreement"] == 1.0
    doc = rows_of(run("agreement", path, "--unit", "document", "--format", "json"))["Emotions"]
    assert doc["n_units"] == 1 and doc["krippendorff_alpha"] is None  # one value only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--code", "Emotion"), "no code named 'Emotion'; did you mean 'Emotions'?"),
        (("--coders", "ann"), "agreement needs at least two coders"),
        (("--coders", "ann,zed"), "no coder with codings named 'zed'"),
        (("--coders", "ann,ann"), "--coders names 'ann' twice: compare different coders"),
        (("--coders", "ann", "--coders", " ann "), "--coders names 'ann' twice"),
        (("--coders", ","), "--coders names no coder: a coder name cannot be empty"),
        (("--documents", " , "), "--documents names no document: a document name cannot be"),
        (("--group", "Emotions"), "--group needs a code with at least two sub-codes"),
        (("--documents", "doc9"), "no document named 'doc9'"),
    ],
)
def test_user_errors_are_one_line(
    tmp_path: Path, run: Callable[..., Result], args: tuple[str, ...], message: str
) -> None:
    path = build(
        tmp_path / "p.qc",
        [("doc1", "Emotions", 47, 69, "ann"), ("doc1", "Emotions", 47, 69, "bob")],
    )
    result = run("agreement", path, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_single_coder_project(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = build(tmp_path / "p.qc", [("doc1", "Emotions", 47, 69, "ann")])
    result = run("agreement", path)
    assert result.exit_code == 1
    assert "this project has codings by ann" in result.output


def test_help_has_an_example(run: Callable[..., Result]) -> None:
    result = run("agreement", "--help")
    assert result.exit_code == 0
    assert "qualcode agreement study.qc" in result.output


def test_python_api(tmp_path: Path) -> None:
    path = build(
        tmp_path / "p.qc",
        [("doc1", "Emotions", 47, 69, "ann"), ("doc1", "Emotions", 47, 69, "bob")],
    )
    with Project.open(path) as project:
        report = agreement(project, codes=["Emotions"], unit="character")
    (row,) = report.rows
    assert row.u_alpha == 1.0 and row.alpha_U == 1.0
    assert report.scopes[0].rule == "coded"


def test_group_conflicts_shorter_span_keeps_the_characters(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    """ann nests Safe inside her Not alone passage: 22 characters carry two values of the group.
    On characters the shorter span keeps them; on sentences the sentence takes the child that
    covers most of it (a tie goes to the first in codebook order)."""
    path = build(
        tmp_path / "p.qc",
        [
            ("doc1", "Not alone", 47, 112, "ann"),
            ("doc1", "Safe", 70, 92, "ann"),
            ("doc1", "Not alone", 47, 69, "bob"),
            ("doc1", "Safe", 70, 112, "bob"),
        ],
    )
    chars = rows_of(
        run("agreement", path, "--group", "Security", "--unit", "character", "--format", "json")
    )["Security"]
    assert chars["conflicts"] == 22
    sentences = rows_of(run("agreement", path, "--group", "Security", "--format", "json"))
    row = sentences["Security"]
    assert row["conflicts"] == 1 and row["n_units"] == 3
    # ann: Not alone, Not alone (tie), Not alone; bob: Not alone, Safe, Safe.
    assert row["percent_agreement"] == pytest.approx(1 / 3)
    text = run("agreement", path, "--group", "Security").output
    assert "1 sentences where a coder used two or more of its codes" in text


def test_registered_in_qualcode(cli: Callable[..., Result]) -> None:
    """cli.py collects command modules by name: ``qualcode agreement`` exists."""
    result = cli("agreement", "--help")
    assert result.exit_code == 0 and "--unit [character|sentence|turn|document]" in result.output
