"""Participant tables: a CSV whose rows give attributes to documents and/or speakers.

A column named ``document`` (or ``file``) ties a row to a document (by name, i.e. the file name
without extension); a column named ``speaker`` ties it to a speaker (in that document if both are
given, else in every document). Every other column becomes an attribute, e.g. role, country.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest.decode import decode

DOCUMENT_COLUMNS = ("document", "file", "doc")
SPEAKER_COLUMNS = ("speaker",)


@dataclass
class AttributeTable:
    documents: dict[str, dict[str, str]] = field(default_factory=dict)
    speakers: dict[tuple[str | None, str], dict[str, str]] = field(default_factory=dict)


def read_attribute_table(path: str | Path, encoding: str | None = None) -> AttributeTable:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError(f"{path}: no such file") from exc
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from exc
    text = decode(data, str(path), encoding)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    lower = [h.lower() for h in header]
    doc_col = next((header[i] for i, h in enumerate(lower) if h in DOCUMENT_COLUMNS), None)
    spk_col = next((header[i] for i, h in enumerate(lower) if h in SPEAKER_COLUMNS), None)
    if doc_col is None and spk_col is None:
        raise IngestError(
            f"{path}: needs a 'document' or 'speaker' column to say whom each row describes "
            f"(found: {', '.join(header) or 'no header'})"
        )
    if len(set(lower)) != len(lower):
        raise IngestError(f"{path}: duplicate column names in the header")
    table = AttributeTable()
    reader.fieldnames = header
    try:
        for line_no, row in enumerate(reader, start=2):
            if None in row:
                raise IngestError(f"{path}: line {line_no} has more cells than the header")
            doc = (row.get(doc_col) or "").strip() if doc_col else None
            spk = (row.get(spk_col) or "").strip() if spk_col else None
            attrs = {
                k: (v or "").strip()
                for k, v in row.items()
                if k not in (doc_col, spk_col) and (v or "").strip()
            }
            if spk:
                table.speakers.setdefault((doc or None, spk), {}).update(attrs)
            elif doc:
                table.documents.setdefault(doc, {}).update(attrs)
            elif any((v or "").strip() for v in row.values()):
                raise IngestError(f"{path}: line {line_no} names no document or speaker")
    except csv.Error as exc:
        raise IngestError(f"{path}: malformed CSV ({exc})") from exc
    return table
