"""Names and ids: how every repository turns what a user typed into a row id.

Plain functions over a session, so repositories resolve each other's names without holding
each other: a missing name is one clear line naming the closest matches.
"""

from __future__ import annotations

from qualcode.errors import ProjectError
from qualcode.store.invariants import not_found
from qualcode.store.session import Session


def document_id(session: Session, document: str | int) -> int:
    if isinstance(document, int):
        row = session.conn.execute("SELECT id FROM documents WHERE id = ?", (document,)).fetchone()
    else:
        row = session.conn.execute(
            "SELECT id FROM documents WHERE name = ?", (document,)
        ).fetchone()
    if row is None:
        raise ProjectError(not_found("document", str(document), document_names(session)))
    return int(row[0])


def document_names(session: Session) -> list[str]:
    """Every document's name, in name order (for "did you mean" and name lists)."""
    return [str(r[0]) for r in session.conn.execute("SELECT name FROM documents ORDER BY name")]


def code_id(session: Session, code: str | int) -> int:
    """A code by id, by exact name, or by name ignoring case."""
    conn = session.conn
    if isinstance(code, int):
        row = conn.execute("SELECT id FROM codes WHERE id = ?", (code,)).fetchone()
    else:
        row = conn.execute("SELECT id FROM codes WHERE name = ?", (code,)).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT id FROM codes WHERE name = ? COLLATE NOCASE", (code,)
            ).fetchone()
    if row is None:
        names = [r[0] for r in conn.execute("SELECT name FROM codes")]
        raise ProjectError(not_found("code", str(code), names))
    return int(row[0])


def code_name(session: Session, code: int) -> str:
    row = session.conn.execute("SELECT name FROM codes WHERE id = ?", (code,)).fetchone()
    if row is None:
        raise ProjectError(f"no code with id {code}")
    return str(row[0])


def document_name(session: Session, document: int) -> str:
    row = session.conn.execute("SELECT name FROM documents WHERE id = ?", (document,)).fetchone()
    if row is None:
        raise ProjectError(f"no document with id {document}")
    return str(row[0])


def speaker_id(session: Session, document: str | int, name: str) -> int:
    """A speaker of one document by name; a clear error naming that document's speakers."""
    doc_id = document_id(session, document)
    row = session.conn.execute(
        "SELECT id FROM speakers WHERE document_id = ? AND name = ?", (doc_id, name)
    ).fetchone()
    if row is None:
        names = [
            r[0]
            for r in session.conn.execute(
                "SELECT name FROM speakers WHERE document_id = ?", (doc_id,)
            )
        ]
        raise ProjectError(not_found(f"speaker in {document}", name, names))
    return int(row[0])


def coder_id(session: Session, name: str) -> int:
    found = session.lookup_coder_id(name)
    if found is None:
        names = [r[0] for r in session.conn.execute("SELECT name FROM coders")]
        raise ProjectError(not_found("coder", name, names))
    return found
