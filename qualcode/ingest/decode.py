"""Bytes to text, never silently mangled.

A transcript is decoded as UTF-8 (a BOM is dropped), UTF-16/32 when a BOM says so, or with the
encoding the researcher declares. Anything else is refused with a message saying what to do,
because guessing an encoding turns "Malmö" into "MalmÃ¶" without anyone noticing. UTF-16 without
a BOM (many NUL bytes on the odd or the even positions) is recognised and named, with the
``--encoding`` that reads it.

Control characters are checked in the whole text, not only at its start:

- a NUL is refused with its byte offset in the file: it is never part of a transcript, and
  SQLite's ``length()`` and many tools stop at it, so the end of the document could not be coded;
- the other C0 controls except tab, newline and carriage return are **stripped**, and the reader
  says which (:attr:`Decoded.warnings`, shown on the file's import line). Form feed and vertical
  tab (page and manual line breaks in exported text) become newlines so words stay apart; the
  rest (bell, escape, backspace, the DOS end-of-file mark...) are removed. Stripping rather than
  refusing, because one stray control in a long interview is common in exported text and
  carries nothing the researcher needs;
- a text in which control characters are more than 1 in 100 characters is refused as binary.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field

from qualcode.errors import IngestError

# Byte-order marks and their codecs, longest first (a UTF-32 LE mark begins like UTF-16 LE).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls other than tab, newline and carriage return (NUL is refused before this runs).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_AS_NEWLINE = {"\x0b": "\n", "\x0c": "\n"}
_SNIFF_BYTES = 64 * 1024


@dataclass
class Decoded:
    """A decoded text and what was done to it on the way (one line each)."""

    text: str
    warnings: list[str] = field(default_factory=list)


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets mean the same on every platform."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes, where: str, encoding: str | None = None) -> str:
    """Decode a text file's bytes; raise :class:`IngestError` naming ``where`` if it is not text.

    Stray control characters are stripped silently here; :func:`decode_text` also says which.
    """
    return decode_text(data, where, encoding).text


def decode_text(data: bytes, where: str, encoding: str | None = None) -> Decoded:
    """Decode a text file's bytes (see the module docstring for what is refused or stripped)."""
    if not data.strip():
        raise IngestError(f"{where}: file is empty")
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{where}: invalid {codec} after its byte-order mark "
                    f"(byte {exc.start + len(bom)})"
                ) from exc
            return _checked(text, where, codec, len(bom))
    declared = _codec_name(encoding, where) if encoding is not None else None
    wide = utf16_without_bom(data)
    if b"\x00" in data and declared is not None and declared.startswith(("utf-16", "utf-32")):
        # Only a file with NULs can be UTF-16/32; a UTF-8 file in the same folder stays UTF-8.
        if wide is not None and declared in ("utf-16-le", "utf-16-be") and declared != wide:
            raise IngestError(_utf16_message(where, wide))
        try:
            text = data.decode(declared)
        except UnicodeDecodeError as exc:
            raise IngestError(f"{where}: not valid {declared} (byte {exc.start})") from exc
        return _checked(text, where, declared, 0)
    if wide is not None:
        raise IngestError(_utf16_message(where, wide))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if declared is None:
            raise IngestError(
                f"{where}: not valid UTF-8 (byte {exc.start}); re-run with --encoding, "
                "e.g. --encoding cp1252"
            ) from exc
    else:
        return _checked(text, where, "utf-8", 0)
    try:
        text = data.decode(declared)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{where}: not valid {declared} (byte {exc.start})") from exc
    return _checked(text, where, declared, 0)


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` if ``data`` looks like BOM-less UTF-16, else None.

    Text in a Latin script encoded as UTF-16 has a NUL in every other byte: on the odd
    positions for little-endian, the even ones for big-endian, and (almost) none on the others.
    """
    sample = data[: _SNIFF_BYTES - _SNIFF_BYTES % 2]
    sample = sample[: len(sample) - len(sample) % 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _utf16_message(where: str, codec: str) -> str:
    endian = "little" if codec.endswith("le") else "big"
    return f"{where}: looks like UTF-16 ({endian}-endian) without a BOM; re-run with --encoding {codec}"


def _codec_name(encoding: str, where: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise IngestError(f"{where}: unknown encoding '{encoding}'") from exc


def _checked(text: str, where: str, codec: str, skip: int) -> Decoded:
    """Refuse NULs (with their byte offset), strip other controls, normalise newlines.

    ``skip`` is the length of the byte-order mark in front of ``text`` in the file."""
    nul = text.find("\x00")
    if nul != -1:
        offset = skip + len(text[:nul].encode(codec))
        raise IngestError(
            f"{where}: contains a NUL byte at byte {offset}; looks like a binary or damaged "
            "file, not text"
        )
    warnings: list[str] = []
    found = Counter(_CONTROLS.findall(text))
    if found:
        total = sum(found.values())
        if total > 8 and total * 100 > len(text):
            raise IngestError(f"{where}: looks like a binary file, not text")
        text = _CONTROLS.sub(lambda m: _AS_NEWLINE.get(m.group(), ""), text)
        names = ", ".join(
            f"U+{ord(ch):04X}" + (" (as a line break)" if ch in _AS_NEWLINE else "")
            for ch in sorted(found)
        )
        warnings.append(f"stripped {total} control character(s): {names}")
    text = normalise_newlines(text)
    if not text.strip():
        raise IngestError(f"{where}: file has no text")
    return Decoded(text, warnings)


def clean_text(text: str, where: str) -> Decoded:
    """The same NUL and control checks for text that did not come from bytes (a .docx)."""
    return _checked(text, where, "utf-8", 0)
