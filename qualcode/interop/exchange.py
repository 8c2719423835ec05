"""Between REFI-QDA dataclasses and a project: export, import and codebook load.

- :func:`project_to_refi` / :func:`codebook_to_refi` read a project into plain data, and
  :func:`export_refi` writes it as ``.qdpx`` or ``.qdc`` (deterministic: the GUIDs are the
  store's own, derived objects get name-based GUIDs, no export timestamp).
- :func:`import_qdpx` reads a ``.qdpx`` (pure reader first: nothing is written if the file is
  refused), segments its texts, and stores everything in ONE action: coders, codes (nested),
  documents, codings, memos and attributes; beside existing work, codes and coders are matched
  by GUID, then by name, documents by GUID or identical text. :func:`load_qdc` loads a REFI
  codebook the same way. Both return an :class:`ImportReport` of what was added, matched,
  skipped and read differently from the standard.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode import __version__
from qualcode.errors import ProjectError, QualcodeError
from qualcode.interop.codefields import format_description, parse_description
from qualcode.interop.qdc import read_qdc, write_qdc
from qualcode.interop.qdpx_read import read_qdpx
from qualcode.interop.qdpx_write import write_qdpx
from qualcode.interop.refi_model import (
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    RefiValue,
    RefiVariable,
    walk_codes,
)
from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.store.codings import CodingInput
from qualcode.store.invariants import MAX_NAME_LENGTH, check_color
from qualcode.store.records import Code
from qualcode.store.schema import text_hash

ORIGIN = f"qualcode {__version__}"
KINDS = ("qdpx", "qdc")
_QUALCODE_NS = uuid.UUID("0f6c7c52-8d0e-5b7a-9f1e-6a3d2c4b5e70")
_NAME_CLIP = 60

Progress = Callable[[str], None]


# ====================================================================== export


def export_refi(project: Project, kind: str, path: str | Path) -> str:
    """Write the project (``qdpx``) or its codebook (``qdc``) to ``path``; returns a short
    description of what was written. The file is written whole, then renamed into place."""
    from qualcode.outputs import write_output

    if kind not in KINDS:
        raise QualcodeError(f"unknown REFI-QDA export '{kind}' (qdpx or qdc)")
    if kind == "qdc":
        book = codebook_to_refi(project)
        write_output(path, write_qdc(book), protect=(project.path,))
        return f"{len(walk_codes(book.codes))} codes"
    refi = project_to_refi(project)
    write_output(path, write_qdpx(refi), protect=(project.path,))
    codings = sum(len(s.codings) for src in refi.sources for s in src.selections)
    return (
        f"{len(refi.sources)} sources, {len(walk_codes(refi.codes))} codes, {codings} codings, "
        f"{len(refi.notes)} memos, {len(refi.users)} users"
    )


def _coders(project: Project) -> list[tuple[str, str]]:
    """(name, GUID) of every coder, oldest first."""
    return project.codings.coder_guids()


def _namespace(coders: list[tuple[str, str]]) -> uuid.UUID:
    """Where a project's derived GUIDs (selections, variables, cases) come from: stable for the
    project (its first coder never changes), different between projects."""
    return uuid.uuid5(_QUALCODE_NS, coders[0][1] if coders else "qualcode")


def _guid5(ns: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(ns, name))`` without building UUID objects (30,000 selections)."""
    h = bytearray(hashlib.sha1(ns.bytes + name.encode("utf-8")).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _code_fields(code: Code) -> dict[str, Any]:
    return {
        "brief": code.brief,
        "definition": code.definition,
        "when_to_use": code.when_to_use,
        "when_not_to_use": code.when_not_to_use,
        "example": code.example,
        "keywords": code.keywords,
        "patterns": code.patterns,
    }


def _code_tree(codes: list[Code], notes: dict[int, list[str]] | None = None) -> list[RefiCode]:
    by_id: dict[int, RefiCode] = {}
    roots: list[RefiCode] = []
    for code in codes:  # tree order: parents first
        node = RefiCode(
            guid=code.guid,
            name=code.name,
            codable=True,
            color=code.color,
            description=format_description(_code_fields(code)),
            note_refs=(notes or {}).get(code.id, []),
        )
        by_id[code.id] = node
        if code.parent_id is None:
            roots.append(node)
        else:
            by_id[code.parent_id].children.append(node)
    return roots


def codebook_to_refi(project: Project) -> RefiCodebook:
    codes = project.codebook.codes()
    if not codes:
        raise QualcodeError(f"{project.path}: the project has no codes to export")
    return RefiCodebook(codes=_code_tree(codes), origin=ORIGIN)


def project_to_refi(project: Project) -> RefiProject:
    """Everything REFI-QDA can hold, from the project's repositories."""
    coders = _coders(project)
    ns = _namespace(coders)
    user_guid = dict(coders)
    documents = project.documents.all()
    doc_guid = {d.id: d.guid for d in documents}
    codes = project.codebook.codes()
    code_guid = {c.id: c.guid for c in codes}
    memos = project.memos.list()
    memo_refs: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    notes: list[RefiNote] = []
    for memo in memos:
        memo_refs[(memo.target_type, memo.target_id)].append(memo.guid)
        label = "the project" if memo.target_type == "project" else memo.target_type
        notes.append(
            RefiNote(
                guid=memo.guid,
                text=memo.text,
                name=f"Memo by {memo.coder} on {label}: {memo.target}"[:200]
                if memo.target_type != "project"
                else f"Memo by {memo.coder} on the project",
                creating_user=user_guid.get(memo.coder),
                created=memo.created_at,
                modified=memo.updated_at,
            )
        )
    code_notes = {c.id: memo_refs.get(("code", c.id), []) for c in codes}
    refi = RefiProject(
        name=project.path.stem,
        origin=ORIGIN,
        users=[RefiUser(guid, name) for name, guid in sorted(coders)],
        codes=_code_tree(codes, code_notes),
        notes=notes,
        note_refs=memo_refs.get(("project", None), []),
        creating_user=coders[0][1] if coders else None,
    )
    # Attributes: document attributes are values on their source; speakers with attributes
    # are cases (one per name and set of values, naming the sources they speak in).
    doc_attrs = project.documents.all_attributes()
    doc_keys = sorted({k for attrs in doc_attrs.values() for k in attrs})
    doc_var = {k: str(uuid.uuid5(ns, f"document-variable:{k}")) for k in doc_keys}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    speaker_keys: set[str] = set()
    for speaker in project.documents.speakers():
        if speaker.attributes:
            key = json.dumps(sorted(speaker.attributes.items()), ensure_ascii=False)
            groups[(speaker.name, key)].append(speaker.document)
            speaker_keys.update(speaker.attributes)
    speaker_var = {k: str(uuid.uuid5(ns, f"speaker-variable:{k}")) for k in sorted(speaker_keys)}
    refi.variables = [RefiVariable(doc_var[k], k) for k in doc_keys] + [
        RefiVariable(speaker_var[k], k) for k in sorted(speaker_keys)
    ]
    by_name = {d.name: d for d in documents}
    for (name, key), docs in sorted(groups.items()):
        attrs = dict(json.loads(key))
        refi.cases.append(
            RefiCase(
                guid=str(uuid.uuid5(ns, f"case:{name}:{key}")),
                name=name,
                values=[RefiValue(speaker_var[k], v) for k, v in sorted(attrs.items())],
                source_refs=[by_name[d].guid for d in sorted(set(docs))],
            )
        )
    # Codings: one selection per coded span, with a Coding per code and coder.
    spans: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    for coding in project.codings.list():
        spans[(coding.document_id, coding.start, coding.end)].append(coding)
    per_doc: dict[int, list[RefiSelection]] = defaultdict(list)
    for (doc_id, start, end), group in spans.items():
        group.sort(key=lambda c: (c.created_at, c.guid))
        first = group[0]
        per_doc[doc_id].append(
            RefiSelection(
                guid=_guid5(ns, f"selection:{doc_guid[doc_id]}:{start}:{end}"),
                start=start,
                end=end,
                name=_clip(first.text),
                creating_user=user_guid.get(first.coder),
                created=first.created_at,
                codings=[
                    RefiCoding(
                        guid=c.guid,
                        code_guid=code_guid[c.code_id],
                        creating_user=user_guid.get(c.coder),
                        created=c.created_at,
                        note_refs=memo_refs.get(("coding", c.id), []),
                    )
                    for c in group
                ],
            )
        )
    for doc in documents:
        text = project.documents.get(doc.id).text
        attrs = doc_attrs.get(doc.name, {})
        refi.sources.append(
            RefiSource(
                guid=doc.guid,
                name=doc.name,
                text=text,
                selections=sorted(per_doc.get(doc.id, []), key=lambda s: (s.start, s.end)),
                note_refs=memo_refs.get(("document", doc.id), []),
                values=[RefiValue(doc_var[k], v) for k, v in sorted(attrs.items())],
                created=doc.imported_at,
            )
        )
    dates = [d.imported_at for d in documents] + [m.updated_at for m in memos]
    dates += [
        c.created for s in refi.sources for sel in s.selections for c in sel.codings if c.created
    ]
    if dates:
        refi.created, refi.modified = min(dates), max(dates)
    return refi


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _NAME_CLIP else flat[: _NAME_CLIP - 1] + "…"


# ====================================================================== import


@dataclass
class Tally:
    added: int = 0
    matched: int = 0
    skipped: int = 0

    def text(self) -> str:
        parts = [f"{self.added} added"]
        if self.matched:
            parts.append(f"{self.matched} matched")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        return ", ".join(parts)


@dataclass
class ImportReport:
    """What an import did, for the CLI to print (:meth:`lines`) and tests to check."""

    source: str
    origin: str = ""
    coders: Tally = field(default_factory=Tally)
    codes: Tally = field(default_factory=Tally)
    documents: Tally = field(default_factory=Tally)
    codings: Tally = field(default_factory=Tally)
    memos: Tally = field(default_factory=Tally)
    attributes: Tally = field(default_factory=Tally)
    matched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    adapted: list[str] = field(default_factory=list)
    codebook_only: bool = False

    def lines(self) -> list[str]:
        made_by = f" (made by {self.origin})" if self.origin else ""
        out = [f"Imported {self.source}{made_by}"]
        kinds = [("codes", self.codes)]
        if not self.codebook_only:
            kinds = [
                ("documents", self.documents),
                ("coders", self.coders),
                ("codes", self.codes),
                ("codings", self.codings),
                ("memos", self.memos),
                ("attribute values", self.attributes),
            ]
        out += [f"  {name}: {tally.text()}" for name, tally in kinds]
        out += [f"  matched: {line}" for line in self.matched]
        out += [f"  skipped: {line}" for line in self.skipped]
        out += [f"  adapted: {line}" for line in self.adapted]
        return out


def import_qdpx(
    project: Project,
    path: str | Path,
    model: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a ``.qdpx`` into the project as one action (nothing is written if it fails)."""
    path = Path(path)
    say = progress or (lambda _: None)
    say(f"reading {path.name}")
    refi = read_qdpx(path)
    return import_refi(project, refi, str(path), model=model, progress=say)


def load_qdc(project: Project, path: str | Path) -> ImportReport:
    """Load a REFI codebook (``.qdc``) beside the codes already there, as one undoable action."""
    book = read_qdc(path)
    report = ImportReport(str(path), origin=book.origin, codebook_only=True)
    report.adapted += book.adapted
    report.skipped += book.skipped
    if not book.codes:
        raise QualcodeError(f"{path}: the codebook has no codes")
    total = len(walk_codes(book.codes))
    with project.action("codebook.load", f"Loaded REFI-QDA codebook {Path(path).name}") as act:
        _Importer(project, report).codes(book.codes)
        act.summary = (
            f"Loaded REFI-QDA codebook {Path(path).name}: {report.codes.text()} of {total}"
        )
    return report


def import_refi(
    project: Project,
    refi: RefiProject,
    source: str,
    model: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport(source, origin=refi.origin)
    report.adapted += refi.adapted
    report.skipped += refi.skipped
    importer = _Importer(project, report)
    plans = importer.plan_documents(refi.sources)
    if progress:
        progress(f"segmenting {sum(p.new for p in plans)} text(s)")
    importer.segment(plans, model)
    if progress:
        progress("storing")
    name = Path(source).name
    with project.action("refi.import", f"Imported REFI-QDA project {name}", undoable=False) as act:
        importer.users(refi)
        importer.codes(refi.codes)
        importer.store_documents(plans)
        importer.codings(refi, plans)
        importer.notes(refi, plans)
        importer.attributes(refi, plans)
        act.summary = (
            f"Imported REFI-QDA project {name}: {report.documents.added} documents, "
            f"{report.codes.added} codes, {report.codings.added} codings, "
            f"{report.memos.added} memos"
        )
    return report


@dataclass
class _DocPlan:
    source: RefiSource
    name: str
    guid: str | None
    new: bool
    doc_id: int | None = None
    turns: list[TurnInput] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    speakers: set[str] = field(default_factory=set)


class _Importer:
    def __init__(self, project: Project, report: ImportReport) -> None:
        self.p = project
        self.r = report
        self.user_name: dict[str, str] = {}  # file GUID -> coder name
        self.code_id: dict[str, int] = {}  # file GUID -> code id

    # ------------------------------------------------------------ coders

    def users(self, refi: RefiProject) -> None:
        authors = {refi.creating_user}
        authors |= {n.creating_user for n in refi.notes}
        for src in refi.sources:
            authors.add(src.creating_user)
            for sel in src.selections:
                authors.add(sel.creating_user)
                authors |= {c.creating_user for c in sel.codings}
        existing = dict(_coders(self.p))
        guids = set(existing.values())
        origin = refi.origin.lower()
        for user in refi.users:
            name = " ".join(user.name.split())[:MAX_NAME_LENGTH]
            if name in existing or any(n.lower() == name.lower() for n in existing):
                match = next(n for n in existing if n.lower() == name.lower())
                self.user_name[user.guid] = match
                self.r.coders.matched += 1
                if existing[match] != user.guid:
                    self.r.matched.append(f"coder '{name}' by name")
                continue
            if user.guid not in authors and origin and origin.startswith(name.lower()):
                self.r.coders.skipped += 1
                self.r.skipped.append(f"user '{name}': the exporting tool itself, authored nothing")
                continue
            guid = user.guid if user.guid not in guids else None
            self.p.codings.ensure_coder(name, guid)
            existing[name] = guid or ""
            if guid:
                guids.add(guid)
            self.user_name[user.guid] = name
            self.r.coders.added += 1

    def coder_name(self, *guids: str | None) -> str | None:
        """The first of these users the file knows (a coding's, then its selection's);
        None means the person running the import."""
        for guid in guids:
            if guid and guid in self.user_name:
                return self.user_name[guid]
        return None

    # ------------------------------------------------------------ codes

    def codes(self, roots: list[RefiCode]) -> None:
        existing = {c.name.lower(): c for c in self.p.codebook.codes()}
        taken = set(existing)
        not_codable = 0
        for code, parent in walk_codes(roots):
            found = self.p.codebook.by_guid(code.guid)
            if found is None:
                found = existing.get(" ".join(code.name.split()).lower())
                if found is not None:
                    self.r.matched.append(f"code '{found.name}' by name")
            if found is not None:
                self.code_id[code.guid] = found.id
                self.r.codes.matched += 1
                continue
            name = self._code_name(code, parent, taken)
            taken.add(name.lower())
            fields = parse_description(code.description)
            try:
                fields["color"] = check_color(code.color)
            except ProjectError:
                self.r.adapted.append(
                    f"code '{name}': colour '{code.color}' not understood, left out"
                )
            guid = code.guid if self.p.codebook.by_guid(code.guid) is None else None
            parent_id = self.code_id.get(parent.guid) if parent is not None else None
            self.code_id[code.guid] = self.p.codebook.add(name, parent_id, guid=guid, **fields)
            self.r.codes.added += 1
            not_codable += not code.codable
        if not_codable:
            self.r.adapted.append(
                f"{not_codable} code(s) marked not codable imported as ordinary codes"
            )

    def _code_name(self, code: RefiCode, parent: RefiCode | None, taken: set[str]) -> str:
        name = " ".join(code.name.split())
        if not name:
            name = f"code {code.guid[:8]}"
            self.r.adapted.append(f"a code without a name is called '{name}'")
        if len(name) > MAX_NAME_LENGTH:
            self.r.adapted.append(f"code name '{name[:40]}…' shortened to {MAX_NAME_LENGTH}")
            name = name[:MAX_NAME_LENGTH].rstrip()
        if name.lower() not in taken:
            return name
        # qualcode code names are unique; the same name under two parents gets its parent's.
        base = f"{name} ({' '.join(parent.name.split())})" if parent is not None else name
        candidate, n = base[:MAX_NAME_LENGTH], 2
        while candidate.lower() in taken:
            candidate = f"{base[: MAX_NAME_LENGTH - 6]} ({n})"
            n += 1
        self.r.adapted.append(f"code '{name}' appears more than once; imported as '{candidate}'")
        return candidate

    # ------------------------------------------------------------ documents

    def plan_documents(self, sources: list[RefiSource]) -> list[_DocPlan]:
        docs = self.p.documents.all()
        by_guid = {d.guid: d for d in docs}
        by_text = {d.text_sha256: d for d in reversed(docs)}
        names = {d.name for d in docs}
        plans = []
        for source in sources:
            digest = text_hash(source.text)
            same = by_guid.get(source.guid)
            if same is not None and same.text_sha256 != digest:
                self.r.adapted.append(
                    f"source '{source.name}': a different text already has its GUID; imported "
                    "with a new one"
                )
                same = None
            twin = same or by_text.get(digest)
            if twin is not None:
                plans.append(_DocPlan(source, twin.name, twin.guid, new=False, doc_id=twin.id))
                self.r.documents.matched += 1
                if twin.name != source.name:
                    self.r.matched.append(f"source '{source.name}' is document '{twin.name}'")
                continue
            if not source.text.strip():
                self.r.documents.skipped += 1
                self.r.skipped.append(f"source '{source.name}': empty text")
                continue
            name = " ".join(source.name.split()) or source.guid
            candidate, n = name, 2
            while candidate in names:
                candidate = f"{name} ({n})"
                n += 1
            if candidate != name:
                self.r.adapted.append(f"source '{name}' imported as '{candidate}' (name taken)")
            names.add(candidate)
            guid = source.guid if source.guid not in by_guid else None
            plans.append(_DocPlan(source, candidate, guid, new=True))
        return plans

    def segment(self, plans: list[_DocPlan], model: str | None) -> None:
        """Turns (speaker labels) and sentences for the new texts, before the transaction."""
        from qualcode.ingest import Transcript
        from qualcode.ingest.speakers import find_turns

        new = [p for p in plans if p.new]
        if not new:
            return
        from qualcode.nlp.segment import segment_documents

        transcripts = [Transcript(p.source.text, find_turns(p.source.text)) for p in new]
        spans = segment_documents(
            [(t.text, [(s.start, s.end) for s in t.turns if s.end > s.start]) for t in transcripts],
            model=model,
        )
        for plan, transcript, sentences in zip(new, transcripts, spans, strict=True):
            plan.turns = [
                TurnInput(t.start, t.end, t.speaker, t.timestamp) for t in transcript.turns
            ]
            plan.sentences = sentences
            plan.speakers = {t.speaker for t in transcript.turns if t.speaker}

    def store_documents(self, plans: list[_DocPlan]) -> None:
        for plan in plans:
            if not plan.new:
                continue
            source = plan.source
            plan.doc_id = self.p.documents.add(
                DocumentInput(
                    name=plan.name,
                    text=source.text,
                    sha256=source.raw_sha256 or text_hash(source.text),
                    source_format="qdpx",
                    turns=plan.turns,
                    sentences=plan.sentences,
                    source_path=f"{self.r.source}#{source.guid}",
                    guid=plan.guid,
                )
            )
            self.r.documents.added += 1

    # ------------------------------------------------------------ codings

    def codings(self, refi: RefiProject, plans: list[_DocPlan]) -> None:
        rows: list[CodingInput] = []
        unknown_code = 0
        for plan in plans:
            assert plan.doc_id is not None
            for sel in plan.source.selections:
                if not sel.codings:
                    self.r.codings.skipped += 1
                    continue
                for coding in sel.codings:
                    code_id = self.code_id.get(coding.code_guid)
                    if code_id is None:
                        unknown_code += 1
                        continue
                    rows.append(
                        CodingInput(
                            plan.doc_id,
                            code_id,
                            sel.start,
                            sel.end,
                            coder=self.coder_name(
                                coding.creating_user, sel.creating_user, refi.creating_user
                            ),
                            created_at=coding.created or sel.created,
                            guid=coding.guid,
                        )
                    )
        uncoded = self.r.codings.skipped
        if uncoded:
            self.r.skipped.append(f"{uncoded} selection(s) without a code (qualcode keeps codings)")
        if unknown_code:
            self.r.codings.skipped += unknown_code
            self.r.skipped.append(f"{unknown_code} coding(s) naming a code not in the codebook")
        if not rows:
            return
        act = self.p.session.require_action()
        summary = act.summary
        result = self.p.codings.import_rows(rows, summary)
        act.summary = summary
        self.r.codings.added += result.added
        self.r.codings.matched += result.skipped
        if result.skipped:
            self.r.matched.append(
                f"{result.skipped} coding(s) already present (same GUID, or same passage, code "
                "and coder: a selection repeated per coding, or work already in the project)"
            )

    # ------------------------------------------------------------ memos

    def notes(self, refi: RefiProject, plans: list[_DocPlan]) -> None:
        if not refi.notes:
            return
        targets: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for guid in refi.note_refs:
            targets[guid].append(("project", None))
        for code, _ in walk_codes(refi.codes):
            for guid in code.note_refs:
                if code.guid in self.code_id:
                    targets[guid].append(("code", self.code_id[code.guid]))
        coding_guids: set[str] = set()
        on_selection = 0
        for plan in plans:
            for guid in plan.source.note_refs:
                targets[guid].append(("document", plan.doc_id))
            for sel in plan.source.selections:
                for coding in sel.codings:
                    for guid in coding.note_refs:
                        targets[guid].append(("coding", coding.guid))
                        coding_guids.add(coding.guid)
                if sel.note_refs:
                    first = next((c.guid for c in sel.codings if c.code_guid in self.code_id), None)
                    for guid in sel.note_refs:
                        targets[guid].append(
                            ("coding", first) if first else ("document", plan.doc_id)
                        )
                    if first:
                        coding_guids.add(first)
                        on_selection += len(sel.note_refs)
        if on_selection:
            self.r.adapted.append(
                f"{on_selection} note(s) on selections attached to the selection's first coding"
            )
        coding_ids = {c.guid: c.id for c in self.p.codings.list()} if coding_guids else {}
        taken = {m.guid for m in self.p.memos.list()}
        qualcode_file = refi.origin.lower().startswith("qualcode")
        me = self.p.session.coder_id()
        ids: dict[str | None, int] = {}
        for note in refi.notes:
            where = targets.get(note.guid) or [("project", None)]
            text = note.text
            if note.name and not qualcode_file:
                text = f"{note.name}\n\n{text}" if text.strip() else note.name
            if not text.strip():
                self.r.memos.skipped += 1
                continue
            coder = self.coder_name(note.creating_user)
            if coder not in ids:
                ids[coder] = self.p.codings.ensure_coder(coder) if coder else me
            for kind, where_to in where:
                target = where_to
                if kind == "coding":
                    target = coding_ids.get(where_to)
                    if target is None:
                        self.r.memos.skipped += 1
                        self.r.skipped.append("a note on a coding that was not imported")
                        continue
                memo_guid = note.guid if note.guid not in taken else None
                done = self.p.memos.add_for(
                    kind, target, ids[coder], text, note.created, note.modified, memo_guid
                )
                if memo_guid:
                    taken.add(memo_guid)
                if done is None:
                    self.r.memos.matched += 1
                else:
                    self.r.memos.added += 1

    # ------------------------------------------------------------ attributes

    def attributes(self, refi: RefiProject, plans: list[_DocPlan]) -> None:
        variables = {v.guid: v.name for v in refi.variables if v.name}
        doc_attrs: dict[str, dict[str, str]] = {}
        speaker_attrs: dict[tuple[str | None, str], dict[str, str]] = {}
        unknown = 0

        def named(values: list[RefiValue]) -> dict[str, str]:
            nonlocal unknown
            out = {}
            for value in values:
                if value.variable_guid in variables:
                    out[variables[value.variable_guid]] = value.value
                else:
                    unknown += 1
            return out

        by_guid = {p.source.guid: p for p in plans}
        for plan in plans:
            attrs = named(plan.source.values)
            if not plan.new and attrs:
                have = self.p.documents.attributes(plan.name)
                differing = [k for k, v in attrs.items() if k in have and have[k] != v]
                if differing:
                    self.r.attributes.skipped += len(differing)
                    self.r.skipped.append(
                        f"document '{plan.name}' keeps its own {', '.join(sorted(differing))}"
                    )
                self.r.attributes.matched += sum(have.get(k) == v for k, v in attrs.items())
                attrs = {k: v for k, v in attrs.items() if k not in have}
            if attrs:
                doc_attrs.setdefault(plan.name, {}).update(attrs)
        for case in refi.cases:
            attrs = named(case.values)
            if not attrs:
                continue
            docs = [by_guid[g] for g in case.source_refs if g in by_guid]
            if not docs:
                self.r.attributes.skipped += len(attrs)
                self.r.skipped.append(f"case '{case.name}': linked to no imported source")
                continue
            as_documents = 0
            for plan in docs:
                speakers = (
                    plan.speakers
                    if plan.new
                    else {s.name for s in self.p.documents.speakers(plan.name)}
                )
                if case.name in speakers:
                    speaker_attrs.setdefault((plan.name, case.name), {}).update(attrs)
                else:
                    doc_attrs.setdefault(plan.name, {}).update(attrs)
                    as_documents += 1
            if as_documents:
                self.r.adapted.append(
                    f"case '{case.name}' is no speaker of its source(s): its values were set on "
                    f"{as_documents} document(s)"
                )
        if unknown:
            self.r.skipped.append(f"{unknown} value(s) of variables the file does not define")
        if not doc_attrs and not speaker_attrs:
            return
        self.p.documents.set_attributes_bulk(doc_attrs, speaker_attrs, "REFI-QDA attributes")
        self.r.attributes.added += sum(len(a) for a in doc_attrs.values())
        self.r.attributes.added += sum(len(a) for a in speaker_attrs.values())
