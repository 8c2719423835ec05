"""Lenient reading of REFI-QDA XML elements shared by the project and codebook readers.

Elements are matched by local name whatever their namespace (some tools write the codebook
namespace with a ``codebook:0:4`` schema location, others none at all), GUIDs are normalised
(lower case, no braces), and empty optional elements read as absent.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from qualcode.interop.refi_model import RefiCode

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NAMESPACE = uuid.UUID("6f1f9a52-3b8e-5c1d-9a7e-2c4b8d0e1f35")


_LOCAL: dict[str, str] = {}


def local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = tag.rsplit("}", 1)[-1]
    return name


def children(element: Any, name: str) -> Iterator[Any]:
    for child in element:
        if local(child.tag) == name:
            yield child


def child(element: Any, name: str) -> Any | None:
    return next(children(element, name), None)


def text_of(element: Any, name: str) -> str:
    """The text of a child element, '' when it is absent or empty (``<Description/>``)."""
    found = child(element, name)
    return (found.text or "") if found is not None else ""


class Guids:
    """Normalises GUIDs as read, remembering what it had to change (for the report)."""

    def __init__(self) -> None:
        self.recased = 0
        self.braced = 0
        self.invented: list[str] = []

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) == 36 and _GUID.match(value):
            return value
        raw = value.strip()
        if not raw:
            return None
        cleaned = raw
        if cleaned.startswith("{") and cleaned.endswith("}"):
            cleaned = cleaned[1:-1].strip()
            self.braced += 1
        if cleaned != cleaned.lower():
            self.recased += 1
            cleaned = cleaned.lower()
        if not _GUID.match(cleaned):
            # Not a GUID at all: a stable stand-in, so references to it still match.
            self.invented.append(raw)
            return str(uuid.uuid5(_NAMESPACE, raw))
        return cleaned

    def required(self, value: str | None, what: str) -> str:
        guid = self(value)
        if guid is None:
            self.invented.append(f"(missing on a {what})")
            return str(uuid.uuid4())
        return guid

    def notes(self) -> list[str]:
        out = []
        if self.recased or self.braced:
            how = " and ".join(
                w for w, n in (("upper case", self.recased), ("in braces", self.braced)) if n
            )
            out.append(f"GUIDs written {how} were normalised ({self.recased + self.braced})")
        if self.invented:
            out.append(f"{len(self.invented)} missing or malformed GUID(s) replaced")
        return out


@functools.lru_cache(maxsize=4096)
def date(value: str | None) -> str | None:
    """An xsd:dateTime as qualcode writes dates (UTC, whole seconds, ``Z``); None if absent or
    unreadable (a date is never worth refusing an import for)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_codes(codes_element: Any, guids: Guids) -> list[RefiCode]:
    """The code tree under a ``Codes`` element, iteratively (a hostile file may nest deep)."""
    roots: list[RefiCode] = []
    stack: list[tuple[Any, list[RefiCode]]] = [
        (el, roots) for el in children(codes_element, "Code")
    ]
    stack.reverse()
    while stack:
        element, siblings = stack.pop()
        code = RefiCode(
            guid=guids.required(element.get("guid"), "code"),
            name=(element.get("name") or "").strip(),
            codable=(element.get("isCodable") or "true").strip().lower() not in ("false", "0"),
            color=(element.get("color") or "").strip() or None,
            description=text_of(element, "Description"),
            note_refs=[
                g for g in (guids(r.get("targetGUID")) for r in children(element, "NoteRef")) if g
            ],
        )
        siblings.append(code)
        stack.extend((el, code.children) for el in reversed(list(children(element, "Code"))))
    return roots
