"""Disagreements between two coders, and settling them into a consensus coder.

A *disagreement* is a place where two coders' spans of one code differ: each coder's spans of
the code in a document are merged where they overlap, both coders' merged spans are grouped
into clusters of overlapping spans, and a cluster whose spans are not the same for both coders
is one disagreement (one coder coded it and the other did not, or both did with other
boundaries). Spans of a code that both coders placed identically are *agreed*.

Each disagreement is settled into the ``consensus`` coder (a coder like any other, so
``qualcode summary --coder consensus`` reports it): take A's spans, B's, their union, their
intersection, neither, or a span with edited boundaries. A decision is one undoable, audited
action: it replaces whatever the consensus coder had of that code in the cluster and records
the decision in ``consensus_decisions`` (which coders, where, what was chosen, the spans that
resulted, who decided and when), so the walk can show what was decided and skip it. Decisions
on a code are deleted with the code, through :func:`forget_code`, so undo brings them back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.codings import Codings
from qualcode.store.invariants import check_span
from qualcode.store.memos import Memos
from qualcode.store.session import Session, new_guid, now, now_seconds
from qualcode.text import merge_spans

CONSENSUS = "consensus"
CHOICES = ("a", "b", "union", "intersection", "neither", "edit")
CHOICE_LABELS = {
    "a": "took A's",
    "b": "took B's",
    "union": "union",
    "intersection": "intersection",
    "neither": "neither",
    "edit": "edited boundaries",
}
Span = tuple[int, int]


@dataclass(frozen=True)
class Disagreement:
    """One place where coders A and B differ on one code."""

    number: int
    document_id: int
    document: str
    code_id: int
    code: str
    start: int
    end: int
    a_spans: tuple[Span, ...]
    b_spans: tuple[Span, ...]
    decision: str | None = None
    """What was decided (one of :data:`CHOICES`), or None while open."""

    @property
    def key(self) -> str:
        return f"{self.document_id}:{self.code_id}:{self.start}:{self.end}"

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "document": self.document,
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "a": [list(s) for s in self.a_spans],
            "b": [list(s) for s in self.b_spans],
            "decision": self.decision,
        }


def union(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    return merge_spans([*a, *b])


def intersection(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for s1, e1 in merge_spans(a):
        for s2, e2 in merge_spans(b):
            lo, hi = max(s1, s2), min(e1, e2)
            if lo < hi:
                out.append((lo, hi))
    return merge_spans(out)


def clusters(a: Sequence[Span], b: Sequence[Span]) -> list[tuple[Span, list[Span], list[Span]]]:
    """Both coders' (merged) spans grouped where they overlap: (extent, A's, B's)."""
    tagged = sorted([(s, e, 0) for s, e in merge_spans(a)] + [(s, e, 1) for s, e in merge_spans(b)])
    out: list[tuple[Span, list[Span], list[Span]]] = []
    for start, end, who in tagged:
        if out and start < out[-1][0][1]:
            (lo, hi), sa, sb = out[-1]
            out[-1] = ((lo, max(hi, end)), sa, sb)
        else:
            out.append(((start, end), [], []))
        (out[-1][2] if who else out[-1][1]).append((start, end))
    return out


def consensus_coders(session: Session) -> list[str]:
    """Names of the coders that hold settled codings (``coders.is_consensus``), not a
    person's own: left out of agreement by default, of blind coding and of the coders a
    summary compares."""
    return [
        str(r[0])
        for r in session.conn.execute(
            "SELECT name FROM coders WHERE is_consensus = 1 ORDER BY name"
        )
    ]


