"""Saturation in the workbench (``Y``): new codes per interview, the cumulative curve drawn as
bars, and the assessment of Guest, Namey & Chen (2020) with its parameters editable."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from qualcode.errors import QualcodeError
from qualcode.store import Project

BAR = 40


def curve_text(sat) -> Text:  # type: ignore[no-untyped-def]
    """One line per interview: the codes seen so far as a bar, its new codes in colour."""
    top = max([i.cumulative for i in sat.interviews] + [1])
    name_w = min(max([len(i.document) for i in sat.interviews] + [8]), 28)
    out = Text()
    for i in sat.interviews:
        old = round(BAR * (i.cumulative - len(i.new)) / top)
        new = round(BAR * i.cumulative / top) - old
        mark = " ◀ saturation" if sat.reached_at == i.number else ""
        base = "┆" if i.number == sat.base else " "
        out.append(f"{i.number:>3} {i.document[:name_w]:<{name_w}} {base}")
        out.append("█" * old, style="blue")
        out.append("█" * new, style="bold orange1")
        out.append(f" {i.cumulative} (+{len(i.new)}){mark}\n", style="bold" if mark else "")
    return out


class SaturationScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back")]
    DEFAULT_CSS = """
    SaturationScreen #sat-bar { height: 3; }
    SaturationScreen #sat-bar Input { width: 1fr; }
    SaturationScreen .hint { color: $foreground-muted; padding: 0 1; }
    """

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Saturation[/b] · order · base size · run length · threshold "
                        "(Enter applies)", classes="hint")  # fmt: skip
            with Horizontal(id="sat-bar"):
                yield Input("import", placeholder="import|date|ATTR", id="sat-order")
                yield Input("4", placeholder="base", id="sat-base")
                yield Input("2", placeholder="run", id="sat-run")
                yield Input("0.05", placeholder="threshold", id="sat-threshold")
            with VerticalScroll():
                yield Static("", id="sat-curve")
                yield Static("", id="sat-runs")
                yield Static("", id="sat-conclusion")
        yield Footer()

    def on_mount(self) -> None:
        self.compute()

    @on(Input.Submitted)
    def _apply(self) -> None:
        self.compute()

    def compute(self) -> None:
        from qualcode.analysis.saturation import CITATION, assess, project_interviews
        from qualcode.store.query_data import QueryData

        conclusion = self.query_one("#sat-conclusion", Static)
        try:
            order = self.query_one("#sat-order", Input).value.strip() or "import"
            base = int(self.query_one("#sat-base", Input).value)
            run = int(self.query_one("#sat-run", Input).value)
            threshold = float(self.query_one("#sat-threshold", Input).value)
            interviews = project_interviews(QueryData(self.project.session), order)
            sat = assess(interviews, base, run, threshold, order)
        except (QualcodeError, ValueError) as exc:
            conclusion.update(f"[red]{exc}[/red]")
            return
        self.query_one("#sat-curve", Static).update(curve_text(sat))
        runs = Text("\nrun      new  new information\n", style="bold")
        for r in sat.runs:
            style = "green" if r.meets(threshold) else ""
            runs.append(
                f"{r.first:>3}–{r.last:<4} {r.new:>4}  {r.ratio * 100:5.1f}%\n", style=style
            )
        self.query_one("#sat-runs", Static).update(runs)
        conclusion.update(Text(f"\n{sat.conclusion()}\n\nMethod: {CITATION}"))

    def action_close(self) -> None:
        self.dismiss(None)
