"""Read-only bulk queries for analysis and reports.

``Project``'s record methods are made for one screen at a time (a document, its codings); the
analysis layer needs the whole corpus at once, in a handful of queries, as plain data that can be
filtered and counted in memory. This module is the only place the analysis/report code touches
SQL. It never writes (bulk loading of codings is ``project.codings.import_rows``).

Every coding comes back already attributed to one *person*: the speaker of the turn that holds
the largest part of the coded span (ties go to the earlier turn). A turn with no speaker belongs
to a pseudo-person standing for its document, so that filters and counts treat every character
of the corpus the same way (see :class:`PersonRow`).

Every participant also belongs to a *case* (:attr:`PersonRow.case`): a person who may speak in
several documents. Speakers are tied to one case by the attribute ``participant`` (their own,
or their document's when the document has one participant), so a participant interviewed twice
counts once; a speaker without it is a case of its own. Interviewers are a role: the
``speakers.is_interviewer`` flag when set, else ``role=interviewer``, else the default names.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from qualcode.store.cases import CASE_KEY
from qualcode.store.project import Project
from qualcode.store.speakers import DEFAULT_INTERVIEWER_NAMES

INTERVIEWER_NAMES = DEFAULT_INTERVIEWER_NAMES
"""Speaker labels that mark the person asking the questions (case-insensitive, digits ignored).

