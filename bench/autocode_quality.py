"""Rule suggestion quality on a held-out part of the demo (issue 16).

Builds a project from the shipped samples and codebook, applies the first coder's example
codings (``sample_transcripts/demo_codings.csv``) to six *training* transcripts only, runs rule
auto-coding over the three *held-out* ones (which carry no codings, so nothing is skipped as
already coded) and compares every pending suggestion with the first coder's codings of the
held-out transcripts:

* a suggestion is **right** when its span overlaps a first-coder coding of the same code;
* **precision** = right / suggestions; **recall** = first-coder codings (of codes that have
  rules) overlapped by at least one suggestion of their code / those codings;
* error kinds counted in the pending list of the *whole* demo (all nine transcripts, as
  ``qualcode demo`` builds it): suggestions in interviewer turns, suggestions whose matched
  words are negated without a ``negated`` flag, matches inside bracketed annotations, and lemma
  widenings (a keyword written in an inflected form matching another form).

Usage: python bench/autocode_quality.py [--split gp03_claire,gp06_farid,leader03_ian]
                                        [--include-interviewer]
"""

from __future__ import annotations

import argparse
import csv
import re
import tempfile
import time
from pathlib import Path

HELD_OUT = ("gp03_claire", "gp06_farid", "leader03_ian")
"""Every third transcript in name order: two GPs' interviews and one leader's."""


def first_coder(samples: Path) -> list[dict[str, str]]:
    with (samples / "demo_codings.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def build(path: Path, held_out: set[str], include_interviewer: bool) -> dict[str, object]:
    from qualcode.codebook import codebook_entries, load_codebook
    from qualcode.importing import import_files
    from qualcode.nlp.autocode import autocode
    from qualcode.resources import default_codebook, samples_dir
    from qualcode.store import Project

    samples = samples_dir()
    rows = first_coder(samples)
    with Project.create(path, coder="bench") as project:
        import_files(project, [samples])
        book = load_codebook(default_codebook())
        project.codebook.apply(book.name, codebook_entries(book))
        gold: list[tuple[str, str, int, int]] = []
        with project.action("bench.codings", "first coder's codings (training part)"):
            for row in rows:
                text = project.documents.get(row["document"]).text
                start = text.find(row["text"])
                assert start >= 0, row
                span = (row["document"], row["code"], start, start + len(row["text"]))
                if row["document"] in held_out:
                    gold.append(span)
                else:
                    project.codings.add(*span)
        started = time.perf_counter()
        autocode(project, documents=sorted(held_out), include_interviewer=include_interviewer)
        seconds = time.perf_counter() - started
        ruled = {c.name for c in project.codebook.codes() if c.keywords or c.patterns}
        pending = project.suggestions.list(source="rule")
    right = sum(
        any(d == s.document and c == s.code and a < s.end and s.start < b for d, c, a, b in gold)
        for s in pending
    )
    gold_ruled = [g for g in gold if g[1] in ruled]
    found = sum(
        any(s.document == d and s.code == c and s.start < b and a < s.end for s in pending)
        for d, c, a, b in gold_ruled
    )
    return {
        "suggestions": len(pending),
        "right": right,
        "precision": right / len(pending) if pending else 0.0,
        "gold": len(gold_ruled),
        "found": found,
        "recall": found / len(gold_ruled) if gold_ruled else 0.0,
        "seconds": seconds,
    }


_NEGATORS = re.compile(
    r"\b(no|not|never|nobody|nothing|none|neither|nor|without|hardly|barely|scarcely|"
    r"cannot|nowhere|no one)\b|n't\b",
    re.I,
)
_CLAUSE = re.compile(
    r"[,;:.!?—–]|\b(but|and|because|so|although|though|while|that|who|which)\b", re.I
)


def error_kinds(path: Path) -> dict[str, int]:
    """The issue's error kinds in the demo's pending rule suggestions."""
    from qualcode.nlp.rules import reason_spans
    from qualcode.store import Project

    kinds = dict.fromkeys(
        ("interviewer turn", "negated unflagged", "inside annotation", "lemma widening"), 0
    )
    with Project.open(path) as project:
        conn = project.session.conn
        columns = {r[1] for r in conn.execute("PRAGMA table_info(suggestions)")}
        asking = project.suggestions.interviewer_spans(project.suggestions.document_ids())
        for s in project.suggestions.list(source="rule"):
            if any(a <= s.start and s.end <= b for a, b in asking.get(s.document_id, [])):
                kinds["interviewer turn"] += 1
            for keyword, words in re.findall(r'keyword "([^"]+)" matched "([^"]+)"', s.reason):
                if keyword[:1] != "~" and _widened(keyword.lstrip("="), words):
                    kinds["lemma widening"] += 1
            negated = (
                conn.execute("SELECT negated FROM suggestions WHERE id = ?", (s.id,)).fetchone()[0]
                if "negated" in columns
                else 0
            )
            text = project.documents.get(s.document_id).text
            for start, _end in reason_spans(s.reason):
                clause_start = max(
                    [m.end() for m in _CLAUSE.finditer(text, s.start, start)], default=s.start
                )
                if _NEGATORS.search(text, clause_start, start) and not negated:
                    kinds["negated unflagged"] += 1
                opening = max(text.rfind("[", s.start, start), text.rfind("(", s.start, start))
                closing = max(text.rfind("]", s.start, start), text.rfind(")", s.start, start))
                if opening > closing:
                    kinds["inside annotation"] += 1
    return kinds


def _widened(keyword: str, words: str) -> bool:
    """A keyword word written inflected ("satisfying") that matched another form."""
    from qualcode.nlp.lexicon import lemma_lookup

    table = lemma_lookup()
    for k, w in zip(keyword.lower().split(), words.lower().split(), strict=False):
        if k != w and table.get(k, k) != k:
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default=",".join(HELD_OUT), help="held-out documents")
    parser.add_argument("--include-interviewer", action="store_true")
    args = parser.parse_args()
    held_out = {name.strip() for name in args.split.split(",") if name.strip()}
    with tempfile.TemporaryDirectory() as tmp:
        result = build(Path(tmp) / "quality.qc", held_out, args.include_interviewer)
        print(f"held-out: {', '.join(sorted(held_out))}")
        print(
            f"rule suggestions: {result['suggestions']}, right {result['right']}, "
            f"precision {result['precision']:.2f}; first-coder codings of ruled codes "
            f"{result['gold']}, found {result['found']}, recall {result['recall']:.2f} "
            f"({result['seconds']:.2f} s)"
        )
        from qualcode.demo import build_demo

        demo = build_demo(Path(tmp) / "demo")
        for kind, n in error_kinds(demo).items():
            print(f"demo pending, {kind}: {n}")


if __name__ == "__main__":
    main()
