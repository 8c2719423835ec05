"""Refuse hostile .docx packages before any XML parser sees them.

A .docx is a zip of XML parts. A zip bomb (a few KB that inflate to gigabytes) or an XML part
with entity declarations (billion laughs, external entities) must be turned away with a clear
message instead of exhausting memory, so every member's declared size and compression ratio is
checked, and every XML part is parsed once with defusedxml, which rejects DTD and entity tricks.

"Every XML part" is not "every name ending in .xml": the package says which parts are XML in
``[Content_Types].xml`` (``Override`` by part name, ``Default`` by extension) and points at its
parts from the ``_rels/*.rels`` relationships, and python-docx follows those whatever the names
(a main part called ``word/main.bin`` is read as XML). So the parts checked are: the names ending
in .xml or .rels, every part declared with an XML content type, and every other part that looks
like XML (its first byte after white space is ``<``, which any DTD needs), so a relationship may
point anywhere. The main part is the one ``_rels/.rels`` names, which must exist.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from qualcode.errors import IngestError

MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 200
MAX_MEMBERS = 10_000
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_docx(path: Path) -> None:
    """Raise :class:`IngestError` if ``path`` is not a sane .docx package."""
    _check_package(path, "docx")


def check_odt(path: Path) -> None:
    """Raise :class:`IngestError` if ``path`` is not a sane OpenDocument text package
    (the same size, ratio and XML checks; its main part is ``content.xml``)."""
    _check_package(path, "odt")


def open_checked(path: Path, label: str) -> zipfile.ZipFile:
    """A zip archive whose member count, names, inflated sizes and compression ratios have
    been checked (zip bombs, ``../`` and absolute member names refused, each in one line
    naming ``label``, e.g. ``.docx`` or ``.qdpx``). The caller closes it. The one such check
    for every zip qualcode reads: .docx, .odt and REFI-QDA .qdpx."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"{path}: not a valid {label} file (not a zip archive)") from exc
    try:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise IngestError(f"{path}: refused, the {label} holds {len(infos)} files")
        total = 0
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if (
                name.startswith(("/", "\\"))
                or _DRIVE.match(name)
                or ".." in parts
                or "\x00" in name
            ):
                raise IngestError(
                    f"{path}: refused, member name '{name}' points outside the archive"
                )
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > MAX_MEMBER_RATIO:
                raise IngestError(
                    f"{path}: refused, '{name}' would inflate {ratio:.0f}-fold (zip bomb?)"
                )
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise IngestError(
                f"{path}: refused, the {label} would inflate to {total // (1024 * 1024)} MB"
            )
    except BaseException:
        archive.close()
        raise
    return archive


def _check_package(path: Path, kind: str) -> None:
    archive = open_checked(path, f".{kind}")
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        xml_parts = {n for n in names if n.lower().endswith((".xml", ".rels"))}
        xml_parts |= _declared_xml_parts(path, archive, names)
        xml_parts |= {n for n in names - xml_parts if _looks_like_xml(archive, n)}
        if kind == "odt":
            if "content.xml" not in names:
                raise IngestError(f"{path}: not an OpenDocument text (no content.xml)")
        elif _main_part(path, archive, names) is None:
            raise IngestError(f"{path}: not a Word document (no word/document.xml)")
        if kind == "odt":
            # LibreOffice writes an empty Configurations2/accelerator/current.xml: nothing to parse.
            xml_parts -= {i.filename for i in infos if i.file_size == 0}
        for part in sorted(xml_parts):
            _parse(path, archive, part)


_CONTENT_TYPES = "[Content_Types].xml"
_OFFICE_DOCUMENT = "/officeDocument"


def _is_xml_type(content_type: str) -> bool:
    base = content_type.split(";")[0].strip().lower()
    return base.endswith(("/xml", "+xml"))


def _parse(path: Path, archive: zipfile.ZipFile, part: str) -> object:
    try:
        data = read_limited(archive, part)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        # ValueError/RuntimeError: zipfile on bad headers, encrypted or unsupported members.
        raise IngestError(f"{path}: damaged .docx ({exc})") from exc
    return parse_xml(data, str(path), f"'{part}'")


MAX_XML_BYTES = MAX_TOTAL_UNCOMPRESSED


def parse_xml(data: bytes, where: str, subject: str = "the XML") -> Any:
    """The root element of an XML document (a .docx part, a REFI-QDA project or codebook),
    with entities, DTDs, oversized and bad XML refused in one line naming ``where`` and
    ``subject``: the one defusedxml reading of untrusted XML."""
    if len(data) > MAX_XML_BYTES:
        raise IngestError(f"{where}: refused, {subject} is larger than {MAX_XML_BYTES >> 20} MB")
    try:
        return safe_et.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise IngestError(
            f"{where}: refused, {subject} declares XML entities or a DTD ({type(exc).__name__})"
        ) from exc
    except safe_et.ParseError as exc:
        raise IngestError(f"{where}: {subject} is not well-formed XML ({exc})") from exc
    except (ValueError, RecursionError) as exc:
        raise IngestError(f"{where}: {subject} is unreadable XML ({type(exc).__name__})") from exc


def _declared_xml_parts(path: Path, archive: zipfile.ZipFile, names: set[str]) -> set[str]:
    """Parts that ``[Content_Types].xml`` calls XML, by ``Override`` or by ``Default``."""
    if _CONTENT_TYPES not in names:
        return set()
    out: set[str] = set()
    defaults: set[str] = set()
    for element in _parse(path, archive, _CONTENT_TYPES).iter():  # type: ignore[attr-defined]
        tag = element.tag.rsplit("}", 1)[-1]
        if not _is_xml_type(element.get("ContentType", "")):
            continue
        if tag == "Override":
            out.add(element.get("PartName", "").lstrip("/"))
        elif tag == "Default":
            defaults.add(element.get("Extension", "").lower())
    out |= {n for n in names if PurePosixPath(n).suffix.lower().lstrip(".") in defaults}
    return out & names


def _main_part(path: Path, archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """The main document part named by the package relationships (word/document.xml)."""
    if "_rels/.rels" in names:
        for element in _parse(path, archive, "_rels/.rels").iter():  # type: ignore[attr-defined]
            if element.get("Type", "").endswith(_OFFICE_DOCUMENT):
                target = posixpath.normpath(element.get("Target", "").lstrip("/"))
                return target if target in names else None
    return "word/document.xml" if "word/document.xml" in names else None


def _looks_like_xml(archive: zipfile.ZipFile, name: str) -> bool:
    """Whether a part's first byte after any byte-order mark, white space and NULs (UTF-16)
    is ``<``, however much of those comes first."""
    try:
        with archive.open(name) as handle:
            first = True
            while chunk := handle.read(64 * 1024):
                if first:
                    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
                        chunk = chunk.removeprefix(bom)
                    first = False
                rest = chunk.lstrip(b" \t\r\n\x00")
                if rest:
                    return rest.startswith(b"<")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return False
    return False


def read_limited(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read one member, stopping if it inflates beyond the limit whatever its header claims."""
    out = bytearray()
    with archive.open(name) as handle:
        while chunk := handle.read(1024 * 1024):
            out.extend(chunk)
            if len(out) > MAX_TOTAL_UNCOMPRESSED:
                raise IngestError(f"{archive.filename}: refused, '{name}' inflates past the limit")
    return bytes(out)
