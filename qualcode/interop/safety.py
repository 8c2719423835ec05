"""Opening a REFI-QDA archive or XML file as the hostile input it may be.

The limits are the ones :mod:`qualcode.ingest.safezip` puts on a .docx (members, inflated
size, compression ratio), and each member is read with its limited reader, so a member that
inflates beyond what its header claims is stopped too. On top of that, member names that climb
out of the archive (``../``, absolute paths, drive letters) are refused although nothing is
ever extracted to disk, and XML is parsed with defusedxml with DTDs forbidden: no entity
expansion, no external resources. Every refusal is one :class:`~qualcode.errors.IngestError`
line naming the file.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest import safezip

MAX_XML_BYTES = safezip.MAX_XML_BYTES


def open_archive(path: Path, kind: str = ".qdpx") -> zipfile.ZipFile:
    """The archive, its member count, sizes, ratios and names checked (the one check in
    :func:`qualcode.ingest.safezip.open_checked`); the caller closes it."""
    return safezip.open_checked(path, kind)


def read_member(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes, stopped at the size limit whatever its header claims."""
    try:
        return safezip.read_limited(archive, name)
    except IngestError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        raise IngestError(f"{path}: damaged archive, cannot read '{name}' ({exc})") from exc


def member_names(archive: zipfile.ZipFile) -> list[str]:
    return [i.filename for i in archive.infolist() if not i.is_dir()]


def normalised_member(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/")).lstrip("./")


parse_xml = safezip.parse_xml
"""The one reading of untrusted XML (:func:`qualcode.ingest.safezip.parse_xml`)."""