class Consensus:
    """Disagreements between two coders and their settlement (``Consensus(project.session)``)."""

    def __init__(self, session: Session, coder: str = CONSENSUS) -> None:
        self.s = session
        self.coder = coder.strip()
        if not self.coder:
            raise ProjectError("a coder name cannot be empty")
        self.memos = Memos(session)
        self.codings = Codings(session, self.memos)

    # ------------------------------------------------------------------ reading

    def _spans(
        self, coder: str, codes: Sequence[int] | None, documents: Sequence[int] | None
    ) -> dict[tuple[int, int], list[Span]]:
        sql = (
            'SELECT c.document_id, c.code_id, c.start, c."end" FROM codings c '
            "JOIN coders k ON k.id = c.coder_id WHERE k.name = ?"
        )
        args: list[object] = [coder]
        if codes:
            sql += f" AND c.code_id IN ({', '.join('?' * len(codes))})"
            args += list(codes)
        if documents:
            sql += f" AND c.document_id IN ({', '.join('?' * len(documents))})"
            args += list(documents)
        out: dict[tuple[int, int], list[Span]] = {}
        for doc, code, start, end in self.s.conn.execute(sql, args):
            out.setdefault((int(doc), int(code)), []).append((int(start), int(end)))
        return out

    def _check_coder(self, name: str) -> int:
        """The coder's id; a clear error naming the project's coders if there is none."""
        found = self.s.lookup_coder_id(name)
        if found is None:
            names = [r[0] for r in self.s.conn.execute("SELECT name FROM coders ORDER BY name")]
            raise ProjectError(
                f"no coder '{name}' in this project (coders: {', '.join(names) or 'none'})"
            )
        return found

    def disagreements(
        self,
        coder_a: str,
        coder_b: str,
        codes: Sequence[str | int] = (),
        documents: Sequence[str | int] = (),
    ) -> list[Disagreement]:
        """Every place A and B differ, code by code (codebook order), then by document name
        and position."""
        for name in (coder_a, coder_b):
            self._check_coder(name)
        if coder_a == coder_b:
            raise ProjectError("compare two different coders")
        code_ids = [lookup.code_id(self.s, c) for c in codes] or None
        doc_ids = [lookup.document_id(self.s, d) for d in documents] or None
        a = self._spans(coder_a, code_ids, doc_ids)
        b = self._spans(coder_b, code_ids, doc_ids)
        doc_names = dict(self.s.conn.execute("SELECT id, name FROM documents").fetchall())
        code_rows = self.s.conn.execute("SELECT id, name FROM codes ORDER BY position, id")
        code_names: dict[int, str] = {}
        for cid, name in code_rows:
            code_names[int(cid)] = str(name)
        order = {cid: i for i, cid in enumerate(self.codings.code_tree().order)}
        decided = self.decisions(coder_a, coder_b)
        found: list[tuple[str, int, int, int, Span, list[Span], list[Span]]] = []
        for doc, code in set(a) | set(b):
            for extent, sa, sb in clusters(a.get((doc, code), []), b.get((doc, code), [])):
                if sa != sb:
                    found.append((doc_names[doc], order.get(code, 0), doc, code, extent, sa, sb))
        found.sort(key=lambda r: (r[1], r[0], r[4][0], r[4][1]))  # code by code
        out = []
        for number, (name, _, doc, code, (start, end), sa, sb) in enumerate(found, start=1):
            key = f"{doc}:{code}:{start}:{end}"
            out.append(
                Disagreement(
                    number,
                    doc,
                    name,
                    code,
                    code_names[code],
                    start,
                    end,
                    tuple(sa),
                    tuple(sb),
                    decided.get(key),
                )
            )
        return out

    def agreed(self, coder_a: str, coder_b: str) -> list[tuple[int, int, Span]]:
        """(document id, code id, span) of every cluster both coders coded identically."""
        a = self._spans(coder_a, None, None)
        b = self._spans(coder_b, None, None)
        out: list[tuple[int, int, Span]] = []
        for doc, code in sorted(set(a) & set(b)):
            for _extent, sa, sb in clusters(a[(doc, code)], b[(doc, code)]):
                if sa == sb:
                    out.extend((doc, code, span) for span in sa)
        return out

    def settled_pair(self) -> list[str]:
        """The two coders whose disagreements were settled into this consensus coder (the
        pair settled first), or an empty list."""
        row = self.s.conn.execute(
            "SELECT a.name, b.name FROM consensus_decisions d "
            "JOIN coders k ON k.id = d.consensus_coder_id "
            "JOIN coders a ON a.id = d.coder_a_id JOIN coders b ON b.id = d.coder_b_id "
            "WHERE k.name = ? ORDER BY d.id LIMIT 1",
            (self.coder,),
        ).fetchone()
        return [] if row is None else [str(row[0]), str(row[1])]

    def _decision_rows(self, coder_a: str, coder_b: str) -> list[tuple[int, str, str]]:
        """(id, disagreement key, choice) of every decision between A and B, with A's and
        B's choices seen from the order given (a pair is stored one way round)."""
        first, second, swapped = _ordered(coder_a, coder_b)
        ids = [self.s.lookup_coder_id(n) for n in (self.coder, first, second)]
        if None in ids:
            return []
        return [
            (int(i), f"{doc}:{code}:{start}:{end}", _swap(str(choice)) if swapped else str(choice))
            for i, doc, code, start, end, choice in self.s.conn.execute(
                'SELECT id, document_id, code_id, start, "end", choice '
                "FROM consensus_decisions WHERE consensus_coder_id = ? AND coder_a_id = ? "
                "AND coder_b_id = ?",
                ids,
            )
        ]

    def decisions(self, coder_a: str, coder_b: str) -> dict[str, str]:
        """Decisions taken so far between A and B: disagreement key -> choice."""
        return {key: choice for _, key, choice in self._decision_rows(coder_a, coder_b)}

    def context(self, d: Disagreement, around: int = 160) -> tuple[str, int]:
        """The text around a disagreement (to the nearest sentence edges within ``around``
        characters) and the offset of its first character."""
        length = self.s.conn.execute(
            "SELECT length(text) FROM documents WHERE id = ?", (d.document_id,)
        ).fetchone()[0]
        lo = max(0, d.start - around)
        hi = min(int(length), d.end + around)
        row = self.s.conn.execute(
            'SELECT MIN(start), MAX("end") FROM sentences WHERE document_id = ? '
            'AND "end" > ? AND start < ?',
            (d.document_id, d.start, d.end),
        ).fetchone()
        if row and row[0] is not None:
            lo = max(lo, min(int(row[0]), d.start))
            hi = min(hi, max(int(row[1]), d.end))
        text = self.s.conn.execute(
            "SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
            (lo, hi, lo, d.document_id),
        ).fetchone()[0]
        return str(text), lo

    # ------------------------------------------------------------------ writing

    def settle(
        self,
        d: Disagreement,
        choice: str,
        coder_a: str,
        coder_b: str,
        span: Span | None = None,
    ) -> list[int]:
        """Settle one disagreement into the consensus coder (one undoable action); returns
        the ids of the consensus codings made."""
        if choice not in CHOICES:
            raise ProjectError(f"unknown decision '{choice}'; use one of {', '.join(CHOICES)}")
        spans: list[Span]
        if choice == "a":
            spans = list(d.a_spans)
        elif choice == "b":
            spans = list(d.b_spans)
        elif choice == "union":
            spans = union(d.a_spans, d.b_spans)
        elif choice == "intersection":
            spans = intersection(d.a_spans, d.b_spans)
        elif choice == "neither":
            spans = []
        else:
            if span is None:
                raise ProjectError("editing the boundaries needs a START-END span")
            length = self.s.conn.execute(
                "SELECT length(text) FROM documents WHERE id = ?", (d.document_id,)
            ).fetchone()[0]
            check_span(int(length), span[0], span[1])
            spans = [span]
        where = f"'{d.code}' on {d.document} [{d.start}:{d.end}]"
        summary = f"Consensus of {coder_a} and {coder_b} on {where}: {CHOICE_LABELS[choice]}" + (
            f" -> {', '.join(f'[{s}:{e}]' for s, e in spans)}" if spans else " -> no coding"
        )
        made: list[int] = []
        with self.s.action("consensus.settle", summary):
            coder_id = self._consensus_id(coder_a, coder_b)
            lo = min([d.start, *(s for s, _ in spans)])
            hi = max([d.end, *(e for _, e in spans)])
            for (old,) in self.s.conn.execute(
                "SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND coder_id = ? "
                'AND start < ? AND "end" > ?',
                (d.document_id, d.code_id, coder_id, hi, lo),
            ).fetchall():
                self.codings.delete_row(int(old))
            stamp = now_seconds()
            for start, end in spans:
                made.append(
                    self.s.insert(
                        "codings",
                        {
                            "guid": new_guid(),
                            "document_id": d.document_id,
                            "code_id": d.code_id,
                            "start": start,
                            "end": end,
                            "coder_id": coder_id,
                            "origin": "manual",
                            "created_at": stamp,
                        },
                    )
                )
            self._record(d, choice, spans, coder_id, coder_a, coder_b)
        return made

    def _consensus_id(self, coder_a: str, coder_b: str) -> int:
        """The consensus coder's id, created and marked (``coders.is_consensus``) on first use,
        inside the caller's action. Refuses one of the compared coders, or a coder with codings
        of their own: settling replaces the consensus coder's codings, which must never be a
        person's work."""
        if self.coder in (coder_a, coder_b):
            raise ProjectError(
                f"the consensus coder cannot be one of the coders compared ('{self.coder}'); "
                "choose another --consensus name"
            )
        row = self.s.conn.execute(
            "SELECT id, is_consensus FROM coders WHERE name = ?", (self.coder,)
        ).fetchone()
        if row is not None and not row[1]:
            own = self.s.conn.execute(
                "SELECT COUNT(*) FROM codings WHERE coder_id = ?", (row[0],)
            ).fetchone()[0]
            if own:
                raise ProjectError(
                    f"'{self.coder}' has {own} coding(s) of their own; settling into that coder "
                    "would replace them: choose another --consensus name"
                )
        coder_id = self.codings.ensure_coder(self.coder)
        if row is None or not row[1]:
            self.s.update("coders", coder_id, {"is_consensus": 1})
        return coder_id

    def _record(
        self,
        d: Disagreement,
        choice: str,
        spans: Sequence[Span],
        consensus_id: int,
        coder_a: str,
        coder_b: str,
    ) -> None:
        """Write the decision on ``d`` inside the caller's action (replacing an earlier one).
        The pair is stored in name order, so ``--coders ben,anna`` sees anna,ben's decisions."""
        first, second, swapped = _ordered(coder_a, coder_b)
        a_id, b_id = self._check_coder(first), self._check_coder(second)
        values = {
            "choice": _swap(choice) if swapped else choice,
            "spans": json.dumps([list(s) for s in spans], separators=(",", ":")),
            "decided_by_id": self.s.coder_id(),
            "decided_at": now(),
        }
        existing = self.s.conn.execute(
            "SELECT id FROM consensus_decisions WHERE consensus_coder_id = ? AND coder_a_id = ? "
            'AND coder_b_id = ? AND document_id = ? AND code_id = ? AND start = ? AND "end" = ?',
            (consensus_id, a_id, b_id, d.document_id, d.code_id, d.start, d.end),
        ).fetchone()
        if existing is not None:
            self.s.update("consensus_decisions", int(existing[0]), values)
            return
        self.s.insert(
            "consensus_decisions",
            {
                "consensus_coder_id": consensus_id,
                "coder_a_id": a_id,
                "coder_b_id": b_id,
                "document_id": d.document_id,
                "code_id": d.code_id,
                "start": d.start,
                "end": d.end,
                **values,
            },
        )

    def copy_agreed(self, coder_a: str, coder_b: str) -> int:
        """Copy every span both coders placed identically into the consensus coder (one
        undoable action); returns how many codings were added."""
        for name in (coder_a, coder_b):
            self._check_coder(name)
        agreed = self.agreed(coder_a, coder_b)
        added = 0
        with self.s.action(
            "consensus.agreed", f"Consensus of {coder_a} and {coder_b}: copied agreed codings"
        ) as act:
            coder_id = self._consensus_id(coder_a, coder_b)
            have = {
                tuple(r)
                for r in self.s.conn.execute(
                    'SELECT document_id, code_id, start, "end" FROM codings WHERE coder_id = ?',
                    (coder_id,),
                )
            }
            stamp = now_seconds()
            for doc, code, (start, end) in agreed:
                if (doc, code, start, end) in have:
                    continue
                self.s.insert(
                    "codings",
                    {
                        "guid": new_guid(),
                        "document_id": doc,
                        "code_id": code,
                        "start": start,
                        "end": end,
                        "coder_id": coder_id,
                        "origin": "manual",
                        "created_at": stamp,
                    },
                )
                added += 1
            act.summary += f": {added} added"
        return added


def _ordered(coder_a: str, coder_b: str) -> tuple[str, str, bool]:
    """The pair in the order decisions are stored (by name), and whether it was swapped."""
    return (coder_a, coder_b, False) if coder_a <= coder_b else (coder_b, coder_a, True)


def _swap(choice: str) -> str:
    """A choice seen from the other coder's side: A's becomes B's and back."""
    return {"a": "b", "b": "a"}.get(choice, choice)


def forget_code(session: Session, code_id: int) -> None:
    """Delete the consensus decisions on a code inside the caller's action (recorded, so
    undoing the code's deletion or merge brings them back): called before the code goes."""
    for (decision_id,) in session.conn.execute(
        "SELECT id FROM consensus_decisions WHERE code_id = ?", (code_id,)
    ).fetchall():
        session.delete("consensus_decisions", int(decision_id))
