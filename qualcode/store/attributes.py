"""Document and speaker attributes: their types, and the one way a value is written.

Every attribute write (front matter and the participants CSV at import, ``qualcode attributes``,
``qualcode cases``, the workbench, merging) goes through :func:`upsert_attribute`, so a value
is checked against its key's declared type (``attribute_types``: number, date; text when absent)
wherever it comes from, and is recorded for undo.
"""

from __future__ import annotations

import datetime as dt
import math

from qualcode.errors import ProjectError
from qualcode.store.session import Session

ATTRIBUTE_TYPES = ("text", "number", "date")


def parse_number(value: str) -> float | None:
    """A number attribute's value (``12``, ``3.5``, ``-2``, ``1,5``), or None."""
    text = value.strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_date(value: str) -> dt.date | None:
    """An ISO date (``2024-03-01``; a date-time keeps its date), or None."""
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def check_value(key: str, kind: str, value: str) -> None:
    """Refuse a value that is not of ``kind`` with one clear line."""
    if kind == "number" and parse_number(value) is None:
        raise ProjectError(f"{key} is a number attribute: '{value}' is not a number")
    if kind == "date" and parse_date(value) is None:
        raise ProjectError(f"{key} is a date attribute: '{value}' is not a date (YYYY-MM-DD)")


def attribute_types(session: Session) -> dict[str, str]:
    """Declared attribute types (keys not listed are text)."""
    return {
        str(k): str(t) for k, t in session.conn.execute("SELECT key, type FROM attribute_types")
    }


def upsert_attribute(
    session: Session, table: str, owner: str, owner_id: int, key: str, value: str
) -> None:
    """Set ``key`` to ``value`` on a document (``document_attributes``/``document_id``) or a
    speaker (``speaker_attributes``/``speaker_id``), inside the caller's action."""
    kind = attribute_types(session).get(key)
    if kind is not None:
        check_value(key, kind, value)
    row = session.conn.execute(
        f"SELECT rowid FROM {table} WHERE {owner} = ? AND key = ?", (owner_id, key)
    ).fetchone()
    if row is None:
        session.insert(table, {owner: owner_id, "key": key, "value": value})
    else:
        session.update(table, int(row[0]), {"value": value})
