"""The code tree: add, rename, move, merge, delete, and merging a codebook in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store.base import ProjectBase, _not_found, now
from qualcode.store.records import Code

CODE_FIELDS = (
    "brief",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "example",
    "color",
    "keywords",
    "patterns",
)

JSON_CODE_FIELDS = ("keywords", "patterns")


@dataclass
class CodebookChanges:
    """What loading a codebook did, for the one-paragraph report the CLI prints."""

    added: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)


class CodesMixin(ProjectBase):
    def codes(self) -> list[Code]:
        """Every code in tree order (parents before children, siblings by position)."""
        counts = dict(
            self.conn.execute("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id").fetchall()
        )
        rows = self.conn.execute(
            "SELECT id, parent_id, name, brief, definition, when_to_use, when_not_to_use, "
            "example, color, keywords, patterns, position FROM codes ORDER BY position, id"
        ).fetchall()
        by_parent: dict[int | None, list[tuple[Any, ...]]] = {}
        for r in rows:
            by_parent.setdefault(r[1], []).append(r)
        names = {r[0]: r[2] for r in rows}
        out: list[Code] = []

        def walk(parent: int | None, depth: int) -> None:
            for r in by_parent.get(parent, []):
                out.append(
                    Code(
                        id=r[0],
                        parent_id=r[1],
                        parent=names.get(r[1]),
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
                        depth=depth,
                        coding_count=counts.get(r[0], 0),
                        child_count=len(by_parent.get(r[0], [])),
                    )
                )
                walk(r[0], depth + 1)

        walk(None, 0)
        return out

    def code(self, name_or_id: str | int) -> Code:
        code_id = self._code_id(name_or_id)
        for code in self.codes():
            if code.id == code_id:
                return code
        raise ProjectError(f"no code {name_or_id}")  # pragma: no cover - _code_id checked

    def find_code(self, name: str) -> Code | None:
        row = self.conn.execute("SELECT id FROM codes WHERE name = ?", (name,)).fetchone()
        return None if row is None else self.code(int(row[0]))

    def _code_id(self, name_or_id: str | int) -> int:
        if isinstance(name_or_id, int):
            row = self.conn.execute("SELECT id FROM codes WHERE id = ?", (name_or_id,)).fetchone()
        else:
            row = self.conn.execute("SELECT id FROM codes WHERE name = ?", (name_or_id,)).fetchone()
            if row is None:
                row = self.conn.execute(
                    "SELECT id FROM codes WHERE name = ? COLLATE NOCASE", (name_or_id,)
                ).fetchone()
        if row is None:
            names = [r[0] for r in self.conn.execute("SELECT name FROM codes")]
            raise ProjectError(_not_found("code", str(name_or_id), names))
        return int(row[0])

    def descendant_ids(self, name_or_id: str | int) -> list[int]:
        """The code and all codes below it: what a theme counts."""
        root = self._code_id(name_or_id)
        rows = self.conn.execute(
            "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL "
            "SELECT c.id FROM codes c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub",
            (root,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def add_code(self, name: str, parent: str | int | None = None, **fields: Any) -> int:
        name = _clean_name(name)
        if self.conn.execute("SELECT 1 FROM codes WHERE name = ?", (name,)).fetchone():
            raise ProjectError(f"a code named '{name}' already exists")
        parent_id = self._code_id(parent) if parent is not None else None
        values = _code_values(fields)
        position = self.conn.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM codes WHERE parent_id IS ?", (parent_id,)
        ).fetchone()[0]
        where = f" under '{self.code(parent_id).name}'" if parent_id else ""
        with self.action("code.add", f"Added code '{name}'{where}"):
            return self._insert(
                "codes", {"name": name, "parent_id": parent_id, "position": position, **values}
            )

    def update_code(self, name_or_id: str | int, **fields: Any) -> None:
        code_id = self._code_id(name_or_id)
        values = _code_values(fields)
        if not values:
            return
        name = self.code(code_id).name
        with self.action("code.update", f"Edited {', '.join(sorted(values))} of '{name}'"):
            self._update("codes", code_id, values)

    def rename_code(self, name_or_id: str | int, new_name: str) -> None:
        code_id = self._code_id(name_or_id)
        new_name = _clean_name(new_name)
        old = self.code(code_id).name
        clash = self.conn.execute(
            "SELECT id FROM codes WHERE name = ? AND id != ?", (new_name, code_id)
        ).fetchone()
        if clash:
            raise ProjectError(f"a code named '{new_name}' already exists; merge them instead")
        with self.action("code.rename", f"Renamed code '{old}' to '{new_name}'"):
            self._update("codes", code_id, {"name": new_name})

    def move_code(self, name_or_id: str | int, new_parent: str | int | None) -> None:
        """Re-parent a code (None makes it top level); a code cannot move under itself."""
        code_id = self._code_id(name_or_id)
        parent_id = self._code_id(new_parent) if new_parent is not None else None
        if parent_id is not None and parent_id in self.descendant_ids(code_id):
            raise ProjectError("a code cannot be moved under itself or its own sub-codes")
        name = self.code(code_id).name
        where = f"under '{self.code(parent_id).name}'" if parent_id else "to the top level"
        position = self.conn.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM codes WHERE parent_id IS ?", (parent_id,)
        ).fetchone()[0]
        with self.action("code.move", f"Moved code '{name}' {where}"):
            self._update("codes", code_id, {"parent_id": parent_id, "position": position})

    def merge_codes(self, source: str | int, target: str | int) -> int:
        """Fold ``source`` into ``target``: its codings and sub-codes move over, then it goes.

        A coding that would duplicate one the target already has (same document, span and
        coder) is dropped rather than doubled. Returns how many codings moved.
        """
        src, dst = self._code_id(source), self._code_id(target)
        if src == dst:
            raise ProjectError("cannot merge a code into itself")
        if dst in self.descendant_ids(src):
            raise ProjectError("cannot merge a code into one of its own sub-codes")
        src_name, dst_name = self.code(src).name, self.code(dst).name
        moved = 0
        with self.action("code.merge", f"Merged code '{src_name}' into '{dst_name}'"):
            existing = {
                (r[0], r[1], r[2], r[3])
                for r in self.conn.execute(
                    'SELECT document_id, start, "end", coder_id FROM codings WHERE code_id = ?',
                    (dst,),
                )
            }
            for cid, doc_id, start, end, coder_id in self.conn.execute(
                'SELECT id, document_id, start, "end", coder_id FROM codings WHERE code_id = ?',
                (src,),
            ).fetchall():
                if (doc_id, start, end, coder_id) in existing:
                    self._delete_coding_row(cid)
                else:
                    self._update("codings", cid, {"code_id": dst})
                    moved += 1
            for (child,) in self.conn.execute(
                "SELECT id FROM codes WHERE parent_id = ?", (src,)
            ).fetchall():
                self._update("codes", child, {"parent_id": dst})
            self._retarget_memos("code", src, dst)
            for (sid,) in self.conn.execute(
                "SELECT id FROM suggestions WHERE code_id = ?", (src,)
            ).fetchall():
                self._delete("suggestions", sid)
            self._delete("codes", src)
        return moved

    def delete_code(self, name_or_id: str | int, force: bool = False) -> int:
        """Delete a code. Policy: a code with codings or sub-codes is only deleted with
        ``force``; then its codings (and their memos) go too and its sub-codes move up to its
        parent. Undo brings all of it back. Returns the number of codings deleted."""
        code_id = self._code_id(name_or_id)
        code = self.code(code_id)
        if (code.coding_count or code.child_count) and not force:
            raise ProjectError(
                f"code '{code.name}' has {code.coding_count} coding(s) and {code.child_count} "
                "sub-code(s); use --force to delete it with its codings (sub-codes move up), "
                "or merge it into another code"
            )
        with self.action("code.delete", f"Deleted code '{code.name}'"):
            for (cid,) in self.conn.execute(
                "SELECT id FROM codings WHERE code_id = ?", (code_id,)
            ).fetchall():
                self._delete_coding_row(cid)
            for (child,) in self.conn.execute(
                "SELECT id FROM codes WHERE parent_id = ?", (code_id,)
            ).fetchall():
                self._update("codes", child, {"parent_id": code.parent_id})
            for (mid,) in self.conn.execute(
                "SELECT id FROM memos WHERE target_type = 'code' AND target_id = ?", (code_id,)
            ).fetchall():
                self._delete("memos", mid)
            for (sid,) in self.conn.execute(
                "SELECT id FROM suggestions WHERE code_id = ?", (code_id,)
            ).fetchall():
                self._delete("suggestions", sid)
            self._delete("codes", code_id)
        return code.coding_count

    def _retarget_memos(self, target_type: str, old_id: int, new_id: int) -> None:
        for mid, coder_id in self.conn.execute(
            "SELECT id, coder_id FROM memos WHERE target_type = ? AND target_id = ?",
            (target_type, old_id),
        ).fetchall():
            clash = self.conn.execute(
                "SELECT id, text FROM memos WHERE target_type = ? AND target_id = ? "
                "AND coder_id = ?",
                (target_type, new_id, coder_id),
            ).fetchone()
            if clash:
                old_text = self.conn.execute(
                    "SELECT text FROM memos WHERE id = ?", (mid,)
                ).fetchone()[0]
                self._update(
                    "memos",
                    int(clash[0]),
                    {"text": f"{clash[1]}\n\n{old_text}", "updated_at": now()},
                )
                self._delete("memos", mid)
            else:
                self._update("memos", mid, {"target_id": new_id})

    def apply_codebook(
        self, name: str, entries: Sequence[tuple[str, str | None, dict[str, Any]]]
    ) -> CodebookChanges:
        """Merge a codebook into the project by code name, as one undoable action.

        ``entries`` are (name, parent name, fields) with parents listed before children. New
        codes are added, existing ones get changed definitions and parents, and codes the
        codebook does not mention are kept with their codings: loading never deletes work.
        """
        changes = CodebookChanges()
        with self.action("codebook.load", f"Loaded codebook '{name}'"):
            for position, (code_name, parent_name, fields) in enumerate(entries):
                values = _code_values(fields)
                parent_id = self._code_id(parent_name) if parent_name else None
                row = self.conn.execute(
                    "SELECT id FROM codes WHERE name = ? COLLATE NOCASE", (code_name,)
                ).fetchone()
                if row is None:
                    self._insert(
                        "codes",
                        {"name": code_name, "parent_id": parent_id, "position": position, **values},
                    )
                    changes.added.append(code_name)
                    continue
                code_id = int(row[0])
                before = self._row("codes", code_id) or {}
                wanted = {**values, "parent_id": parent_id}
                differing = {k: v for k, v in wanted.items() if before.get(k) != v}
                if differing:
                    self._update("codes", code_id, differing)
                    changes.updated.append(
                        (code_name, sorted("parent" if k == "parent_id" else k for k in differing))
                    )
                else:
                    changes.unchanged += 1
            named = {entry[0].lower() for entry in entries}
            changes.kept = [c.name for c in self.codes() if c.name.lower() not in named]
            self._set_setting_row("codebook_name", name)
        return changes

    def _set_setting_row(self, key: str, value: str) -> None:
        row = self.conn.execute("SELECT rowid FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            self._insert("settings", {"key": key, "value": value})
        else:
            self._update("settings", int(row[0]), {"value": value})


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ProjectError("a code name cannot be empty")
    return name


def _code_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(CODE_FIELDS)
    if unknown:
        raise ProjectError(f"unknown code field(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None and key != "color":
            continue
        values[key] = json.dumps(value, ensure_ascii=False) if key in JSON_CODE_FIELDS else value
    return values
