"""Undo and redo as every screen shows them: one step of the project's history, with a
notification saying what was undone, that nothing was, or why it could not be."""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store.records import Event


def step_history(
    widget: Widget, project: Project, forward: bool, timeout: float = 4
) -> Event | None:
    """Undo (or redo) the current coder's last action and tell the user; None if nothing
    happened, so the caller only refreshes after a real change."""
    step: Callable[[], Event | None] = project.history.redo if forward else project.history.undo
    verb, nothing = ("Redone", "Nothing to redo") if forward else ("Undone", "Nothing to undo")
    try:
        event = step()
    except QualcodeError as exc:
        widget.notify(str(exc), severity="error", timeout=6)
        return None
    if event is None:
        widget.notify(nothing, timeout=2)
        return None
    widget.notify(f"{verb}: {event.summary}", timeout=timeout)
    return event
