"""Merging coders' project files into one (``qualcode merge TEAM.qc A.qc B.qc ...``).

Each coder works in a copy of the project on their own machine; a merge brings their work into
one file. Rows are matched by what identifies them across files, never by row id:

- documents by the hash of their stored text (``documents.text_sha256``); a document missing
  from the target is added with its turns, sentences, speakers and attributes. A document with
  the same name but another text is refused, unless ``rename`` is given: then it is added under
  ``NAME (FILE)``.
- codes by GUID, then by name; a code missing from the target is added under its (matched)
  parent. A code with the same name but another parent or definition is reported and kept as
  the target's; a definition field left empty in the source is no conflict (not filled in
  there).
- coders by name.
- codings, memos and done-marks are added; a coding already present (same GUID, or same
  document, code, span and coder) is skipped, so merging the same file twice adds nothing.
  A coding whose GUID the target has at another place (moved in the source since an earlier
  merge) is added at its new place with a new GUID.
- merging only adds codings: the target's codings by a source's coders, on the source's
  documents, that the source no longer has (deleted or moved there since an earlier merge) are
  kept and counted per coder (``SourceReport.codings_missing``) so they can be reviewed.
- a memo whose GUID the target has, with other text, replaces the target's text unless the
  target's copy was edited later (then the target's is kept and counted); other memos are
  added, or appended to that coder's memo on the same target.
- exemplar marks, saved queries, pseudonyms and attribute types the target lacks are added
  (by coding, query name, real name and attribute key); an added document keeps its speakers'
  interviewer roles.

The whole merge (every source file) is ONE action: one transaction and one audit event whose
summary says what came from where; a merge that writes nothing (the same files again) leaves no
event, so undo never takes back something else instead. Undo removes the codes, codings and
memos it added and puts back memo texts it replaced; added documents stay, as after an import
(imports are audited but never undoable), and so do done-marks while the ``done_marks`` table
has no rowid (see :mod:`qualcode.store.done`).

Source files are only read, never written: a source at this version is opened read-only; one
made by an older qualcode is upgraded in a temporary copy (deleted afterwards), never in place;
one made by a newer qualcode is refused.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from qualcode.errors import ProjectError
from qualcode.store.codings import CodingInput, Codings
from qualcode.store.documents import DocumentInput, Documents, TurnInput
from qualcode.store.done import DoneMarks
from qualcode.store.memos import Memos
from qualcode.store.schema import SCHEMA_VERSION
from qualcode.store.session import Session, checked_schema_version
from qualcode.store.settings import set_setting_row

DEFINITION_FIELDS = ("brief", "definition", "when_to_use", "when_not_to_use", "example")


@dataclass
class SourceReport:
    """What one source file brought into the target."""

    source: str
    documents_added: list[str] = field(default_factory=list)
    documents_matched: int = 0
    documents_renamed: list[tuple[str, str]] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_matched: int = 0
    code_conflicts: list[tuple[str, list[str]]] = field(default_factory=list)
    """Codes with the same name (or GUID) but another parent or definition: (name, differing
    fields, "parent" among them); the target's code was kept as it was."""
    parent_conflicts: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    """For codes whose conflict is their parent: name -> (target's parent, source's parent),
    None for top level."""
    coders: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_present: int = 0
    codings_missing: dict[str, int] = field(default_factory=dict)
    """Per coder: the target's codings by them, on this source's documents, that the source no
    longer has (deleted or moved there since an earlier merge); kept, to be reviewed."""
    memos_added: int = 0
    memos_updated: int = 0
    """Memos (matched by GUID) whose text the source's edited text replaced."""
    memos_kept: int = 0
    """Memos (matched by GUID) with other text in the source, kept because the target's copy
    was edited later."""
    done_added: int = 0
    extras: int = 0
    """Exemplar marks, saved queries, pseudonyms and attribute types added."""
    rows_written: int = 0
    """Rows this source changed in the target (SQLite's count); 0 means it brought nothing."""

    def summary(self) -> str:
        parts = [
            f"{len(self.documents_added)} document(s) added, {self.documents_matched} matched",
            f"{len(self.codes_added)} code(s) added",
            f"{self.codings_added} coding(s) added ({self.codings_present} already present)",
            f"{self.memos_added} memo(s)",
            f"{self.done_added} done-mark(s)",
        ]
        if self.memos_updated:
            parts.insert(4, f"{self.memos_updated} memo(s) updated")
        if self.extras:
            parts.append(f"{self.extras} exemplar mark(s), saved queries, pseudonyms, types")
        text = f"from {self.source} (coders {', '.join(self.coders) or 'none'}): " + ", ".join(
            parts
        )
        if self.documents_renamed:
            text += "; renamed " + ", ".join(f"'{a}' -> '{b}'" for a, b in self.documents_renamed)
        if self.code_conflicts:
            text += "; kept the target's definition of " + ", ".join(
                f"'{n}'" for n, _ in self.code_conflicts
            )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "coders": self.coders,
            "documents_added": self.documents_added,
            "documents_matched": self.documents_matched,
            "documents_renamed": [list(p) for p in self.documents_renamed],
            "codes_added": self.codes_added,
            "codes_matched": self.codes_matched,
            "code_conflicts": [self._conflict_dict(n, f) for n, f in self.code_conflicts],
            "codings_added": self.codings_added,
            "codings_present": self.codings_present,
            "codings_missing": self.codings_missing,
            "memos_added": self.memos_added,
            "memos_updated": self.memos_updated,
            "memos_kept": self.memos_kept,
            "done_added": self.done_added,
            "extras_added": self.extras,
        }

    def _conflict_dict(self, name: str, fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"code": name, "fields": fields}
        if name in self.parent_conflicts:
            ours, theirs = self.parent_conflicts[name]
            out["parent"] = {"target": ours, "source": theirs}
        return out


