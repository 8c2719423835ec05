"""A code's MacQueen fields in a REFI-QDA ``Description``, readable by people and back.

REFI-QDA gives a code one free-text description; qualcode has the fields of MacQueen et al.
(1998) plus auto-coding keywords and patterns. They are written as labelled paragraphs after
the brief definition, which any tool shows as they are and qualcode parses back exactly::

    Feeling safe in the group.

    Definition: ...

    When to use: ...

    When not to use: ...

    Example: ...

    Keywords (auto-coding): ["safe", "trust"]

A description from another tool (no labels) is the brief definition, kept as it is, so a
code's description survives a trip through qualcode unchanged.
"""

from __future__ import annotations

import json
from typing import Any

TEXT_LABELS = (
    ("definition", "Definition"),
    ("when_to_use", "When to use"),
    ("when_not_to_use", "When not to use"),
    ("example", "Example"),
)
JSON_LABELS = (
    ("keywords", "Keywords (auto-coding)"),
    ("patterns", "Patterns (auto-coding)"),
)
LABELS = TEXT_LABELS + JSON_LABELS


def format_description(fields: dict[str, Any]) -> str:
    """``brief`` then each non-empty field as a labelled paragraph."""
    parts = [fields.get("brief") or ""]
    for key, label in TEXT_LABELS:
        value = fields.get(key) or ""
        if value:
            parts.append(f"{label}: {value}")
    for key, label in JSON_LABELS:
        value = fields.get(key) or []
        if value:
            parts.append(f"{label}: {json.dumps(value, ensure_ascii=False)}")
    if not parts[0]:
        parts = parts[1:]
    return "\n\n".join(parts)


def parse_description(text: str) -> dict[str, Any]:
    """The fields of a description written by :func:`format_description`; a description
    without labels is all brief definition."""
    marks: list[tuple[int, int, str]] = []  # (label start, value start, field)
    cursor = 0
    for key, label in LABELS:
        token = f"{label}: "
        if not marks and text.startswith(token):
            at = 0
        else:
            found = text.find(f"\n\n{token}", cursor)
            if found == -1:
                continue
            at = found
        value_start = text.index(token, at) + len(token)
        marks.append((at, value_start, key))
        cursor = value_start
    fields: dict[str, Any] = {"brief": text[: marks[0][0]] if marks else text}
    for i, (_, value_start, key) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        value = text[value_start:end]
        if key in dict(JSON_LABELS):
            try:
                parsed = json.loads(value)
            except ValueError:
                return {"brief": text}
            if not isinstance(parsed, list):
                return {"brief": text}
            if key == "keywords" and not all(isinstance(k, str) for k in parsed):
                return {"brief": text}
            fields[key] = parsed
        else:
            fields[key] = value
    return fields
