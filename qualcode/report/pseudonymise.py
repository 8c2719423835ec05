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

from typing import Any

from qualcode.store.pseudonyms import Replacer

__all__ = ["Replacer", "default_on", "load_replacer"]


def load_replacer(project: Any) -> Replacer:
    """The project's pseudonym table as a :class:`Replacer`."""
    from qualcode.store.pseudonyms import Pseudonyms

    return Replacer(Pseudonyms(project.session).pairs())


def default_on(project: Any) -> bool:
    """Whether the project asks for pseudonymised exports by default (setting
    ``pseudonymise`` = 1)."""
    from qualcode.store.pseudonyms import DEFAULT_SETTING

    return (project.settings.get(DEFAULT_SETTING) or "0").strip().lower() in ("1", "true", "yes")
