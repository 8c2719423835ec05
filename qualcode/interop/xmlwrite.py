"""Writing REFI-QDA XML: deterministic, valid against the official schemas, and fast.

Elements are written in the order the schemas' sequences require, attributes in a fixed order,
and nothing that changes between two exports of the same data (no timestamps of the export
itself). The XML is built as text (a 30,000-coding project is ~100,000 elements; building an
ElementTree for it first costs seconds). Characters XML 1.0 cannot carry (C0 controls other
than tab, newline and carriage return, U+FFFE, U+FFFF, lone surrogates) are dropped; newline,
carriage return and tab in attributes, and carriage return in text, are written as character
references so a reader gets them back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qualcode.interop.refi_model import RefiCode

_DROP: dict[int, str | None] = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_DROP.update({0xFFFE: None, 0xFFFF: None})
_DROP.update({c: None for c in range(0xD800, 0xE000)})
_TEXT = {**_DROP, ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", 0x0D: "&#13;"}
_ATTR = {**_TEXT, ord('"'): "&quot;", 0x0A: "&#10;", 0x09: "&#9;"}
_SPECIAL = re.compile('[&<>"\x00-\x1f\ufffe\uffff\ud800-\udfff]')


def _escape(value: str, table: dict[int, str | None]) -> str:
    return value.translate(table) if _SPECIAL.search(value) else value


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (not escaped)."""
    return value.translate(_DROP)


def date(value: str | None) -> str | None:
    """qualcode's dates in the ``Z`` form REFI files use (``+00:00`` is rewritten)."""
    if not value:
        return None
    return value[:-6] + "Z" if value.endswith("+00:00") else value


Attrs = Sequence[tuple[str, str | None]]


class XmlWriter:
    """Indented XML text, two spaces a level, elements opened and closed in order."""

    def __init__(self) -> None:
        self.parts: list[str] = ['<?xml version="1.0" encoding="utf-8"?>\n']
        self.depth = 0

    @staticmethod
    def _attrs(attrs: Attrs) -> str:
        return "".join(
            f' {key}="{_escape(value, _ATTR)}"' for key, value in attrs if value is not None
        )

    def open(self, name: str, attrs: Attrs = ()) -> None:
        self.parts.append(f"{'  ' * self.depth}<{name}{self._attrs(attrs)}>\n")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.parts.append(f"{'  ' * self.depth}</{name}>\n")

    def empty(self, name: str, attrs: Attrs = ()) -> None:
        self.parts.append(f"{'  ' * self.depth}<{name}{self._attrs(attrs)} />\n")

    def text(self, name: str, value: str, attrs: Attrs = ()) -> None:
        self.parts.append(
            f"{'  ' * self.depth}<{name}{self._attrs(attrs)}>{_escape(value, _TEXT)}</{name}>\n"
        )

    def codes(self, codes: list[RefiCode], note_refs: bool) -> None:
        """A ``Codes`` element with the tree (``NoteRef`` only where the schema has it)."""
        self.open("Codes")
        stack: list[RefiCode | str] = list(reversed(codes))
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                self.close(item)
                continue
            code = item
            attrs = [
                ("guid", code.guid),
                ("name", code.name),
                ("isCodable", "true" if code.codable else "false"),
                ("color", code.color),
            ]
            refs = code.note_refs if note_refs else []
            if not (code.description or refs or code.children):
                self.empty("Code", attrs)
                continue
            self.open("Code", attrs)
            if code.description:
                self.text("Description", code.description)
            for guid in refs:
                self.empty("NoteRef", [("targetGUID", guid)])
            stack.append("Code")
            stack.extend(reversed(code.children))
        self.close("Codes")

    def bytes(self) -> bytes:
        return "".join(self.parts).encode("utf-8")
