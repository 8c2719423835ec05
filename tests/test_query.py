"""Coding queries: every operator against a brute-force computation on random projects, the
parser's one-line errors with columns, saved queries and --code-as."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from qualcode.query import QueryEngine, QuerySyntaxError, parse_query, run_query
from qualcode.query.engine import QueryError
from qualcode.query.parser import Cond
from qualcode.query.parser import Test as WhereTest
from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.store.codings import CodingInput
from qualcode.store.query_data import QueryData
from tests.conftest import dump

WORDS = "group leader patient doctor felt alone safe angry listened tired".split()
THEMES = {"Alpha": ["A1", "A2"], "Beta": ["B1", "B2"], "Gamma": []}
CODES = [*THEMES, *(c for kids in THEMES.values() for c in kids)]


def random_document(rng: random.Random, name: str) -> DocumentInput:
    parts, turns, sentences, pos = [], [], [], 0
    for t in range(rng.randint(2, 6)):
        speaker = "Interviewer" if t % 2 == 0 else rng.choice(["Anna", "Ben"])
        label = f"{speaker}: "
        parts.append(label)
        pos += len(label)
        start = pos
        for k in range(rng.randint(1, 4)):
            if k:
                parts.append(" ")
                pos += 1
            s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))).capitalize() + "."
            sentences.append((pos, pos + len(s)))
            parts.append(s)
            pos += len(s)
        turns.append(TurnInput(start, pos, speaker))
        parts.append("\n")
        pos += 1
    attributes = {"role": rng.choice(["gp", "leader"]), "years": str(rng.randint(1, 20))}
    text = "".join(parts)
    return DocumentInput(name, text, f"sha-{name}", "txt", turns, sentences, attributes)


def random_project(path: Path, seed: int) -> Project:
    rng = random.Random(seed)
    project = Project.create(path, coder="ann")
    for theme, kids in THEMES.items():
        project.codebook.add(theme)
        for kid in kids:
            project.codebook.add(kid, parent=theme)
    docs = [random_document(rng, f"d{i}") for i in range(rng.randint(3, 6))]
    with project.action("import", "import"):
        for doc in docs:
            project.documents.add(doc)
    for doc in docs:
        for speaker in {t.speaker for t in doc.turns} - {"Interviewer"}:
            if rng.random() < 0.5:
                project.documents.set_speaker_attribute(
                    doc.name, str(speaker), "years", str(rng.randint(1, 20))
                )
    rows = []
    for doc in docs:
        n = len(doc.text)
        for _ in range(rng.randint(5, 25)):
            start = rng.randrange(n - 1)
            end = min(n, start + rng.randint(1, 60))
            rows.append(
                CodingInput(doc.name, rng.choice(CODES), start, end, rng.choice(["ann", "bob"]))
            )
    project.codings.import_rows(rows, "random codings")
    return project


# ---------------------------------------------------------------- brute force


class Brute:
    """The documented meaning of every operator, computed the slow, obvious way."""

    def __init__(self, project: Project) -> None:
        self.p = project
        self.docs = {d.id: d for d in project.documents.all()}
        self.turns = {d: project.documents.turns(d) for d in self.docs}
        self.sents = {d: project.documents.sentences(d) for d in self.docs}
        self.codes = {c.name: c for c in project.codebook.codes()}
        self.codings = project.codings.list()

    def person(self, doc_id: int, start: int, end: int) -> tuple[str | None, dict[str, str]]:
        turns = self.turns[doc_id]
        best, best_len = None, 0
        for t in turns:
            overlap = min(end, t.end) - max(start, t.start)
            if overlap > best_len:
                best, best_len = t, overlap
        if best is None:
            best = next((t for t in turns if t.start >= start), turns[-1])
        # The document's attributes describe the people interviewed; the interviewer (and
        # unattributed text where others are named) has only their own.
        named = any(t.speaker for t in turns)
        participant = best.speaker != "Interviewer" if best.speaker else not named
        attrs = dict(self.p.documents.attributes(doc_id)) if participant else {}
        if best.speaker:
            for s in self.p.documents.speakers(doc_id):
                if s.name == best.speaker:
                    attrs.update(s.attributes)
        return best.speaker, attrs

    def code_spans(self, name: str, where: Callable[..., bool] | None) -> dict[int, list]:
        wanted = {name} | self.below(name)
        out: dict[int, list] = {}
        for c in self.codings:
            if c.code not in wanted:
                continue
            doc_id = next(d for d, doc in self.docs.items() if doc.name == c.document)
            speaker, attrs = self.person(doc_id, c.start, c.end)
            if where and not where(speaker, attrs, c.coder, c.document):
                continue
            out.setdefault(doc_id, []).append((c.start, c.end))
        return {d: fuse(s) for d, s in out.items()}

    def below(self, name: str) -> set[str]:
        kids = {c.name for c in self.codes.values() if c.parent == name}
        return kids.union(*(self.below(k) for k in kids)) if kids else set()

    def sentence(self, doc_id: int, pos: int) -> int:
        starts = [s.start for s in self.sents[doc_id]] or [0]
        return max([i for i, s in enumerate(starts) if s <= pos], default=0)

    def turn(self, doc_id: int, pos: int) -> int:
        return max([i for i, t in enumerate(self.turns[doc_id]) if t.start <= pos], default=0)

    def related(self, op: str, doc: int, a: tuple[int, int], b: tuple[int, int], arg: Any) -> bool:
        if op in ("AND", "AND NOT"):
            return a[0] < b[1] and b[0] < a[1]
        if op == "NEAR":
            a_first, a_last = self.sentence(doc, a[0]), self.sentence(doc, a[1] - 1)
            b_first, b_last = self.sentence(doc, b[0]), self.sentence(doc, b[1] - 1)
            gap = max(b_first - a_last, a_first - b_last, 0)
            return gap <= arg
        if b[0] < a[1]:
            return False
        unit = {"turn": self.turn, "sentence": self.sentence}.get(arg)
        return unit is None or unit(doc, a[1] - 1) == unit(doc, b[0])

    def eval(self, tree: Any, where: Callable[..., bool] | None) -> dict[int, list]:
        if tree[0] == "code":
            return self.code_spans(tree[1], where)
        op, left, right, arg = tree
        a, b = self.eval(left, where), self.eval(right, where)
        out = {}
        for doc in self.docs:
            la, lb = a.get(doc, []), b.get(doc, [])
            if op == "OR":
                kept = fuse(la + lb)
            elif op == "AND NOT":
                kept = [x for x in la if not any(self.related(op, doc, x, y, arg) for y in lb)]
            else:
                pairs = [(x, y) for x in la for y in lb if self.related(op, doc, x, y, arg)]
                kept = fuse([x for x, _ in pairs] + [y for _, y in pairs])
            if kept:
                out[doc] = kept
        return out


def fuse(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def random_query(rng: random.Random, depth: int = 0) -> tuple[str, Any]:
    if depth >= 2 or rng.random() < 0.3:
        name = rng.choice(CODES)
        spelled = rng.choice([f'"{name}"', name, f"CODE {name}", f"'{name}'"])
        if name in THEMES and rng.random() < 0.5:
            spelled = f'THEME "{name}"'
        return spelled, ("code", name)
    op = rng.choice(["OR", "AND", "AND NOT", "NEAR", "FOLLOWED BY"])
    ltext, ltree = random_query(rng, depth + 1)
    rtext, rtree = random_query(rng, depth + 1)
    arg: Any = None
    spelled = op
    if op == "NEAR":
        arg = rng.choice([0, 1, 2, 3])
        spelled = f"NEAR/{arg}" if arg != 1 or rng.random() < 0.5 else "NEAR"
    if op == "FOLLOWED BY":
        arg = rng.choice(["turn", "sentence", "document", None])
        tail = f" WITHIN {arg}" if arg else ""
        return f"({ltext} FOLLOWED BY {rtext}{tail})", (op, ltree, rtree, arg)
    return f"({ltext} {spelled} {rtext})", (op, ltree, rtree, arg)


WHERES: list[tuple[str, Callable[..., bool]]] = [
    ("role = gp", lambda s, a, c, d: a.get("role", "").lower() == "gp"),
    ("years >= 10", lambda s, a, c, d: "years" in a and float(a["years"]) >= 10),
    ("years < 5 OR CODER = bob", lambda s, a, c, d: ("years" in a and float(a["years"]) < 5) or c == "bob"),
    ("SPEAKER = anna AND role != leader", lambda s, a, c, d: s == "Anna" and "role" in a and a["role"] != "leader"),
    ("role != leader", lambda s, a, c, d: "role" in a and a["role"] != "leader"),
    ("(DOCUMENT = d1 OR DOCUMENT = d2) AND CODER = ann", lambda s, a, c, d: d in ("d1", "d2") and c == "ann"),
]  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_operators_match_brute_force(tmp_path: Path, seed: int) -> None:
    rng = random.Random(1000 + seed)
    with random_project(tmp_path / "p.qc", seed) as project:
        engine = QueryEngine(QueryData(project.session))
        brute = Brute(project)
        for _ in range(25):
            text, tree = random_query(rng)
            where_text, where = None, None
            if rng.random() < 0.4:
                where_text, where = rng.choice(WHERES)
                text = f"{text} WHERE {where_text}"
            expected = brute.eval(tree, where)
            got = engine.spans(parse_query(text))
            assert {d: s for d, s in got.items() if s} == expected, text


def test_passages_carry_their_person(tmp_path: Path) -> None:
    with random_project(tmp_path / "p.qc", 3) as project:
        brute = Brute(project)
        result = run_query(project, "Alpha OR Beta")
        assert result.passages
        for p in result.passages:
            speaker, _ = brute.person(p.document_id, p.start, p.end)
            person = result.engine.data.persons[p.person_id]
            assert (person.name if person.is_speaker else None) == speaker


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"Alpha" AND', "expected a code name after AND at column 12"),
        ('"Alpha" AND NOT', "expected a code name after AND NOT at column 16"),
        ("(Alpha OR Beta", "expected ) at column 15"),
        ("Alpha NEAR/x Beta", "expected a number of sentences after NEAR/ at column 12"),
        ("Alpha FOLLOWED Beta", "expected BY after FOLLOWED at column 16"),
        ("Alpha FOLLOWED BY Beta WITHIN page", "expected turn, sentence or document"),
        ('"Alpha', "unclosed quote at column 1"),
        ("Alpha Beta", "expected AND, OR, NEAR, FOLLOWED BY or WHERE at column 7"),
        ("Alpha WHERE role", "expected =, !=, <, <=, > or >= after role at column 17"),
        ("Alpha WHERE role =", "expected a value after role = at column 19"),
        ("", "expected a code name at column 1"),
    ],
)
def test_syntax_errors_name_the_column(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse_query(query)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_names_name_the_column(tmp_path: Path) -> None:
    with random_project(tmp_path / "p.qc", 1) as project:
        engine = QueryEngine(QueryData(project.session))
        cases = [
            ("Alpha AND Alhpa", "no code named 'Alhpa' at column 11; did you mean 'Alpha'?"),
            ("THEME A1", "'A1' is not a theme (it is under 'Alpha') at column 7"),
            ("Alpha WHERE rol = gp", "no attribute named 'rol' at column 13"),
            ("Alpha WHERE CODER = zed", "no coder named 'zed' at column 13"),
        ]
        for query, message in cases:
            with pytest.raises(QueryError) as err:
                engine.run(query)
            assert message in str(err.value), query


def test_cli_query_save_run_code_as_and_undo(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 2).close()
    out = cli("query", str(path), "Alpha AND NOT Beta", "--format", "json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert rows and {"document", "start", "end", "speaker", "case", "text"} <= set(rows[0])
    assert cli("query", str(path), "Alpha AND NOT Beta", "--save", "a-not-b").exit_code == 0
    listed = cli("query", str(path), "--list", "--format", "csv")
    assert "a-not-b" in listed.stdout
    again = cli("query", str(path), "--run", "a-not-b", "--format", "json")
    assert json.loads(again.stdout) == rows
    nested = cli("query", str(path), 'QUERY "a-not-b" OR Gamma', "--format", "json")
    assert len(json.loads(nested.stdout)) >= 1
    counted = cli("query", str(path), "--run", "a-not-b", "--count", "--format", "json")
    assert json.loads(counted.stdout)["passages"] == len(rows)
    coded = cli("query", str(path), "--run", "a-not-b", "--code-as", "Alpha only")
    assert coded.exit_code == 0, coded.output
    with Project.open(path) as project:
        spans = sorted(
            (c.document, c.start, c.end) for c in project.codings.list(code="Alpha only")
        )
        assert spans == sorted((r["document"], r["start"], r["end"]) for r in rows)
    assert cli("undo", str(path)).exit_code == 0
    with Project.open(path) as project:
        assert project.codebook.find("Alpha only") is None
    bad = cli("query", str(path), "Alpha AND")
    assert bad.exit_code == 1
    assert bad.stderr.strip() == "error: expected a code name after AND at column 10"
    missing = cli("query", str(path), "--run", "nope")
    assert missing.exit_code == 1 and "no saved query named 'nope'" in missing.stderr
    inner = cli("query", str(path), "Gamma OR QUERY nope")
    assert "no saved query named 'nope' (saved: a-not-b) at column 16" in inner.stderr


def test_saved_query_that_uses_itself_is_refused(tmp_path: Path) -> None:
    from qualcode.store.queries import SavedQueries

    with random_project(tmp_path / "p.qc", 4) as project:
        SavedQueries(project.session).save("loop", "Alpha OR QUERY loop")
        with pytest.raises(QueryError, match="uses itself"):
            run_query(project, "QUERY loop")


def test_text_operand_finds_words(tmp_path: Path) -> None:
    with random_project(tmp_path / "p.qc", 5) as project:
        result = run_query(project, 'TEXT "alone OR tired"')
        data = result.engine.data
        for p in result.passages:
            assert data.text(p.document_id)[p.start : p.end].lower() in ("alone", "tired")
        expected = sum(
            len(re.findall(r"\b(?:alone|tired)\b", data.text(d).lower())) for d, _ in data.documents
        )
        assert len(result.passages) == expected


def test_context_zero_is_none_and_negative_is_refused(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 2).close()
    none = cli("query", str(path), "Alpha", "--context", "0", "--format", "json")
    assert none.exit_code == 0, none.output
    rows = json.loads(none.stdout)
    assert rows and all(r["before"] == "" and r["after"] == "" for r in rows)
    two = json.loads(cli("query", str(path), "Alpha", "--context", "2", "--format", "json").stdout)
    assert all(len(r["before"].replace("…", "").split()) <= 2 for r in two)
    assert all(len(r["after"].replace("…", "").split()) <= 2 for r in two)
    before = dump(path)
    bad = cli("query", str(path), "Alpha", "--context", "-1", "--code-as", "New")
    assert bad.exit_code == 1
    assert bad.stderr.strip() == "error: --context takes a number of words, 0 or more, not -1"
    assert dump(path) == before


@pytest.mark.parametrize(
    "extra",
    [["--count"], ["-o", "OUT"], ["--format", "csv"], ["--format", "json", "-o", "OUT"]],
    ids=["count", "output", "csv", "json-file"],
)
def test_code_as_refuses_options_it_would_ignore(
    cli: Callable[..., Result], tmp_path: Path, extra: list[str]
) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 2).close()
    out = tmp_path / "x.csv"
    before = dump(path)
    args = [str(out) if a == "OUT" else a for a in extra]
    got = cli("query", str(path), "Alpha", "--code-as", "C4", *args)
    assert got.exit_code == 1, got.output
    assert got.stderr.startswith("error: --code-as codes the results and lists nothing")
    assert len(got.stderr.strip().splitlines()) == 1
    assert dump(path) == before and not out.exists()


def test_unquoted_iso_date_is_one_value() -> None:
    where = parse_query("Alpha WHERE interview_date >= 2024-02-01 AND x < 5-year").where
    assert isinstance(where, Cond)
    assert [(t.field, t.op, t.value) for t in where.parts if isinstance(t, WhereTest)] == [
        ("interview_date", ">=", "2024-02-01"),
        ("x", "<", "5-year"),
    ]


def dated_project(path: Path, typed: bool) -> Project:
    """A random project whose documents have an interview date (typed ``date`` or not) and
    ``score`` (typed ``number`` or not)."""
    project = random_project(path, 2)
    for i, (_, name) in enumerate(QueryData(project.session).documents):
        project.documents.set_attribute(name, "interview_date", f"2024-0{i % 9 + 1}-15")
        project.documents.set_attribute(name, "score", str(i))
    if typed:
        project.cases.set_type("interview_date", "date")
        project.cases.set_type("score", "number")
    return project


@pytest.mark.parametrize("typed", [True, False], ids=["declared", "inferred"])
def test_where_values_must_fit_the_attribute(tmp_path: Path, typed: bool) -> None:
    with dated_project(tmp_path / "p.qc", typed) as project:
        later = run_query(project, "Alpha WHERE interview_date >= 2024-03-01").passages
        data = QueryData(project.session)
        assert later and all(data.doc_attributes[p.document_id]["interview_date"] >= "2024-03"
                             for p in later)  # fmt: skip
        assert run_query(project, "Alpha WHERE years > 3").passages
        cases = [
            ("Alpha WHERE years > abc", "'abc' is not a number (years holds numbers) at column 21"),
            ("Alpha WHERE score = x1", "'x1' is not a number (score holds numbers) at column 21"),
            ("Alpha WHERE interview_date > tomorrow",
             "'tomorrow' is not a date (YYYY-MM-DD; interview_date holds dates) at column 30"),
            ('Alpha WHERE interview_date > "2024-2-1"',
             "'2024-2-1' is not a date (YYYY-MM-DD; interview_date holds dates) at column 30"),
            ("Alpha WHERE interview_date < 2024-02-30",
             "'2024-02-30' is not a date (YYYY-MM-DD; interview_date holds dates) at column 30"),
        ]  # fmt: skip
        for query, message in cases:
            with pytest.raises(QueryError) as err:
                run_query(project, query)
            assert str(err.value) == message, query
        assert run_query(project, "Alpha WHERE role > abc").passages is not None  # text: fine


def test_where_value_errors_on_the_command_line(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.qc"
    dated_project(path, True).close()
    got = cli("query", str(path), "Alpha WHERE interview_date > tomorrow")
    assert got.exit_code == 1
    assert got.stderr.strip() == (
        "error: 'tomorrow' is not a date (YYYY-MM-DD; interview_date holds dates) at column 30"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Alpha", "--save", ""], "--save needs a name for the query"),
        (["Alpha", "--save", "  "], "--save needs a name for the query"),
        (["Alpha", "--code-as", ""], "--code-as needs a name for the new code"),
        (["Alpha", "--parent", "Beta"], "--parent goes with --code-as (the new code's parent)"),
        (["Alpha", "--code-as", "New", "--parent", ""], "--parent needs a code name"),
    ],
    ids=["save-empty", "save-blank", "code-as-empty", "parent-alone", "parent-empty"],
)
def test_empty_names_and_parent_alone_are_refused(
    cli: Callable[..., Result], tmp_path: Path, args: list[str], message: str
) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 2).close()
    before = dump(path)
    got = cli("query", str(path), *args)
    assert got.exit_code == 1, got.output
    assert got.stderr.strip() == f"error: {message}"
    assert dump(path) == before


def test_saving_replacing_cycles_and_deleting(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 2).close()
    first = cli("query", str(path), "Alpha", "--save", "r1")
    assert first.stderr.splitlines()[0] == "Saved query 'r1'"
    again = cli("query", str(path), "Beta", "--save", "R1")
    assert again.exit_code == 0 and again.stderr.splitlines()[0] == "Replaced saved query 'r1'"
    assert cli("query", str(path), "QUERY r1 OR Gamma", "--save", "r2").exit_code == 0
    assert cli("query", str(path), "QUERY r2", "--save", "r3").exit_code == 0
    before = dump(path)
    loop = cli("query", str(path), "QUERY r3", "--save", "r1")
    assert loop.exit_code == 1
    assert loop.stderr.strip() == (
        "error: saving 'r1' would make saved queries use one another in a circle: r1 → r3 → r2 → r1"
    )
    assert dump(path) == before
    used = cli("query", str(path), "--delete", "r1")
    assert used.exit_code == 1
    assert used.stderr.strip() == (
        "error: saved query 'r1' is used by r2 (QUERY r1): change or delete it first"
    )
    assert dump(path) == before
    assert cli("query", str(path), "--delete", "r3").exit_code == 0
    assert cli("query", str(path), "--delete", "r2").exit_code == 0
    assert cli("query", str(path), "--delete", "r1").exit_code == 0


def test_save_and_code_as_are_one_action(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "p.qc"
    random_project(path, 2).close()
    before = dump(path)
    clash = cli("query", str(path), "Alpha", "--save", "s", "--code-as", "Beta")
    assert clash.exit_code == 1
    assert dump(path) == before  # the code exists: nothing saved either
    both = cli("query", str(path), "Alpha", "--save", "s", "--code-as", "New")
    assert both.exit_code == 0, both.output
    assert cli("undo", str(path)).exit_code == 0
    with Project.open(path) as project:
        assert project.codebook.find("New") is None
        assert project.queries.find("s") is None


def test_text_errors_give_one_column_in_the_whole_query(tmp_path: Path) -> None:
    with random_project(tmp_path / "p.qc", 5) as project:
        with pytest.raises(QueryError) as err:
            run_query(project, 'Alpha OR TEXT "(alone"')
        message = str(err.value)
        assert message.startswith("in TEXT: ") and message.count("column") == 1, message
        assert message.endswith(" at column 22"), message  # the closing quote
