"""A matrix you can open (``X``): rows (codes, themes, saved queries) by columns (an attribute,
codes, themes, documents, cases). Enter on a cell lists its passages below; Enter on a passage
jumps to it in the transcript. See :mod:`qualcode.query.matrix` for what a cell holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.tui.screens.queries import passage_options

if TYPE_CHECKING:
    from qualcode.query.matrix import Matrix

MEASURES = ("passages", "cases", "words")


class MatrixScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+n", "measure", "Cells: passages/cases/words"),
        Binding("ctrl+r", "percent", "Row %/col %/counts"),
        Binding("ctrl+l", "focus_table", "Table", show=False),
    ]
    DEFAULT_CSS = """
    MatrixScreen #matrix-bar { height: 3; }
    MatrixScreen #matrix-bar Input { width: 1fr; }
    MatrixScreen #matrix { height: 2fr; }
    MatrixScreen #cell-passages { height: 1fr; border-top: solid $panel; }
    MatrixScreen .hint { color: $foreground-muted; padding: 0 1; }
    """

    def __init__(self, project: Project, rows: str = "themes", cols: str = "") -> None:
        super().__init__()
        self.project = project
        self.rows, self.cols, self.bins = rows, cols, ""
        self.measure = "passages"
        self.percent: str | None = None
        self.matrix: Matrix | None = None
        self.targets: dict[str, tuple[int, int, int]] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Matrix[/b]  rows: codes | themes | query:NAME · cols: an attribute, "
                        "codes, themes, documents, cases · bins: 4 or 0,5,10", classes="hint")  # fmt: skip
            with Horizontal(id="matrix-bar"):
                yield Input(self.rows, placeholder="rows", id="matrix-rows")
                yield Input(self.cols, placeholder="cols", id="matrix-cols")
                yield Input("", placeholder="bins (numbers)", id="matrix-bins")
            yield Static("", id="matrix-status", classes="hint")
            yield DataTable(id="matrix", cursor_type="cell", zebra_stripes=True)
            yield OptionList(id="cell-passages")
        yield Footer()

    def on_mount(self) -> None:
        if not self.cols:
            from qualcode.store.query_data import QueryData

            keys = QueryData(self.project.session).attribute_keys()
            self.cols = "role" if "role" in keys else (keys[0] if keys else "documents")
            self.query_one("#matrix-cols", Input).value = self.cols
        self.build()
        self.query_one(DataTable).focus()

    def build(self) -> None:
        """Count the matrix in a worker: on a study-sized project it takes a few tenths of a
        second, which the event loop must not wait for (the connection is serialized, so a
        read in another thread is safe)."""
        self.query_one("#matrix-status", Static).update("Counting…")
        self._count(self.rows, self.cols, self.bins)

    @work(thread=True, exclusive=True, group="matrix-count")
    def _count(self, rows: str, cols: str, bins: str) -> None:
        from qualcode.query import engine_for
        from qualcode.query.matrix import build_matrix

        try:
            matrix = build_matrix(engine_for(self.project), rows, cols, bins or None)
        except QualcodeError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._counted, matrix)

    def _failed(self, message: str) -> None:
        self.matrix = None
        self.query_one(DataTable).clear(columns=True)
        self.query_one("#matrix-status", Static).update(f"[red]{message}[/red]")

    def _counted(self, matrix: Matrix) -> None:
        self.matrix = matrix
        self.redraw()

    def redraw(self) -> None:
        m = self.matrix
        if m is None:
            return
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("", key="row")
        for j, name in enumerate(m.columns):
            table.add_column(name, key=f"c{j}")
        table.add_column("total", key="total")
        for i, row in enumerate(m.table(self.measure, self.percent)):
            label = "  " * m.rows[i].depth + row[0]
            cells = [f"{v:.1f}%" if self.percent else str(v) for v in row[1:-1]]
            table.add_row(label, *cells, str(row[-1]), key=str(i))
        how = f"{self.percent} %" if self.percent else "counts"
        self.query_one("#matrix-status", Static).update(
            f"cells: {self.measure} ({how}) · Enter on a cell lists its passages · "
            "ctrl+n cells · ctrl+r percentages"
        )

    @on(Input.Submitted)
    def _inputs(self) -> None:
        self.rows = self.query_one("#matrix-rows", Input).value.strip() or "themes"
        self.cols = self.query_one("#matrix-cols", Input).value.strip() or "documents"
        self.bins = self.query_one("#matrix-bins", Input).value.strip()
        self.build()
        self.query_one(DataTable).focus()

    @on(DataTable.CellSelected)
    def _cell(self, event: DataTable.CellSelected) -> None:
        m = self.matrix
        if m is None:
            return
        i, j = event.coordinate.row, event.coordinate.column - 1
        if not 0 <= i < len(m.rows):
            return
        if 0 <= j < len(m.columns):
            passages, where = m.cells[i][j], m.columns[j]
        else:
            seen = {id(p): p for cell in m.cells[i] for p in cell}
            passages = sorted(seen.values(), key=lambda p: (p.document, p.start))
            where = "any column"
        options, self.targets = passage_options(m.engine, passages)
        widget = self.query_one("#cell-passages", OptionList)
        widget.set_options(options)
        self.query_one("#matrix-status", Static).update(
            f"{m.rows[i].label} × {where}: {len(passages)} passage(s) · Enter jumps there"
        )
        if options:
            widget.highlighted = 0
            widget.focus()

    @on(OptionList.OptionSelected, "#cell-passages")
    def _passage(self, event: OptionList.OptionSelected) -> None:
        target = self.targets.get(event.option.id or "")
        jump = getattr(self.app, "jump_to", None)
        if target is not None and jump is not None:
            jump(*target, exact=True)

    def action_measure(self) -> None:
        self.measure = MEASURES[(MEASURES.index(self.measure) + 1) % len(MEASURES)]
        self.redraw()

    def action_percent(self) -> None:
        order: list[str | None] = [None, "row", "col"]
        self.percent = order[(order.index(self.percent) + 1) % len(order)]
        self.redraw()

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
