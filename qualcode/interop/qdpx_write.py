"""Write a :class:`RefiProject` as a REFI-QDA project archive (``.qdpx``).

The archive holds ``project.qde`` (valid against ``Project-mrt2019.xsd``) and each text source
as ``sources/<guid>.txt`` in UTF-8, referred to as ``internal://<guid>.txt``. Output is
deterministic: members in sorted order with a fixed timestamp and permissions, elements in
schema order, so exporting unchanged data twice gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile

from qualcode.interop.refi_model import PROJECT_NS, RefiProject, RefiSource, RefiValue
from qualcode.interop.xmlwrite import XmlWriter, date

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def project_xml(project: RefiProject) -> bytes:
    w = XmlWriter()
    w.open(
        "Project",
        [
            ("xmlns", PROJECT_NS),
            ("name", project.name),
            ("origin", project.origin or None),
            ("creatingUserGUID", project.creating_user),
            ("creationDateTime", date(project.created)),
            ("modifiedDateTime", date(project.modified)),
        ],
    )
    if project.users:
        w.open("Users")
        for user in project.users:
            w.empty("User", [("guid", user.guid), ("name", user.name)])
        w.close("Users")
    if project.codes:
        w.open("CodeBook")
        w.codes(project.codes, note_refs=True)
        w.close("CodeBook")
    if project.variables:
        w.open("Variables")
        for var in project.variables:
            attrs = [("guid", var.guid), ("name", var.name), ("typeOfVariable", var.type)]
            if var.description:
                w.open("Variable", attrs)
                w.text("Description", var.description)
                w.close("Variable")
            else:
                w.empty("Variable", attrs)
        w.close("Variables")
    if project.cases:
        w.open("Cases")
        for case in project.cases:
            w.open("Case", [("guid", case.guid), ("name", case.name)])
            if case.description:
                w.text("Description", case.description)
            _values(w, case.values)
            for guid in case.source_refs:
                w.empty("SourceRef", [("targetGUID", guid)])
            w.close("Case")
        w.close("Cases")
    if project.sources:
        w.open("Sources")
        for source in project.sources:
            _source(w, source)
        w.close("Sources")
    if project.notes:
        w.open("Notes")
        for note in project.notes:
            w.open(
                "Note",
                [
                    ("guid", note.guid),
                    ("name", note.name or None),
                    ("creatingUser", note.creating_user),
                    ("creationDateTime", date(note.created)),
                    ("modifiedDateTime", date(note.modified)),
                ],
            )
            w.text("PlainTextContent", note.text)
            w.close("Note")
        w.close("Notes")
    if project.description:
        w.text("Description", project.description)
    for guid in project.note_refs:
        w.empty("NoteRef", [("targetGUID", guid)])
    w.close("Project")
    return w.bytes()


def _source(w: XmlWriter, source: RefiSource) -> None:
    w.open(
        "TextSource",
        [
            ("guid", source.guid),
            ("name", source.name),
            ("plainTextPath", f"internal://{source.guid}.txt"),
            ("creatingUser", source.creating_user),
            ("creationDateTime", date(source.created)),
            ("modifiedDateTime", date(source.modified)),
        ],
    )
    if source.description:
        w.text("Description", source.description)
    for sel in source.selections:
        w.open(
            "PlainTextSelection",
            [
                ("guid", sel.guid),
                ("name", sel.name or None),
                ("startPosition", str(sel.start)),
                ("endPosition", str(sel.end)),
                ("creatingUser", sel.creating_user),
                ("creationDateTime", date(sel.created)),
                ("modifiedDateTime", date(sel.modified)),
            ],
        )
        for coding in sel.codings:
            w.open(
                "Coding",
                [
                    ("guid", coding.guid),
                    ("creatingUser", coding.creating_user),
                    ("creationDateTime", date(coding.created)),
                ],
            )
            w.empty("CodeRef", [("targetGUID", coding.code_guid)])
            for guid in coding.note_refs:
                w.empty("NoteRef", [("targetGUID", guid)])
            w.close("Coding")
        for guid in sel.note_refs:
            w.empty("NoteRef", [("targetGUID", guid)])
        w.close("PlainTextSelection")
    for guid in source.note_refs:
        w.empty("NoteRef", [("targetGUID", guid)])
    _values(w, source.values)
    w.close("TextSource")


def _values(w: XmlWriter, values: list[RefiValue]) -> None:
    for value in values:
        w.open("VariableValue")
        w.empty("VariableRef", [("targetGUID", value.variable_guid)])
        w.text(f"{value.type}Value", value.value)
        w.close("VariableValue")


def write_qdpx(project: RefiProject) -> bytes:
    """The whole archive as bytes (the caller writes it safely, see qualcode.outputs)."""
    members = {"project.qde": project_xml(project)}
    for source in project.sources:
        members[f"sources/{source.guid}.txt"] = source.text.encode("utf-8", "replace")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, members[name], compresslevel=6)
    return buffer.getvalue()
