"""The help screen: every key binding of the workbench and of each screen over it, grouped by
where it works."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from qualcode.tui.keys import KEY_NAMES, pretty_keys

INTRO = (
    "How to code a passage: move to a sentence with ↓/↑ (or click it), widen the selection with "
    "Shift+↓ (J), then press Enter (or c), type part of a code's name or definition and press "
    "Enter. Tab in the picker marks several codes. Keys 1-9 apply pinned codes: pin one by "
    "highlighting it in the codebook (C) and pressing a digit. z undoes, Z redoes. "
    "Everything is saved as you go. Ctrl+P lists every command."
)


def describe(binding: Binding) -> str:
    """What a key does, for the help: the tooltip when there is one (footer labels are kept
    short, so 'Cancel move' alone does not say what is being moved), else the label."""
    return binding.tooltip or binding.description


def binding_groups(app_bindings: list[Binding]) -> list[tuple[str, list[Binding]]]:
    """Every binding, read from the classes themselves so this list cannot go stale.

    The app's own bindings are passed in (the help screen reads them from the running app), so
    this module never imports the app that imports it. Keys handled by a widget rather than a
    binding (Enter on a result list) are added here by hand, beside the screen they belong to."""
    from qualcode.tui.screens.cases import CasesScreen
    from qualcode.tui.screens.consensus import ConsensusScreen
    from qualcode.tui.screens.dialogs import (
        ChooseCodeScreen,
        CodeFormScreen,
        CodingsHereScreen,
        ConfirmScreen,
        MemoScreen,
    )
    from qualcode.tui.screens.finding import RetrieveScreen, SearchScreen
    from qualcode.tui.screens.matrix import MatrixScreen
    from qualcode.tui.screens.picker import CodePicker
    from qualcode.tui.screens.queries import QueriesScreen
    from qualcode.tui.screens.review import ReviewScreen
    from qualcode.tui.screens.saturation import SaturationScreen
    from qualcode.tui.screens.speakers import SpeakersScreen
    from qualcode.tui.screens.summary import SummaryScreen
    from qualcode.tui.screens.workbench import WorkbenchScreen
    from qualcode.tui.widgets.codebook_pane import PANE_BINDINGS
    from qualcode.tui.widgets.transcript import Transcript

    def only(bindings: list) -> list[Binding]:  # type: ignore[type-arg]
        return [b for b in bindings if isinstance(b, Binding)]

    def visible(bindings: list) -> list[Binding]:  # type: ignore[type-arg]
        """Without plain cursor keys: ↓/↑ moving in a list needs no explaining."""
        return [b for b in only(bindings) if b.key not in ("up", "down", "pageup", "pagedown")]

    jump = Binding("enter", "", "Show in transcript")
    digits = [b for b in only(WorkbenchScreen.BINDINGS) if b.key in "123456789"]
    pins = [b for b in PANE_BINDINGS if b.key in "0123456789"]
    return [
        (
            "Anywhere (undo/redo: workbench, summary, review)",
            only(app_bindings) + [Binding("ctrl+p", "", "Command palette")],
        ),
        ("Reading (transcript)", only(Transcript.BINDINGS)),
        (
            "Coding (transcript)",
            [b for b in only(WorkbenchScreen.BINDINGS) if b not in digits]
            + [Binding("1-9", "", "Apply the code pinned to that key")],
        ),
        (
            "Codebook (tree)",
            [b for b in PANE_BINDINGS if b not in pins]
            + [Binding("1-9", "", "Pin the highlighted code to that key; 0 unpins")],
        ),
        ("Code picker", visible(CodePicker.BINDINGS)),
        ("Codings here", only(CodingsHereScreen.BINDINGS)),
        ("Memo", only(MemoScreen.BINDINGS)),
        ("Code form (add / edit)", only(CodeFormScreen.BINDINGS)),
        (
            "Choose a code (move / merge)",
            [Binding("enter", "", "Choose")] + visible(ChooseCodeScreen.BINDINGS),
        ),
        ("Confirm", only(ConfirmScreen.BINDINGS)),
        ("Search", [jump] + visible(SearchScreen.BINDINGS)),
        ("Retrieve", [jump] + visible(RetrieveScreen.BINDINGS)),
        ("Review suggestions", only(ReviewScreen.BINDINGS)),
        ("Theme summary", only(SummaryScreen.BINDINGS)),
        ("Consensus review (W)", only(ConsensusScreen.BINDINGS)),
        ("Coding queries (Q)", only(QueriesScreen.BINDINGS)),
        ("Matrix (X)", only(MatrixScreen.BINDINGS)),
        ("Saturation (Y)", only(SaturationScreen.BINDINGS)),
        ("Speakers (S)", only(SpeakersScreen.BINDINGS)),
        ("Cases (P)", only(CasesScreen.BINDINGS)),
    ]


class HelpScreen(ModalScreen[None]):
    """Every binding; Esc, q or ? closes."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.plain: list[str] = []  # the rows as text, for tests and screen readers

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("qualcode — keys", style="bold"))
            yield Static(Text(INTRO), id="help-intro")
            app_bindings = [b for b in type(self.app).BINDINGS if isinstance(b, Binding)]
            for title, bindings in binding_groups(app_bindings):
                table = Table(title=title, title_justify="left", show_header=False, box=None)
                table.add_column("keys", style="bold", no_wrap=True, min_width=18)
                table.add_column("what")
                for binding in bindings:
                    what = describe(binding)
                    table.add_row(pretty_keys(binding.key), what)
                    self.plain.append(f"{title}: {pretty_keys(binding.key)} {what}")
                yield Static(table)
            yield Static(Text("Esc closes this help.", style="dim"))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


__all__ = ["KEY_NAMES", "HelpScreen", "binding_groups", "describe", "pretty_keys"]
