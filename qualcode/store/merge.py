"""Merging coders' project files into one (``qualcode merge TEAM.qc A.qc B.qc ...``).

Each coder works in a copy of the project on their own machine; a merge brings their work into
one file. Rows are matched by what identifies them across files, never by row id:

- documents by the hash of their stored text (``documents.text_sha256``); a document missing
  from the target is added with its turns, sentences, speakers and attributes. A document with
  the same name but another text is refused, unless ``rename`` is given: then it is added under
  ``NAME (FILE)``.
- codes by GUID, then by name; a code missing from the target is added under its (matched)
  parent. A code with the same name but another definition is reported and kept as the
  target's.
- coders by name.
- codings, memos and done-marks are added; a coding already present (same GUID, or same
  document, code, span and coder) is skipped, so merging the same file twice adds nothing.
- exemplar marks, saved queries, pseudonyms and attribute types the target lacks are added
  (by coding, query name, real name and attribute key); an added document keeps its speakers'
  interviewer roles.

The whole merge (every source file) is ONE action: one transaction and one audit event whose
summary says what came from where. Undo removes the codes, codings and memos it added; added
documents stay, as after an import (imports are audited but never undoable), and so do
done-marks while the ``done_marks`` table has no rowid (see :mod:`qualcode.store.done`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from qualcode.errors import ProjectError
from qualcode.store.codings import CodingInput, Codings
from qualcode.store.documents import DocumentInput, Documents, TurnInput
from qualcode.store.done import DoneMarks
from qualcode.store.memos import Memos
from qualcode.store.session import Session
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
    """Codes with the same name (or GUID) but another definition: (name, differing fields);
    the target's definition was kept."""
    coders: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_present: int = 0
    memos_added: int = 0
    done_added: int = 0
    extras: int = 0
    """Exemplar marks, saved queries, pseudonyms and attribute types added."""

    def summary(self) -> str:
        parts = [
            f"{len(self.documents_added)} document(s) added, {self.documents_matched} matched",
            f"{len(self.codes_added)} code(s) added",
            f"{self.codings_added} coding(s) added ({self.codings_present} already present)",
            f"{self.memos_added} memo(s)",
            f"{self.done_added} done-mark(s)",
        ]
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
            "code_conflicts": [{"code": n, "fields": f} for n, f in self.code_conflicts],
            "codings_added": self.codings_added,
            "codings_present": self.codings_present,
            "memos_added": self.memos_added,
            "done_added": self.done_added,
            "extras_added": self.extras,
        }


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
        """Merge every source (open sessions on the other files) as one action."""
        for src in sources:
            if src.path.resolve() == self.s.path.resolve():
                raise ProjectError(f"{src.path}: cannot merge a project into itself")
        reports: list[SourceReport] = []
        with self.s.action("project.merge", "Merged project files") as act:
            for src in sources:
                reports.append(self._merge_one(src, rename))
            # Documents.add leaves a marker of its (non-undoable) import in the action; the
            # merge's undo keeps added documents, as after an import, and says so below.
            act.changes[:] = [c for c in act.changes if "before" in c]
            act.summary = "Merged " + "; ".join(r.summary() for r in reports)
            if any(r.documents_added for r in reports):
                act.summary += " (undo keeps added documents, as after an import)"
        return reports

    # ------------------------------------------------------------------ one source

    def _merge_one(self, src: Session, rename: bool) -> SourceReport:
        rep = SourceReport(source=src.path.name)
        sconn = src.conn
        conn = self.s.conn
        # Coders by name.
        coder_map: dict[int, int] = {}
        coder_names: dict[int, str] = {}
        for cid, guid, name in sconn.execute("SELECT id, guid, name FROM coders ORDER BY name"):
            taken = conn.execute("SELECT 1 FROM coders WHERE guid = ?", (guid,)).fetchone()
            coder_map[cid] = self.codings.ensure_coder(name, None if taken else guid)
            coder_names[cid] = name
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
        # whose GUID the target already has are counted here without a round through
        # import_rows's checks: merging the same file again costs little.
        known = {str(r[0]) for r in conn.execute("SELECT guid FROM codings")}
        rows: list[CodingInput] = []
        present = 0
        for guid, doc, code, start, end, coder, origin, created in sconn.execute(
            'SELECT guid, document_id, code_id, start, "end", coder_id, origin, created_at '
            "FROM codings ORDER BY id"
        ):
            if guid in known:
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
                    guid=guid,
                )
            )
        rep.codings_present = present
        if rows:
            result = self.codings.import_rows(rows, f"Merged codings from {src.path.name}")
            rep.codings_added = result.added
            rep.codings_present += result.skipped
        coding_map = self._coding_map(src, doc_map, code_map, coder_map)
        self._memos(src, rep, doc_map, code_map, coder_map, coding_map)
        self._extras(src, rep, doc_map, coder_map, coding_map)
        for doc, coder, marked_at in sconn.execute(
            "SELECT document_id, coder_id, marked_at FROM done_marks"
        ):
            if self.done.write(doc_map[doc], coder_map[coder], True, marked_at):
                rep.done_added += 1
        return rep

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
            found = conn.execute("SELECT id FROM codes WHERE guid = ?", (row["guid"],)).fetchone()
            if found is None:
                found = conn.execute(
                    "SELECT id FROM codes WHERE name = ?", (row["name"],)
                ).fetchone()
            if found is not None:
                tid = int(found[0])
                mine = conn.execute(
                    f"SELECT name, {', '.join(DEFINITION_FIELDS)} FROM codes WHERE id = ?", (tid,)
                ).fetchone()
                differing = [
                    f for f, ours in zip(DEFINITION_FIELDS, mine[1:], strict=True) if ours != row[f]
                ]
                if mine[0] != row["name"]:
                    differing.insert(0, "name")
                if differing:
                    rep.code_conflicts.append((str(mine[0]), differing))
                rep.codes_matched += 1
            else:
                parent = None if row["parent_id"] is None else place(int(row["parent_id"]))
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

    def _coding_map(
        self,
        src: Session,
        doc_map: dict[int, int],
        code_map: dict[int, int],
        coder_map: dict[int, int],
    ) -> dict[int, int]:
        """Source coding id -> target coding id, for the codings that memos and exemplar marks
        point at (by GUID, else by document, code, span and coder)."""
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
                tid = by_guid.get(guid) or by_key.get(
                    (doc_map[doc], code_map[code], start, end, coder_map[coder])
                )
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
        sconn, conn = src.conn, self.s.conn
        guids = {str(r[0]) for r in conn.execute("SELECT guid FROM memos")}
        for guid, kind, doc, code, coding, coder, text, created, updated in sconn.execute(
            "SELECT guid, target_type, document_id, code_id, coding_id, coder_id, text, "
            "created_at, updated_at FROM memos ORDER BY id"
        ):
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
                guids.add(guid)

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
    created = not target.exists()
    project = Project.create(target, coder) if created else Project.open(target, coder)
    opened: list[Session] = []
    ok = False
    try:
        for path in sources:
            opened.append(Session.open(path))
        reports = Merger(project.session).merge(opened, rename=rename)
        ok = True
        return reports
    finally:
        for src in opened:
            src.close()
        project.close()
        if created and not ok:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