Interviewers are speakers but not *participants*: "n of N participants" should not count them.
A speaker attribute ``role`` with one of these values (or ``interviewer``) marks one too, and
``speakers.is_interviewer`` (``qualcode speakers --interviewer``) overrides both."""


@dataclass(frozen=True)
class DocumentRow:
    id: int
    name: str
    text: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class PersonRow:
    """Who a stretch of text belongs to.

    ``id`` is the speaker id, or ``-document_id`` for the pseudo-person that owns a document's
    turns without a speaker. That pseudo-person is a *participant* only when the document has no
    named speakers at all (a one-person text such as a written reflection). ``attributes`` are
    the document's attributes overlaid by the speaker's own, so ``role=leader`` set on a
    document reaches its speakers.
    """

    id: int
    document_id: int
    document: str
    name: str
    is_speaker: bool
    is_participant: bool
    attributes: dict[str, str]
    case: str = ""
    """The case (participant) this person is: the ``participant`` attribute, else empty
    (a case of its own, see :attr:`case_key`)."""

    @property
    def label(self) -> str:
        return self.name if self.is_speaker else f"({self.document})"

    @property
    def case_key(self) -> str:
        """Equal for the persons that are one case (case-insensitive), unique otherwise."""
        return f"case:{self.case.casefold()}" if self.case else f"person:{self.id}"


@dataclass(frozen=True)
class TurnRow:
    id: int
    document_id: int
    index: int
    person_id: int
    start: int
    end: int
    timestamp: str | None
    words: int | None = None  # counted at import; None for a document stored without turns


@dataclass(frozen=True)
class CodeRow:
    id: int
    parent_id: int | None
    name: str
    brief: str
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    color: str | None
    depth: int
    order: int
    """Position in codebook (tree) order, parents before children."""


@dataclass(frozen=True)
class CodingRow:
    id: int
    document_id: int
    code_id: int
    start: int
    end: int
    coder: str
    memo: str | None
    origin: str
    person_id: int
    turn_index: int
    """Index (0-based, in document order) of the turn holding most of the span."""


@dataclass(frozen=True)
class MemoRow:
    target_type: str
    target_id: int | None
    coder: str
    text: str


@dataclass
class AnalysisData:
    """Everything the analysis needs, loaded once; lists are in a stable, documented order."""

    documents: list[DocumentRow]
    """In name order."""
    persons: dict[int, PersonRow]
    turns: dict[int, list[TurnRow]]
    """Per document id, in text order."""
    sentences: dict[int, list[tuple[int, int]]]
    """Per document id, (start, end) in text order."""
    codes: list[CodeRow]
    """In codebook (tree) order."""
    codings: list[CodingRow]
    """In (document name, start, end, code order, id) order."""
    memos: list[MemoRow]
    codebook_name: str | None = None
    attribute_types: dict[str, str] = field(default_factory=dict)
    """Declared types of attributes (``number``, ``date``); keys not listed are text."""
    doc_by_id: dict[int, DocumentRow] = field(default_factory=dict)
    code_by_id: dict[int, CodeRow] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.doc_by_id = {d.id: d for d in self.documents}
        self.code_by_id = {c.id: c for c in self.codes}


def is_interviewer(name: str | None, attributes: dict[str, str] | None = None) -> bool:
    """True for speaker labels such as ``Interviewer``, ``I``, ``Int2``, ``Moderator``."""
    role = (attributes or {}).get("role", "").strip().lower()
    if role in INTERVIEWER_NAMES or role == "interviewer":
        return True
    if not name:
        return False
    key = "".join(ch for ch in name.lower() if ch.isalpha())
    return key in INTERVIEWER_NAMES


def load_analysis_data(project: Project) -> AnalysisData:
    """Read the whole project for analysis in a few queries (no writes)."""
    conn = project.session.conn
    doc_attrs: dict[int, dict[str, str]] = {}
    for doc_id, key, value in conn.execute(
        "SELECT document_id, key, value FROM document_attributes ORDER BY document_id, key"
    ):
        doc_attrs.setdefault(doc_id, {})[key] = value
    documents = [
        DocumentRow(id=r[0], name=r[1], text=r[2], attributes=doc_attrs.get(r[0], {}))
        for r in conn.execute("SELECT id, name, text FROM documents ORDER BY name")
    ]
    by_id = {d.id: d for d in documents}

    spk_attrs: dict[int, dict[str, str]] = {}
    for sid, key, value in conn.execute(
        "SELECT speaker_id, key, value FROM speaker_attributes ORDER BY speaker_id, key"
    ):
        spk_attrs.setdefault(sid, {})[key] = value
    persons: dict[int, PersonRow] = {}
    named_docs: set[int] = set()
    flagged = "is_interviewer" in {r[1] for r in conn.execute("PRAGMA table_info(speakers)")}
    speaker_rows = conn.execute(
        "SELECT id, document_id, name, "
        + ("is_interviewer" if flagged else "NULL")
        + " FROM speakers ORDER BY document_id, id"
    ).fetchall()
    roles = {
        sid: (flag if flag is not None else is_interviewer(name, spk_attrs.get(sid, {})))
        for sid, _, name, flag in speaker_rows
    }
    participants_in: dict[int, int] = {}
    for sid, doc_id, _, _ in speaker_rows:
        if not roles[sid]:
            participants_in[doc_id] = participants_in.get(doc_id, 0) + 1
    for sid, doc_id, name, _ in speaker_rows:
        doc = by_id[doc_id]
        own = spk_attrs.get(sid, {})
        participant = not roles[sid]
        case = own.get(CASE_KEY, "").strip()
        if not case and participant and participants_in.get(doc_id) == 1:
            case = doc.attributes.get(CASE_KEY, "").strip()
        persons[sid] = PersonRow(
            id=sid,
            document_id=doc_id,
            document=doc.name,
            name=name,
            is_speaker=True,
            is_participant=participant,
            attributes={**doc.attributes, **own},
            case=case if participant else "",
        )
        named_docs.add(doc_id)

    turns: dict[int, list[TurnRow]] = {d.id: [] for d in documents}
    for tid, doc_id, idx, sid, start, end, stamp, words in conn.execute(
        'SELECT id, document_id, idx, speaker_id, start, "end", timestamp, words FROM turns '
        "ORDER BY document_id, start, idx"
    ):
        pid = sid if sid is not None else -doc_id
        turns[doc_id].append(TurnRow(tid, doc_id, idx, pid, start, end, stamp, words))
    for doc in documents:
        if not turns[doc.id]:
            # A document stored without turns is one turn without a speaker.
            turns[doc.id].append(TurnRow(0, doc.id, 0, -doc.id, 0, len(doc.text), None))
        if any(t.person_id < 0 for t in turns[doc.id]):
            persons[-doc.id] = PersonRow(
                id=-doc.id,
                document_id=doc.id,
                document=doc.name,
                name=doc.name,
                is_speaker=False,
                is_participant=doc.id not in named_docs,
                attributes=dict(doc.attributes),
                case=doc.attributes.get(CASE_KEY, "").strip() if doc.id not in named_docs else "",
            )

    sentences: dict[int, list[tuple[int, int]]] = {d.id: [] for d in documents}
    for doc_id, start, end in conn.execute(
        'SELECT document_id, start, "end" FROM sentences ORDER BY document_id, start, "end"'
    ):
        sentences[doc_id].append((start, end))

    codes = _codes(project)
    order = {c.id: c.order for c in codes}
    doc_order = {d.id: i for i, d in enumerate(documents)}
    raw = conn.execute(
        'SELECT c.id, c.document_id, c.code_id, c.start, c."end", k.name, '
        "(SELECT group_concat(m.text, char(10) || char(10)) FROM memos m "
        "WHERE m.coding_id = c.id), c.origin "
        "FROM codings c JOIN coders k ON k.id = c.coder_id"
    ).fetchall()
    starts = {doc_id: [t.start for t in ts] for doc_id, ts in turns.items()}
    codings = []
    for cid, doc_id, code_id, start, end, coder, memo, origin in raw:
        index = attribute_span(turns[doc_id], starts[doc_id], start, end)
        turn = turns[doc_id][index]
        codings.append(
            CodingRow(cid, doc_id, code_id, start, end, coder, memo, origin, turn.person_id, index)
        )
    codings.sort(key=lambda c: (doc_order[c.document_id], c.start, c.end, order[c.code_id], c.id))

    memos = [
        MemoRow(r[0], r[1], r[2], r[3])
        for r in conn.execute(
            "SELECT m.target_type, COALESCE(m.document_id, m.code_id, m.coding_id), k.name, "
            "m.text FROM memos m JOIN coders k ON k.id = m.coder_id "
            "ORDER BY m.target_type, COALESCE(m.document_id, m.code_id, m.coding_id), k.name, m.id"
        )
    ]
    book = conn.execute("SELECT value FROM settings WHERE key = 'codebook_name'").fetchone()
    types: dict[str, str] = {}
    if conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attribute_types'"
    ).fetchone():
        types = {str(k): str(t) for k, t in conn.execute("SELECT key, type FROM attribute_types")}
    return AnalysisData(
        documents=documents,
        persons=persons,
        turns=turns,
        sentences=sentences,
        codes=codes,
        codings=codings,
        memos=memos,
        codebook_name=book[0] if book else None,
        attribute_types=types,
    )


def attribute_span(turns: Sequence[TurnRow], starts: Sequence[int], start: int, end: int) -> int:
    """Index of the turn holding the largest part of ``[start, end)`` (earlier turn on ties).

    A span that lies wholly between turns (only white space or a speaker label) goes to the
    turn that follows it, or the last turn.
    """
    i = bisect.bisect_right(starts, start) - 1
    if i < 0:
        i = 0
    if turns and turns[i].start <= start and end <= turns[i].end:
        return i  # the common case: the span lies inside one turn
    best, best_len = -1, 0
    while i < len(turns) and turns[i].start < end:
        overlap = min(end, turns[i].end) - max(start, turns[i].start)
        if overlap > best_len:
            best, best_len = i, overlap
        i += 1
    if best >= 0:
        return best
    return min(bisect.bisect_left(starts, start), len(turns) - 1)


def _codes(project: Project) -> list[CodeRow]:
    return [
        CodeRow(
            id=c.id,
            parent_id=c.parent_id,
            name=c.name,
            brief=c.brief,
            definition=c.definition,
            when_to_use=c.when_to_use,
            when_not_to_use=c.when_not_to_use,
            example=c.example,
            color=c.color,
            depth=c.depth,
            order=i,
        )
        for i, c in enumerate(project.codebook.codes())
    ]
