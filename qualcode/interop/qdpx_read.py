"""Read a REFI-QDA project (``.qdpx``) into :class:`RefiProject`: file in, dataclasses out.

Lenient where real exports differ from the standard, and saying so in
:attr:`RefiProject.adapted`: the project file may be named after the project rather than
``project.qde``; sources may sit in ``sources/`` or ``Sources/``, with or without
``internal://`` in their path; GUIDs may be upper case or in braces; optional elements may be
empty and optional attributes missing; a selection may be repeated once per coding; positions
may count UTF-16 code units, a byte-order mark or CRLF line endings (see
:mod:`qualcode.interop.positions`). What cannot be imported (audio, video, pictures, PDF
selections, sets, links, graphs, spans outside their text) is listed in
:attr:`RefiProject.skipped`; hostile archives are refused (:mod:`qualcode.interop.safety`).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from qualcode.errors import IngestError
from qualcode.ingest.decode import BOMS
from qualcode.interop import safety
from qualcode.interop.positions import STANDARD, SourceText, choose
from qualcode.interop.refi_model import (
    RefiCase,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    RefiValue,
    RefiVariable,
)
from qualcode.interop.xmlread import Guids, child, children, date, local, read_codes, text_of

_VALUE_TYPES = {
    "TextValue": "Text",
    "BooleanValue": "Boolean",
    "IntegerValue": "Integer",
    "FloatValue": "Float",
    "DateValue": "Date",
    "DateTimeValue": "DateTime",
}
_MEDIA = {
    "PictureSource": ("picture", "PictureSelection"),
    "AudioSource": ("audio", "AudioSelection"),
    "VideoSource": ("video", "VideoSelection"),
    "PDFSource": ("PDF", "PDFSelection"),
}


def read_qdpx(path: str | Path) -> RefiProject:
    """Read a .qdpx archive; :class:`IngestError` (one line) if it is damaged or hostile."""
    path = Path(path)
    with safety.open_archive(path) as archive:
        return _Reader(path, archive).read()


class _Reader:
    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.archive = archive
        self.names = safety.member_names(archive)
        self.by_lower: dict[str, str] = {}
        for name in self.names:
            self.by_lower.setdefault(safety.normalised_member(name).lower(), name)
        self.guids = Guids()
        self.adapted: list[str] = []
        self.skipped: list[str] = []
        self.path_notes: set[str] = set()

    # ------------------------------------------------------------------ the project file

    def project_member(self) -> str:
        top = [n for n in self.names if "/" not in n.strip("/") and n.lower().endswith(".qde")]
        if "project.qde" in top:
            chosen = "project.qde"
        elif len(top) == 1:
            chosen = top[0]
            self.adapted.append(f"the project file is named '{chosen}', not 'project.qde'")
        elif top:
            chosen = sorted(top)[0]
            self.adapted.append(f"{len(top)} project files found; read '{chosen}'")
        else:
            anywhere = sorted(n for n in self.names if n.lower().endswith(".qde"))
            if not anywhere:
                raise IngestError(f"{self.path}: not a REFI-QDA project (no project.qde inside)")
            chosen = anywhere[0]
            self.adapted.append(f"the project file is '{chosen}', in a folder")
        return chosen

    def read(self) -> RefiProject:
        member = self.project_member()
        root = safety.parse_xml(
            safety.read_member(self.path, self.archive, member), f"{self.path}: {member}"
        )
        if local(root.tag) != "Project":
            raise IngestError(
                f"{self.path}: not a REFI-QDA project ('{member}' holds <{local(root.tag)}>, "
                "not <Project>)"
            )
        g = self.guids
        project = RefiProject(
            name=(root.get("name") or self.path.stem).strip(),
            origin=(root.get("origin") or "").strip(),
            creating_user=g(root.get("creatingUserGUID")),
            created=date(root.get("creationDateTime")),
            modified=date(root.get("modifiedDateTime")),
            description=text_of(root, "Description"),
            note_refs=self.refs(root, "NoteRef"),
        )
        users = child(root, "Users")
        for el in children(users, "User") if users is not None else ():
            guid = g.required(el.get("guid"), "user")
            name = (el.get("name") or el.get("id") or "").strip()
            if not name:
                name = f"user {guid[:8]}"
                self.adapted.append(f"a user without a name is called '{name}'")
            project.users.append(RefiUser(guid, name))
        book = child(root, "CodeBook")
        codes = child(book, "Codes") if book is not None else None
        if codes is not None:
            project.codes = read_codes(codes, g)
        variables = child(root, "Variables")
        for el in children(variables, "Variable") if variables is not None else ():
            project.variables.append(
                RefiVariable(
                    guid=g.required(el.get("guid"), "variable"),
                    name=(el.get("name") or "").strip(),
                    type=(el.get("typeOfVariable") or "Text").strip(),
                    description=text_of(el, "Description"),
                )
            )
        cases = child(root, "Cases")
        for el in children(cases, "Case") if cases is not None else ():
            project.cases.append(
                RefiCase(
                    guid=g.required(el.get("guid"), "case"),
                    name=(el.get("name") or "").strip(),
                    values=self.values(el),
                    source_refs=self.refs(el, "SourceRef"),
                    description=text_of(el, "Description"),
                )
            )
        notes = child(root, "Notes")
        for el in children(notes, "Note") if notes is not None else ():
            note = self.note(el)
            if note is not None:
                project.notes.append(note)
        sources = child(root, "Sources")
        if sources is not None:
            self.sources(sources, project)
        for name in ("Links", "Sets", "Graphs"):
            found = child(root, name)
            count = len(list(found)) if found is not None else 0
            if name == "Sets":
                project.sets = count
            if count:
                self.skipped.append(
                    f"{count} {name.lower()[:-1]}(s): qualcode has no {name.lower()}"
                )
        project.adapted = self.adapted + sorted(self.path_notes) + g.notes()
        project.skipped = self.skipped
        return project

    def refs(self, element: Any, name: str) -> list[str]:
        return [g for g in (self.guids(r.get("targetGUID")) for r in children(element, name)) if g]

    def values(self, element: Any) -> list[RefiValue]:
        out = []
        for el in children(element, "VariableValue"):
            ref = child(el, "VariableRef")
            target = self.guids(ref.get("targetGUID") if ref is not None else None)
            value = next(
                (
                    (_VALUE_TYPES[local(c.tag)], c.text or "")
                    for c in el
                    if local(c.tag) in _VALUE_TYPES
                ),
                None,
            )
            if target is None or value is None:
                continue
            out.append(RefiValue(target, value[1].strip(), value[0]))
        return out

    # ------------------------------------------------------------------ texts

    def member(self, plain_path: str) -> str | None:
        """The archive member a ``plainTextPath`` names, however it is spelled."""
        raw = plain_path.strip()
        for prefix in ("internal://", "internal:/", "internal:"):
            if raw.lower().startswith(prefix):
                raw = raw[len(prefix) :]
                break
        else:
            if "://" in raw:
                return None  # outside the archive (file://, http://)
            self.path_notes.add("text paths without 'internal://'")
        clean = safety.normalised_member(raw)
        found = None
        for candidate in (f"sources/{clean}", clean):
            found = self.by_lower.get(candidate.lower())
            if found is not None:
                break
        if found is None:
            base = PurePosixPath(clean).name.lower()
            matches = [n for n in self.names if PurePosixPath(n).name.lower() == base]
            if len(matches) != 1:
                return None
            found = matches[0]
            self.path_notes.add("texts found by file name in another folder")
        folder = PurePosixPath(found).parent.as_posix()
        if folder != "sources":
            self.path_notes.add(f"texts in '{folder}/', not 'sources/'")
        return found

    def decode(self, data: bytes, where: str) -> tuple[str, bool] | None:
        for bom, codec in BOMS:
            if data.startswith(bom):
                try:
                    return data[len(bom) :].decode(codec), True
                except UnicodeDecodeError:
                    self.skipped.append(f"{where}: not valid {codec}")
                    return None
        try:
            return data.decode("utf-8"), False
        except UnicodeDecodeError as exc:
            self.skipped.append(f"{where}: not UTF-8 text (byte {exc.start})")
            return None

    def text(self, element: Any, where: str) -> tuple[str, bool, bytes] | None:
        """(decoded text, had a BOM, bytes) of a TextSource or Note, from the archive or inline."""
        inline = child(element, "PlainTextContent")
        if inline is not None and (inline.text or "") != "":
            data = (inline.text or "").encode("utf-8")
            return inline.text or "", False, data
        plain = (element.get("plainTextPath") or "").strip()
        if not plain:
            return None
        member = self.member(plain)
        if member is None:
            self.skipped.append(f"{where}: its text '{plain}' is not in the archive")
            return None
        data = safety.read_member(self.path, self.archive, member)
        decoded = self.decode(data, where)
        if decoded is None:
            return None
        return decoded[0], decoded[1], data

    def note(self, el: Any) -> RefiNote | None:
        guid = self.guids.required(el.get("guid"), "note")
        name = (el.get("name") or "").strip()
        found = self.text(el, f"note '{name or guid}'")
        text = found[0] if found else ""
        if found and found[1]:
            text = text.lstrip("\ufeff")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip() and not name:
            return None
        return RefiNote(
            guid=guid,
            text=text,
            name=name,
            creating_user=self.guids(el.get("creatingUser")),
            created=date(el.get("creationDateTime")),
            modified=date(el.get("modifiedDateTime")),
        )

    # ------------------------------------------------------------------ sources

    def sources(self, element: Any, project: RefiProject) -> None:
        pending: list[
            tuple[RefiSource, SourceText, list[tuple[int, int]], list[str], list[RefiSelection]]
        ] = []
        crlf = bom = controls = whole = 0
        for el in element:
            kind = local(el.tag)
            name = (el.get("name") or "").strip()
            if kind in _MEDIA:
                label, selection = _MEDIA[kind]
                count = len(list(children(el, selection)))
                extra = f" with {count} selection(s)" if count else ""
                self.skipped.append(f"{label} source '{name or el.get('guid')}'{extra}: not text")
                continue
            if kind != "TextSource":
                continue
            guid = self.guids.required(el.get("guid"), "source")
            where = f"source '{name or guid}'"
            found = self.text(el, where)
            if found is None:
                if not any(True for _ in children(el, "PlainTextContent")) and not el.get(
                    "plainTextPath"
                ):
                    self.skipped.append(f"{where}: no plain text in the file")
                continue
            raw, had_bom, data = found
            if "\x00" in raw:
                self.skipped.append(f"{where}: contains NUL characters, not text")
                continue
            source_text = SourceText(raw, had_bom)
            crlf += source_text.has_crlf
            bom += had_bom
            controls += source_text.removed_controls > 0
            source = RefiSource(
                guid=guid,
                name=name or guid,
                text=source_text.text,
                note_refs=self.refs(el, "NoteRef"),
                values=self.values(el),
                description=text_of(el, "Description"),
                creating_user=self.guids(el.get("creatingUser")),
                created=date(el.get("creationDateTime")),
                modified=date(el.get("modifiedDateTime")),
                raw_sha256=hashlib.sha256(data).hexdigest(),
            )
            spans: list[tuple[int, int]] = []
            names: list[str] = []
            selections: list[RefiSelection] = []
            for sel in children(el, "PlainTextSelection"):
                try:
                    start = int((sel.get("startPosition") or "").strip())
                    end = int((sel.get("endPosition") or "").strip())
                except ValueError:
                    self.skipped.append(f"{where}: a selection without readable positions")
                    continue
                spans.append((start, end))
                names.append(sel.get("name") or "")
                codings: list[RefiCoding] = []
                refs: list[str] = []
                for item in sel:  # one pass: a project may hold 100,000 of these
                    tag = local(item.tag)
                    if tag == "Coding":
                        codings.append(self.coding(item))
                    elif tag == "NoteRef":
                        ref = self.guids(item.get("targetGUID"))
                        if ref:
                            refs.append(ref)
                selections.append(
                    RefiSelection(
                        guid=self.guids.required(sel.get("guid"), "selection"),
                        start=start,
                        end=end,
                        name=sel.get("name") or "",
                        creating_user=self.guids(sel.get("creatingUser")),
                        created=date(sel.get("creationDateTime")),
                        modified=date(sel.get("modifiedDateTime")),
                        codings=codings,
                        note_refs=refs,
                    )
                )
            whole += len(list(children(el, "Coding")))
            pending.append((source, source_text, spans, names, selections))
            project.sources.append(source)
        if crlf:
            self.adapted.append(f"Windows line endings (CRLF) stored as LF in {crlf} source(s)")
        if bom:
            self.adapted.append(f"a byte-order mark removed from {bom} source(s)")
        if controls:
            self.adapted.append(f"control characters removed from {controls} source(s)")
        if whole:
            self.skipped.append(f"{whole} coding(s) of whole sources (qualcode codes passages)")
        self.place(pending)

    def coding(self, el: Any) -> RefiCoding:
        code_guid = ""
        refs: list[str] = []
        for item in el:
            tag = local(item.tag)
            if tag == "CodeRef" and not code_guid:
                code_guid = self.guids(item.get("targetGUID")) or ""
            elif tag == "NoteRef":
                guid = self.guids(item.get("targetGUID"))
                if guid:
                    refs.append(guid)
        return RefiCoding(
            guid=self.guids.required(el.get("guid"), "coding"),
            code_guid=code_guid,
            creating_user=self.guids(el.get("creatingUser")),
            created=date(el.get("creationDateTime")),
            note_refs=refs,
        )

    def place(
        self,
        pending: list[
            tuple[RefiSource, SourceText, list[tuple[int, int]], list[str], list[RefiSelection]]
        ],
    ) -> None:
        """Selections onto the stored text, in the way of counting the file most likely used."""
        with_spans = [p for p in pending if p[2]]
        evaluations, used = choose([(p[1], p[2], p[3]) for p in with_spans])
        described: dict[str, int] = {}
        for (source, _, _, _, selections), evaluation, convention in zip(
            with_spans, evaluations, used, strict=True
        ):
            if convention != STANDARD:
                for line in convention.describe():
                    described[line] = described.get(line, 0) + 1
            for selection, span in zip(selections, evaluation.spans, strict=True):
                if span is None:
                    self.skipped.append(
                        f"source '{source.name}': selection [{selection.start}:{selection.end}] "
                        "is not inside the text"
                    )
                    continue
                selection.start, selection.end = span
                source.selections.append(selection)
            if evaluation.split_characters:
                self.adapted.append(
                    f"source '{source.name}': {evaluation.split_characters} selection end(s) "
                    "fell inside a character and were moved to its start"
                )
        for line, count in described.items():
            self.adapted.append(f"{line} ({count} source(s))")
