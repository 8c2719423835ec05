"""The documents list: name, speakers, words and how much is coded; type to filter."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

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

    def relabel(self, option_id: str, prompt: Text) -> None:
        """Give one option a new label and redraw only its lines.

        ``OptionList.replace_option_prompt`` forgets every option's rendering and re-measures
        the whole list (tens of ms with 300 documents, on every coding); a label of the same
        height needs neither. This reaches into OptionList's caches (Textual 8.x is pinned);
        when the height changes it falls back to the public method."""
        index = self.get_option_index(option_id)
        option = self.get_option_at_index(index)
        old_height = self._line_cache.heights.get(index)
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        if old_height is None or width - padding.width <= 0:  # not laid out (hidden): cheap
            self.replace_option_prompt(option_id, prompt)
            return
        option._set_prompt(prompt)
        new_height = self._get_visual(option).get_height(
            self.styles,  # type: ignore[arg-type]  # what OptionList itself passes
            width - padding.width,
        )
        if new_height + option._divider != old_height:
            self.replace_option_prompt(option_id, prompt)
            return
        cache = self._option_render_cache
        for key in [k for k in cache.keys() if k[0] is option]:
            cache.discard(key)
        line = self._line_cache.index_to_line.get(index)
        if line is None:
            self.refresh()
        else:
            self.refresh_lines(line, old_height)


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
        self._index: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type to filter", id="doc-filter")
        yield DocumentOptions(id="doc-options")

    def set_rows(self, rows: list[DocumentRow], current: int | None) -> None:
        if rows == self.rows and current == self.current:
            return
        same_ids = [r.id for r in rows] == [r.id for r in self.rows]
        old = {r.id: r for r in self.rows}
        self.rows, self.current = rows, current
        self._index = {r.id: i for i, r in enumerate(rows)}
        if same_ids and current == self._filled_current:
            for row in rows:
                if old.get(row.id) != row:
                    self._relabel(row)
            return
        self._fill()

    def update_row(self, row: DocumentRow) -> None:
        """One document's figures changed (it was coded): relabel that entry alone."""
        i = self._index.get(row.id)
        if i is None:
            return
        if self.rows[i] == row:
            return
        self.rows = [*self.rows[:i], row, *self.rows[i + 1 :]]
        self._relabel(row)

    def row(self, document_id: int | None) -> DocumentRow | None:
        i = self._index.get(document_id) if document_id is not None else None
        return None if i is None else self.rows[i]

    def _relabel(self, row: DocumentRow) -> None:
        options = self.query_one(DocumentOptions)
        try:
            options.relabel(str(row.id), self._label(row))
        except OptionDoesNotExist:
            pass  # filtered out of the list: it gets the new label when the filter clears

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
