"""``Project``: the one gateway to a project file.

A project is a :class:`~qualcode.store.session.Session` (the connection, the current coder and
the action in progress: one user action = one transaction = one audit event) and one small
repository per aggregate, each taking the session explicitly:

- ``documents``: transcripts with their turns, sentences, speakers, attributes and search
- ``codebook``: the code tree and its edits
- ``codings`` and ``memos``
- ``suggestions`` and ``models``: auto-coding proposals and trained models
- ``settings`` and ``history`` (undo, redo, the audit trail)
- ``speakers`` and ``cases``: speakers across documents (rename, merge, interviewer role) and
  participants as cases with typed attributes
- ``done`` (done-marks per coder), ``exemplars`` (chosen quotes), ``pseudonyms``, ``queries``
  (saved coding queries)

Work that spans aggregates is an explicit call from one repository to another (deleting a code
deletes its codings through :class:`Codings`, which deletes their memos through
:class:`Memos`), or a composite action here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from qualcode.store.cases import Cases
from qualcode.store.codes import CODE_FIELDS, Codebook, CodebookChanges
from qualcode.store.codings import Codings
from qualcode.store.documents import DocumentInput, Documents, TurnInput
from qualcode.store.done import DoneMarks
from qualcode.store.exemplars import Exemplars
from qualcode.store.history import History
from qualcode.store.memos import MEMO_TARGETS, Memos
from qualcode.store.models import Models
from qualcode.store.pseudonyms import Pseudonyms
from qualcode.store.queries import SavedQueries
from qualcode.store.session import BUSY_TIMEOUT_MS, Action, Session, now
from qualcode.store.settings import Settings
from qualcode.store.speakers import Speakers
from qualcode.store.suggestions import Suggestions

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


class Project:
    """An open project file. Use :meth:`create` or :meth:`open`, ideally as a context manager."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.memos = Memos(session)
        self.codings = Codings(session, self.memos)
        self.codebook = Codebook(session, self.codings, self.memos)
        self.documents = Documents(session, self.codings, self.memos)
        self.suggestions = Suggestions(session, self.codings)
        self.models = Models(session, self.codebook.hash)
        self.settings = Settings(session)
        self.history = History(session)
        self.speakers = Speakers(session)
        self.cases = Cases(session)
        self.done = DoneMarks(session)
        self.exemplars = Exemplars(session)
        self.pseudonyms = Pseudonyms(session)
        self.queries = SavedQueries(session)

    @classmethod
    def create(cls, path: str | Path, coder: str = "unknown") -> Self:
        """Create a new, empty project file. Refuses to overwrite an existing file."""
        return cls(Session.create(path, coder))

    @classmethod
    def open(cls, path: str | Path, coder: str = "unknown", migrate: bool = True) -> Self:
        """Open an existing project, bringing its schema up to date (see :class:`Session`)."""
        return cls(Session.open(path, coder, migrate))

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # What every front end asks of the open file itself.

    @property
    def path(self) -> Path:
        return self.session.path

    @property
    def coder(self) -> str:
        return self.session.coder

    @coder.setter
    def coder(self, name: str) -> None:
        """Work on as another coder (tests, merging): later actions are recorded as theirs."""
        self.session.switch_coder(name)

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    @property
    def schema_version(self) -> int:
        return self.session.schema_version

    @property
    def data_version(self) -> int:
        return self.session.data_version

    @contextmanager
    def action(self, name: str, summary: str, undoable: bool = True) -> Iterator[Action]:
        """Group several repository calls into one undoable action (one audit event)."""
        with self.session.action(name, summary, undoable) as act:
            yield act

    # ------------------------------------------------------------ composite actions

    def create_code_and_apply(
        self,
        name: str,
        parent: str | int | None,
        document: str | int,
        start: int,
        end: int,
        **fields: Any,
    ) -> tuple[int, list[int]]:
        """Create a code and code a passage with it: one action, one undo step.

        What the workbench's picker does when the researcher types a name that does not exist
        yet; returns (code id, coding ids)."""
        where = f"under '{self.codebook.get(parent).name}'" if parent is not None else "at top"
        with self.action("code.add", f"Created code '{name}' {where} and coded"):
            code_id = self.codebook.add(name, parent=parent, **fields)
            coding_ids = self.codings.add_many(document, [code_id], start, end)
        return code_id, coding_ids
