"""Finding: full-text search across transcripts, and retrieving every passage of a code.

Both list their results in context and return a jump target (document id, start, end, exact)
when the researcher presses Enter, so reading continues in the transcript right there.
"""

from __future__ import annotations

import re
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


def _terms(query: str) -> list[str]:
    out = []
    for part in re.findall(r'"[^"]+"|\S+', query):
        part = part.strip('"').rstrip("*").strip()
        if part:
            out.append(part)
    return out


def snippet(
    text: str, terms: list[str], width: int = 110, at: int | None = None
) -> tuple[Text, int]:
    """A one-line window of ``text`` around offset ``at`` (default: the first term found),
    terms highlighted; returns it with that offset."""
    lowered = text.lower()
    if at is None:
        at = min((p for p in (lowered.find(t.lower()) for t in terms) if p >= 0), default=0)
    first = at
    start = max(0, first - width // 3)
    piece = text[start : start + width]
    flat = piece.replace("\n", " ")
    out = Text(("…" if start else "") + flat + ("…" if start + width < len(text) else ""))
    shift = 1 if start else 0
    for term in terms:
        for m in re.finditer(re.escape(term), flat, flags=re.IGNORECASE):
            out.stylize("bold reverse", m.start() + shift, m.end() + shift)
    return out, first


def match_places(text: str, query: str, gap: int = 80) -> list[int]:
    """Offsets in ``text`` where the query's terms occur, one per cluster (terms closer than
    ``gap`` characters count as one place), so each place is its own search result.

    Words match at word starts (FTS5 matches whole tokens; ``word*`` is a prefix), a phrase
    across any run of non-word characters. A turn FTS5 matched for reasons this cannot see
    (diacritics folded, say) gives one place: its start."""
    patterns = []
    for part in re.findall(r'"[^"]+"|\S+', query):
        phrase = part.startswith('"') and part.endswith('"') and len(part) > 1
        prefix = part.endswith("*")
        words = re.findall(r"\w+", part)
        if not words:
            continue
        if phrase:
            patterns.append(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")
        else:
            tail = "" if prefix else r"(?!\w)"
            patterns.extend(r"(?<!\w)" + re.escape(w) + tail for w in words)
    hits = sorted(m.start() for p in patterns for m in re.finditer(p, text, flags=re.IGNORECASE))
    places: list[int] = []
    for hit in hits:
        if not places or hit - places[-1] >= gap:
            places.append(hit)
    return places or [0]


class SearchScreen(Screen[JumpTarget | None]):
    """Search every transcript (FTS5): words are ANDed, "quotes" make a phrase, word* a prefix."""

    BINDINGS = [
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
        self._doc_ids: dict[str, int] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Search all transcripts[/b]", classes="hint")
            yield Input(self.initial, placeholder='words, "a phrase", or prefix*', id="search-q")
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
        try:
            hits = self.project.documents.search(query, limit=500)
        except QualcodeError as exc:
            widget.clear_options()
            count.update(str(exc))
            return
        if self._doc_ids is None:  # read once per screen, not per keystroke
            self._doc_ids = {d.name: d.id for d in self.project.documents.all()}
        doc_ids = self._doc_ids
        terms = _terms(query)
        options = []
        total = 0
        for hit in hits:
            places = match_places(hit.text, query)[:PLACES_PER_TURN]
            total += len(places)
            for at in places[: max(0, MAX_PLACES - len(options))]:
                body, _ = snippet(hit.text, terms, at=at)
                label = Text()
                label.append(hit.document, style="bold")
                label.append(f" · {hit.speaker or 'no speaker'}\n", style="dim")
                label.append_text(body)
                key = str(len(options))
                # Not exact: the jump selects the sentence holding this match.
                self.targets[key] = JumpTarget(
                    doc_ids[hit.document], hit.start + at, hit.start + at + 1, exact=False
                )
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
            + (" · ↓↑ choose · Enter jumps there" if hits else "")
        )

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
        self.refresh_results()
        self.query_one(OptionList).focus()

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
