"""The code picker: type part of a code's name or definition, Enter to apply.

Tab marks several codes to apply at once. An entry offers to create a code with the typed
name, so a new idea never forces a trip to the codebook; it comes first when no code's *name*
matches (matches on definition words alone are weak: typing a new name and pressing Enter
used to apply whichever code happened to mention those words).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.store.records import Code

NEW = "__new__"


def rank_codes(codes: list[Code], query: str) -> list[Code]:
    """Codes matching ``query``, best first: name substring, fuzzy name, then definitions."""
    query = query.strip()
    if not query:
        return list(codes)
    q = query.lower()
    matcher = Matcher(query)
    scored: list[tuple[float, int, Code]] = []
    for order, code in enumerate(codes):
        name = code.name.lower()
        score = 0.0
        if q in name:
            score = 300 - name.index(q)
        else:
            fuzzy = matcher.match(code.name)
            if fuzzy > 0:
                score = 100 + fuzzy
            else:
                haystack = " ".join(
                    (code.brief, code.definition, code.when_to_use, " ".join(code.keywords))
                ).lower()
                if all(word in haystack for word in q.split()):
                    score = 10
        if score:
            scored.append((-score, order, code))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [code for _, _, code in scored]


def name_matches(codes: list[Code], query: str) -> bool:
    """Whether ``query`` matches some code's name (substring or fuzzy), not only definitions."""
    query = query.strip()
    if not query:
        return True
    matcher = Matcher(query)
    q = query.lower()
    return any(q in c.name.lower() or matcher.match(c.name) > 0 for c in codes)


class CodePicker(ModalScreen[list[int | str] | None]):
    """Returns the chosen code ids (and/or one new code name as a str), or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "mark", "Mark/unmark", priority=True),
        Binding("down", "cursor(1)", "Down", show=False, priority=True),
        Binding("up", "cursor(-1)", "Up", show=False, priority=True),
        Binding("pagedown", "cursor(10)", "Page down", show=False, priority=True),
        Binding("pageup", "cursor(-10)", "Page up", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    CodePicker { align: center middle; }
    CodePicker > Vertical {
        width: 80%; max-width: 100; height: 80%; border: thick $primary; background: $surface;
    }
    CodePicker Input { margin: 0; }
    CodePicker OptionList { height: 1fr; border: none; }
    CodePicker .hint { color: $foreground-muted; padding: 0 1; height: auto; }
    """

    def __init__(
        self, codes: list[Code], colors: dict[int, str], title: str = "Apply code"
    ) -> None:
        super().__init__()
        self.codes = codes
        self.color_map = colors
        self.title_text = title
        self.marked: list[int] = []
        self.shown: list[Code] = []
        self._filled: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"[b]{self.title_text}[/b]  type part of a name or definition · Enter applies · "
                "Tab marks several · Esc cancels",
                classes="hint",
            )
            yield Input(placeholder="code name or words from its definition", id="picker-query")
            yield OptionList(id="picker-options")
            yield Static("", id="picker-marked", classes="hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed, "#picker-query")
    def _changed(self, event: Input.Changed) -> None:
        if event.value != self._filled:
            self._fill(event.value)

    def _sync(self) -> None:
        """Keys typed faster than Input.Changed arrives (a paste, a fast typist) must not act
        on a stale list: refill first if the box and the list disagree."""
        query = self.query_one(Input).value
        if query != self._filled:
            self._fill(query)

    def _fill(self, query: str) -> None:
        self._filled = query
        self.shown = rank_codes(self.codes, query)
        options: list[Option] = []
        name = " ".join(query.split())
        exact = any(c.name.lower() == name.lower() for c in self.codes)
        if name and not exact:
            label = Text.assemble(("+ ", "bold green"), (f"Create new code '{name}'", "green"))
            new_option = Option(label, id=NEW)
        else:
            new_option = None
        new_first = new_option is not None and not name_matches(self.shown, query)
        if new_option is not None and new_first:
            options.append(new_option)
        for code in self.shown:
            label = Text()
            label.append("✓ " if code.id in self.marked else "  ", style="bold green")
            label.append("■ ", style=self.color_map.get(code.id, "#888888"))
            label.append("  " * code.depth)
            label.append(code.name, style="bold" if code.depth == 0 else "")
            if code.brief:
                label.append(f"  {code.brief}", style="dim")
            options.append(Option(label, id=str(code.id)))
        if new_option is not None and not new_first:
            options.append(new_option)
        widget = self.query_one(OptionList)
        widget.set_options(options)
        if options:
            widget.highlighted = 0
        self.query_one("#picker-marked", Static).update(
            "Marked: " + ", ".join(self._code_name(i) for i in self.marked) if self.marked else ""
        )

    def _code_name(self, code_id: int) -> str:
        return next((c.name for c in self.codes if c.id == code_id), "?")

    def action_cursor(self, step: int) -> None:
        self._sync()
        widget = self.query_one(OptionList)
        if not widget.option_count:
            return
        current = widget.highlighted or 0
        widget.highlighted = max(0, min(widget.option_count - 1, current + step))

    def action_mark(self) -> None:
        self._sync()
        widget = self.query_one(OptionList)
        option = widget.highlighted_option
        if option is None or option.id in (None, NEW):
            return
        code_id = int(option.id)
        if code_id in self.marked:
            self.marked.remove(code_id)
        else:
            self.marked.append(code_id)
        keep = widget.highlighted
        self._fill(self.query_one(Input).value)
        widget.highlighted = keep

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#picker-query")
    def _submit(self) -> None:
        self._sync()
        option = self.query_one(OptionList).highlighted_option
        self._choose(option.id if option is not None else None)

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id == NEW:
            name = " ".join(self.query_one(Input).value.split())
            self.dismiss([*self.marked, name])
            return
        if self.marked:
            self.dismiss(list(self.marked))
            return
        if option_id is None:
            self.app.bell()
            return
        self.dismiss([int(option_id)])
