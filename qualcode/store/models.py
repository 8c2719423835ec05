"""Trained models kept inside the project file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qualcode.errors import ProjectError
from qualcode.store.session import Session, now


@dataclass(frozen=True)
class StoredModel:
    """A trained model as kept in the project file, with what it was trained on."""

    name: str
    codebook_hash: str
    created_at: str
    data: bytes
    metrics: dict[str, Any]
    thresholds: dict[str, float]


class Models:
    def __init__(self, session: Session, codebook_hash: Callable[[], str]) -> None:
        self.s = session
        self.codebook_hash = codebook_hash

    def save(
        self,
        name: str,
        data: bytes,
        metrics: dict[str, Any],
        thresholds: dict[str, float],
        summary: str,
    ) -> None:
        """Store (or replace) a model inside the project file; audited, not undoable (bytes cannot
        go into the JSON audit trail)."""
        digest = self.codebook_hash()
        with self.s.action("model.save", summary, undoable=False):
            self.s.conn.execute("DELETE FROM models WHERE name = ?", (name,))
            self.s.conn.execute(
                "INSERT INTO models(name, codebook_hash, created_at, data, metrics, thresholds) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    name,
                    digest,
                    now(),
                    data,
                    json.dumps(metrics, ensure_ascii=False, sort_keys=True),
                    json.dumps(thresholds, sort_keys=True),
                ),
            )

    def update_evaluation(
        self, name: str, metrics: dict[str, Any], thresholds: dict[str, float]
    ) -> None:
        """Replace a stored model's metrics and per-code thresholds (after cross-validation)."""
        with self.s.action(
            "model.evaluate", f"Stored evaluation of model '{name}'", undoable=False
        ):
            cur = self.s.conn.execute(
                "UPDATE models SET metrics = ?, thresholds = ? WHERE name = ?",
                (
                    json.dumps(metrics, ensure_ascii=False, sort_keys=True),
                    json.dumps(thresholds, sort_keys=True),
                    name,
                ),
            )
            if cur.rowcount == 0:
                raise ProjectError(f"no stored model named '{name}'")

    def load(self, name: str) -> StoredModel | None:
        row = self.s.conn.execute(
            "SELECT name, codebook_hash, created_at, data, metrics, thresholds FROM models "
            "WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return None
        return StoredModel(
            name=row[0],
            codebook_hash=row[1],
            created_at=row[2],
            data=bytes(row[3]),
            metrics=json.loads(row[4]),
            thresholds={k: float(v) for k, v in json.loads(row[5]).items()},
        )