class _NothingWritten(Exception):
    """Raised inside the merge's action when no source changed a row: leaving the action this
    way rolls back its (empty) transaction, so no audit event says 'merged' about nothing."""


class Merger:
    """Merges other project files into the project of ``session``
    (``Merger(project.session).merge([...])``)."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.memos = Memos(session)
        self.codings = Codings(session, self.memos)
        self.documents = Documents(session, self.codings, self.memos)
        self.done = DoneMarks(session)
        self._added_ids: list[int] = []  # documents this merge added

    def merge(self, sources: list[Session], rename: bool = False) -> list[SourceReport]:
        """Merge every source (open sessions on the other files) as one action; when no
        source brings anything (``rows_written`` is 0 everywhere) no event is written."""
        for src in sources:
            refuse_same_file(src.path, self.s.path)
        reports: list[SourceReport] = []
        try:
            with self.s.action("project.merge", "Merged project files") as act:
                for src in sources:
                    start = self.s.conn.total_changes
                    reports.append(self._merge_one(src, rename))
                    reports[-1].rows_written = self.s.conn.total_changes - start
                if not any(r.rows_written for r in reports):
                    raise _NothingWritten
                # Documents.add leaves a marker of its (non-undoable) import in the action; the
                # merge's undo keeps added documents, as after an import, and says so below.
                act.changes[:] = [c for c in act.changes if "before" in c]
                act.summary = "Merged " + "; ".join(r.summary() for r in reports)
                if any(r.documents_added for r in reports):
                    act.summary += " (undo keeps added documents, as after an import)"
        except _NothingWritten:
            pass
        return reports

    # ------------------------------------------------------------------ one source

    def _merge_one(self, src: Session, rename: bool) -> SourceReport:
        rep = SourceReport(source=src.path.name)
        sconn = src.conn
        conn = self.s.conn
        # Coders by name.
        coder_map: dict[int, int] = {}
        coder_names: dict[int, str] = {}
        for cid, guid, name, settled in sconn.execute(
            "SELECT id, guid, name, is_consensus FROM coders ORDER BY name"
        ):
            taken = conn.execute("SELECT 1 FROM coders WHERE guid = ?", (guid,)).fetchone()
            coder_map[cid] = self.codings.ensure_coder(name, None if taken else guid)
            coder_names[cid] = name
            if settled:  # a consensus coder stays one: not compared as a person, not blind
                mark = conn.execute(
                    "SELECT is_consensus FROM coders WHERE id = ?", (coder_map[cid],)
                ).fetchone()
                if not mark[0]:
                    self.s.update("coders", coder_map[cid], {"is_consensus": 1})
        used = {r[0] for r in sconn.execute("SELECT DISTINCT coder_id FROM codings")}
        rep.coders = sorted(coder_names[c] for c in used if c in coder_names)
        doc_map = self._documents(src, rep, rename)
        code_map = self._codes(src, rep)
        # The codebook's name, for a team file that has none yet (summaries show it).
        book = sconn.execute("SELECT value FROM settings WHERE key = 'codebook_name'").fetchone()
        if (
            book
            and not conn.execute("SELECT 1 FROM settings WHERE key = 'codebook_name'").fetchone()
        ):
            set_setting_row(self.s, "codebook_name", str(book[0]))
        # Codings: in bulk; duplicates (same GUID, or same place and coder) are skipped. Rows
        # whose GUID the target already has at the same place are counted here without a round
        # through import_rows's checks: merging the same file again costs little. At another
        # place, the source moved it since an earlier merge: its new place comes along under a
        # new GUID (a GUID names one coding), and the old one is reported below.
        known = {
            str(r[0]): tuple(r[1:])
            for r in conn.execute(
                'SELECT guid, document_id, code_id, start, "end", coder_id FROM codings'
            )
        }
        rows: list[CodingInput] = []
        keys: set[tuple[int, ...]] = set()
        present = 0
        for guid, doc, code, start, end, coder, origin, created in sconn.execute(
            'SELECT guid, document_id, code_id, start, "end", coder_id, origin, created_at '
            "FROM codings ORDER BY id"
        ):
            key = (doc_map[doc], code_map[code], start, end, coder_map[coder])
            keys.add(key)
            if known.get(guid) == key:
                present += 1
                continue
            rows.append(
                CodingInput(
                    doc_map[doc],
                    code_map[code],
                    start,
                    end,
                    coder=coder_names[coder],
                    origin=origin,
                    # Whole seconds, as stored: import_rows takes them as they are (turning
                    # 60,000 of them into text and back was a tenth of a merge).
                    created_at=cast(str, created),
                    guid=None if guid in known else guid,
                )
            )
        rep.codings_present = present
        if rows:
            result = self.codings.import_rows(rows, f"Merged codings from {src.path.name}")
            rep.codings_added = result.added
            rep.codings_present += result.skipped
        rep.codings_missing = self._missing(keys, doc_map, rep.coders)
        coding_map = self._coding_map(src, doc_map, code_map, coder_map)
        self._memos(src, rep, doc_map, code_map, coder_map, coding_map)
        self._extras(src, rep, doc_map, coder_map, coding_map)
        for doc, coder, marked_at in sconn.execute(
            "SELECT document_id, coder_id, marked_at FROM done_marks"
        ):
            if self.done.write(doc_map[doc], coder_map[coder], True, marked_at):
                rep.done_added += 1
        return rep

    def _missing(
        self, keys: set[tuple[int, ...]], doc_map: dict[int, int], coders: list[str]
    ) -> dict[str, int]:
        """Per coder of the source, how many of their codings in the target, on the source's
        documents, the source does not have (by document, code, span and coder).

        A merge never deletes (a coding missing from one file may be another's newer work),
        so these stay; counting them is what tells the team that a coder deleted or moved
        codings in their own file since an earlier merge."""
        if not coders or not doc_map:
            return {}
        docs = sorted(set(doc_map.values()))
        missing: dict[str, int] = {}
        for name in coders:
            coder_id = self.s.lookup_coder_id(name)
            for row in self.s.conn.execute(
                'SELECT document_id, code_id, start, "end", coder_id FROM codings '
                f"WHERE coder_id = ? AND document_id IN ({', '.join('?' * len(docs))})",
                (coder_id, *docs),
            ):
                if tuple(row) not in keys:
                    missing[name] = missing.get(name, 0) + 1
        return missing

    def _documents(self, src: Session, rep: SourceReport, rename: bool) -> dict[int, int]:
        sconn, conn = src.conn, self.s.conn
        doc_map: dict[int, int] = {}
        for row in sconn.execute(
            "SELECT id, guid, name, text_sha256, sha256, source_format, source_path "
            "FROM documents ORDER BY name"
        ):
            sid, guid, name, text_hash, sha, fmt, path = row
            found = conn.execute(
                "SELECT id FROM documents WHERE text_sha256 = ? ORDER BY id", (text_hash,)
            ).fetchone()
            if found is not None:
                doc_map[sid] = int(found[0])
                rep.documents_matched += 1
                continue
            new_name = name
            if conn.execute("SELECT 1 FROM documents WHERE name = ?", (name,)).fetchone():
                if not rename:
                    raise ProjectError(
                        f"{src.path.name}: document '{name}' has a different text than the "
                        "target's document of that name; nothing was merged (pass --rename to "
                        "add it under another name)"
                    )
                new_name = self._free_name(f"{name} ({src.path.stem})")
                rep.documents_renamed.append((name, new_name))
            doc_map[sid] = self._copy_document(src, sid, guid, new_name, sha, fmt, path)
            self._added_ids.append(doc_map[sid])
            rep.documents_added.append(new_name)
        return doc_map

    def _free_name(self, wanted: str) -> str:
        name, n = wanted, 2
        while self.s.conn.execute("SELECT 1 FROM documents WHERE name = ?", (name,)).fetchone():
            name = f"{wanted} {n}"
            n += 1
        return name

    def _copy_document(
        self,
        src: Session,
        sid: int,
        guid: str,
        name: str,
        sha: str,
        fmt: str,
        path: str | None,
    ) -> int:
        sconn, conn = src.conn, self.s.conn
        (text,) = sconn.execute("SELECT text FROM documents WHERE id = ?", (sid,)).fetchone()
        turns = [
            TurnInput(start, end, speaker, stamp)
            for start, end, speaker, stamp in sconn.execute(
                'SELECT t.start, t."end", s.name, t.timestamp FROM turns t '
                "LEFT JOIN speakers s ON s.id = t.speaker_id WHERE t.document_id = ? "
                "ORDER BY t.idx",
                (sid,),
            )
        ]
        sentences = [
            (int(a), int(b))
            for a, b in sconn.execute(
                'SELECT start, "end" FROM sentences WHERE document_id = ? ORDER BY start', (sid,)
            )
        ]
        attributes = {
            str(k): str(v)
            for k, v in sconn.execute(
                "SELECT key, value FROM document_attributes WHERE document_id = ?", (sid,)
            )
        }
        guid_taken = conn.execute("SELECT 1 FROM documents WHERE guid = ?", (guid,)).fetchone()
        doc_id = self.documents.add(
            DocumentInput(
                name=name,
                text=text,
                sha256=sha,
                source_format=fmt,
                turns=turns,
                sentences=sentences,
                attributes=attributes,
                source_path=path,
                guid=None if guid_taken else guid,
            )
        )
        speakers = {
            str(n): int(i)
            for i, n in conn.execute(
                "SELECT id, name FROM speakers WHERE document_id = ?", (doc_id,)
            )
        }
        for speaker, key, value in sconn.execute(
            "SELECT s.name, a.key, a.value FROM speaker_attributes a "
            "JOIN speakers s ON s.id = a.speaker_id WHERE s.document_id = ?",
            (sid,),
        ):
            if speaker in speakers:
                conn.execute(
                    "INSERT OR IGNORE INTO speaker_attributes(speaker_id, key, value) "
                    "VALUES (?, ?, ?)",
                    (speakers[speaker], key, value),
                )
        return doc_id

    def _codes(self, src: Session, rep: SourceReport) -> dict[int, int]:
        from qualcode.store.codes import Codebook

        codebook = Codebook(self.s, self.codings, self.memos)
        conn = self.s.conn
        columns = [
            "id",
            "guid",
            "parent_id",
            "name",
            *DEFINITION_FIELDS,
            "color",
            "keywords",
            "patterns",
        ]
        rows = {
            int(r[0]): dict(zip(columns, r, strict=True))
            for r in src.conn.execute(
                f"SELECT {', '.join(columns)} FROM codes ORDER BY position, id"
            )
        }
        code_map: dict[int, int] = {}

        def place(sid: int) -> int:
            if sid in code_map:
                return code_map[sid]
            row = rows[sid]
            parent = None if row["parent_id"] is None else place(int(row["parent_id"]))
            found = conn.execute("SELECT id FROM codes WHERE guid = ?", (row["guid"],)).fetchone()
            if found is None:
                found = conn.execute(
                    "SELECT id FROM codes WHERE name = ?", (row["name"],)
                ).fetchone()
            if found is not None:
                tid = int(found[0])
                self._compare_code(rep, tid, row, parent)
                rep.codes_matched += 1
            else:
                guid_taken = conn.execute(
                    "SELECT 1 FROM codes WHERE guid = ?", (row["guid"],)
                ).fetchone()
                fields: dict[str, Any] = {f: row[f] for f in DEFINITION_FIELDS}
                tid = codebook.add(
                    row["name"],
                    parent=parent,
                    guid=None if guid_taken else row["guid"],
                    color=row["color"],
                    **fields,
                )
                lists = {
                    k: row[k] for k in ("keywords", "patterns") if row[k] not in (None, "", "[]")
                }
                if lists:  # already JSON text: written as stored
                    self.s.update("codes", tid, lists)
                rep.codes_added.append(str(row["name"]))
            code_map[sid] = tid
            return tid

        for sid in rows:
            place(sid)
        return code_map

    def _compare_code(
        self, rep: SourceReport, tid: int, row: dict[str, Any], parent: int | None
    ) -> None:
        """Report how a source code differs from the target's code ``tid`` it matched (the
        target's is kept): its name, its parent (``parent`` is the source parent's match in
        the target) and each definition field. A field the source left empty is not filled in
        there, so no conflict: the target's text simply stays."""
        conn = self.s.conn
        mine = conn.execute(
            f"SELECT name, parent_id, {', '.join(DEFINITION_FIELDS)} FROM codes WHERE id = ?",
            (tid,),
        ).fetchone()
        name, our_parent = str(mine[0]), mine[1]
        differing = [
            f
            for f, ours in zip(DEFINITION_FIELDS, mine[2:], strict=True)
            if row[f] not in (None, "") and ours != row[f]
        ]
        if our_parent != parent:
            differing.insert(0, "parent")
            rep.parent_conflicts[name] = (self._code_name(our_parent), self._code_name(parent))
        if name != row["name"]:
            differing.insert(0, "name")
        if differing:
            rep.code_conflicts.append((name, differing))

    def _code_name(self, code_id: int | None) -> str | None:
        if code_id is None:
            return None
        return str(
            self.s.conn.execute("SELECT name FROM codes WHERE id = ?", (code_id,)).fetchone()[0]
        )

    def _coding_map(
        self,
        src: Session,
        doc_map: dict[int, int],
        code_map: dict[int, int],
        coder_map: dict[int, int],
    ) -> dict[int, int]:
        """Source coding id -> target coding id, for the codings that memos and exemplar marks
        point at (by document, code, span and coder, else by GUID: a coding moved in the source
        since an earlier merge is at its new place under another GUID here)."""
        sconn, conn = src.conn, self.s.conn
        coding_map: dict[int, int] = {}
        needs = {
            int(r[0])
            for r in sconn.execute(
                "SELECT coding_id FROM memos WHERE coding_id IS NOT NULL "
                "UNION SELECT coding_id FROM exemplars"
            )
        }
        if needs:
            by_guid = {str(g): int(i) for i, g in conn.execute("SELECT id, guid FROM codings")}
            by_key = {
                tuple(r[1:]): int(r[0])
                for r in conn.execute(
                    'SELECT id, document_id, code_id, start, "end", coder_id FROM codings'
                )
            }
            for sid, guid, doc, code, start, end, coder in sconn.execute(
                'SELECT id, guid, document_id, code_id, start, "end", coder_id FROM codings'
            ):
                if sid not in needs:
                    continue
                tid = by_key.get(
                    (doc_map[doc], code_map[code], start, end, coder_map[coder])
                ) or by_guid.get(guid)
                if tid is not None:
                    coding_map[sid] = tid
        return coding_map

    def _memos(
        self,
        src: Session,
        rep: SourceReport,
        doc_map: dict[int, int],
        code_map: dict[int, int],
        coder_map: dict[int, int],
        coding_map: dict[int, int],
    ) -> None:
        """Memos by GUID first (:meth:`_update_memo`); the rest are added, or appended to the
        same coder's memo on the same target."""
        sconn, conn = src.conn, self.s.conn
        guids = {
            str(r[1]): (int(r[0]), str(r[2]), str(r[3] or ""))
            for r in conn.execute("SELECT id, guid, text, updated_at FROM memos")
        }
        for guid, kind, doc, code, coding, coder, text, created, updated in sconn.execute(
            "SELECT guid, target_type, document_id, code_id, coding_id, coder_id, text, "
            "created_at, updated_at FROM memos ORDER BY id"
        ):
            if guid in guids:
                self._update_memo(rep, guids[guid], text, updated)
                continue
            target: int | None
            if kind == "document":
                target = doc_map[doc]
            elif kind == "code":
                target = code_map[code]
            elif kind == "coding":
                target = coding_map.get(coding)
                if target is None:
                    continue
            else:
                target = None
            added = self.memos.add_for(
                kind,
                target,
                coder_map[coder],
                text,
                created_at=created,
                updated_at=updated,
                guid=None if guid in guids else guid,
            )
            if added is not None:
                rep.memos_added += 1

    def _update_memo(
        self, rep: SourceReport, ours: tuple[int, str, str], text: str, updated: str
    ) -> None:
        """The source's text of a memo the target has (same GUID): it was edited there since an
        earlier merge, so it replaces the target's (audited: undo puts the old text back),
        unless the target's copy was edited later than the source's (then the target's newer
        text is kept and counted). Appending, as for two coders' memos, would keep both
        versions in one text."""
        memo_id, our_text, our_updated = ours
        if text == our_text:
            return
        if str(updated or "") < our_updated:
            rep.memos_kept += 1
            return
        self.s.update("memos", memo_id, {"text": text, "updated_at": updated})
        rep.memos_updated += 1

    def _extras(
        self,
        src: Session,
        rep: SourceReport,
        doc_map: dict[int, int],
        coder_map: dict[int, int],
        coding_map: dict[int, int],
    ) -> None:
        """Exemplar marks, saved queries, pseudonyms and attribute types the target lacks, and
        the interviewer role of speakers in documents this merge added."""
        sconn, conn = src.conn, self.s.conn
        for coding, coder, marked_at in sconn.execute(
            "SELECT coding_id, coder_id, marked_at FROM exemplars ORDER BY coding_id"
        ):
            target = coding_map.get(int(coding))
            if (
                target is None
                or conn.execute("SELECT 1 FROM exemplars WHERE coding_id = ?", (target,)).fetchone()
            ):
                continue
            self.s.insert(
                "exemplars",
                {"coding_id": target, "coder_id": coder_map[coder], "marked_at": marked_at},
            )
            rep.extras += 1
        for name, query, created in sconn.execute(
            "SELECT name, query, created_at FROM saved_queries ORDER BY id"
        ):
            if not conn.execute("SELECT 1 FROM saved_queries WHERE name = ?", (name,)).fetchone():
                self.s.insert(
                    "saved_queries", {"name": name, "query": query, "created_at": created}
                )
                rep.extras += 1
        for name, pseudonym, created in sconn.execute(
            "SELECT name, pseudonym, created_at FROM pseudonyms ORDER BY id"
        ):
            if not conn.execute("SELECT 1 FROM pseudonyms WHERE name = ?", (name,)).fetchone():
                self.s.insert(
                    "pseudonyms", {"name": name, "pseudonym": pseudonym, "created_at": created}
                )
                rep.extras += 1
        for key, kind in sconn.execute("SELECT key, type FROM attribute_types ORDER BY key"):
            if not conn.execute("SELECT 1 FROM attribute_types WHERE key = ?", (key,)).fetchone():
                self.s.insert("attribute_types", {"key": key, "type": kind})
                rep.extras += 1
        added = set(self._added_ids)
        for doc, name, role in sconn.execute(
            "SELECT document_id, name, is_interviewer FROM speakers "
            "WHERE is_interviewer IS NOT NULL"
        ):
            target = doc_map.get(int(doc))
            if target in added:
                conn.execute(
                    "UPDATE speakers SET is_interviewer = ? WHERE document_id = ? AND name = ?",
                    (role, target, name),
                )


