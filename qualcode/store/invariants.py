"""The rules every stored value obeys, checked once, here, for every entry point.

The CLI, the workbench, codebook loading, merging and REFI-QDA import all write through the
store; checking names, colours and spans here (rather than in each front end) is what keeps an
exported codebook loadable and every offset inside its document.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from qualcode.errors import ProjectError

MAX_NAME_LENGTH = 200
"""Longest code, speaker or coder name: long enough for any real label, short enough that a
pasted paragraph is caught as a mistake and listings stay readable."""

COLOR_PATTERN = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def check_color(value: str | None) -> str | None:
    """A code colour as ``#rrggbb`` in lower case (``#abc`` is widened), or None for none.

    The same rule as the codebook loader's, so every colour the store accepts exports to a
    codebook that loads again."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not COLOR_PATTERN.match(value.strip()):
        raise ProjectError(f"'{value}' is not a colour like #1f77b4")
    value = value.strip().lower()
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value


NEGATION_MODES = ("skip", "flag", "ignore")
"""What auto-coding does with a keyword match inside a negation ("nobody competed"): drop it,
suggest it flagged as negated, or ignore negation."""


def check_negation(value: str | None) -> str | None:
    """A code's negation mode, or None for the project default."""
    if value is None or value == "":
        return None
    if value not in NEGATION_MODES:
        raise ProjectError(
            f"negation must be one of {', '.join(NEGATION_MODES)}, not '{str(value)[:20]}'"
        )
    return value


def clean_name(name: str, kind: str = "code") -> str:
    """A name with its white space folded; empty or overlong names are refused."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise ProjectError(f"a {kind} name cannot be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ProjectError(
            f"a {kind} name can have at most {MAX_NAME_LENGTH} characters "
            f"(this one has {len(cleaned)}: '{cleaned[:40]}…')"
        )
    return cleaned


def check_coder_name(name: str, allow_comma: bool = False) -> str:
    """A coder name as the store keeps it: stripped, white space folded, at most
    :data:`MAX_NAME_LENGTH` characters.

    Refused: an empty name (it would silently become somebody else) and control characters
    such as a newline (they break listings, CSV rows and the one-line messages that name the
    coder). A comma is refused in a name someone types for themselves (``--coder``), since it
    reads as two names; a coder arriving with data (an NVivo user "Smith, John" in a
    REFI-QDA project, a codings CSV, a merged file) keeps theirs, and lists of coders keep a
    known name whole (:func:`qualcode.commands.common.split_names`)."""
    raw = str(name).strip()
    bad = next((ch for ch in raw if unicodedata.category(ch) in ("Cc", "Zl", "Zp")), None)
    if bad is not None:
        raise ProjectError(
            f"a coder name cannot contain control characters ({bad!r} in {raw[:40]!r})"
        )
    cleaned = clean_name(raw, "coder")
    if "," in cleaned and not allow_comma:
        raise ProjectError(
            f"a coder name cannot contain a comma ('{cleaned[:40]}'): "
            "--coders A,B separates coders with commas"
        )
    return cleaned


def check_span(length: int, start: int, end: int) -> None:
    """A coding's span must be non-empty and inside its document's text."""
    if not (0 <= start < end <= length):
        raise ProjectError(
            f"span [{start}:{end}] is not inside the document (0 to {length}, start < end)"
        )


def check_spans(
    length: int, spans: list[tuple[int, int]], what: str, allow_empty: bool = False
) -> None:
    """Turn or sentence spans of an imported document."""
    for start, end in spans:
        ok = 0 <= start <= end <= length and (allow_empty or start < end)
        if not ok:
            raise ProjectError(f"{what} span [{start}:{end}] is outside the text")


_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def normalise_guid(value: str) -> str:
    """A GUID as the store keeps it: lower case, no braces. Other tools write upper case or
    ``{…}``; the same GUID must match however it was spelled."""
    cleaned = str(value).strip().strip("{}").strip().lower()
    if not _GUID.match(cleaned):
        raise ProjectError(f"'{value}' is not a GUID like 0e5b2b6c-3f4e-4a51-9c1d-2b7f6c8a9d10")
    return cleaned


def not_found(kind: str, name: str, names: list[str]) -> str:
    """'no code named X; did you mean …?' with the closest existing names."""
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"no {kind} named '{name}'{hint}"
