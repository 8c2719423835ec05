"""The review screen: decide on pending suggestions, one key each, every decision undoable.

The list shows pending suggestions sorted by code (so a code's suggestions sit together), by
score or by document; the right pane shows the highlighted one in context: the sentences around
it, the matched words highlighted, the rule or model score that proposed it and the code's
definition. ``a`` accepts (a coding with origin ``rule``/``model``), ``x`` rejects, ``A``/``X``
do so for every pending suggestion of that code (after a dialog saying how many), ``u``
undoes. Each is one ``Project`` action, so it lands in the audit trail and the workbench's
undo sees it too.

Rule auto-coding (``R``) and training + scoring the model (``t``) run in a thread worker on a
connection of their own, with a progress bar; the list stays usable meanwhile. spaCy is only
imported inside those workers.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, ProgressBar, Static

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store import suggestions as store
from qualcode.tui.history import step_history

ORDERS = ("code", "score", "document")


class ReviewScreen(Screen[None]):
    """Pending suggestions of the open project; Esc goes back to the workbench."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("a", "accept", "Accept"),
        Binding("x", "reject", "Reject"),
        Binding(
            "A",
            "accept_code",
            "Accept code",
            tooltip="Accept all suggestions of this code (asks first)",
        ),
        Binding(
            "X",
            "reject_code",
            "Reject code",
            tooltip="Reject all suggestions of this code (asks first)",
        ),
        Binding("u,z,ctrl+z", "undo", "Undo"),
        Binding("U,ctrl+y", "redo", "Redo", show=False),
        Binding("o", "cycle_order", "Sort"),
        Binding("f", "toggle_filter", "This code only"),
        Binding("enter", "jump", "Show in transcript", show=False),
        Binding("R", "run_rules", "Run rules"),
        Binding("t", "train", "Train & suggest"),
    ]
    DEFAULT_CSS = """
    ReviewScreen #review-title { text-style: bold; padding: 0 1; }
    ReviewScreen #review-overview { padding: 0 1; color: $foreground-muted; height: auto; }
    ReviewScreen #review-panes { height: 1fr; }
    ReviewScreen #review-table { width: 3fr; height: 1fr; border: round $primary; }
    ReviewScreen #review-context-box { width: 2fr; height: 1fr; border: round $primary; }
    ReviewScreen #review-work { height: auto; padding: 0 1; display: none; }
    ReviewScreen #review-work.visible { display: block; }
    ReviewScreen #review-status { height: auto; color: $foreground-muted; }
    """

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.order = "code"
        self.code_filter: int | None = None
        self.items: list[store.Suggestion] = []
        self._sentences: dict[int, list[tuple[int, int]]] = {}
        self._speakers: dict[int, list[tuple[int, int, str | None]]] = {}
        self.busy = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Label("Review suggestions", id="review-title")
        yield Static("", id="review-overview")
        with Horizontal(id="review-panes"):
            table: DataTable[str] = DataTable(id="review-table", cursor_type="row")
            table.border_title = "Pending"
            yield table
            with VerticalScroll(id="review-context-box") as box:
                box.border_title = "In context"
                yield Static("", id="review-context")
        with Vertical(id="review-work"):
            yield ProgressBar(total=None, show_eta=False, id="review-progress")
            yield Label("", id="review-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#review-table", DataTable)
        table.add_columns("#", "Code", "Document", "Where", "Source", "Score")
        self.reload()
        table.focus()

    # ------------------------------------------------------------------ reading

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#review-table", DataTable)

    @property
    def current(self) -> store.Suggestion | None:
        if not self.items:
            return None
        row = self.table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def reload(self, keep_row: int | None = None) -> None:
        """Re-read pending suggestions and redraw the list, keeping the cursor's position."""
        row = self.table.cursor_row if keep_row is None else keep_row
        self.items = self.project.suggestions.list(
            status="pending", code=self.code_filter, order=self.order
        )
        table = self.table
        table.clear()
        for s in self.items:
            table.add_row(
                str(s.id),
                _clip(s.code, 30),
                _clip(s.document, 18),
                f"{s.start}–{s.end}",
                s.source + (" (negated)" if s.negated else ""),
                "" if s.score is None else f"{s.score:.2f}",
                key=str(s.id),
            )
        if self.items:
            table.move_cursor(row=min(max(row, 0), len(self.items) - 1))
        self._overview()
        self._show_context()

    def _overview(self) -> None:
        counts = self.project.suggestions.counts()
        rules = sum(1 for s in self.items if s.source == "rule")
        scope = ""
        if self.code_filter is not None:
            scope = f" of '{self.project.codebook.get(self.code_filter).name}'"
        text = (
            f"{len(self.items)} pending{scope} ({rules} from rules, {len(self.items) - rules} "
            f"from the model) · {counts['accepted']} accepted · {counts['rejected']} rejected · "
            f"sorted by {self.order}"
        )
        if not self.items and self.code_filter is None:
            text += " · press R to run the codebook rules, t to train and suggest"
        self.query_one("#review-overview", Static).update(text)

    @on(DataTable.RowHighlighted, "#review-table")
    def _highlighted(self) -> None:
        self._show_context()

    @on(DataTable.RowSelected, "#review-table")
    def _selected(self) -> None:
        self.action_jump()

    def _show_context(self) -> None:
        item = self.current
        view = self.query_one("#review-context", Static)
        if item is None:
            view.update(Text("Nothing to review.", style="dim"))
            return
        view.update(self.context_text(item))

    def context_text(self, item: store.Suggestion) -> Text:
        """The suggestion with a sentence either side, the matched words highlighted, then
        why it was suggested and what the code means."""
        from qualcode.nlp.rules import reason_spans

        text = self.project.documents.get(item.document_id).text
        before, after = self._neighbours(item.document_id, item.start, item.end)
        out = Text()
        speaker = self._speaker(item.document_id, item.start)
        out.append(f"{item.document}", style="bold")
        out.append(f" · {speaker}\n\n" if speaker else "\n\n")
        if before < item.start:
            out.append(" ".join(text[before : item.start].split()) + " ", style="dim")
        passage = Text(text[item.start : item.end], style="bold")
        for start, end in reason_spans(item.reason) if item.source == "rule" else []:
            if item.start <= start < end <= item.end:
                passage.stylize("reverse", start - item.start, end - item.start)
        out.append_text(passage)
        if after > item.end:
            out.append(" " + " ".join(text[item.end : after].split()), style="dim")
        out.append("\n\n")
        out.append(f"Code: {item.code}\n", style="bold")
        code = self.project.codebook.get(item.code_id)
        if code.brief:
            out.append(f"{code.brief}\n", style="italic")
        out.append(f"\nWhy ({item.source}):\n", style="bold")
        for part in item.reason.split("; "):
            out.append(f"  {part}\n")
        if item.negated:
            out.append(
                '\nNegated: the matched words are inside a negation ("nobody competed"); '
                "check the passage says what the code means.\n",
                style="bold red",
            )
        return out

    def _neighbours(self, document_id: int, start: int, end: int) -> tuple[int, int]:
        """Start of the sentence before ``start`` and end of the sentence after ``end``."""
        if document_id not in self._sentences:
            self._sentences[document_id] = [
                (s.start, s.end) for s in self.project.documents.sentences(document_id)
            ]
        spans = self._sentences[document_id]
        before = max((s for s, e in spans if e <= start), default=start)
        after = min((e for s, e in spans if s >= end), default=end)
        return before, after

    def _speaker(self, document_id: int, offset: int) -> str | None:
        if document_id not in self._speakers:
            self._speakers[document_id] = [
                (t.start, t.end, t.speaker) for t in self.project.documents.turns(document_id)
            ]
        for start, end, speaker in self._speakers[document_id]:
            if start <= offset <= end:
                return speaker
        return None

    # ------------------------------------------------------------------ deciding

    def _decide(self, verb: str, run) -> None:  # noqa: ANN001 - a callable doing the writes
        row = self.table.cursor_row
        try:
            run()
        except QualcodeError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            self.reload(row)
            return
        self.reload(row)
        self._changed()
        self.notify(verb, timeout=2)

    def action_accept(self) -> None:
        item = self.current
        if item is not None:
            self._decide(
                f"Accepted '{item.code}'", lambda: self.project.suggestions.accept([item.id])
            )

    def action_reject(self) -> None:
        item = self.current
        if item is not None:
            self._decide(
                f"Rejected '{item.code}'", lambda: self.project.suggestions.reject([item.id])
            )

    def action_accept_code(self) -> None:
        self._all_of_code("accept")

    def action_reject_code(self) -> None:
        self._all_of_code("reject")

    def _all_of_code(self, verb: str) -> None:
        """Accept or reject every pending suggestion of the highlighted code, after asking:
        one key deciding dozens of passages deserves a second look."""
        from qualcode.tui.screens.dialogs import ConfirmScreen

        item = self.current
        if item is None:
            return
        ids = [s.id for s in self.items if s.code_id == item.code_id]
        n, word = len(ids), verb.capitalize()
        noun = "suggestion" if n == 1 else "suggestions"
        outcome = (
            "Each becomes a coding of that code."
            if verb == "accept"
            else "They leave the list without being coded."
        )
        suggestions = self.project.suggestions
        decide = suggestions.accept if verb == "accept" else suggestions.reject

        def answered(yes: bool | None) -> None:
            if yes:
                self._decide(
                    f"{word}ed all {n} of '{item.code}'",
                    lambda: decide(ids, f"{word}ed all {n} suggestion(s) of '{item.code}'"),
                )

        self.app.push_screen(
            ConfirmScreen(
                f"{word} all {n} {noun} of '{item.code}'?",
                f"{outcome} One undo (u) takes them all back. Enter/y: {verb} · Esc/n: cancel",
            ),
            answered,
        )

    def action_undo(self) -> None:
        self._history(forward=False)

    def action_redo(self) -> None:
        self._history(forward=True)

    def _history(self, forward: bool) -> None:
        if step_history(self, self.project, forward, timeout=3) is not None:
            self.reload()
            self._changed()

    def _changed(self) -> None:
        refresh = getattr(self.app, "refresh_project", None)
        if callable(refresh):
            refresh()

    # ------------------------------------------------------------------ views

    def action_cycle_order(self) -> None:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        self.reload(0)

    def action_toggle_filter(self) -> None:
        item = self.current
        if self.code_filter is not None:
            self.code_filter = None
        elif item is not None:
            self.code_filter = item.code_id
        self.reload(0)

    def action_jump(self) -> None:
        item = self.current
        jump = getattr(self.app, "jump_to", None)
        if item is not None and callable(jump):
            jump(item.document_id, item.start, item.end)

    def action_close(self) -> None:
        self.dismiss(None)

    # ------------------------------------------------------------------ background work

    def action_run_rules(self) -> None:
        if self._start("Matching the codebook rules …"):
            self.run_rules(self._reporter("Rules"))

    def action_train(self) -> None:
        if self._start("Training on your coding …"):
            self.train_and_score(self._reporter("Training"), self._reporter("Scoring"))

    def _start(self, message: str) -> bool:
        if self.busy:
            self.notify("Still working on the previous run.", timeout=3)
            return False
        self.busy = True
        self.query_one("#review-work").add_class("visible")
        self.query_one("#review-progress", ProgressBar).update(total=None, progress=0)
        self._status(message)
        return True

    def _reporter(self, stage: str):  # noqa: ANN202
        """A progress callback for a worker thread (built here, on the UI thread)."""
        bar = self.query_one("#review-progress", ProgressBar)

        def progress(done: int, total: int, message: str) -> None:
            def show() -> None:
                bar.update(total=max(total, 1), progress=done)
                self._status(f"{stage}: {message}" if message else stage)

            self.app.call_from_thread(show)

        return progress

    @work(thread=True, exclusive=True, group="review-run")
    def run_rules(self, progress) -> None:  # noqa: ANN001
        from qualcode.nlp.autocode import autocode
        from qualcode.nlp.rules import RuleError

        try:
            with Project.open(self.project.path, coder=self.project.coder) as project:
                result = autocode(project, progress=progress)
        except RuleError as exc:
            self.app.call_from_thread(self._finished, "; ".join(exc.problems), True)
            return
        except QualcodeError as exc:
            self.app.call_from_thread(self._finished, str(exc), True)
            return
        sync = result.sync
        self.app.call_from_thread(
            self._finished,
            f"Rules: {sync.added} new, {sync.removed} withdrawn, {sync.pending} pending.",
        )

    @work(thread=True, exclusive=True, group="review-run")
    def train_and_score(self, training, scoring) -> None:  # noqa: ANN001
        from qualcode.nlp import suggest as learned

        try:
            with Project.open(self.project.path, coder=self.project.coder) as project:
                report = learned.train_project(project, evaluate=True, progress=training)
                result = learned.score_project(project, progress=scoring)
        except QualcodeError as exc:
            self.app.call_from_thread(self._finished, str(exc), True)
            return
        used = len(report.labels) - len(result.untrusted)
        self.app.call_from_thread(
            self._finished,
            f"Model: {used} of {len(report.labels)} code(s) trusted (cross-validated F1 ≥ 0.5); "
            f"{result.sync.added} new suggestion(s), {result.sync.pending} pending.",
        )

    def _finished(self, message: str, error: bool = False) -> None:
        self.busy = False
        bar = self.query_one("#review-progress", ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self._status(message, error)
        self.reload()
        self._changed()
        self.notify(message, severity="error" if error else "information", timeout=5)

    def _status(self, message: str, error: bool = False) -> None:
        self.query_one("#review-status", Label).update(
            Text(message, style="bold red" if error else "")
        )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