def merge_files(
    target: Path, sources: list[Path], coder: str, rename: bool = False
) -> list[SourceReport]:
    """Merge ``sources`` into ``target`` (created when it does not exist), as ``coder``.

    A target created here is removed again if the merge fails, so a refused merge leaves no
    half-made file behind."""
    from qualcode.store.project import Project

    if not sources:
        raise ProjectError("name at least one project file to merge")
    for path in sources:
        if not path.exists():
            raise ProjectError(f"{path}: no such project file")
        refuse_same_file(path, target)
    with ExitStack() as stack:
        # Sources first: a source that cannot be read leaves no target file made for nothing.
        opened = [open_source(path, stack) for path in sources]
        created = not target.exists()
        project = Project.create(target, coder) if created else Project.open(target, coder)
        ok = False
        try:
            reports = Merger(project.session).merge(opened, rename=rename)
            ok = True
        finally:
            project.close()
            if created and not ok:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
    return reports


def refuse_same_file(source: Path, target: Path) -> None:
    """Refuse a source that is the target itself, by any path: the same name, a symbolic
    link, or a hard link (``samefile`` compares device and inode). Opening the target twice
    would merge it into itself and, through the second path, leave a stray ``-wal`` file."""
    same = source.resolve() == target.resolve()
    if not same and source.exists() and target.exists():
        try:
            same = os.path.samefile(source, target)
        except OSError:  # pragma: no cover - vanished or unreadable between the checks
            same = False
    if same:
        raise ProjectError(
            f"{source}: is the target {target.name} (the same file); cannot merge a project "
            "into itself"
        )


