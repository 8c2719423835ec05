"""Finding: full-text search across transcripts, and retrieving every passage of a code.

Both list their results in context and return a jump target (document id, start, end, exact)
when the researcher presses Enter, so reading continues in the transcript right there.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store import workbench as wb

PLACES_PER_TURN = 20
# Places listed at most: a two-letter prefix over 300 transcripts matches thousands, and
# drawing them all made that keystroke take half a second. Typing more narrows the list.
MAX_PLACES = 200


@dataclass(frozen=True)
class JumpTarget:
    document_id: int
    start: int
    end: int
    exact: bool  # select exactly [start, end) rather than the sentence(s) around it


def _places(matches: tuple[tuple[int, int], ...], gap: int = 80) -> list[tuple[int, int]]:
    """One place per cluster of matches (matches closer than ``gap`` characters are one)."""
    places: list[tuple[int, int]] = []
    for s, e in matches:
        if places and s - places[-1][0] < gap:
            continue
        places.append((s, e))
    return places


class SearchScreen(Screen[JumpTarget | None]):
    """Search every transcript: words are ANDed, OR, -word or NOT, "a phrase", word* a
    prefix, word~ every form of a word, a NEAR/5 b (see :mod:`qualcode.store.search`). Each place is a
    keyword-in-context line; results can be marked (space, in the list) and coded (c: the
    sentence holding each marked place, or the highlighted one), and the search saved as a
    query (ctrl+s)."""

    BINDINGS = [
        Binding("space", "mark", "Mark", tooltip="Mark or unmark the highlighted result"),
        Binding("c", "code_results", "Code results", tooltip="Code the marked results"),
        Binding("ctrl+s", "save_query", "Save as query", tooltip="Save this search as a query"),
        Binding("escape", "close", "Back"),
        Binding("down", "cursor(1)", "Down", show=False, priority=True),
        Binding("up", "cursor(-1)", "Up", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    SearchScreen OptionList { height: 1fr; }
    SearchScreen .hint { color: $foreground-muted; padding: 0 1; }
    """

    def __init__(self, project: Project, query: str = "") -> None:
        super().__init__()
        self.project = project
        self.initial = query
        self.targets: dict[str, JumpTarget] = {}
        self._ran: str | None = None
        self.marked: set[str] = set()
        self.labels: dict[str, Text] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Search all transcripts[/b]", classes="hint")
            yield Input(
                self.initial,
                placeholder='words, "a phrase", prefix*, stem~, OR, -word, a NEAR/5 b',
                id="search-q",
            )
            yield Static("", id="search-count", classes="hint")
            yield OptionList(id="search-results")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial:
            self._run(self.initial)

    @on(Input.Changed, "#search-q")
    def _changed(self, event: Input.Changed) -> None:
        if event.value != self._ran:
            self._run(event.value)

    def _run(self, query: str) -> None:
        self._ran = query
        widget = self.query_one(OptionList)
        count = self.query_one("#search-count", Static)
        self.targets.clear()
        if len(query.strip()) < 2:
            widget.clear_options()
            count.update("Type at least two letters.")
            return
        from qualcode.store.search import kwic, search_text

        try:
            hits = search_text(self.project.session, query, limit=500)
        except QualcodeError as exc:
            widget.clear_options()
            count.update(str(exc))
            return
        self.marked.clear()
        self.labels.clear()
        options: list[Option] = []
        total = 0
        for hit in hits:
            places = _places(hit.matches)[:PLACES_PER_TURN]
            total += len(places)
            for s, e in places[: max(0, MAX_PLACES - len(options))]:
                left, middle, right = kwic(hit.text, s - hit.start, e - hit.start, 8)
                label = Text()
                label.append(hit.document, style="bold")
                label.append(f" · {hit.speaker or 'no speaker'}\n", style="dim")
                label.append("  " + left)
                label.append(middle, style="bold reverse")
                label.append(right)
                key = str(len(options))
                # Not exact: the jump selects the sentence holding this match.
                self.targets[key] = JumpTarget(hit.document_id, s, e, exact=False)
                self.labels[key] = label
                options.append(Option(label, id=key))
        widget.set_options(options)
        if options:
            widget.highlighted = 0
        count.update(
            f"{total} place(s) in {len(hits)} turn(s)"
            + (" (first 500 turns)" if len(hits) >= 500 else "")
            + (
                f", first {len(options)} listed: type more to narrow"
                if total > len(options)
                else ""
            )
            + (" · ↓↑ choose · Enter jumps there · Tab, space marks, c codes" if hits else "")
        )

    def action_mark(self) -> None:
        widget = self.query_one(OptionList)
        option = widget.highlighted_option
        if option is None or option.id not in self.targets:
            return
        key = option.id
        if key in self.marked:
            self.marked.discard(key)
            prompt = self.labels[key]
        else:
            self.marked.add(key)
            prompt = Text("✓ ", style="bold green") + self.labels[key]
        widget.replace_option_prompt(key, prompt)
        self.query_one("#search-count", Static).update(f"{len(self.marked)} result(s) marked")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "code_results"):  # typing in the query box types these keys
            return self.focused is not self.query_one(Input)
        return True

    def action_code_results(self) -> None:
        from qualcode.query.service import code_spans, sentence_around
        from qualcode.tui.screens.picker import CodePicker

        keys = sorted(self.marked, key=int)
        option = self.query_one(OptionList).highlighted_option
        if not keys and option is not None and option.id in self.targets:
            keys = [option.id]
        if not keys:
            return
        spans = [
            (t.document_id, *sentence_around(self.project, t.document_id, t.start, t.end))
            for t in (self.targets[k] for k in keys)
        ]

        def picked(codes: list[int | str] | None) -> None:
            if not codes:
                return
            try:
                _, added = code_spans(
                    self.project, spans, codes,
                    f"Coded {len(spans)} search result(s) for {self._ran!r}",
                )  # fmt: skip
            except QualcodeError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Coded {len(spans)} result(s): {added} new coding(s); z undoes it")
            refresh = getattr(self.app, "refresh_project", None)
            if refresh is not None:
                refresh()

        colors = {c.id: c.color or "#888888" for c in self.project.codebook.codes()}
        self.app.push_screen(
            CodePicker(self.project.codebook.codes(), colors, f"Code {len(spans)} result(s)"),
            picked,
        )

    def action_save_query(self) -> None:
        from qualcode.query.service import search_as_query
        from qualcode.store.queries import SavedQueries
        from qualcode.tui.screens.queries import NameScreen

        query = self.query_one(Input).value.strip()
        if not query:
            return

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                SavedQueries(self.project.session).save(name, search_as_query(query))
            except QualcodeError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Saved query '{name}' (Q lists saved queries)")

        self.app.push_screen(NameScreen("Save this search as a query named"), named)

    def action_cursor(self, step: int) -> None:
        widget = self.query_one(OptionList)
        if widget.option_count:
            widget.highlighted = max(
                0, min(widget.option_count - 1, (widget.highlighted or 0) + step)
            )

    @on(Input.Submitted, "#search-q")
    def _submit(self) -> None:
        query = self.query_one(Input).value
        if query != self._ran:  # Enter came before the last Input.Changed
            self._run(query)
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id in self.targets:
            self.dismiss(self.targets[option.id])

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id in self.targets:
            self.dismiss(self.targets[event.option.id])

    def action_close(self) -> None:
        self.dismiss(None)


