"""How the codebook's rules fare: ``qualcode autocode P --evaluate``.

Every rule (keyword or pattern) is matched afresh over every sentence of the chosen documents
(interviewer turns left out unless asked, negated matches handled as in a run), and each hit
is judged against what the researcher did:

* **agreed** — the hit lies in a passage coded by hand (origin ``manual``) with the same code;
* **accepted** / **rejected** — the hit's sentence carries a rule suggestion of that code that
  was accepted or rejected;
* **pending** — anything else: not yet decided, so it counts neither way.

Precision is (agreed + accepted) / (agreed + accepted + rejected), over decided hits only;
``hit rate`` is the same over *all* hits (pending ones counted as wrong), a lower bound.
Recall is the share of the code's hand codings that at least one hit of the rule (or of any
rule of the code, on the code's row) falls in. A rule whose decided hits are mostly rejected
(more than :data:`REJECT_SHARE` of at least :data:`REJECT_MIN` decisions) is flagged: "'on call':
9 of 10 rejected — consider removing it".
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from qualcode.nlp.autocode import (
    code_modes_for,
    pipeline_name,
    select_codes,
    select_documents,
)
from qualcode.nlp.rules import code_rules, compile_rules
from qualcode.store import Project

REJECT_SHARE = 0.5
REJECT_MIN = 3
_RULE = re.compile(r'((?:keyword|pattern\[\d+\]) "(?:[^"\\]|\\.)*") matched ')


@dataclass
class RuleStats:
    """How one rule (or, summed, one code) fared."""

    code: str
    rule: str  # 'keyword "on call"', 'pattern[0] "…"'; "" on a code's row
    hits: int = 0
    agreed: int = 0
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    negated: int = 0  # hits inside a negation's scope (dropped or flagged, per the code)
    codings: int = 0  # the code's hand codings
    found: int = 0  # ... with a hit of this rule in them
    found_spans: set[tuple[int, int, int]] = field(default_factory=set, repr=False)

    @property
    def positives(self) -> int:
        return self.agreed + self.accepted

    @property
    def decided(self) -> int:
        return self.positives + self.rejected

    @property
    def precision(self) -> float | None:
        return self.positives / self.decided if self.decided else None

    @property
    def hit_rate(self) -> float | None:
        return self.positives / self.hits if self.hits else None

    @property
    def recall(self) -> float | None:
        return self.found / self.codings if self.codings else None

    @property
    def mostly_rejected(self) -> bool:
        return self.rejected >= REJECT_MIN and self.rejected > REJECT_SHARE * self.decided

    @property
    def keyword(self) -> str | None:
        """The codebook keyword this rule is (None for a pattern or a code's row)."""
        m = re.fullmatch(r'keyword "(.*)"', self.rule)
        return m.group(1).replace('\\"', '"') if m else None

    def advice(self) -> str:
        """The line that flags a rule whose suggestions are mostly rejected."""
        what = self.keyword or self.rule
        return (
            f"'{what}' ({self.code}): {self.rejected} of {self.decided} rejected — "
            "consider removing it (autocode --evaluate --disable-keyword)"
        )


@dataclass
class Evaluation:
    codes: list[RuleStats]  # one row per code, in codebook order
    rules: dict[str, list[RuleStats]]  # code name -> its rules' rows

    def flagged(self) -> list[RuleStats]:
        return [r for rows in self.rules.values() for r in rows if r.mostly_rejected]


def evaluate_rules(
    project: Project,
    codes: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    model: str | None = None,
    include_interviewer: bool = False,
) -> Evaluation:
    """Judge every rule's hits against the researcher's codings and decisions."""
    chosen = select_codes(project, codes)
    rules = compile_rules(code_rules(chosen), pipeline_name(project, model))
    doc_ids = select_documents(project, documents)
    modes = code_modes_for(project, chosen)
    names = {c.id: c.name for c in chosen}
    texts = project.suggestions.document_texts(doc_ids)
    manual = project.suggestions.coded_spans(doc_ids, origins=("manual",))
    asking = {} if include_interviewer else project.suggestions.interviewer_spans(doc_ids)
    decisions = _decisions(project, doc_ids)
    code_rows = {c.id: RuleStats(c.name, "") for c in chosen if c.keywords or c.patterns}
    rule_rows: dict[tuple[int, str], RuleStats] = {}
    for doc_id in doc_ids:
        text = texts[doc_id][1]
        starts, ends = project.suggestions.sentence_spans(doc_id)
        skip = asking.get(doc_id, [])
        pieces = [
            (a, text[a:b])
            for a, b in zip(starts, ends, strict=True)
            if not any(x <= a and b <= y for x, y in skip)
        ]
        doc_manual = manual.get(doc_id, {})
        for start, found in rules.match_texts(pieces):
            if not found:
                continue
            end = ends[bisect.bisect_left(starts, start)]
            seen_codes: set[int] = set()
            for match in found:
                row = rule_rows.setdefault(
                    (match.code_id, match.rule), RuleStats(names[match.code_id], match.rule)
                )
                code_row = code_rows[match.code_id]
                if match.negated and modes[match.code_id] != "ignore":
                    row.negated += 1
                    if match.code_id not in seen_codes:
                        code_row.negated += 1
                    if modes[match.code_id] == "skip":
                        continue
                verdict = _verdict(
                    doc_manual.get(match.code_id, []),
                    decisions.get((doc_id, match.code_id), []),
                    match.start,
                    match.end,
                    start,
                    end,
                )
                targets = [row] if match.code_id in seen_codes else [row, code_row]
                seen_codes.add(match.code_id)
                for target in targets:
                    target.hits += 1
                    setattr(target, verdict, getattr(target, verdict) + 1)
                for a, b in doc_manual.get(match.code_id, []):
                    if a < match.end and match.start < b:
                        row.found_spans.add((doc_id, a, b))
                        code_row.found_spans.add((doc_id, a, b))
    totals: dict[int, int] = {}
    for doc_manual in manual.values():
        for code_id, spans in doc_manual.items():
            totals[code_id] = totals.get(code_id, 0) + len(spans)
    for (code_id, _), row in rule_rows.items():
        row.codings, row.found = totals.get(code_id, 0), len(row.found_spans)
    for code_id, row in code_rows.items():
        row.codings, row.found = totals.get(code_id, 0), len(row.found_spans)
    by_code: dict[str, list[RuleStats]] = {}
    order = {c.id: i for i, c in enumerate(chosen)}
    for (code_id, _), row in sorted(rule_rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        by_code.setdefault(names[code_id], []).append(row)
    return Evaluation([code_rows[c] for c in sorted(code_rows, key=order.__getitem__)], by_code)


def _verdict(
    coded: list[tuple[int, int]],
    decided: list[tuple[int, int, str]],
    start: int,
    end: int,
    unit_start: int,
    unit_end: int,
) -> str:
    if any(a < end and start < b for a, b in coded):
        return "agreed"
    for a, b, status in decided:
        if a <= unit_start and unit_end <= b and status in ("accepted", "rejected"):
            return status
    return "pending"


def _decisions(
    project: Project, doc_ids: Sequence[int]
) -> dict[tuple[int, int], list[tuple[int, int, str]]]:
    """(document, code) -> the (start, end, status) of its decided rule suggestions."""
    wanted = set(doc_ids)
    out: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for status in ("accepted", "rejected"):
        for s in project.suggestions.list(status=status, source="rule"):
            if s.document_id in wanted:
                out.setdefault((s.document_id, s.code_id), []).append((s.start, s.end, status))
    return out


def rejected_rules(project: Project) -> list[RuleStats]:
    """Rules whose decided suggestions are mostly rejected, read from the suggestions' reasons
    alone (cheap enough to print after every ``autocode`` run)."""
    rows: dict[tuple[str, str], RuleStats] = {}
    for status in ("accepted", "rejected"):
        for s in project.suggestions.list(status=status, source="rule"):
            for rule in dict.fromkeys(_RULE.findall(s.reason)):
                row = rows.setdefault((s.code, rule), RuleStats(s.code, rule))
                setattr(row, status, getattr(row, status) + 1)
    return [row for row in rows.values() if row.mostly_rejected]
