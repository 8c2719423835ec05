"""Small modal screens: memo editor, confirmation, code form, code chooser, codings here, and
the message shown instead of the workbench when a project cannot be opened."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from qualcode.store.records import Code, Coding

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 80%; max-width: 100; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; height: auto; }}
{name} .hint {{ color: $foreground-muted; height: auto; }}
{name} .buttons {{ height: auto; align-horizontal: right; }}
{name} Button {{ margin: 0 1; min-width: 10; }}
"""


class MemoScreen(ModalScreen[str | None]):
    """Edit a memo; Ctrl+S saves (an empty memo deletes it), Esc cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = MODAL_CSS.format(name="MemoScreen") + "MemoScreen TextArea { height: 12; }"

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield TextArea(self.initial, id="memo-text", soft_wrap=True)
            yield Static("Ctrl+S save · Esc cancel · empty memo = delete it", classes="hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no; y/Enter confirms, n/Esc declines."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]
    # The question wraps: it may name a long code, and 80 columns cut it off mid-name.
    DEFAULT_CSS = MODAL_CSS.format(name="ConfirmScreen") + "ConfirmScreen .title { width: 1fr; }"

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question, self.detail = question, detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, classes="title")
            if self.detail:
                yield Static(self.detail)
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


@dataclass
class CodeForm:
    """What the code form returns."""

    name: str
    fields: dict[str, str]


FORM_FIELDS = (
    ("brief", "Brief definition"),
    ("definition", "Full definition"),
    ("when_to_use", "When to use"),
    ("when_not_to_use", "When not to use"),
    ("example", "Example"),
    ("color", "Colour (#rrggbb, empty = theme's)"),
)


class CodeFormScreen(ModalScreen[CodeForm | None]):
    """Add a code or edit one (name and definitions). Ctrl+S saves, Esc cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = (
        MODAL_CSS.format(name="CodeFormScreen")
        + """
    CodeFormScreen VerticalScroll { height: auto; max-height: 40; }
    CodeFormScreen Input { margin: 0; }
    CodeFormScreen TextArea { height: 4; }
    CodeFormScreen Label { margin-top: 1; }
    """
    )

    def __init__(self, title: str, code: Code | None = None, name: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.code = code
        self.initial_name = code.name if code else name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Static(
                "Ctrl+S (or Enter in a one-line box) saves · Tab next field · Esc cancels",
                classes="hint",
            )
            with VerticalScroll():
                yield Label("Name")
                yield Input(self.initial_name, id="form-name")
                for key, label in FORM_FIELDS:
                    yield Label(label)
                    value = (getattr(self.code, key) or "") if self.code else ""
                    if key in ("brief", "color"):
                        yield Input(value, id=f"form-{key}")
                    else:
                        yield TextArea(value, id=f"form-{key}", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#form-name", Input).focus()

    def action_save(self) -> None:
        name = " ".join(self.query_one("#form-name", Input).value.split())
        if not name:
            self.notify("A code needs a name", severity="error")
            return
        fields: dict[str, str] = {}
        for key, _ in FORM_FIELDS:
            widget = self.query_one(f"#form-{key}")
            value = widget.value if isinstance(widget, Input) else widget.text  # type: ignore[attr-defined]
            fields[key] = value.strip()
        self.dismiss(CodeForm(name=name, fields=fields))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)


TOP_LEVEL = "__top__"


class ChooseCodeScreen(ModalScreen[int | str | None]):
    """Pick one code from a filtered list (for move and merge). Returns an id, TOP_LEVEL or
    None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "cursor(1)", "Down", show=False, priority=True),
        Binding("up", "cursor(-1)", "Up", show=False, priority=True),
    ]
    DEFAULT_CSS = (
        MODAL_CSS.format(name="ChooseCodeScreen")
        + "ChooseCodeScreen OptionList { height: 20; border: none; }"
    )

    def __init__(
        self,
        title: str,
        codes: list[Code],
        colors: dict[int, str],
        allow_top: bool = False,
        default: int | None = None,
    ) -> None:
        super().__init__()
        self.title_text, self.codes, self.color_map, self.allow_top = (
            title,
            codes,
            colors,
            allow_top,
        )
        self.default = default  # highlighted at first, so Enter alone accepts it

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Input(placeholder="type to filter", id="choose-query")
            yield OptionList(id="choose-options")
            yield Static("Enter choose · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    _filled: str | None = None

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.value != self._filled:
            self._fill(event.value)

    def _fill(self, query: str) -> None:
        from qualcode.tui.screens.picker import rank_codes

        self._filled = query
        options = []
        if self.allow_top and not query:
            options.append(Option(Text("(top level: make it a theme)", style="italic"), TOP_LEVEL))
        for code in rank_codes(self.codes, query):
            label = Text()
            label.append("■ ", style=self.color_map.get(code.id, "#888888"))
            label.append("  " * code.depth + code.name)
            options.append(Option(label, id=str(code.id)))
        widget = self.query_one(OptionList)
        widget.set_options(options)
        if options:
            ids = [o.id for o in options]
            wanted = str(self.default) if self.default is not None and not query else None
            widget.highlighted = ids.index(wanted) if wanted in ids else 0

    def action_cursor(self, step: int) -> None:
        widget = self.query_one(OptionList)
        if widget.option_count:
            widget.highlighted = max(
                0, min(widget.option_count - 1, (widget.highlighted or 0) + step)
            )

    @on(Input.Submitted)
    def _submit(self) -> None:
        if self.query_one(Input).value != self._filled:
            self._fill(self.query_one(Input).value)  # never act on a list older than the query
        option = self.query_one(OptionList).highlighted_option
        if option is not None:
            self._choose(option.id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        self.dismiss(TOP_LEVEL if option_id == TOP_LEVEL else int(option_id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CodingsHereScreen(ModalScreen[tuple[str, int] | None]):
    """The codings on the selected passage: who coded what. Returns (action, coding id)."""

    BINDINGS = [
        Binding("x,delete", "pick('remove')", "Remove"),
        Binding("m", "pick('memo')", "Memo"),
        Binding("b", "pick('bounds')", "Move boundaries"),
        Binding("enter", "pick('select')", "Select passage"),
        Binding("escape", "cancel", "Close"),
    ]
    DEFAULT_CSS = (
        MODAL_CSS.format(name="CodingsHereScreen")
        + "CodingsHereScreen OptionList { height: auto; max-height: 20; border: none; }"
    )

    def __init__(
        self, codings: list[Coding], colors: dict[int, str], purpose: str | None = None
    ) -> None:
        super().__init__()
        self.codings, self.color_map = codings, colors
        self.purpose = purpose  # e.g. "remove": Enter then does that, and the title says so

    def compose(self) -> ComposeResult:
        with Vertical():
            title = f"Codings here ({len(self.codings)})"
            if self.purpose:
                title = f"Which coding to {self.purpose}? Enter {self.purpose}s it"
            yield Label(title, classes="title")
            options = []
            for coding in self.codings:
                label = Text()
                label.append("■ ", style=self.color_map.get(coding.code_id, "#888888"))
                label.append(coding.code, style="bold")
                label.append(f"  by {coding.coder}  [{coding.start}:{coding.end}]", style="dim")
                if coding.origin != "manual":
                    label.append(f"  ({coding.origin})", style="dim")
                flat = " ".join(coding.text.split())
                label.append("\n    “" + (flat if len(flat) < 90 else flat[:89] + "…") + "”")
                if coding.memo:
                    label.append("\n    memo: " + " ".join(coding.memo.split()), style="italic")
                options.append(Option(label, id=str(coding.id)))
            yield OptionList(*options, id="here-options")
            yield Static(
                "x remove · m memo · b move boundaries · Enter select · Esc close", classes="hint"
            )

    def on_mount(self) -> None:
        widget = self.query_one(OptionList)
        widget.focus()
        if widget.option_count:
            widget.highlighted = 0

    def action_pick(self, what: str) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id:
            self.dismiss((what, int(option.id)))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(("select", int(event.option.id)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessageScreen(Screen[None]):
    """Shown instead of the workbench when the project cannot be used; q quits."""

    BINDINGS = [Binding("q,escape,enter", "app.quit", "Quit")]
    DEFAULT_CSS = """
    MessageScreen { align: center middle; }
    MessageScreen > Vertical {
        width: 80%; height: auto; border: thick $error; padding: 1 2; background: $surface;
    }
    MessageScreen .title { text-style: bold; color: $error; }
    """

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text, self.message = title, message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Static(self.message, id="message-text")
            yield Static("Press q to quit.")
        yield Footer()
