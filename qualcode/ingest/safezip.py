"""Refuse hostile .docx packages before any XML parser sees them.

A .docx is a zip of XML parts. A zip bomb (a few KB that inflate to gigabytes) or an XML part
with entity declarations (billion laughs, external entities) must be turned away with a clear
message instead of exhausting memory, so every member's declared size and compression ratio is
checked, and every XML part is parsed once with defusedxml, which rejects DTD and entity tricks.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from qualcode.errors import IngestError

MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 200
MAX_MEMBERS = 10_000


def check_docx(path: Path) -> None:
    """Raise :class:`IngestError` if ``path`` is not a sane .docx package."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"{path}: not a valid .docx file (not a zip package)") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise IngestError(f"{path}: refused, the .docx holds {len(infos)} parts")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > MAX_MEMBER_RATIO:
                raise IngestError(
                    f"{path}: refused, part '{info.filename}' would inflate {ratio:.0f}-fold "
                    "(zip bomb?)"
                )
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise IngestError(
                f"{path}: refused, the .docx would inflate to {total // (1024 * 1024)} MB"
            )
        names = {info.filename for info in infos}
        if "word/document.xml" not in names:
            raise IngestError(f"{path}: not a Word document (no word/document.xml)")
        for part in sorted(n for n in names if n.endswith((".xml", ".rels"))):
            try:
                safe_et.fromstring(_read_limited(archive, part))
            except DefusedXmlException as exc:
                raise IngestError(
                    f"{path}: refused, '{part}' declares XML entities or a DTD ({type(exc).__name__})"
                ) from exc
            except safe_et.ParseError as exc:
                raise IngestError(f"{path}: '{part}' is not well-formed XML ({exc})") from exc
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise IngestError(f"{path}: damaged .docx ({exc})") from exc


def _read_limited(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read one member, stopping if it inflates beyond the limit whatever its header claims."""
    out = bytearray()
    with archive.open(name) as handle:
        while chunk := handle.read(1024 * 1024):
            out.extend(chunk)
            if len(out) > MAX_TOTAL_UNCOMPRESSED:
                raise IngestError(f"{archive.filename}: refused, '{name}' inflates past the limit")
    return bytes(out)
