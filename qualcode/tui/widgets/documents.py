"""The documents list: name, speakers, words and how much is coded; type to filter."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from qualcode.store.workbench import DocumentRow


class DocumentOptions(OptionList):
    """Printable keys typed here go to the filter box, so typing a name filters at once."""

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and event.character not in "0123456789":
            box = self.parent.query_one(Input) if self.parent else None
            if box is not None:
                box.focus()
                box.insert_text_at_cursor(event.character)
                event.stop()
                event.prevent_default()


class DocumentList(Vertical):
    """Filter box above the list; Enter (or a click) opens a document."""

    DEFAULT_CSS = """
    DocumentList { height: 1fr; }
    DocumentList > Input, DocumentList > Input:focus {
        height: 1; border: none; padding: 0 1; margin: 0;
    }
    DocumentList > OptionList, DocumentList > OptionList:focus {
        height: 1fr; border: none; padding: 0;
    }
    """

    class Opened(Message):
        def __init__(self, document_id: int) -> None:
            super().__init__()
            self.document_id = document_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[DocumentRow] = []
        self.current: int | None = None
        self._filled_current: int | None = -1

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type to filter", id="doc-filter")
        yield DocumentOptions(id="doc-options")

    def set_rows(self, rows: list[DocumentRow], current: int | None) -> None:
        if rows == self.rows and current == self.current:
            return
        same_ids = [r.id for r in rows] == [r.id for r in self.rows]
        old = {r.id: r for r in self.rows}
        self.rows, self.current = rows, current
        if same_ids and current == self._filled_current:
            # After coding only the coded share of one document changes: relabel it alone.
            options = self.query_one(DocumentOptions)
            for row in rows:
                if old.get(row.id) != row:
                    try:
                        options.replace_option_prompt(str(row.id), self._label(row))
                    except Exception:  # noqa: BLE001 - filtered out of the list: refill
                        self._fill()
                        return
            return
        self._fill()

    def _label(self, row: DocumentRow) -> Text:
        label = Text()
        label.append("● " if row.id == self.current else "  ", style="bold")
        label.append(row.name, style="bold" if row.id == self.current else "")
        label.append(f"\n  {row.speakers} spk · {row.words:,} w · {row.coded:.0%}", style="dim")
        return label

    def _fill(self) -> None:
        self._filled_current = self.current
        query = self.query_one(Input).value.strip().lower()
        options = self.query_one(DocumentOptions)
        highlighted = options.highlighted_option.id if options.highlighted_option else None
        shown = [r for r in self.rows if query in r.name.lower()]
        items = []
        for row in shown:
            items.append(Option(self._label(row), id=str(row.id)))
        options.set_options(items)
        target = highlighted or (str(self.current) if self.current is not None else None)
        for i, row in enumerate(shown):
            if str(row.id) == target:
                options.highlighted = i
                break

    @on(Input.Changed, "#doc-filter")
    def _filter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#doc-filter")
    def _submit(self) -> None:
        options = self.query_one(DocumentOptions)
        if options.option_count:
            options.highlighted = options.highlighted or 0
            option = options.highlighted_option
            if option is not None and option.id:
                self.post_message(self.Opened(int(option.id)))

    @on(OptionList.OptionSelected, "#doc-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Opened(int(event.option.id)))

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and isinstance(self.screen.focused, Input):
            self.query_one(DocumentOptions).focus()
            event.stop()
