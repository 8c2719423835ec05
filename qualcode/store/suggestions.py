"""Suggestions (proposed codings awaiting the researcher's decision) and trained models.

Nothing here codes a passage on its own: rule and model runs only add *pending* suggestions;
a coding exists only after :meth:`Suggestions.accept`. Runs are idempotent: the table's
UNIQUE(document, code, start, end, source) key means a re-run finds the rows it made before,
keeps accepted and rejected ones exactly as they are, refreshes pending ones and drops pending
ones its rules no longer produce.

Accepting and rejecting are ordinary undoable actions (row changes recorded through
``Session.insert/update``), so ``History.undo()`` reverts a coding and its suggestion's status
together. Suggestion runs and stored models are audited but not undoable: a run can add
thousands of rows, and re-running it is the way to change it.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.codetree import CodeTree
from qualcode.store.codings import Codings
from qualcode.store.documents import sentences_in_turns
from qualcode.store.session import Session, now

SOURCES = ("rule", "model")
ORDERS = ("code", "score", "document")


@dataclass(frozen=True)
class Suggestion:
    """One proposed coding; ``text`` is the passage it would code."""

    id: int
    document_id: int
    document: str
    code_id: int
    code: str
    start: int
    end: int
    source: str
    reason: str
    score: float | None
    status: str
    coding_id: int | None
    created_at: str
    decided_at: str | None
    text: str
    negated: bool = False
    """The matched words are inside a negation's scope ("nobody competed"): shown in review."""


@dataclass(frozen=True)
class Proposal:
    """What an auto-coding run found: a span of a document for a code, and why."""

    document_id: int
    code_id: int
    start: int
    end: int
    reason: str
    score: float | None = None


@dataclass
class SyncResult:
    """What :func:`sync` changed, for the one-line summary commands print."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    decided: int = 0  # found again but already accepted/rejected: left alone
    pending_ids: list[int] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.added + self.updated + self.unchanged


Span = tuple[int, int, int, int]  # (document id, code id, start, end)


_SELECT = """
    SELECT s.id, s.document_id, d.name, s.code_id, c.name, s.start, s."end", s.source, s.reason,
           s.score, s.status, s.coding_id, s.created_at, s.decided_at,
           substr(d.text, s.start + 1, s."end" - s.start), s.negated = 1
    FROM suggestions s
    JOIN documents d ON d.id = s.document_id
    JOIN codes c ON c.id = s.code_id
