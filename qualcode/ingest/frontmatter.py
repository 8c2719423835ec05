"""YAML front matter (``---`` block at the top of .md/.txt) as document attributes."""

from __future__ import annotations

import yaml

from qualcode.errors import IngestError
from qualcode.safeyaml import load_yaml


def split_front_matter(text: str, where: str) -> tuple[dict[str, str], str]:
    """Return (attributes, body). Values are kept as strings: attributes are categories."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 3)
    while end != -1 and text[end + 4 : end + 5] not in ("\n", ""):
        end = text.find("\n---", end + 4)
    if end == -1:
        return {}, text
    block = text[4:end]
    try:
        data = load_yaml(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 2}" if mark is not None else ""
        raise IngestError(f"{where}:{line}: malformed front matter ({_first_line(exc)})") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise IngestError(f"{where}: front matter must be 'key: value' lines")
    body = text[end + 4 :]
    if body.startswith("\n"):
        body = body[1:]
    attributes: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, (dict, list)):
            raise IngestError(f"{where}: front matter '{key}' must be a single value")
        attributes[str(key)] = "" if value is None else str(value)
    return attributes, body


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