def open_source(path: Path, stack: ExitStack) -> Session:
    """A source file opened for reading only; closed (and any temporary copy deleted) when
    ``stack`` closes.

    Never :meth:`Session.open`: that upgrades an older file in place and its read-write
    connection may checkpoint a WAL into the file, and a merge must leave its sources
    byte-identical. A source made by an older qualcode is upgraded in a temporary copy
    instead; one made by a newer qualcode is refused (its tables may mean things this version
    does not know)."""
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a project file")
    conn = _read_only(path)
    stack.callback(conn.close)
    version = checked_schema_version(conn, path, "read", "nothing was merged")
    if not version:
        raise ProjectError(f"{path}: not a qualcode project (no schema version)")
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: made by a newer qualcode (schema {version}, this version knows "
            f"{SCHEMA_VERSION}); upgrade qualcode to merge it; nothing was merged"
        )
    if version < SCHEMA_VERSION:
        return _upgraded_copy(path, conn, stack)
    session = Session(path, conn, "unknown", read_only=True)
    session.read_only_reason = "a merge only reads its sources"
    return session


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write ``path``. With no ``-wal`` file beside it nobody has the
    file open, and ``immutable`` reads it without creating ``-wal``/``-shm`` files (a plain
    read-only connection leaves both behind); with one, a coder may have it open, so SQLite's
    ordinary read-only mode reads the WAL's committed pages too."""
    real = path.resolve()  # the WAL lies beside the file itself, not beside a link to it
    uri = real.as_uri() + "?mode=ro"
    if not Path(f"{real}-wal").exists():
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


def _upgraded_copy(path: Path, conn: sqlite3.Connection, stack: ExitStack) -> Session:
    """A source from an older qualcode, copied (SQLite's backup: consistent, WAL included) into
    a temporary folder and upgraded there; the folder goes when ``stack`` closes. The session
    keeps the source's path, so reports and errors name the file the user gave."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qualcode-merge-")))
    copy = folder / path.name
    dest = sqlite3.connect(copy)
    try:
        conn.backup(dest)
    except sqlite3.Error as exc:  # e.g. the temporary folder's disk is full
        raise ProjectError(
            f"{path}: cannot copy it to upgrade it ({exc}); nothing was merged"
        ) from exc
    finally:
        dest.close()
    session = Session.open(copy, migrate=False)
    stack.callback(session.close)
    session.path = path
    session.migrate()
    session.read_only = True
    session.read_only_reason = "a merge only reads its sources"
    return session
