"""Coding queries in the workbench: saved queries, a query box, results you can jump to, save
and turn into a code (``Q``). The language is :mod:`qualcode.query` (the CLI's), its errors
shown with their column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.errors import QualcodeError
from qualcode.store import Project

if TYPE_CHECKING:
    from qualcode.query.service import QueryResult

MAX_LISTED = 500


class NameScreen(ModalScreen[str | None]):
    """Ask for one line of text (a name); Enter accepts, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    NameScreen { align: center middle; }
    NameScreen > Vertical { width: 70; height: auto; border: round $accent; padding: 0 1; }
    """

    def __init__(self, title: str, value: str = "") -> None:
        super().__init__()
        self.title_text, self.value = title, value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.value, id="name-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def passage_options(engine, passages, limit: int = MAX_LISTED) -> tuple[list[Option], dict]:  # type: ignore[no-untyped-def]
    """Options for passages (document · speaker, then the passage in context) and their jump
    targets (document id, start, end) by option id."""
    from qualcode.query.service import passage_rows

    rows = passage_rows(engine, passages[:limit], words=8)
    options, targets = [], {}
    for i, (p, r) in enumerate(zip(passages, rows, strict=False)):
        label = Text()
        label.append(r["document"], style="bold")
        label.append(f" · {r['speaker'] or 'no speaker'}", style="dim")
        if r["case"]:
            label.append(f" · case {r['case']}", style="dim")
        label.append("\n  " + r["before"])
        body = " ".join(r["text"].split())
        label.append(body if len(body) <= 300 else body[:299] + "…", style="bold")
        label.append(r["after"])
        key = str(i)
        targets[key] = (p.document_id, p.start, p.end)
        options.append(Option(label, id=key))
    return options, targets


class QueriesScreen(Screen[None]):
    """Saved queries on the left; type or pick a query, Enter runs it."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+s", "save", "Save query", tooltip="Save the query under a name"),
        # priority: the query box would take ctrl+k (delete to the end of the line)
        Binding(
            "ctrl+k",
            "code_as",
            "Code results as…",
            priority=True,
            tooltip="Make a code of the results",
        ),  # fmt: skip
        # delete in the saved list (in the query box it deletes a character)
        Binding("delete", "delete", "Delete saved", tooltip="Delete the highlighted saved query"),
        Binding("ctrl+o", "matrix", "Matrix", tooltip="Open the matrix screen"),
    ]
    DEFAULT_CSS = """
    QueriesScreen #saved { width: 32; height: 1fr; border-right: solid $panel; }
    QueriesScreen #query-results { height: 1fr; }
    QueriesScreen .hint { color: $foreground-muted; padding: 0 1; }
    """

    def __init__(self, project: Project, query: str = "") -> None:
        super().__init__()
        self.project = project
        self.initial = query
        self.targets: dict[str, tuple[int, int, int]] = {}
        self.result: QueryResult | None = None
        self.ran = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield OptionList(id="saved")
            with Vertical():
                yield Label(
                    '[b]Coding query[/b]  e.g. "A" AND NOT "B" WHERE role = gp', classes="hint"
                )
                yield Input(self.initial, placeholder='"Code" NEAR/2 "Other" WHERE role = gp',
                            id="query-q")  # fmt: skip
                yield Static("Enter runs the query · ctrl+s saves it · ctrl+k codes the results",
                             id="query-status", classes="hint")  # fmt: skip
                yield OptionList(id="query-results")
        yield Footer()

    def on_mount(self) -> None:
        self.load_saved()
        self.query_one(Input).focus()
        if self.initial:
            self.run_query(self.initial)

    def load_saved(self) -> None:
        from qualcode.store.queries import SavedQueries

        widget = self.query_one("#saved", OptionList)
        saved = SavedQueries(self.project.session).list()
        widget.set_options(
            [Option(Text.assemble((q.name, "bold"), "\n", (q.query, "dim")), id=q.name) for q in saved]
            or [Option("No saved queries yet", id="", disabled=True)]
        )  # fmt: skip

    def run_query(self, text: str) -> None:
        from qualcode.query import run_query

        status = self.query_one("#query-status", Static)
        results = self.query_one("#query-results", OptionList)
        self.ran = text
        try:
            self.result = run_query(self.project, text)
        except QualcodeError as exc:
            self.result = None
            results.clear_options()
            status.update(f"[red]{exc}[/red]")
            return
        passages = self.result.passages
        options, self.targets = passage_options(self.result.engine, passages)
        results.set_options(options)
        docs = len({p.document_id for p in passages})
        more = f" (first {MAX_LISTED} listed)" if len(passages) > MAX_LISTED else ""
        status.update(
            f"{len(passages)} passage(s) in {docs} document(s){more}"
            + (" · Enter on a passage jumps there" if passages else "")
        )
        if options:
            results.highlighted = 0

    @on(Input.Submitted, "#query-q")
    def _submitted(self, event: Input.Submitted) -> None:
        self.run_query(event.value)
        if self.targets:
            self.query_one("#query-results", OptionList).focus()

    @on(OptionList.OptionSelected, "#saved")
    def _saved_chosen(self, event: OptionList.OptionSelected) -> None:
        from qualcode.store.queries import SavedQueries

        if not event.option.id:
            return
        query = SavedQueries(self.project.session).get(event.option.id).query
        self.query_one(Input).value = query
        self.run_query(query)

    @on(OptionList.OptionSelected, "#query-results")
    def _result_chosen(self, event: OptionList.OptionSelected) -> None:
        target = self.targets.get(event.option.id or "")
        if target is not None:
            jump = getattr(self.app, "jump_to", None)
            if jump is not None:
                jump(*target, exact=True)

    def action_save(self) -> None:
        from qualcode.query.service import save_query

        text = self.query_one(Input).value.strip()
        if not text:
            return

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                from qualcode.query import parse_query

                parse_query(text)
                replaced = save_query(self.project, name, text)  # refuses a circle of queries
            except QualcodeError as exc:
                self.notify(str(exc), severity="error")
                return
            self.load_saved()
            self.notify(
                f"Replaced saved query '{replaced}'" if replaced else f"Saved query '{name}'"
            )

        self.app.push_screen(NameScreen("Save the query as"), named)

    def action_code_as(self) -> None:
        from qualcode.query import code_as

        if self.result is None or not self.result.passages:
            self.notify("Run a query with results first.", severity="warning")
            return
        result = self.result

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                code_as(self.project, result, name)
            except QualcodeError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Coded {len(result.passages)} passage(s) as '{name}'; z undoes it")
            refresh = getattr(self.app, "refresh_project", None)
            if refresh is not None:
                refresh()

        self.app.push_screen(NameScreen("Code every result with a new code named"), named)

    def action_delete(self) -> None:
        from qualcode.query.service import delete_query

        option = self.query_one("#saved", OptionList).highlighted_option
        if option is None or not option.id:
            return
        try:
            delete_query(self.project, option.id)  # refused while another query uses it
        except QualcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.load_saved()
        self.notify(f"Deleted saved query '{option.id}'")

    def action_matrix(self) -> None:
        from qualcode.tui.screens.matrix import MatrixScreen

        self.app.push_screen(MatrixScreen(self.project))

    def action_close(self) -> None:
        self.dismiss(None)
