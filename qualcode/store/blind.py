"""Blind coding (issue 13): the workbench's counts as one coder sees them.

While a coder codes blind, the workbench shows only their own codings; the documents list (how
much of each document is coded) and the codebook's counts must not give the other coders' work
away either. These are the read models of :mod:`qualcode.store.workbench` restricted to one
coder; with ``coder=None`` they are exactly those read models.
"""

from __future__ import annotations

from collections.abc import Iterable

from qualcode.store import workbench as wb
from qualcode.store.project import Project


def _coder_id(project: Project, coder: str) -> int:
    found = project.session.lookup_coder_id(coder)
    return -1 if found is None else found  # a coder who has not written yet: nothing is theirs


def document_rows(project: Project, coder: str | None = None) -> list[wb.DocumentRow]:
    """Every document with the share coded by ``coder`` (everyone's when None)."""
    rows = wb.document_rows(project)
    if coder is None:
        return rows
    spans: dict[int, list[tuple[int, int]]] = {}
    for doc_id, start, end in project.session.conn.execute(
        'SELECT document_id, start, "end" FROM codings WHERE coder_id = ?',
        (_coder_id(project, coder),),
    ):
        spans.setdefault(int(doc_id), []).append((int(start), int(end)))
    return [_restricted(project, row, spans.get(row.id, [])) for row in rows]


def document_row(
    project: Project, document_id: int, coder: str | None = None
) -> wb.DocumentRow | None:
    row = wb.document_row(project, document_id)
    if row is None or coder is None:
        return row
    spans = [
        (int(s), int(e))
        for s, e in project.session.conn.execute(
            'SELECT start, "end" FROM codings WHERE document_id = ? AND coder_id = ?',
            (document_id, _coder_id(project, coder)),
        )
    ]
    return _restricted(project, row, spans)


def _restricted(
    project: Project, row: wb.DocumentRow, spans: list[tuple[int, int]]
) -> wb.DocumentRow:
    length = project.session.conn.execute(
        "SELECT length(text) FROM documents WHERE id = ?", (row.id,)
    ).fetchone()[0]
    return wb.DocumentRow(
        id=row.id,
        name=row.name,
        speakers=row.speakers,
        words=row.words,
        codings=len(spans),
        coded=wb.covered_length(spans) / length if length else 0.0,
    )


def code_counts(
    project: Project,
    document_id: int | None = None,
    code_ids: Iterable[int] | None = None,
    coder: str | None = None,
) -> dict[int, int]:
    """``{code id: codings}`` by ``coder`` (everyone's when None) in one document or the
    whole project; with ``code_ids``, for those codes only (zeros included)."""
    if coder is None:
        return wb.code_counts(project, document_id, code_ids)
    sql = "SELECT code_id, COUNT(*) FROM codings WHERE coder_id = ?"
    args: list[int] = [_coder_id(project, coder)]
    if document_id is not None:
        sql += " AND document_id = ?"
        args.append(document_id)
    ids: list[int] | None = None
    if code_ids is not None:
        ids = sorted(set(code_ids))
        if not ids:
            return {}
        sql += f" AND code_id IN ({', '.join('?' for _ in ids)})"
        args += ids
    found = {
        int(code): int(n)
        for code, n in project.session.conn.execute(sql + " GROUP BY code_id", args)
    }
    if ids is None:
        ids = [int(r[0]) for r in project.session.conn.execute("SELECT id FROM codes")]
    return {i: found.get(i, 0) for i in ids}


def blind_by_default(project: Project) -> bool:
    """Whether the workbench starts blind: when the codings of more than one coder are in the
    project (a consensus coder not counted), e.g. a merged team file. A project coded by one
    person (the demo, a coder's own copy) shows its codings as before."""
    row = project.session.conn.execute(
        "SELECT COUNT(*) FROM coders k WHERE k.is_consensus = 0 "
        "AND EXISTS (SELECT 1 FROM codings c WHERE c.coder_id = k.id)"
    ).fetchone()
    return int(row[0]) > 1
