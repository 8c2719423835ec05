"""The consensus review: walk where two coders differ and settle each place with one key.

The list holds every disagreement between coders A and B (code by code, in document order; see
:mod:`qualcode.store.consensus`); below it, the highlighted one in context, side by side: A's
spans highlighted on the left, B's on the right, and what the consensus coder has there now.
``a`` takes A's, ``b`` B's, ``u`` their union, ``i`` their intersection, ``n`` neither, ``e``
edits the boundaries; each decision is one undoable action in the audit trail (``z`` undoes,
``Z`` redoes). ``o`` shows only the open ones, ``g`` copies every span both coders agree on
into the consensus coder, ``enter`` shows the place in the transcript.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store.consensus import (
    CHOICE_LABELS,
    CONSENSUS,
    Consensus,
    Disagreement,
    consensus_coders,
)
from qualcode.tui.history import step_history

A_STYLE = "bold black on #e5c07b"
B_STYLE = "bold black on #61afef"


def default_coders(project: Project, consensus: str = CONSENSUS) -> tuple[str, str] | None:
    """The two coders with the most codings (consensus coders left out), or None."""
    settled = {consensus, *consensus_coders(project.session)}
    rows = [row for row in project.codings.counts_by_coder() if row[0] not in settled]
    if len(rows) < 2:
        return None
    return str(rows[0][0]), str(rows[1][0])


class BoundsScreen(ModalScreen[tuple[int, int] | None]):
    """Type the consensus span's boundaries as START-END; Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    BoundsScreen { align: center middle; }
    BoundsScreen > Vertical { width: 60; height: auto; border: round $primary;
                              background: $surface; padding: 1 2; }
    BoundsScreen .hint { color: $foreground-muted; }
    """

    def __init__(self, title: str, start: int, end: int, length: int) -> None:
        super().__init__()
        self.title_text = title
        self.initial = f"{start}-{end}"
        self.length = length

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.initial, id="bounds")
            yield Static(
                f"Character offsets START-END (0-{self.length}) · Enter save · Esc cancel",
                classes="hint",
                id="bounds-hint",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        start, _, end = event.value.partition("-")
        try:
            span = (int(start.strip()), int(end.strip()))
        except ValueError:
            self.query_one("#bounds-hint", Static).update("Use START-END, e.g. 120-180")
            return
        if not 0 <= span[0] < span[1] <= self.length:
            self.query_one("#bounds-hint", Static).update(
                f"START must be below END, both within 0-{self.length}"
            )
            return
        self.dismiss(span)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConsensusScreen(Screen[None]):
    """Disagreements between two coders; Esc goes back to the workbench."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("a", "settle('a')", "Take A's"),
        Binding("b", "settle('b')", "Take B's"),
        Binding("u", "settle('union')", "Union"),
        Binding("i", "settle('intersection')", "Intersection"),
        Binding("n", "settle('neither')", "Neither"),
        Binding("e", "edit", "Edit bounds"),
        Binding("z,ctrl+z", "undo", "Undo"),
        Binding("Z,ctrl+y", "redo", "Redo", show=False),
        Binding("o", "toggle_open", "Open only"),
        Binding("g", "copy_agreed", "Copy agreed", show=False, tooltip="Copy every agreed span"),
        Binding("enter", "jump", "Show in transcript", show=False),
    ]
    DEFAULT_CSS = """
    ConsensusScreen #consensus-title { text-style: bold; padding: 0 1; }
    ConsensusScreen #consensus-overview { padding: 0 1; color: $foreground-muted; height: auto; }
    ConsensusScreen #consensus-table { height: 1fr; border: round $primary; }
    ConsensusScreen #consensus-sides { height: 1fr; }
    ConsensusScreen .side { width: 1fr; height: 1fr; border: round $primary; }
    ConsensusScreen #consensus-now { height: auto; padding: 0 1; }
    """

    def __init__(
        self, project: Project, coders: tuple[str, str] | None = None, consensus: str = CONSENSUS
    ) -> None:
        super().__init__()
        self.project = project
        self.coders = coders or default_coders(project, consensus)
        self.store = Consensus(project.session, consensus)
        self.only_open = False
        self.items: list[Disagreement] = []
        self.total = 0
        self.open_count = 0

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Label("Consensus review", id="consensus-title")
        yield Static("", id="consensus-overview")
        table: DataTable[str] = DataTable(id="consensus-table", cursor_type="row")
        table.border_title = "Disagreements"
        yield table
        with Horizontal(id="consensus-sides"):
            with VerticalScroll(id="consensus-a-box", classes="side"):
                yield Static("", id="consensus-a")
            with VerticalScroll(id="consensus-b-box", classes="side"):
                yield Static("", id="consensus-b")
        yield Static("", id="consensus-now")
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        table.add_columns("#", "Code", "Document", "Where", "Decision")
        if self.coders is not None:
            a, b = self.coders
            self.query_one("#consensus-title", Label).update(
                f"Consensus review: {a} (A) and {b} (B) into '{self.store.coder}'"
            )
            self.query_one("#consensus-a-box").border_title = f"A: {a}"
            self.query_one("#consensus-b-box").border_title = f"B: {b}"
        self.reload()
        table.focus()

    # ------------------------------------------------------------------ reading

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#consensus-table", DataTable)

    @property
    def current(self) -> Disagreement | None:
        row = self.table.cursor_row
        return self.items[row] if self.items and 0 <= row < len(self.items) else None

    def reload(self, keep_row: int | None = None) -> None:
        row = self.table.cursor_row if keep_row is None else keep_row
        overview = self.query_one("#consensus-overview", Static)
        if self.coders is None:
            self.items = []
            overview.update(
                "Consensus needs two coders' codings in this project: merge their files first "
                "(qualcode merge TEAM.qc A.qc B.qc)."
            )
            self._show()
            return
        try:
            found = self.store.disagreements(*self.coders)
        except QualcodeError as exc:
            found = []
            self.notify(str(exc), severity="error")
        self.total = len(found)
        self.open_count = sum(1 for d in found if d.decision is None)
        self.items = [d for d in found if not (self.only_open and d.decision)]
        table = self.table
        table.clear()
        for d in self.items:
            table.add_row(
                str(d.number),
                d.code[:30],
                d.document[:20],
                f"{d.start}–{d.end}",
                CHOICE_LABELS[d.decision] if d.decision else "open",
                key=str(d.number),
            )
        if self.items:
            table.move_cursor(row=min(max(row, 0), len(self.items) - 1))
        scope = "open only" if self.only_open else "all"
        overview.update(
            f"{self.total} disagreement(s), {self.open_count} open · showing {scope} · "
            "a A's · b B's · u union · i intersection · n neither · e edit · z undo"
        )
        self._show()

    @on(DataTable.RowHighlighted, "#consensus-table")
    def _highlighted(self) -> None:
        self._show()

    @on(DataTable.RowSelected, "#consensus-table")
    def _selected(self) -> None:
        self.action_jump()

    def _side(self, d: Disagreement, spans: tuple[tuple[int, int], ...], style: str) -> Text:
        text, offset = self.store.context(d)
        out = Text()
        out.append(f"{d.document} · {d.code}\n\n", style="bold")
        body = Text(text)
        for start, end in spans:
            lo, hi = max(start - offset, 0), min(end - offset, len(text))
            if lo < hi:
                body.stylize(style, lo, hi)
        out.append_text(body)
        if not spans:
            out.append("\n\n(not coded here)", style="italic dim")
        return out

    def _show(self) -> None:
        d = self.current
        a_view = self.query_one("#consensus-a", Static)
        b_view = self.query_one("#consensus-b", Static)
        now = self.query_one("#consensus-now", Static)
        if d is None:
            a_view.update(Text("Nothing to settle.", style="dim"))
            b_view.update("")
            now.update("")
            return
        a_view.update(self._side(d, d.a_spans, A_STYLE))
        b_view.update(self._side(d, d.b_spans, B_STYLE))
        mine = [
            (c.start, c.end)
            for c in self.project.codings.list(
                document=d.document_id, code=d.code_id, coder=self.store.coder
            )
            if c.start < d.end and c.end > d.start
        ]
        spans = ", ".join(f"{s}–{e}" for s, e in mine) or "nothing"
        state = CHOICE_LABELS[d.decision] if d.decision else "open"
        now.update(f"#{d.number} · {state} · consensus has {spans}")

    # ------------------------------------------------------------------ deciding

    def settle(self, choice: str, span: tuple[int, int] | None = None) -> bool:
        d = self.current
        if d is None or self.coders is None:
            return False
        try:
            self.store.settle(d, choice, *self.coders, span=span)
        except QualcodeError as exc:
            self.notify(str(exc), severity="error")
            return False
        row = self.table.cursor_row
        self.notify(f"#{d.number} '{d.code}': {CHOICE_LABELS[choice]}", timeout=2)
        # The next open one: settled rows stay listed (unless only open ones are shown).
        self.reload(keep_row=row if self.only_open else row + 1)
        return True

    def action_settle(self, choice: str) -> None:
        self.settle(choice)

    def action_edit(self) -> None:
        d = self.current
        if d is None:
            return
        length = self.project.documents.length(d.document_id)
        start, end = d.start, d.end

        def done(span: tuple[int, int] | None) -> None:
            if span is not None:
                self.settle("edit", span)

        self.app.push_screen(
            BoundsScreen(f"Consensus span for '{d.code}' on {d.document}", start, end, length),
            done,
        )

    def action_copy_agreed(self) -> None:
        if self.coders is None:
            return
        try:
            added = self.store.copy_agreed(*self.coders)
        except QualcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Copied {added} agreed coding(s) into '{self.store.coder}'")
        self.reload()

    def action_toggle_open(self) -> None:
        self.only_open = not self.only_open
        self.reload(keep_row=0)

    def action_undo(self) -> None:
        if step_history(self, self.project, forward=False) is not None:
            self.reload()

    def action_redo(self) -> None:
        if step_history(self, self.project, forward=True) is not None:
            self.reload()

    def action_jump(self) -> None:
        d = self.current
        jump = getattr(self.app, "jump_to", None)
        if d is not None and jump is not None:
            jump(d.document_id, d.start, d.end, exact=True)

    def action_close(self) -> None:
        self.app.pop_screen()
