"""Replace listed names with their pseudonyms on the way out of the project.

A name matches in any case, where it is not part of a longer word (a letter on either side
blocks it; digits, underscores and punctuation do not, so ``gp01_astrid`` and ``Astrid's``
both lose the name), with any run of white space between its words. Longer names are replaced
first, so "Astrid Berg" wins over "Astrid". The stored project never changes.

:meth:`Replacer.deep` applies the table to every string inside a value (a frozen
:class:`~qualcode.report.summary.Summary`, a list, a dict), leaving everything else as is, so
a summary is pseudonymised once and then rendered in any format.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any


class Replacer:
    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        cleaned = [(" ".join(n.split()), p) for n, p in pairs if n.strip()]
        cleaned.sort(key=lambda np: (-len(np[0]), np[0].casefold()))
        self.pairs = cleaned
        self._by_key = {n.casefold(): p for n, p in cleaned}
        if cleaned:
            alternatives = "|".join(
                r"\s+".join(re.escape(w) for w in n.split()) for n, _ in cleaned
            )
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<![^\W\d_])(?:{alternatives})(?![^\W\d_])", re.IGNORECASE
            )
        else:
            self._pattern = None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, value: str) -> str:
        """``value`` with every listed name replaced."""
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(self._swap, value)

    def _swap(self, m: re.Match[str]) -> str:
        return self._by_key.get(" ".join(m.group().split()).casefold(), m.group())

    def spans(self, value: str) -> list[tuple[int, int, str]]:
        """``(start, end, pseudonym)`` of every name in ``value``, in order (for redaction)."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._swap(m)) for m in self._pattern.finditer(value)]

    def deep(self, value: Any) -> Any:
        """Every string inside ``value`` replaced; unchanged parts are the same objects."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                if not f.init:
                    continue
                old = getattr(value, f.name)
                new = self.deep(old)
                if new is not old and new != old:
                    changes[f.name] = new
            return dataclasses.replace(value, **changes) if changes else value
        if isinstance(value, tuple | list):
            items = [self.deep(v) for v in value]
            if all(a is b for a, b in zip(items, value, strict=True)):
                return value
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, dict):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        return value


def load_replacer(project: Any) -> Replacer:
    """The project's pseudonym table as a :class:`Replacer`."""
    from qualcode.store.pseudonyms import Pseudonyms

    return Replacer(Pseudonyms(project.session).pairs())


def default_on(project: Any) -> bool:
    """Whether the project asks for pseudonymised exports by default (setting
    ``pseudonymise`` = 1)."""
    from qualcode.store.pseudonyms import DEFAULT_SETTING

    return (project.settings.get(DEFAULT_SETTING) or "0").strip().lower() in ("1", "true", "yes")
