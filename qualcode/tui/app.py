"""The qualcode workbench: a Textual app to read, code and retrieve transcripts.

Plug-in contract for screens written elsewhere (issues 4 and 5)
---------------------------------------------------------------
* ``qualcode.tui.screens.summary.SummaryScreen(project)`` (key ``s``) and
  ``qualcode.tui.screens.review.ReviewScreen(project)`` (key ``v``) are imported lazily when the
  user asks for them (key or command palette) and pushed over the workbench. Until a module
  exists the app says "not available yet" instead of failing.
* The only constructor argument is the app's open :class:`~qualcode.store.Project`; read and
  write through it (each change one ``Project`` action, so undo works in the workbench too).
* After changing data call ``self.app.refresh_project()``: it re-reads codes, counts, documents
  and the shown transcript. The app also calls it when such a screen is dismissed or popped.
* To show a passage in the transcript, call ``self.app.jump_to(document_id, start, end)``
  (it pops screens down to the workbench first; search and retrieve opened over such a screen
  jump the same way).
* The app's undo/redo keys only work on the workbench itself (elsewhere the app hides them);
  a screen where undo makes sense binds its own keys (``z``/``ctrl+z``, ``Z``/``ctrl+y``).
* Never import spaCy at module level: the workbench must start in well under a second.

Everything else: the app opens the project (or shows a message screen saying why it cannot),
pushes :class:`~qualcode.tui.screens.workbench.WorkbenchScreen`, offers every key binding in
the command palette (:mod:`qualcode.tui.commands`), and polls ``Project.data_version`` so edits made by a CLI command show up.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.tui.commands import BindingCommands

if TYPE_CHECKING:
    from qualcode.tui.screens.workbench import WorkbenchScreen

PLUGIN_SCREENS = {
    "summary": ("qualcode.tui.screens.summary", "SummaryScreen", "Theme summary"),
    "review": ("qualcode.tui.screens.review", "ReviewScreen", "Review suggestions"),
    "consensus": ("qualcode.tui.screens.consensus", "ConsensusScreen", "Consensus review"),
    "queries": ("qualcode.tui.screens.queries", "QueriesScreen", "Coding queries"),
    "matrix": ("qualcode.tui.screens.matrix", "MatrixScreen", "Matrix"),
    "saturation": ("qualcode.tui.screens.saturation", "SaturationScreen", "Saturation"),
}


class QualcodeApp(App[None]):
    """The workbench. ``QualcodeApp(path, coder)``; ``poll_interval`` 0 turns polling off."""

    TITLE = "qualcode"
    CSS_PATH = "qualcode.tcss"
    ENABLE_COMMAND_PALETTE = True
    # The palette lists every key binding that works where it is opened (qualcode.tui.commands)
    # beside Textual's own system commands (theme, keys, screenshot, quit).
    COMMANDS = App.COMMANDS | {BindingCommands}

    BINDINGS = [
        Binding("question_mark,f1", "help", "Help"),
        Binding("slash", "search", "Search", tooltip="Search every transcript"),
        Binding(
            "r", "retrieve", "Retrieve", tooltip="Retrieve every passage of the highlighted code"
        ),
        Binding("z,ctrl+z", "undo", "Undo", tooltip="Undo your last change"),
        Binding("Z,ctrl+y", "redo", "Redo", show=False, tooltip="Redo what you last undid"),
        Binding("s", "summary", "Theme summary", show=False, tooltip="Theme summaries and exports"),
        Binding(
            "v",
            "review",
            "Review suggestions",
            show=False,
            tooltip="Accept or reject suggested codings",
        ),
        Binding(
            "W",
            "consensus",
            "Consensus review",
            show=False,
            tooltip="Walk where two coders differ and settle each place into a consensus coder",
        ),
        Binding("Q", "queries", "Queries", show=False, tooltip="Coding queries, saved queries"),
        Binding("X", "matrix", "Matrix", show=False, tooltip="A matrix whose cells you can open"),
        Binding("Y", "saturation", "Saturation", show=False, tooltip="Saturation curve"),
        Binding("T,ctrl+t", "toggle_dark", "Light/dark theme", show=False),
        Binding("q", "quit", "Quit", tooltip="Leave qualcode (everything is already saved)"),
    ]

    def __init__(
        self,
        path: str | Path,
        coder: str = "unknown",
        poll_interval: float = 1.5,
        project: Project | None = None,
        busy_timeout_ms: int = 2000,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.coder = coder
        self.poll_interval = poll_interval
        self.busy_timeout_ms = busy_timeout_ms
        self.project: Project | None = project
        self.open_error: str | None = None
        self.theme = "textual-dark"

    # ------------------------------------------------------------------ start-up

    def get_default_screen(self) -> Screen[Any]:
        """The workbench itself is the first screen (no blank frame before it), or a message
        saying why the project cannot be opened."""
        self.title = f"qualcode — {self.path.name}"
        if self.project is None:
            try:
                from qualcode.store.workbench import check_openable

                check_openable(self.path)
                self.project = Project.open(self.path, coder=self.coder)
            except QualcodeError as exc:
                self.open_error = str(exc)
        if self.project is None:
            from qualcode.tui.screens.dialogs import MessageScreen

            return MessageScreen("Cannot open the project", self.open_error or "")
        from qualcode.store.workbench import set_busy_timeout
        from qualcode.tui.screens.workbench import WorkbenchScreen

        set_busy_timeout(self.project, self.busy_timeout_ms)
        return WorkbenchScreen(self.project)

    def on_unmount(self) -> None:
        if self.project is not None:
            self.project.close()

    @property
    def workbench(self) -> WorkbenchScreen | None:
        from qualcode.tui.screens.workbench import WorkbenchScreen

        for screen in self.screen_stack:
            if isinstance(screen, WorkbenchScreen):
                return screen
        return None

    # ------------------------------------------------------------------ contract for plug-ins

    def refresh_project(self) -> None:
        """Re-read everything the workbench shows (after a plug-in screen changed data)."""
        bench = self.workbench
        if bench is not None:
            bench.reload()

    def jump_to(self, document_id: int, start: int, end: int, exact: bool = True) -> None:
        """Pop back to the workbench and show a passage."""
        bench = self.workbench
        if bench is None:
            return
        while self.screen is not bench and len(self.screen_stack) > 1:
            self.pop_screen()
        bench.open_document(document_id, (start, end), exact=exact)
        bench.transcript.focus()

    def _push_plugin(self, key: str) -> None:
        module_name, class_name, title = PLUGIN_SCREENS[key]
        if self.project is None or self.workbench is None:
            return
        try:
            module = importlib.import_module(module_name)
            screen_class = getattr(module, class_name)
        except (ImportError, AttributeError):
            self.notify(f"{title} is not available yet.", severity="warning")
            return
        if isinstance(self.screen, screen_class):
            return  # already showing it: do not stack a second copy
        screen: Screen[object] = screen_class(self.project)
        self.push_screen(screen, lambda _result: self.refresh_project())

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide app keys where they would do nothing or act behind the screen: undo/redo
        off the workbench (summary and review bind their own), and opening screens over a
        dialog (a jump would pop the dialog and lose what was typed in it)."""
        if action in ("undo", "redo"):
            return self.workbench is not None and self.screen is self.workbench
        if action in (
            *("search", "retrieve", "summary", "review", "consensus"),
            *("queries", "matrix", "saturation"),
        ):
            return self.workbench is not None and not isinstance(self.screen, ModalScreen)
        return True

    def action_summary(self) -> None:
        self._push_plugin("summary")

    def action_review(self) -> None:
        self._push_plugin("review")

    def action_consensus(self) -> None:
        self._push_plugin("consensus")

    def action_queries(self) -> None:
        self._push_plugin("queries")

    def action_matrix(self) -> None:
        self._push_plugin("matrix")

    def action_saturation(self) -> None:
        self._push_plugin("saturation")

    def action_help(self) -> None:
        from qualcode.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_undo(self) -> None:
        bench = self.workbench
        if bench is not None and self.screen is bench:
            bench.undo()

    def action_redo(self) -> None:
        bench = self.workbench
        if bench is not None and self.screen is bench:
            bench.redo()

    def action_search(self) -> None:
        bench = self.workbench
        if bench is None or self.project is None:
            return
        from qualcode.tui.screens.finding import JumpTarget, SearchScreen

        def jump(target: JumpTarget | None) -> None:
            if target is not None:  # over the summary or review too: back to the workbench
                self.jump_to(target.document_id, target.start, target.end, target.exact)

        self.push_screen(SearchScreen(self.project), jump)

    def action_retrieve(self) -> None:
        bench = self.workbench
        if bench is None or self.project is None:
            return
        from qualcode.tui.screens.finding import JumpTarget, RetrieveScreen

        def jump(target: JumpTarget | None) -> None:
            if target is not None:  # over the summary or review too: back to the workbench
                self.jump_to(target.document_id, target.start, target.end, target.exact)

        self.push_screen(
            RetrieveScreen(self.project, bench.code_tree.code_id, bench.color_map), jump
        )

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"


def run_workbench(path: str | Path, coder: str) -> None:
    """Start the workbench (blocking) on ``path``."""
    QualcodeApp(path, coder).run()
