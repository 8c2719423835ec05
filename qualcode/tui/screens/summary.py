"""The summary screen: frequencies as a bar chart, theme co-occurrence, quotes per theme, and
export to Markdown, HTML, DOCX or JSON.

Both the figures and the export are computed in thread workers on a connection of their own
(SQLite in WAL mode lets it read while the workbench's connection stays free), so the screen
never blocks; the export reports its steps on a progress bar. The screen itself leaves out key
terms (they need spaCy, ~1 s to load); the exported files have them.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.tui.history import step_history

FORMATS = [
    ("Markdown (.md)", "md"),
    ("HTML (.html)", "html"),
    ("Word (.docx)", "docx"),
    ("JSON (.json)", "json"),
]
BAR_WIDTH = 30


class SummaryScreen(Screen[None]):
    """Theme summary of the open project; ``e`` exports, ``r`` refreshes, ``z``/``Z`` undo and
    redo (then recount), Esc goes back."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("e", "export_form", "Export"),
        Binding("r", "reload", "Refresh"),
        Binding("z,ctrl+z", "undo", "Undo", tooltip="Undo your last change and recount"),
        Binding("Z,ctrl+y", "redo", "Redo", show=False, tooltip="Redo it and recount"),
    ]
    DEFAULT_CSS = """
    SummaryScreen #summary-title { text-style: bold; padding: 0 1; }
    SummaryScreen #overview { padding: 0 1; color: $foreground-muted; height: auto; }
    SummaryScreen #panes { height: 1fr; }
    SummaryScreen #left { width: 3fr; }
    SummaryScreen #right { width: 2fr; }
    SummaryScreen #chart-box { height: 1fr; border: round $primary; }
    SummaryScreen #quotes-box { height: 1fr; border: round $primary; }
    SummaryScreen #cooccurrence { height: 1fr; border: round $primary; }
    SummaryScreen #export-bar { height: auto; padding: 0 1; display: none; }
    SummaryScreen #export-bar.visible { display: block; }
    SummaryScreen #export-row { height: auto; }
    SummaryScreen #export-format { width: 24; }
    SummaryScreen #export-path { width: 1fr; }
    SummaryScreen #export-status { height: auto; color: $foreground-muted; }
    """

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.summary = None
        self.exported: Path | None = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Label("Theme summary", id="summary-title")
        yield Static("Counting…", id="overview")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                with VerticalScroll(id="chart-box") as box:
                    box.border_title = "Passages per theme and code"
                    yield Static("", id="chart")
                with VerticalScroll(id="quotes-box") as box:
                    box.border_title = "Quotes per theme"
                    yield Static("", id="quotes")
            with Vertical(id="right"):
                table: DataTable[str] = DataTable(id="cooccurrence", cursor_type="row")
                table.border_title = "Themes in the same turn"
                yield table
        with Vertical(id="export-bar"):
            with Horizontal(id="export-row"):
                yield Select(FORMATS, value="md", allow_blank=False, id="export-format")
                yield Input(self._default_path("md"), id="export-path")
                yield Button("Export", id="export-go", variant="primary")
            yield ProgressBar(total=None, show_eta=False, id="export-progress")
            yield Label("", id="export-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#cooccurrence", DataTable)
        table.add_columns("Theme", "Theme", "Together", "Jaccard")
        self.load()

    def _default_path(self, fmt: str) -> str:
        path = Path(self.project.path)
        return str(path.with_name(f"{path.stem}-summary.{fmt}"))

    # ------------------------------------------------------------------ computing

    def action_reload(self) -> None:
        self.query_one("#overview", Static).update("Counting…")
        self.load()

    def action_undo(self) -> None:
        self._history("undo")

    def action_redo(self) -> None:
        self._history("redo")

    def _history(self, step: str) -> None:
        """Undo/redo through the workbench (it says what was undone and shows the change in
        the transcript), then recount, so the figures on screen are never stale."""
        bench = getattr(self.app, "workbench", None)
        if bench is not None:
            getattr(bench, step)()
        else:  # hosted without a workbench (tests): the same through the project
            step_history(self, self.project, forward=step == "redo", timeout=3)
        self.action_reload()

    @work(thread=True, exclusive=True, group="summary-load")
    def load(self) -> None:
        from qualcode.report.summary import SummaryOptions

        try:
            summary = _build(self.project, SummaryOptions(key_terms=0))
        except QualcodeError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, summary)

    def _failed(self, message: str) -> None:
        self.query_one("#overview", Static).update(Text(message, style="bold red"))

    def _show(self, summary) -> None:  # noqa: ANN001 - a qualcode.report.summary.Summary
        self.summary = summary
        self.query_one("#overview", Static).update(Text(" ".join(summary.intro)))
        self.query_one("#chart", Static).update(chart_text(summary))
        self.query_one("#quotes", Static).update(quotes_text(summary))
        table = self.query_one("#cooccurrence", DataTable)
        table.border_title = f"Themes: passages that {summary.cooccurrence.describe()}"
        table.clear()
        pairs = sorted(summary.cooccurrence.pairs, key=lambda p: (-p.count, -p.jaccard, p.a, p.b))
        for p in pairs:
            table.add_row(p.a, p.b, str(p.count), f"{p.jaccard:.2f}")

    # ------------------------------------------------------------------ export

    def action_export_form(self) -> None:
        bar = self.query_one("#export-bar")
        bar.add_class("visible")
        self.query_one("#export-path", Input).focus()

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#export-path", Input)
        current = Path(path_input.value or self._default_path(str(event.value)))
        path_input.value = str(current.with_suffix(f".{event.value}"))

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted, "#export-path")
    def _export_pressed(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._status("Give a file name to export to.", error=True)
            return
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = Path(self.project.path).parent / path
        if not path.parent.is_dir():
            self._status(f"{path.parent}: folder does not exist", error=True)
            return
        self._status(f"Exporting {fmt} …")
        self.query_one("#export-progress", ProgressBar).update(total=None, progress=0)
        self.export(fmt, path)

    @work(thread=True, exclusive=True, group="summary-export")
    def export(self, fmt: str, path: Path) -> None:
        from qualcode.report import write_summary
        from qualcode.report.summary import SummaryOptions

        bar = self.query_one("#export-progress", ProgressBar)

        def progress(done: int, total: int, what: str) -> None:
            # One step more than the builder reports: writing the file.
            self.app.call_from_thread(bar.update, total=total + 1, progress=done)

        try:
            summary = _build(self.project, SummaryOptions(), progress, fmt == "json")
            write_summary(summary, fmt, path)
        except (QualcodeError, OSError) as exc:
            self.app.call_from_thread(self._status, f"Export failed: {exc}", True)
            return
        self.app.call_from_thread(self._exported, path, bar)

    def _exported(self, path: Path, bar: ProgressBar) -> None:
        bar.update(progress=bar.total or 0)
        self.exported = path
        self._status(f"Wrote {path}")
        self.notify(f"Wrote {path}")

    def _status(self, message: str, error: bool = False) -> None:
        self.query_one("#export-status", Label).update(
            Text(message, style="bold red" if error else "")
        )

    def action_close(self) -> None:
        bar = self.query_one("#export-bar")
        if bar.has_class("visible"):
            bar.remove_class("visible")
            return
        self.dismiss(None)


def _build(main, options, progress=None, extended=False):  # noqa: ANN001, ANN202
    """Build a summary on a connection of its own (safe in a worker thread)."""
    from qualcode.analysis import load_corpus
    from qualcode.report.context import load_context
    from qualcode.report.summary import build_summary

    with Project.open(main.path, coder=main.coder) as project:
        corpus = load_corpus(project)
        context = load_context(project)  # exemplars, memos with dates, codebook sources
    return build_summary(
        corpus,
        options,
        project_path=main.path,
        progress=progress,
        extended=extended,
        context=context,
    )


def chart_text(summary) -> Text:  # noqa: ANN001
    """Text bars of passages per theme (bold) and code, coloured by theme."""
    from qualcode.report.markdown import text_bar

    rows = list(summary.frequencies)
    if not rows:
        return Text("No codes yet.")
    top = max(f.passages for f in rows)
    width = min(44, max(len(f.code) + 2 * f.depth for f in rows))
    out = Text()
    color = "white"
    for f in rows:
        if f.depth == 0:
            color = summary.theme_colors.get(f.code_id, "white")
        label = "  " * f.depth + f.code
        label = (label if len(label) <= width else label[: width - 1] + "…").ljust(width)
        out.append(label, style="bold" if f.depth == 0 else "")
        out.append(" ")
        out.append(text_bar(f.passages, top, BAR_WIDTH), style=color)
        out.append(f" {f.passages}\n")
    return out


def quotes_text(summary) -> Text:  # noqa: ANN001
    """Each theme's counts and quotes with attribution, as plain (markup-free) text."""
    n = summary.totals.participants
    out = Text()
    for section in summary.themes:
        f = section.frequency
        out.append(f"{section.number}. {section.code.name}", style="bold")
        out.append(f" — {f.passages} passages, {f.participants} of {n} participants\n")
        if not section.quotes:
            out.append("  (no quotes)\n", style="dim")
        for q in section.quotes:
            out.append(f"  “{q.text}”\n", style="italic")
            out.append(f"    — {q.attribution}\n", style="dim")  # as a paper attributes it
        out.append("\n")
    return out
