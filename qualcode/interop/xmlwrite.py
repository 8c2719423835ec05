"""Writing REFI-QDA XML: deterministic, valid against the official schemas.

Elements are written in the order the schemas' sequences require, attributes in a fixed order,
and nothing that changes between two exports of the same data (no timestamps of the export
itself). Characters XML 1.0 cannot carry (C0 controls other than tab and newline, U+FFFE,
U+FFFF, lone surrogates) are dropped from text and attributes, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from qualcode.interop.refi_model import RefiCode

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def date(value: str | None) -> str | None:
    """qualcode's ``+00:00`` dates as the ``Z`` form REFI files use; None stays None."""
    if not value:
        return None
    return value[:-6] + "Z" if value.endswith("+00:00") else value


class Builder:
    """Elements in one namespace, written in a fixed order."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def element(self, name: str, attrs: Sequence[tuple[str, str | None]] = ()) -> ET.Element:
        el = ET.Element(self.tag(name))
        self.set(el, attrs)
        return el

    def sub(
        self, parent: ET.Element, name: str, attrs: Sequence[tuple[str, str | None]] = ()
    ) -> ET.Element:
        el = ET.SubElement(parent, self.tag(name))
        self.set(el, attrs)
        return el

    def text(self, parent: ET.Element, name: str, value: str) -> ET.Element:
        el = self.sub(parent, name)
        el.text = xml_text(value)
        return el

    @staticmethod
    def set(el: ET.Element, attrs: Sequence[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is not None:
                el.set(key, xml_text(value))

    def codes(self, parent: ET.Element, codes: list[RefiCode], note_refs: bool) -> None:
        """A ``Codes`` element with the tree (``NoteRef`` only where the schema has it)."""
        holder = self.sub(parent, "Codes")
        stack: list[tuple[ET.Element, RefiCode]] = [(holder, c) for c in reversed(codes)]
        while stack:
            into, code = stack.pop()
            el = self.sub(
                into,
                "Code",
                [
                    ("guid", code.guid),
                    ("name", code.name),
                    ("isCodable", "true" if code.codable else "false"),
                    ("color", code.color),
                ],
            )
            if code.description:
                self.text(el, "Description", code.description)
            if note_refs:
                for guid in code.note_refs:
                    self.sub(el, "NoteRef", [("targetGUID", guid)])
            stack.extend((el, c) for c in reversed(code.children))

    def serialise(self, root: ET.Element) -> bytes:
        ET.register_namespace("", self.ns)
        ET.indent(root, space="  ")
        body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")