class RetrieveScreen(Screen[JumpTarget | None]):
    """Every passage coded with a code (or a theme and its sub-codes), in context."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("c", "choose_code", "Choose code"),
        Binding("s", "toggle_sub", "Sub-codes on/off"),
        Binding("a", "focus_filter", "Attribute filter"),
        Binding("w", "cycle_coder", "Coder", tooltip="Whose codings: everyone's or one coder's"),
    ]
    DEFAULT_CSS = """
    RetrieveScreen #retrieve-code { padding: 0 1; width: 1fr; height: 1; }
    RetrieveScreen #retrieve-bar { height: 3; }
    RetrieveScreen #retrieve-bar Checkbox { width: auto; }
    RetrieveScreen #retrieve-bar Select { width: 1fr; max-width: 50; }
    RetrieveScreen OptionList { height: 1fr; }
    RetrieveScreen .hint { color: $foreground-muted; padding: 0 1; }
    """

    def __init__(self, project: Project, code_id: int | None, colors: dict[int, str]) -> None:
        super().__init__()
        self.project = project
        self.code_id = code_id
        self.color_map = colors
        self.targets: dict[str, JumpTarget] = {}
        self.attribute: tuple[str, str] | None = None
        self.coder: str | None = None  # only this coder's passages (issue 13); None: everyone's

    def compose(self) -> ComposeResult:
        choices = [(f"{k} = {v}", f"{k}\x00{v}") for k, v in wb.attribute_choices(self.project)]
        with Vertical():
            # The code on a line of its own: a long theme name pushed the filter off an
            # 80-column screen.
            yield Label("", id="retrieve-code")
            with Horizontal(id="retrieve-bar"):
                yield Checkbox("with sub-codes (s)", True, id="retrieve-sub")
                yield Select(choices, prompt="any participant (a)", id="retrieve-attr")
            yield Static("", id="retrieve-count", classes="hint")
            yield OptionList(id="retrieve-results")
        yield Footer()

    def on_mount(self) -> None:
        if self.code_id is None:
            codes = self.project.codebook.codes()
            self.code_id = codes[0].id if codes else None
        bench = getattr(self.app, "workbench", None)
        if getattr(bench, "blind", False):  # coding blind: retrieve only your own passages
            self.coder = self.project.coder
        self.refresh_results()
        self.query_one(OptionList).focus()

    def action_cycle_coder(self) -> None:
        """Everyone's passages, then each coder's in turn (by name)."""
        names = [None, *self.project.codings.coders()]
        self.coder = (
            names[(names.index(self.coder) + 1) % len(names)] if self.coder in names else None
        )
        self.refresh_results()

    def refresh_results(self) -> None:
        widget = self.query_one(OptionList)
        self.targets.clear()
        label = self.query_one("#retrieve-code", Label)
        if self.code_id is None:
            label.update("No codes yet")
            widget.clear_options()
            return
        try:
            code = self.project.codebook.get(self.code_id)
        except QualcodeError:
            self.code_id = None
            self.refresh_results()
            return
        label.update(
            Text.assemble(
                "Retrieve ",
                ("■ ", self.color_map.get(code.id, "#888888")),
                (code.name, "bold"),
                " (c: another code)",
            )
        )
        sub = self.query_one(Checkbox).value
        passages = wb.retrieve(
            self.project, code.id, include_subcodes=sub, attribute=self.attribute
        )
        if self.coder is not None:
            passages = [p for p in passages if p.coder == self.coder]
        options = []
        for p in passages:
            text = Text()
            text.append("■ ", style=self.color_map.get(p.code_id, "#888888"))
            text.append(p.document, style="bold")
            text.append(f" · {p.speaker or 'no speaker'} · {p.code} · {p.coder}\n", style="dim")
            context = p.context.replace("\n", " ")
            body = Text("  " + context)
            body.stylize(
                "bold underline", 2 + p.start - p.context_start, 2 + p.end - p.context_start
            )
            text.append_text(body)
            key = str(p.coding_id)
            self.targets[key] = JumpTarget(p.document_id, p.start, p.end, exact=True)
            options.append(Option(text, id=key))
        widget.set_options(options)
        if options:
            widget.highlighted = 0
        where = f" where {self.attribute[0]} = {self.attribute[1]}" if self.attribute else ""
        where += f" coded by {self.coder} (w: another coder)" if self.coder else ""
        docs = len({p.document_id for p in passages})
        self.query_one("#retrieve-count", Static).update(
            f"{len(passages)} passage(s) in {docs} document(s){where}"
            + (" · Enter jumps there" if passages else "")
        )

    @on(Checkbox.Changed)
    def _sub_changed(self) -> None:
        self.refresh_results()

    @on(Select.Changed, "#retrieve-attr")
    def _attr_changed(self, event: Select.Changed) -> None:
        value = event.value
        if isinstance(value, str) and "\x00" in value:
            key, _, val = value.partition("\x00")
            self.attribute = (key, val)
        else:
            self.attribute = None
        self.refresh_results()

    def action_toggle_sub(self) -> None:
        box = self.query_one(Checkbox)
        box.value = not box.value

    def action_focus_filter(self) -> None:
        self.query_one(Select).focus()

    def action_choose_code(self) -> None:
        from qualcode.tui.screens.dialogs import ChooseCodeScreen

        def chosen(result: int | str | None) -> None:
            if isinstance(result, int):
                self.code_id = result
                self.refresh_results()

        self.app.push_screen(
            ChooseCodeScreen("Retrieve which code?", self.project.codebook.codes(), self.color_map),
            chosen,
        )

    @on(OptionList.OptionSelected, "#retrieve-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id in self.targets:
            self.dismiss(self.targets[event.option.id])

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["JumpTarget", "RetrieveScreen", "SearchScreen"]
