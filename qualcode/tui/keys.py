"""How keys are written for people (help screen, command palette): ``right_square_bracket``
is ``]``, ``ctrl+z`` is ``Ctrl+Z``."""

from __future__ import annotations

KEY_NAMES = {
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "right_curly_bracket": "}",
    "left_curly_bracket": "{",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "question_mark": "?",
    "slash": "/",
    "space": "Space",
    "enter": "Enter",
    "escape": "Esc",
    "delete": "Del",
    "pagedown": "PgDn",
    "pageup": "PgUp",
}


def pretty_keys(keys: str) -> str:
    out = []
    for key in keys.split(","):
        key = key.strip()
        name = KEY_NAMES.get(key)
        if name is None:
            name = "+".join(
                p.capitalize() if len(p) > 1 else p
                for p in key.replace("ctrl+", "Ctrl+").split("+")
            )
        out.append(name)
    return " / ".join(out)
