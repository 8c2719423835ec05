"""``Project``: the one gateway to a project file.

Everything that reads or writes the SQLite file goes through here, so that each user action is
exactly one transaction that also writes its audit event, and so that undo/redo can be built on
the audit trail instead of on per-feature bookkeeping. Changes are recorded row by row
(table, rowid, before, after); undo replays them backwards after checking that nothing else has
touched those rows since, which keeps undo safe when the TUI and a CLI command share a file.

The class is assembled from one mixin per concern (``base``, ``history``, ``documents``,
``codes``, ``codings``, ``search``) so each module stays small.
"""

from __future__ import annotations

from qualcode.store.base import BUSY_TIMEOUT_MS, now
from qualcode.store.codes import CODE_FIELDS, CodebookChanges, CodesMixin
from qualcode.store.codings import MEMO_TARGETS, CodingsMixin
from qualcode.store.documents import DocumentInput, DocumentsMixin, TurnInput
from qualcode.store.history import HistoryMixin
from qualcode.store.search import SearchMixin

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CODE_FIELDS",
    "MEMO_TARGETS",
    "CodebookChanges",
    "DocumentInput",
    "Project",
    "TurnInput",
    "now",
]


class Project(HistoryMixin, DocumentsMixin, CodesMixin, CodingsMixin, SearchMixin):
    """An open project file. Use :meth:`create` or :meth:`open`, ideally as a context manager."""
