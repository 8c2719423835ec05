"""Read model for coding queries and matrices: only what a query touches, read lazily.

``load_analysis_data`` reads the whole project (every text, sentence and coding, with memos)
in about 0.8 s on a 300-transcript study; a query names a few codes, so this reads the
documents, persons and turns once (about 0.1 s) and the codings of a code, the sentences of a
document and the text of a document only when asked, each cached.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from qualcode.store.analysis_data import PersonRow, TurnRow, attribute_span, is_interviewer
from qualcode.store.codetree import CodeTree
from qualcode.store.session import Session


@dataclass(frozen=True)
class QCode:
    id: int
    parent_id: int | None
    name: str
    depth: int


class QCoding(NamedTuple):
    """A coding with the person holding most of it (a tuple: 30,000 are made at once)."""

    id: int
    document_id: int
    code_id: int
    start: int
    end: int
    coder: str
    person_id: int


class QueryData:
    """Documents (name order), persons, turns and codes; codings, sentences, texts on demand."""

    def __init__(self, session: Session) -> None:
        conn = self.conn = session.conn
        doc_attrs: dict[int, dict[str, str]] = {}
        for doc_id, key, value in conn.execute(
            "SELECT document_id, key, value FROM document_attributes"
        ):
            doc_attrs.setdefault(doc_id, {})[key] = value
        self.documents: list[tuple[int, str]] = [
            (r[0], r[1]) for r in conn.execute("SELECT id, name FROM documents ORDER BY name")
        ]
        self.doc_attributes = {d: doc_attrs.get(d, {}) for d, _ in self.documents}
        self.doc_name = dict(self.documents)
        spk_attrs: dict[int, dict[str, str]] = {}
        for sid, key, value in conn.execute(
            "SELECT speaker_id, key, value FROM speaker_attributes"
        ):
            spk_attrs.setdefault(sid, {})[key] = value
        self.persons: dict[int, PersonRow] = {}
        named: set[int] = set()
        for sid, doc_id, name in conn.execute("SELECT id, document_id, name FROM speakers"):
            own = spk_attrs.get(sid, {})
            participant = not is_interviewer(name, own)
            self.persons[sid] = PersonRow(
                sid,
                doc_id,
                self.doc_name[doc_id],
                name,
                True,
                participant,
                # A document's attributes describe the person interviewed (role=gp): the
                # interviewer has only their own, so "WHERE role = gp" is what GPs said.
                {**self.doc_attributes[doc_id], **own} if participant else dict(own),
            )
            named.add(doc_id)
        self.turns: dict[int, list[TurnRow]] = {d: [] for d, _ in self.documents}
        for tid, doc_id, idx, sid, start, end in conn.execute(
            'SELECT id, document_id, idx, speaker_id, start, "end" FROM turns '
            "ORDER BY document_id, start, idx"
        ):
            pid = sid if sid is not None else -doc_id
            self.turns[doc_id].append(TurnRow(tid, doc_id, idx, pid, start, end, None))
        for doc_id, name in self.documents:
            turns = self.turns[doc_id]
            if not turns:  # a document stored without turns is one turn without a speaker
                row = conn.execute("SELECT length(text) FROM documents WHERE id = ?", (doc_id,))
                turns.append(TurnRow(0, doc_id, 0, -doc_id, 0, row.fetchone()[0], None))
            if any(t.person_id < 0 for t in turns) and -doc_id not in self.persons:
                participant = doc_id not in named
                attrs = dict(self.doc_attributes[doc_id]) if participant else {}
                self.persons[-doc_id] = PersonRow(
                    -doc_id, doc_id, name, name, False, participant, attrs
                )
        self.turn_starts = {d: [t.start for t in ts] for d, ts in self.turns.items()}
        rows = conn.execute("SELECT id, parent_id, name FROM codes ORDER BY position, id")
        raw = {r[0]: r for r in rows}
        tree = self.tree = CodeTree.build((r[0], r[1]) for r in raw.values())
        self.codes = [QCode(c, raw[c][1], raw[c][2], tree.depth(c)) for c in tree.order]
        self.code_by_id = {c.id: c for c in self.codes}
        self.coders = dict(conn.execute("SELECT id, name FROM coders"))
        self._codings: dict[int, list[QCoding]] = {}
        self._persons: dict[tuple[int, int, int], tuple[int, int]] = {}
        self._sentences: dict[int, list[int]] = {}
        self._texts: dict[int, str] = {}

    def person_at(self, document_id: int, start: int, end: int) -> tuple[int, int]:
        """(person id, turn index) of the turn holding most of ``[start, end)`` (cached: a
        theme's passages are mostly its codes' passages again)."""
        key = (document_id, start, end)
        found = self._persons.get(key)
        if found is not None:
            return found
        turns = self.turns[document_id]
        starts = self.turn_starts[document_id]
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and end <= turns[i].end:  # the common case: inside one turn
            found = (turns[i].person_id, i)
        else:
            index = attribute_span(turns, starts, start, end)
            found = (turns[index].person_id, index)
        self._persons[key] = found
        return found

    def prefetch_codings(self) -> None:
        """Read every coding in one pass (a matrix over every code asks for all of them)."""
        self.codings_of(c.id for c in self.codes)

    def codings_of(self, code_ids: Iterable[int]) -> list[QCoding]:
        """Codings of some codes (each code read once, then cached)."""
        ids = list(dict.fromkeys(code_ids))
        missing = [c for c in ids if c not in self._codings]
        if missing:
            for c in missing:
                self._codings[c] = []
            marks = ",".join("?" * len(missing))
            person_at, coders, found = self.person_at, self.coders, self._codings
            for cid, doc_id, code_id, start, end, coder_id in self.conn.execute(
                f'SELECT id, document_id, code_id, start, "end", coder_id FROM codings '
                f"WHERE code_id IN ({marks})",
                missing,
            ):
                person = person_at(doc_id, start, end)[0]
                found[code_id].append(
                    QCoding(cid, doc_id, code_id, start, end, coders[coder_id], person)
                )
        return [c for cid in ids for c in self._codings[cid]]

    def sentence_starts(self, document_id: int) -> list[int]:
        starts = self._sentences.get(document_id)
        if starts is None:
            starts = self._sentences[document_id] = [
                r[0]
                for r in self.conn.execute(
                    "SELECT start FROM sentences WHERE document_id = ? ORDER BY start",
                    (document_id,),
                )
            ] or [0]
        return starts

    def text(self, document_id: int) -> str:
        text = self._texts.get(document_id)
        if text is None:
            row = self.conn.execute("SELECT text FROM documents WHERE id = ?", (document_id,))
            text = self._texts[document_id] = row.fetchone()[0]
        return text

    def all_coders(self) -> list[str]:
        return sorted(
            self.coders[r[0]] for r in self.conn.execute("SELECT DISTINCT coder_id FROM codings")
        )

    def attribute_keys(self) -> list[str]:
        return sorted(
            {k for p in self.persons.values() for k in p.attributes}
            | {k for attrs in self.doc_attributes.values() for k in attrs}
        )

    def date_keys(self) -> list[str]:
        """Document or case attributes holding interview dates: typed ``date``
        (``attribute_types``), else named ``date`` or ``interview_date``."""
        keys = set(self.attribute_keys())
        typed = []
        if self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'attribute_types'"
        ).fetchone():
            typed = [
                r[0]
                for r in self.conn.execute(
                    "SELECT key FROM attribute_types WHERE type = 'date' ORDER BY key"
                )
                if r[0] in keys
            ]
        named = [k for k in ("date", "interview_date") if k in keys]
        return list(dict.fromkeys(typed + named))
