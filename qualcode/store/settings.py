"""Project settings: small key/value preferences kept inside the project file."""

from __future__ import annotations

from qualcode.store.session import Session


class Settings:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.s.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set(self, key: str, value: str, undoable: bool = True) -> None:
        """Store a project setting; UI preferences (pins, model choice) pass ``undoable=False``
        so they never land on the researcher's undo stack."""
        with self.s.action("setting.set", f"Set {key} = {value}", undoable=undoable):
            set_setting_row(self.s, key, value)


def set_setting_row(session: Session, key: str, value: str) -> None:
    """Write one setting inside the caller's action (recorded for undo)."""
    row = session.conn.execute("SELECT rowid FROM settings WHERE key = ?", (key,)).fetchone()
    if row is None:
        session.insert("settings", {"key": key, "value": value})
    else:
        session.update("settings", int(row[0]), {"value": value})
