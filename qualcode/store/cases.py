"""Cases (participants) across documents, and typed attributes.

A participant interviewed twice is one person: each document has its own speaker, and the
speakers are tied to one *case* by the speaker attribute ``participant`` (set by front matter,
the participants CSV, or ``qualcode cases``). A speaker without that attribute is a case of its
own. Analyses count cases, not speakers (:mod:`qualcode.store.analysis_data`).

Attributes have a type, kept in ``attribute_types`` (text when absent): ``number`` values are
decimal numbers (so crosstabs can bin them, ``--bins 0,5,10,20``), ``date`` values are ISO
dates ``YYYY-MM-DD`` (so they sort and filter as dates). Setting a type checks every value the
project already has; setting a value checks it against its key's type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.attributes import (  # noqa: F401  (re-exported for analysis)
    ATTRIBUTE_TYPES,
    attribute_types,
    check_value,
    parse_date,
    parse_number,
    upsert_attribute,
)
from qualcode.store.invariants import clean_name, not_found
from qualcode.store.session import Session
from qualcode.store.speakers import speaker_is_interviewer

CASE_KEY = "participant"


@dataclass(frozen=True)
class Case:
    """One participant: the speakers (document, name) that are this person, and its
    attributes (those of its speakers, the first document's value winning on a conflict)."""

    name: str
    speakers: tuple[tuple[str, str], ...]
    attributes: dict[str, str] = field(default_factory=dict)
    linked: bool = True
    """False for a speaker without a ``participant`` attribute (a case of its own)."""


class Cases:
    """Participants as cases, and attribute types (every write one undoable action)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # ---------------------------------------------------------------- reading

    def list(self, include_unlinked: bool = True) -> list[Case]:
        """Every participant case, linked ones (by ``participant``) first, by name;
        interviewers are not cases."""
        attrs: dict[int, dict[str, str]] = {}
        for sid, key, value in self.s.conn.execute(
            "SELECT speaker_id, key, value FROM speaker_attributes ORDER BY speaker_id, key"
        ):
            attrs.setdefault(sid, {})[key] = value
        doc_attrs: dict[int, dict[str, str]] = {}
        for doc_id, key, value in self.s.conn.execute(
            "SELECT document_id, key, value FROM document_attributes ORDER BY document_id, key"
        ):
            doc_attrs.setdefault(int(doc_id), {})[str(key)] = str(value)
        doc_case = {
            doc_id: attrs[CASE_KEY].strip()
            for doc_id, attrs in doc_attrs.items()
            if CASE_KEY in attrs
        }
        rows = self.s.conn.execute(
            "SELECT s.id, s.name, d.name, d.id, s.is_interviewer FROM speakers s "
            "JOIN documents d ON d.id = s.document_id ORDER BY d.name, s.id"
        ).fetchall()
        asks = {
            r[0]: speaker_is_interviewer(r[1], r[4], attrs.get(r[0], {}).get("role")) for r in rows
        }
        participants: dict[int, int] = {}
        for sid, _, _, doc_id, _ in rows:
            if not asks[sid]:
                participants[doc_id] = participants.get(doc_id, 0) + 1
        groups: dict[str, dict[str, Any]] = {}
        for sid, speaker, document, doc_id, _ in rows:
            if asks[sid]:
                continue
            own = attrs.get(sid, {})
            case = own.get(CASE_KEY, "").strip()
            if not case and participants.get(doc_id) == 1:
                # The document's participant is its one participant speaker (front matter).
                case = doc_case.get(doc_id, "")
            linked = bool(case)
            if not linked:
                if not include_unlinked:
                    continue
                case = f"{document}/{speaker}"
            entry = groups.setdefault(
                case.casefold(), {"name": case, "speakers": [], "attrs": {}, "linked": linked}
            )
            entry["speakers"].append((document, speaker))
            # A speaker's attributes are its own overlaid on its document's (as in analyses).
            for key, value in {**doc_attrs.get(doc_id, {}), **own}.items():
                if key != CASE_KEY:
                    entry["attrs"].setdefault(key, value)
        return [
            Case(g["name"], tuple(g["speakers"]), g["attrs"], g["linked"])
            for g in sorted(groups.values(), key=lambda g: (not g["linked"], g["name"].casefold()))
        ]

    def get(self, name: str) -> Case:
        for case in self.list(include_unlinked=False):
            if case.name.casefold() == name.strip().casefold():
                return case
        names = [c.name for c in self.list(include_unlinked=False)]
        raise ProjectError(not_found("case", name, names))

    def types(self) -> dict[str, str]:
        return attribute_types(self.s)

    # ---------------------------------------------------------------- writing

    def assign(self, document: str | int, speaker: str, case: str) -> None:
        """Tie a document's speaker to a case (``participant=case``)."""
        case = clean_name(case, "case")
        sid = self._speaker_id(document, speaker)
        with self.s.action("case.assign", f"Speaker {speaker} in {document} is case {case}"):
            self._upsert(sid, CASE_KEY, case)

    def unassign(self, document: str | int, speaker: str) -> None:
        sid = self._speaker_id(document, speaker)
        row = self.s.conn.execute(
            "SELECT rowid FROM speaker_attributes WHERE speaker_id = ? AND key = ?",
            (sid, CASE_KEY),
        ).fetchone()
        if row is None:
            raise ProjectError(f"speaker {speaker} in {document} belongs to no case")
        with self.s.action("case.unassign", f"Speaker {speaker} in {document} left its case"):
            self.s.delete("speaker_attributes", int(row[0]))

    def set_attribute(self, case: str, key: str, value: str) -> int:
        """Set ``key=value`` on every speaker of a case; returns how many speakers."""
        key = clean_name(key, "attribute")
        if key == CASE_KEY:
            raise ProjectError("rename a case by assigning its speakers to another case")
        found = self.get(case)
        kind = self.types().get(key, "text")
        check_value(key, kind, value)
        ids = [self._speaker_id(doc, spk) for doc, spk in found.speakers]
        with self.s.action("case.attribute", f"Set {key}={value} on case {found.name}"):
            for sid in ids:
                self._upsert(sid, key, value.strip())
        return len(ids)

    def set_type(self, key: str, kind: str) -> None:
        """Declare an attribute's type after checking every value the project has for it."""
        if kind not in ATTRIBUTE_TYPES:
            raise ProjectError(f"type must be one of {', '.join(ATTRIBUTE_TYPES)}, not '{kind}'")
        key = clean_name(key, "attribute")
        for table in ("speaker_attributes", "document_attributes"):
            for (value,) in self.s.conn.execute(
                f"SELECT value FROM {table} WHERE key = ? ORDER BY value", (key,)
            ):
                check_value(key, kind, value)
        row = self.s.conn.execute(
            "SELECT rowid FROM attribute_types WHERE key = ?", (key,)
        ).fetchone()
        with self.s.action("attribute.type", f"Attribute {key} is a {kind}"):
            if row is None:
                self.s.insert("attribute_types", {"key": key, "type": kind})
            else:
                self.s.update("attribute_types", int(row[0]), {"type": kind})

    def _speaker_id(self, document: str | int, speaker: str) -> int:
        return lookup.speaker_id(self.s, document, speaker)

    def _upsert(self, speaker_id: int, key: str, value: str) -> None:
        upsert_attribute(self.s, "speaker_attributes", "speaker_id", speaker_id, key, value)
