"""Bytes to text, never silently mangled.

A transcript is decoded as UTF-8 (a BOM is dropped), UTF-16/32 when a BOM says so, or with the
encoding the researcher declares. Anything else is refused with a message saying what to do,
because guessing an encoding turns "Malmö" into "MalmÃ¶" without anyone noticing.
"""

from __future__ import annotations

import codecs

from qualcode.errors import IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets mean the same on every platform."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes, where: str, encoding: str | None = None) -> str:
    """Decode a text file's bytes; raise :class:`IngestError` naming ``where`` if it is not text."""
    if not data.strip():
        raise IngestError(f"{where}: file is empty")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom) :].decode(codec), where)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{where}: invalid {codec} after its byte-order mark "
                    f"(byte {exc.start + len(bom)})"
                ) from exc
    if b"\x00" in data[:8192]:
        raise IngestError(f"{where}: looks like a binary file, not text")
    try:
        return _checked(data.decode("utf-8"), where)
    except UnicodeDecodeError as exc:
        if encoding is None:
            raise IngestError(
                f"{where}: not valid UTF-8 (byte {exc.start}); re-run with --encoding, "
                "e.g. --encoding cp1252"
            ) from exc
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise IngestError(f"{where}: unknown encoding '{encoding}'") from exc
    try:
        return _checked(data.decode(encoding), where)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{where}: not valid {encoding} (byte {exc.start})") from exc


def _checked(text: str, where: str) -> str:
    text = normalise_newlines(text)
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\t\f")
    if controls > 8:
        raise IngestError(f"{where}: looks like a binary file, not text")
    if not text.strip():
        raise IngestError(f"{where}: file has no text")
    return text
