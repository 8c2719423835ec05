"""Speakers across the whole project: rename, merge, and the interviewer role.

Transcription tools name speakers ``Speaker 1``, ``SPEAKER_00`` or ``Participant 12``; the
researcher fixes that once for the whole project (``Speaker 1`` -> ``Interviewer`` in every
document), as one undoable action. Merging moves the turns of one speaker onto another in each
document that has both (and renames it where only the first exists); the merged speaker's
attributes are kept unless the target already has that key.

The interviewer is a role, not a list of names: ``speakers.is_interviewer`` is 1 or 0 when the
researcher said so, and NULL when the default names decide (:data:`DEFAULT_INTERVIEWER_NAMES`,
case-insensitive, digits and punctuation ignored, so ``Int2`` and ``I`` count). A speaker
attribute ``role=interviewer`` also marks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.invariants import clean_name, not_found
from qualcode.store.session import Session

DEFAULT_INTERVIEWER_NAMES = frozenset(
    {"interviewer", "i", "int", "iv", "moderator", "mod", "facilitator", "researcher", "q"}
)
"""Speaker labels that mark the person asking the questions (case-insensitive, digits and
punctuation ignored): Interviewer, I, Int, IV, Moderator, Facilitator, and older ones."""


def default_is_interviewer(
    name: str | None, names: frozenset[str] = DEFAULT_INTERVIEWER_NAMES
) -> bool:
    """Whether a speaker called ``name`` is an interviewer when nobody said otherwise."""
    if not name:
        return False
    key = "".join(ch for ch in name.casefold() if ch.isalpha())
    return key in names


@dataclass(frozen=True)
class SpeakerName:
    """One speaker name over the whole project."""

    name: str
    documents: tuple[str, ...]
    turns: int
    interviewer: bool
    """Marked as interviewer (explicitly, by ``role``, or by the default names) in any document."""


class Speakers:
    """Project-wide speaker operations (every write is one undoable action)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # ---------------------------------------------------------------- reading

    def names(self) -> list[SpeakerName]:
        """Every speaker name with the documents it speaks in and its turns, by name."""
        rows = self.s.conn.execute(
            "SELECT s.id, s.name, d.name, s.is_interviewer, "
            "(SELECT COUNT(*) FROM turns t WHERE t.speaker_id = s.id), "
            "(SELECT value FROM speaker_attributes a WHERE a.speaker_id = s.id AND a.key = 'role') "
            "FROM speakers s JOIN documents d ON d.id = s.document_id ORDER BY s.name, d.name"
        ).fetchall()
        out: dict[str, dict[str, Any]] = {}
        for _sid, name, doc, flag, turns, role in rows:
            entry = out.setdefault(name, {"docs": [], "turns": 0, "interviewer": False})
            entry["docs"].append(doc)
            entry["turns"] += turns
            entry["interviewer"] |= speaker_is_interviewer(name, flag, role)
        return [
            SpeakerName(name, tuple(e["docs"]), e["turns"], e["interviewer"])
            for name, e in sorted(out.items(), key=lambda kv: kv[0].casefold())
        ]

    def _ids(self, name: str, document: str | int | None) -> list[tuple[int, int]]:
        """(speaker id, document id) of every speaker called ``name`` (in one document)."""
        sql = "SELECT id, document_id FROM speakers WHERE name = ?"
        args: list[Any] = [name]
        if document is not None:
            sql += " AND document_id = ?"
            args.append(lookup.document_id(self.s, document))
        found = [(int(r[0]), int(r[1])) for r in self.s.conn.execute(sql + " ORDER BY id", args)]
        if not found:
            known = [n.name for n in self.names()]
            where = f" in {document}" if document is not None else ""
            raise ProjectError(not_found(f"speaker{where}", name, known))
        return found

    def _target(self, document_id: int, name: str) -> int | None:
        row = self.s.conn.execute(
            "SELECT id FROM speakers WHERE document_id = ? AND name = ?", (document_id, name)
        ).fetchone()
        return None if row is None else int(row[0])

    # ---------------------------------------------------------------- writing

    def rename(self, old: str, new: str, document: str | int | None = None) -> int:
        """Rename ``old`` to ``new`` in every document (or one); returns how many documents.

        Refused if a document already has a speaker ``new``: that is a merge (:meth:`merge`)."""
        new = clean_name(new, "speaker")
        if new == old:
            raise ProjectError(f"'{old}' is already called that")
        ids = self._ids(old, document)
        clashes = [doc for _, doc in ids if self._target(doc, new) is not None]
        if clashes:
            names = ", ".join(lookup_name(self.s, d) for d in clashes[:3])
            raise ProjectError(
                f"'{new}' already speaks in {names}; use --merge to merge '{old}' into it"
            )
        where = "every document" if document is None else str(document)
        with self.s.action("speaker.rename", f"Renamed speaker {old} to {new} in {where}"):
            for sid, _ in ids:
                self.s.update("speakers", sid, {"name": new})
        return len(ids)

    def merge(self, old: str, into: str, document: str | int | None = None) -> int:
        """Merge speaker ``old`` into ``into`` in every document (or one): its turns become
        ``into``'s; where ``into`` does not speak, ``old`` is renamed. Returns the number of
        documents changed."""
        into = clean_name(into, "speaker")
        if into == old:
            raise ProjectError(f"cannot merge '{old}' into itself")
        ids = self._ids(old, document)
        where = "every document" if document is None else str(document)
        with self.s.action("speaker.merge", f"Merged speaker {old} into {into} in {where}"):
            for sid, doc_id in ids:
                target = self._target(doc_id, into)
                if target is None:
                    self.s.update("speakers", sid, {"name": into})
                    continue
                for (turn_id,) in self.s.conn.execute(
                    "SELECT id FROM turns WHERE speaker_id = ? ORDER BY id", (sid,)
                ).fetchall():
                    self.s.update("turns", turn_id, {"speaker_id": target})
                have = {
                    r[0]
                    for r in self.s.conn.execute(
                        "SELECT key FROM speaker_attributes WHERE speaker_id = ?", (target,)
                    )
                }
                for rowid, key in self.s.conn.execute(
                    "SELECT rowid, key FROM speaker_attributes WHERE speaker_id = ?", (sid,)
                ).fetchall():
                    if key in have:
                        self.s.delete("speaker_attributes", rowid)
                    else:
                        self.s.update("speaker_attributes", rowid, {"speaker_id": target})
                self._merge_flag(sid, target)
                self.s.delete("speakers", sid)
        return len(ids)

    def _merge_flag(self, source: int, target: int) -> None:
        flags = dict(
            self.s.conn.execute(
                "SELECT id, is_interviewer FROM speakers WHERE id IN (?, ?)", (source, target)
            ).fetchall()
        )
        if flags.get(target) is None and flags.get(source) is not None:
            self.s.update("speakers", target, {"is_interviewer": flags[source]})

    def set_interviewer(
        self, name: str, value: bool | None, document: str | int | None = None
    ) -> int:
        """Mark ``name`` as interviewer (True), as not one (False), or back to the default
        names (None), in every document (or one). Returns the number of speakers changed."""
        ids = self._ids(name, document)
        flag = None if value is None else int(value)
        what = {True: "interviewer", False: "not interviewer", None: "interviewer by name"}[value]
        with self.s.action("speaker.role", f"Marked speaker {name} as {what}"):
            for sid, _ in ids:
                self.s.update("speakers", sid, {"is_interviewer": flag})
        return len(ids)


def speaker_is_interviewer(name: str | None, flag: int | None, role: str | None) -> bool:
    """The role of one speaker: its explicit flag, else ``role=interviewer``, else its name."""
    if flag is not None:
        return bool(flag)
    if role is not None and role.strip().casefold() in DEFAULT_INTERVIEWER_NAMES:
        return True
    return default_is_interviewer(name)


def lookup_name(session: Session, document_id: int) -> str:
    row = session.conn.execute("SELECT name FROM documents WHERE id = ?", (document_id,)).fetchone()
    return str(row[0]) if row else str(document_id)
