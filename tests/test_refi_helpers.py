"""Helpers for the REFI-QDA tests: build .qdpx archives by hand, find the official schemas."""

from __future__ import annotations

import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_REFI = REPO.parent / "shared" / "refi"
SAMPLES = SHARED_REFI / "samples"

PROJECT_NS = "urn:QDA-XML:project:1.0"


def make_qdpx(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def utf16(text: str, cp: int) -> int:
    """The UTF-16 offset of code point offset ``cp`` in ``text``."""
    return len(text[:cp].encode("utf-16-le")) // 2


def validator(schema: str):  # noqa: ANN201 - lxml.etree.XMLSchema, or None
    """The official schema as an lxml validator, or None (no lxml or no ../shared)."""
    path = SHARED_REFI / schema
    if not path.exists():
        return None
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - lxml comes with python-docx
        return None
    return etree.XMLSchema(etree.parse(str(path)))
