"""The codebook: the code tree and its edits (add, rename, move, merge, delete, load).

Deleting or merging a code reaches into other aggregates explicitly: its codings go through
:meth:`Codings.delete_row` (which takes their memos along), its own memos through
:class:`Memos`, so every row that goes is recorded and comes back on undo.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store import lookup
from qualcode.store.codetree import CodeTree
from qualcode.store.codings import Codings
from qualcode.store.consensus import forget_code
from qualcode.store.invariants import check_color, check_negation, clean_name, normalise_guid
from qualcode.store.memos import Memos
from qualcode.store.records import Code
from qualcode.store.session import Session, new_guid
from qualcode.store.settings import set_setting_row

CODE_FIELDS = (
    "brief",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "example",
    "color",
    "keywords",
    "patterns",
    "negation",
)

JSON_CODE_FIELDS = ("keywords", "patterns")


@dataclass
class CodebookChanges:
    """What loading a codebook did, for the one-paragraph report the CLI prints."""

    added: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)


class Codebook:
    def __init__(self, session: Session, codings: Codings, memos: Memos) -> None:
        self.s = session
        self.codings = codings
        self.memos = memos

    def codes(self) -> list[Code]:
        """Every code in tree order (parents before children, siblings by position)."""
        counts = dict(
            self.s.conn.execute("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id").fetchall()
        )
        rows = {
            r[0]: r
            for r in self.s.conn.execute(
                "SELECT id, parent_id, name, brief, definition, when_to_use, when_not_to_use, "
                "example, color, keywords, patterns, position, guid, negation FROM codes "
                "ORDER BY position, id"
            )
        }
        tree = CodeTree.build((r[0], r[1]) for r in rows.values())
        out: list[Code] = []
        for code_id in tree.order:
            r = rows[code_id]
            out.append(
                Code(
                    id=r[0],
                    parent_id=r[1],
                    parent=rows[r[1]][2] if r[1] is not None else None,
                    name=r[2],
                    brief=r[3],
                    definition=r[4],
                    when_to_use=r[5],
                    when_not_to_use=r[6],
                    example=r[7],
                    color=r[8],
                    keywords=json.loads(r[9]),
                    patterns=json.loads(r[10]),
                    position=r[11],
                    depth=tree.depth(code_id),
                    coding_count=counts.get(code_id, 0),
                    child_count=len(tree.children(code_id)),
                    guid=r[12],
                    negation=r[13],
                )
            )
        return out

    def get(self, name_or_id: str | int) -> Code:
        code_id = lookup.code_id(self.s, name_or_id)
        for code in self.codes():
            if code.id == code_id:
                return code
        raise ProjectError(f"no code {name_or_id}")  # pragma: no cover - _code_id checked

    def by_guid(self, guid: str) -> Code | None:
        row = self.s.conn.execute(
            "SELECT id FROM codes WHERE guid = ?", (normalise_guid(guid),)
        ).fetchone()
        return None if row is None else self.get(int(row[0]))

    def find(self, name: str) -> Code | None:
        row = self.s.conn.execute("SELECT id FROM codes WHERE name = ?", (name,)).fetchone()
        return None if row is None else self.get(int(row[0]))

    def descendant_ids(self, name_or_id: str | int) -> list[int]:
        """The code and all codes below it: what a theme counts."""
        return self.tree().descendants(lookup.code_id(self.s, name_or_id))

    def tree(self) -> CodeTree:
        """The code tree as a value (children, descendants, theme of, depth)."""
        return self.codings.code_tree()

    def hash(self) -> str:
        """A fingerprint of the codebook (every code's name, brief and full definition): a
        model trained under one codebook is not trusted after the codes or their meaning
        change."""
        rows = self.s.conn.execute(
            "SELECT name, brief, definition FROM codes ORDER BY name COLLATE BINARY"
        ).fetchall()
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]

    def add(
        self, name: str, parent: str | int | None = None, guid: str | None = None, **fields: Any
    ) -> int:
        """Add a code (under ``parent``); ``guid`` keeps the identity it has in another
        project file (merging, REFI-QDA import)."""
        name = clean_name(name)
        if guid is not None:
            guid = normalise_guid(guid)
            if self.s.conn.execute("SELECT 1 FROM codes WHERE guid = ?", (guid,)).fetchone():
                raise ProjectError(f"a code with GUID {guid} is already in the project")
        if self.s.conn.execute("SELECT 1 FROM codes WHERE name = ?", (name,)).fetchone():
            raise ProjectError(f"a code named '{name}' already exists")
        parent_id = lookup.code_id(self.s, parent) if parent is not None else None
        values = _code_values(fields)
        position = self.s.conn.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM codes WHERE parent_id IS ?", (parent_id,)
        ).fetchone()[0]
        where = f" under '{self.get(parent_id).name}'" if parent_id else ""
        with self.s.action("code.add", f"Added code '{name}'{where}"):
            return self.s.insert(
                "codes",
                {
                    "guid": guid or new_guid(),
                    "name": name,
                    "parent_id": parent_id,
                    "position": position,
                    **values,
                },
            )

    def update(self, name_or_id: str | int, **fields: Any) -> None:
        code_id = lookup.code_id(self.s, name_or_id)
        values = _code_values(fields)
        if not values:
            return
        name = self.get(code_id).name
        with self.s.action("code.update", f"Edited {', '.join(sorted(values))} of '{name}'"):
            self.s.update("codes", code_id, values)

    def rename(self, name_or_id: str | int, new_name: str) -> None:
        code_id = lookup.code_id(self.s, name_or_id)
        new_name = clean_name(new_name)
        old = self.get(code_id).name
        clash = self.s.conn.execute(
            "SELECT id FROM codes WHERE name = ? AND id != ?", (new_name, code_id)
        ).fetchone()
        if clash:
            raise ProjectError(f"a code named '{new_name}' already exists; merge them instead")
        with self.s.action("code.rename", f"Renamed code '{old}' to '{new_name}'"):
            self.s.update("codes", code_id, {"name": new_name})

    def move(self, name_or_id: str | int, new_parent: str | int | None) -> None:
        """Re-parent a code (None makes it top level); a code cannot move under itself."""
        code_id = lookup.code_id(self.s, name_or_id)
        parent_id = lookup.code_id(self.s, new_parent) if new_parent is not None else None
        if parent_id is not None and parent_id in self.descendant_ids(code_id):
            raise ProjectError("a code cannot be moved under itself or its own sub-codes")
        name = self.get(code_id).name
        where = f"under '{self.get(parent_id).name}'" if parent_id else "to the top level"
        position = self.s.conn.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM codes WHERE parent_id IS ?", (parent_id,)
        ).fetchone()[0]
        with self.s.action("code.move", f"Moved code '{name}' {where}"):
            self.s.update("codes", code_id, {"parent_id": parent_id, "position": position})

    def merge(self, source: str | int, target: str | int) -> int:
        """Fold ``source`` into ``target``: its codings and sub-codes move over, then it goes.

        A coding that would duplicate one the target already has (same document, span and
        coder) is dropped rather than doubled. Returns how many codings moved.
        """
        src, dst = lookup.code_id(self.s, source), lookup.code_id(self.s, target)
        if src == dst:
            raise ProjectError("cannot merge a code into itself")
        if dst in self.descendant_ids(src):
            raise ProjectError("cannot merge a code into one of its own sub-codes")
        src_name, dst_name = self.get(src).name, self.get(dst).name
        moved = 0
        with self.s.action("code.merge", f"Merged code '{src_name}' into '{dst_name}'"):
            existing = {
                (r[0], r[1], r[2], r[3])
                for r in self.s.conn.execute(
                    'SELECT document_id, start, "end", coder_id FROM codings WHERE code_id = ?',
                    (dst,),
                )
            }
            for cid, doc_id, start, end, coder_id in self.s.conn.execute(
                'SELECT id, document_id, start, "end", coder_id FROM codings WHERE code_id = ?',
                (src,),
            ).fetchall():
                if (doc_id, start, end, coder_id) in existing:
                    self.codings.delete_row(cid)
                else:
                    self.s.update("codings", cid, {"code_id": dst})
                    moved += 1
            for (child,) in self.s.conn.execute(
                "SELECT id FROM codes WHERE parent_id = ?", (src,)
            ).fetchall():
                self.s.update("codes", child, {"parent_id": dst})
            self.memos.retarget("code", src, dst)
            for (sid,) in self.s.conn.execute(
                "SELECT id FROM suggestions WHERE code_id = ?", (src,)
            ).fetchall():
                self.s.delete("suggestions", sid)
            forget_code(self.s, src)
            self.s.delete("codes", src)
        return moved

    def delete(self, name_or_id: str | int, force: bool = False) -> int:
        """Delete a code. Policy: a code with codings or sub-codes is only deleted with
        ``force``; then its codings (and their memos) go too and its sub-codes move up to its
        parent. Undo brings all of it back. Returns the number of codings deleted."""
        code_id = lookup.code_id(self.s, name_or_id)
        code = self.get(code_id)
        if (code.coding_count or code.child_count) and not force:
            raise ProjectError(
                f"code '{code.name}' has {code.coding_count} coding(s) and {code.child_count} "
                "sub-code(s); use --force to delete it with its codings (sub-codes move up), "
                "or merge it into another code"
            )
        with self.s.action("code.delete", f"Deleted code '{code.name}'"):
            for (cid,) in self.s.conn.execute(
                "SELECT id FROM codings WHERE code_id = ?", (code_id,)
            ).fetchall():
                self.codings.delete_row(cid)
            for (child,) in self.s.conn.execute(
                "SELECT id FROM codes WHERE parent_id = ?", (code_id,)
            ).fetchall():
                self.s.update("codes", child, {"parent_id": code.parent_id})
            self.memos.delete_on("code", code_id)
            for (sid,) in self.s.conn.execute(
                "SELECT id FROM suggestions WHERE code_id = ?", (code_id,)
            ).fetchall():
                self.s.delete("suggestions", sid)
            forget_code(self.s, code_id)
            self.s.delete("codes", code_id)
        return code.coding_count

    def apply(
        self,
        name: str,
        entries: Sequence[tuple[str, str | None, dict[str, Any]]],
        version: int = 1,
        description: str = "",
        sources: Sequence[str] = (),
    ) -> CodebookChanges:
        """Merge a codebook into the project by code name, as one undoable action.

        ``entries`` are (name, parent name, fields) with parents listed before children. New
        codes are added, existing ones get changed definitions and parents, and codes the
        codebook does not mention are kept with their codings: loading never deletes work.
        """
        changes = CodebookChanges()
        with self.s.action("codebook.load", f"Loaded codebook '{name}'"):
            for position, (code_name, parent_name, fields) in enumerate(entries):
                values = _code_values(fields)
                parent_id = lookup.code_id(self.s, parent_name) if parent_name else None
                row = self.s.conn.execute(
                    "SELECT id FROM codes WHERE name = ? COLLATE NOCASE", (code_name,)
                ).fetchone()
                if row is None:
                    self.s.insert(
                        "codes",
                        {
                            "guid": new_guid(),
                            "name": clean_name(code_name),
                            "parent_id": parent_id,
                            "position": position,
                            **values,
                        },
                    )
                    changes.added.append(code_name)
                    continue
                code_id = int(row[0])
                before = self.s.row("codes", code_id) or {}
                wanted = {**values, "parent_id": parent_id}
                differing = {k: v for k, v in wanted.items() if before.get(k) != v}
                if differing:
                    self.s.update("codes", code_id, differing)
                    changes.updated.append(
                        (code_name, sorted("parent" if k == "parent_id" else k for k in differing))
                    )
                else:
                    changes.unchanged += 1
            named = {entry[0].lower() for entry in entries}
            changes.kept = [c.name for c in self.codes() if c.name.lower() not in named]
            self._set_setting_row("codebook_name", name)
            # What a methods paragraph, an appendix and a later export cite.
            self._set_setting_row("codebook_version", str(version))
            self._set_setting_row("codebook_description", description)
            self._set_setting_row("codebook_sources", json.dumps(list(sources), ensure_ascii=False))
        return changes

    def _set_setting_row(self, key: str, value: str) -> None:
        set_setting_row(self.s, key, value)


def _code_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(CODE_FIELDS)
    if unknown:
        raise ProjectError(f"unknown code field(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None and key not in ("color", "negation"):
            continue
        if key == "color":
            value = check_color(value)
        if key == "negation":
            value = check_negation(value)
        values[key] = json.dumps(value, ensure_ascii=False) if key in JSON_CODE_FIELDS else value
    return values
