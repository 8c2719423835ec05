"""Read-only queries for inter-coder agreement (``qualcode agreement``).

Agreement needs every coder's spans, the code tree and the unit boundaries (sentences, turns,
document lengths) of many documents at once, but never the passage texts or memos: these
queries read exactly that, in a handful of statements, so a study of 300 transcripts and
60,000 codings loads in a fraction of a second. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.store.codetree import CodeTree
from qualcode.store.project import Project


@dataclass(frozen=True)
class AgreementDocument:
    id: int
    name: str
    length: int


@dataclass(frozen=True)
class AgreementCode:
    id: int
    parent_id: int | None
    name: str


AgreementCoding = tuple[int, int, int, int, str]
"""A coding as ``(document id, code id, start, end, coder name)``: plain tuples, as 60,000 of
them are read at once."""


@dataclass(frozen=True)
class AgreementRows:
    """What agreement is computed from: documents in name order, codes in tree order, codings
    of the chosen coders in (document, start, end) order."""

    documents: list[AgreementDocument]
    codes: list[AgreementCode]
    tree: CodeTree
    codings: list[AgreementCoding]


def load_agreement_rows(project: Project, coders: Sequence[str] | None = None) -> AgreementRows:
    """Documents (with their text length, not the text), the code tree and the codings of
    ``coders`` (all coders when ``None``)."""
    conn = project.session.conn
    documents = [
        AgreementDocument(int(r[0]), str(r[1]), int(r[2]))
        for r in conn.execute("SELECT id, name, length(text) FROM documents ORDER BY name")
    ]
    pairs = [
        (int(r[0]), None if r[1] is None else int(r[1]), str(r[2]))
        for r in conn.execute("SELECT id, parent_id, name FROM codes ORDER BY position, id")
    ]
    tree = CodeTree.build((code_id, parent) for code_id, parent, _ in pairs)
    names = {code_id: name for code_id, _, name in pairs}
    parents = {code_id: parent for code_id, parent, _ in pairs}
    codes = [AgreementCode(i, parents[i], names[i]) for i in tree.order]
    sql = (
        'SELECT c.document_id, c.code_id, c.start, c."end", k.name FROM codings c '
        "JOIN coders k ON k.id = c.coder_id"
    )
    args: tuple[str, ...] = ()
    if coders is not None:
        args = tuple(coders)
        sql += f" WHERE k.name IN ({', '.join('?' for _ in args)})" if args else " WHERE 0"
    sql += ' ORDER BY c.document_id, c.start, c."end"'
    codings: list[AgreementCoding] = conn.execute(sql, args).fetchall()
    return AgreementRows(documents, codes, tree, codings)


def coders_with_codings(project: Project) -> list[str]:
    """Every coder who made at least one coding, by name."""
    return [
        str(r[0])
        for r in project.session.conn.execute(
            "SELECT name FROM coders WHERE id IN (SELECT DISTINCT coder_id FROM codings) "
            "ORDER BY name"
        )
    ]


def unit_bounds(project: Project, kind: str) -> list[tuple[int, int, int]]:
    """``(document id, start, end)`` of every sentence or turn, in document and text order."""
    table = {"sentence": "sentences", "turn": "turns"}.get(kind)
    if table is None:
        raise ValueError(f"no stored units called {kind!r}")
    rows = project.session.conn.execute(
        f'SELECT document_id, start, "end" FROM {table} ORDER BY document_id, start, "end"'
    )
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]
