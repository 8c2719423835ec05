"""Write a :class:`RefiProject` as a REFI-QDA project archive (``.qdpx``).

The archive holds ``project.qde`` (valid against ``Project-mrt2019.xsd``) and each text source
as ``sources/<guid>.txt`` in UTF-8, referred to as ``internal://<guid>.txt``. Output is
deterministic: members in sorted order with a fixed timestamp and permissions, elements in
schema order, so exporting unchanged data twice gives the same bytes.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from qualcode.interop.refi_model import PROJECT_NS, RefiProject, RefiValue
from qualcode.interop.xmlwrite import Builder, date

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def project_xml(project: RefiProject) -> bytes:
    b = Builder(PROJECT_NS)
    root = b.element(
        "Project",
        [
            ("name", project.name),
            ("origin", project.origin or None),
            ("creatingUserGUID", project.creating_user),
            ("creationDateTime", date(project.created)),
            ("modifiedDateTime", date(project.modified)),
        ],
    )
    if project.users:
        users = b.sub(root, "Users")
        for user in project.users:
            b.sub(users, "User", [("guid", user.guid), ("name", user.name)])
    if project.codes:
        b.codes(b.sub(root, "CodeBook"), project.codes, note_refs=True)
    if project.variables:
        variables = b.sub(root, "Variables")
        for var in project.variables:
            el = b.sub(
                variables,
                "Variable",
                [("guid", var.guid), ("name", var.name), ("typeOfVariable", var.type)],
            )
            if var.description:
                b.text(el, "Description", var.description)
    if project.cases:
        cases = b.sub(root, "Cases")
        for case in project.cases:
            el = b.sub(cases, "Case", [("guid", case.guid), ("name", case.name)])
            if case.description:
                b.text(el, "Description", case.description)
            _values(b, el, case.values)
            for guid in case.source_refs:
                b.sub(el, "SourceRef", [("targetGUID", guid)])
    if project.sources:
        sources = b.sub(root, "Sources")
        for source in project.sources:
            el = b.sub(
                sources,
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
                b.text(el, "Description", source.description)
            for sel in source.selections:
                sel_el = b.sub(
                    el,
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
                    c_el = b.sub(
                        sel_el,
                        "Coding",
                        [
                            ("guid", coding.guid),
                            ("creatingUser", coding.creating_user),
                            ("creationDateTime", date(coding.created)),
                        ],
                    )
                    b.sub(c_el, "CodeRef", [("targetGUID", coding.code_guid)])
                    for guid in coding.note_refs:
                        b.sub(c_el, "NoteRef", [("targetGUID", guid)])
                for guid in sel.note_refs:
                    b.sub(sel_el, "NoteRef", [("targetGUID", guid)])
            for guid in source.note_refs:
                b.sub(el, "NoteRef", [("targetGUID", guid)])
            _values(b, el, source.values)
    if project.notes:
        notes = b.sub(root, "Notes")
        for note in project.notes:
            el = b.sub(
                notes,
                "Note",
                [
                    ("guid", note.guid),
                    ("name", note.name or None),
                    ("creatingUser", note.creating_user),
                    ("creationDateTime", date(note.created)),
                    ("modifiedDateTime", date(note.modified)),
                ],
            )
            b.text(el, "PlainTextContent", note.text)
    if project.description:
        b.text(root, "Description", project.description)
    for guid in project.note_refs:
        b.sub(root, "NoteRef", [("targetGUID", guid)])
    return b.serialise(root)


def _values(b: Builder, parent: ET.Element, values: list[RefiValue]) -> None:
    for value in values:
        el = b.sub(parent, "VariableValue")
        b.sub(el, "VariableRef", [("targetGUID", value.variable_guid)])
        b.text(el, f"{value.type}Value", value.value)


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