"""
_ORDER_BY = {
    "code": 'c.position, c.name, d.name, s.start, s."end", s.source',
    "score": 's.score IS NULL, s.score DESC, c.name, d.name, s.start, s."end", s.source',
    "document": 'd.name, s.start, s."end", c.name, s.source',
}


class Suggestions:
    def __init__(self, session: Session, codings: Codings) -> None:
        self.s = session
        self.codings = codings

    def _tree(self) -> CodeTree:
        return self.codings.code_tree()

    def sync(
        self,
        source: str,
        proposals: Iterable[Proposal],
        document_ids: Sequence[int],
        code_ids: Sequence[int],
        summary: str = "",
    ) -> SyncResult:
        """Make the pending ``source`` suggestions for these documents x codes equal ``proposals``.

        New proposals become pending suggestions; ones already pending get their reason/score
        refreshed; pending ones not proposed any more are removed; accepted and rejected ones are
        never touched. One transaction, one (non-undoable) audit event. Of several proposals for
        the same span, the first counts.
        """
        found: dict[Span, tuple[str, float | None]] = {}
        for p in proposals:
            found.setdefault((p.document_id, p.code_id, p.start, p.end), (p.reason, p.score))
        return self.sync_found(source, found, document_ids, code_ids, summary)

    def sync_found(
        self,
        source: str,
        found: Mapping[Span, tuple[str, float | None] | tuple[str, float | None, bool]],
        document_ids: Sequence[int],
        code_ids: Sequence[int],
        summary: str = "",
    ) -> SyncResult:
        """:func:`sync` for proposals already keyed by span, as (reason, score).

        A rule run finds ten thousand spans; building a :class:`Proposal` for each only to take
        it apart again cost as much as writing them. A value may carry a third item, whether the
        suggestion is ``negated`` (stored in ``suggestions.negated``)."""
        if source not in SOURCES:
            raise ProjectError(f"unknown suggestion source '{source}'")
        docs, codes = set(document_ids), set(code_ids)
        wanted = {key: value for key, value in found.items() if key[0] in docs and key[1] in codes}
        result = SyncResult()
        conn = self.s.conn
        with self.s.action(
            f"suggestions.{source}", summary or f"Updated {source} suggestions", undoable=False
        ) as act:
            existing: dict[Span, tuple[int, str, str, float | None, int]] = {}
            for doc_chunk in _chunks(sorted(docs)):
                marks = ", ".join("?" for _ in doc_chunk)
                for row in conn.execute(
                    'SELECT id, document_id, code_id, start, "end", status, reason, score, '
                    f"negated FROM suggestions WHERE source = ? AND document_id IN ({marks})",
                    (source, *doc_chunk),
                ):
                    if row[2] in codes:
                        existing[(row[1], row[2], row[3], row[4])] = (
                            row[0],
                            row[5],
                            row[6],
                            row[7],
                            row[8],
                        )
            stamp = now()
            inserts = []
            updates = []
            for key, value in wanted.items():
                reason, score = value[0], value[1]
                negated = int(bool(value[2])) if len(value) > 2 else 0  # type: ignore[misc]
                old = existing.get(key)
                if old is None:
                    inserts.append((*key, source, reason, score, negated, stamp))
                elif old[1] != "pending":
                    result.decided += 1
                elif (old[2], old[3], old[4]) != (reason, score, negated):
                    updates.append((reason, score, negated, old[0]))
                else:
                    result.unchanged += 1
            conn.executemany(
                "UPDATE suggestions SET reason = ?, score = ?, negated = ? WHERE id = ?", updates
            )
            result.updated = len(updates)
            stale = [
                (old[0],)
                for key, old in existing.items()
                if old[1] == "pending" and key not in wanted
            ]
            conn.executemany("DELETE FROM suggestions WHERE id = ?", stale)
            result.removed = len(stale)
            conn.executemany(
                'INSERT INTO suggestions(document_id, code_id, start, "end", source, reason, score, '
                "negated, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
            result.added = len(inserts)
            act.summary = (
                f"{summary or source.capitalize() + ' suggestions'}: {result.added} new, "
                f"{result.updated} refreshed, {result.removed} withdrawn, "
                f"{result.decided} already decided"
            )
        return result

    # ---------------------------------------------------------------- reading for a run
    #
    # A run over a whole project reads every document's text, sentences and codings. These read
    # plain tuples: going through ``Project.document``, ``sentences`` and ``codings`` per document
    # (count subqueries, a dataclass per sentence) cost a third of a rule run on 1M words.

    def document_ids(self) -> list[int]:
        """Every document's id, in name order (as ``Project.documents``)."""
        return [r[0] for r in self.s.conn.execute("SELECT id FROM documents ORDER BY name")]

    def document_texts(self, document_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """Each document's (name, full text)."""
        out: dict[int, tuple[str, str]] = {}
        for chunk in _chunks(sorted(set(document_ids))):
            marks = ", ".join("?" for _ in chunk)
            for doc_id, name, text in self.s.conn.execute(
                f"SELECT id, name, text FROM documents WHERE id IN ({marks})", chunk
            ):
                out[doc_id] = (name, text)
        return out

    def sentence_spans(self, document_id: int) -> tuple[list[int], list[int]]:
        """A document's sentences in order, as a list of starts and a list of ends.

        SQLite hands them over as two JSON arrays: turning 95,000 result rows into Python tuples
        took a third longer than the JSON parser needs for the same numbers."""
        starts_json, ends_json = self.s.conn.execute(
            'SELECT json_group_array(start), json_group_array("end") FROM sentences '
            "WHERE document_id = ?",
            (document_id,),
        ).fetchone()
        starts: list[int] = json.loads(starts_json)
        ends: list[int] = json.loads(ends_json)
        if starts != sorted(starts):  # an aggregate's order is not promised; the pairs are
            pairs = sorted(zip(starts, ends, strict=True))
            starts, ends = [p[0] for p in pairs], [p[1] for p in pairs]
        return starts, ends

    def sentence_turn_spans(self, document_id: int) -> list[tuple[int, int, int, int]]:
        """A document's sentences in order, as (start, end, turn start, turn end); a sentence
        without a turn of this document stands for its own turn."""
        return [
            (start, end, turn[1], turn[2]) if turn else (start, end, start, end)
            for start, end, turn in sentences_in_turns(self.s, document_id)
        ]

    def interviewer_spans(self, document_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
        """Per document, the sorted (start, end) spans of the interviewer's turns: the speaker's
        ``is_interviewer`` flag when set, else ``role=interviewer``, else the default names."""
        try:
            from qualcode.store.speakers import speaker_is_interviewer
        except ImportError:  # pragma: no cover - before issue 11's module lands
            from qualcode.store.analysis_data import is_interviewer

            def speaker_is_interviewer(
                name: str | None, flag: int | None, role: str | None
            ) -> bool:
                if flag is not None:
                    return bool(flag)
                return is_interviewer(name, {"role": role} if role else None)

        out: dict[int, list[tuple[int, int]]] = {}
        for chunk in _chunks(sorted(set(document_ids))):
            marks = ", ".join("?" for _ in chunk)
            rows = self.s.conn.execute(
                'SELECT t.document_id, t.start, t."end", sp.name, sp.is_interviewer, '
                "(SELECT value FROM speaker_attributes a WHERE a.speaker_id = sp.id "
                "AND a.key = 'role') FROM turns t JOIN speakers sp ON sp.id = t.speaker_id "
                f"WHERE t.document_id IN ({marks}) ORDER BY t.document_id, t.start",
                chunk,
            )
            for doc_id, start, end, name, flag, role in rows:
                if speaker_is_interviewer(name, flag, role):
                    out.setdefault(doc_id, []).append((start, end))
        return out

    def coded_spans(
        self, document_ids: Sequence[int], origins: Sequence[str] | None = None
    ) -> dict[int, dict[int, list[tuple[int, int]]]]:
        """Per document and code, the sorted (start, end) spans already coded (any coder; only
        codings of these ``origins`` — manual, rule, model — when given)."""
        out: dict[int, dict[int, list[tuple[int, int]]]] = {}
        only = ""
        if origins is not None:
            only = f" AND origin IN ({', '.join(repr(str(o)) for o in origins if o.isalpha())})"
        for chunk in _chunks(sorted(set(document_ids))):
            marks = ", ".join("?" for _ in chunk)
            for doc_id, code_id, start, end in self.s.conn.execute(
                'SELECT document_id, code_id, start, "end" FROM codings '
                f"WHERE document_id IN ({marks}){only} "
                'ORDER BY document_id, code_id, start, "end"',
                chunk,
            ):
                out.setdefault(doc_id, {}).setdefault(code_id, []).append((start, end))
        return out

    # ---------------------------------------------------------------- reading

    def list(
        self,
        status: str | None = "pending",
        code: str | int | None = None,
        document: str | int | None = None,
        source: str | None = None,
        order: str = "code",
        limit: int | None = None,
    ) -> builtins.list[Suggestion]:
        """Suggestions filtered and sorted: by ``code`` (codebook order), ``score`` (highest
        first, rule suggestions last) or ``document`` (reading order)."""
        if order not in ORDERS:
            raise ProjectError(f"sort order must be one of {', '.join(ORDERS)}")
        clauses: builtins.list[str] = []
        args: builtins.list[Any] = []
        if status is not None:
            clauses.append("s.status = ?")
            args.append(status)
        if code is not None:
            ids = self._tree().descendants(lookup.code_id(self.s, code))
            clauses.append(f"s.code_id IN ({', '.join('?' for _ in ids)})")
            args.extend(ids)
        if document is not None:
            clauses.append("s.document_id = ?")
            args.append(lookup.document_id(self.s, document))
        if source is not None:
            clauses.append("s.source = ?")
            args.append(source)
        where = " AND ".join(clauses) or "1"
        sql = f"{_SELECT} WHERE {where} ORDER BY {_ORDER_BY[order]}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [Suggestion(*r) for r in self.s.conn.execute(sql, tuple(args)).fetchall()]

    def get(self, suggestion_id: int) -> Suggestion:
        row = self.s.conn.execute(f"{_SELECT} WHERE s.id = ?", (suggestion_id,)).fetchone()
        if row is None:
            raise ProjectError(f"no suggestion with id {suggestion_id}")
        return Suggestion(*row)

    def counts(self) -> dict[str, int]:
        """How many suggestions are pending, accepted and rejected."""
        out = dict.fromkeys(("pending", "accepted", "rejected"), 0)
        for status, n in self.s.conn.execute(
            "SELECT status, COUNT(*) FROM suggestions GROUP BY status"
        ):
            out[status] = n
        return out

    def pending_by_code(self) -> builtins.list[tuple[str, int]]:
        """(code name, pending count) in codebook order, for overviews."""
        return [
            (r[0], r[1])
            for r in self.s.conn.execute(
                "SELECT c.name, COUNT(*) FROM suggestions s JOIN codes c ON c.id = s.code_id "
                "WHERE s.status = 'pending' GROUP BY c.id ORDER BY c.position, c.name"
            )
        ]

    # ---------------------------------------------------------------- deciding

    def accept(self, ids: Sequence[int], summary: str | None = None) -> builtins.list[int]:
        """Accept pending suggestions: each becomes a coding (origin ``rule`` or ``model``) by the
        current coder, and is marked accepted, all in one undoable action. Returns coding ids."""
        items = self._pending(ids)
        if not items:
            return []
        label = summary or self._decision_summary("Accepted", items)
        coding_ids: builtins.list[int] = []
        with self.s.action("suggestion.accept", label):
            coder_id = self.s.coder_id()
            for item in items:
                dup = self.s.conn.execute(
                    "SELECT id FROM codings WHERE document_id = ? AND code_id = ? AND start = ? "
                    'AND "end" = ? AND coder_id = ?',
                    (item.document_id, item.code_id, item.start, item.end, coder_id),
                ).fetchone()
                if dup:
                    coding_id = int(dup[0])
                else:
                    coding_id = self.codings.add(
                        item.document_id, item.code_id, item.start, item.end, origin=item.source
                    )
                self.s.update(
                    "suggestions",
                    item.id,
                    {"status": "accepted", "coding_id": coding_id, "decided_at": now()},
                )
                coding_ids.append(coding_id)
        return coding_ids

    def reject(self, ids: Sequence[int], summary: str | None = None) -> int:
        """Reject pending suggestions in one undoable action; returns how many."""
        items = self._pending(ids)
        if not items:
            return 0
        with self.s.action(
            "suggestion.reject", summary or self._decision_summary("Rejected", items)
        ):
            stamp = now()
            for item in items:
                self.s.update("suggestions", item.id, {"status": "rejected", "decided_at": stamp})
        return len(items)

    def accept_code(self, code: str | int) -> builtins.list[int]:
        """Accept every pending suggestion of a code (and its sub-codes) as one undoable action."""
        name = lookup.code_name(self.s, lookup.code_id(self.s, code))
        items = self.list(code=code)
        return self.accept(
            [s.id for s in items], f"Accepted all {len(items)} suggestion(s) of '{name}'"
        )

    def reject_code(self, code: str | int) -> int:
        """Reject every pending suggestion of a code (and its sub-codes) as one undoable action."""
        name = lookup.code_name(self.s, lookup.code_id(self.s, code))
        items = self.list(code=code)
        return self.reject(
            [s.id for s in items], f"Rejected all {len(items)} suggestion(s) of '{name}'"
        )

    def _pending(self, ids: Sequence[int]) -> builtins.list[Suggestion]:
        items = [self.get(int(i)) for i in dict.fromkeys(ids)]
        for item in items:
            if item.status != "pending":
                raise ProjectError(f"suggestion {item.id} was already {item.status}")
        return items

    @staticmethod
    def _decision_summary(verb: str, items: builtins.list[Suggestion]) -> str:
        if len(items) == 1:
            s = items[0]
            return f"{verb} {s.source} suggestion '{s.code}' on {s.document} [{s.start}:{s.end}]"
        codes = sorted({s.code for s in items})
        what = f"'{codes[0]}'" if len(codes) == 1 else f"{len(codes)} codes"
        return f"{verb} {len(items)} suggestions of {what}"


def _chunks(values: builtins.list[int], size: int = 500) -> Iterable[builtins.list[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]
