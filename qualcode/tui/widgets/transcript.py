"""The transcript view: one document's turns, drawn line by line with Textual's Line API.

Like TextArea and Toolong's log view, this is a ``ScrollView`` that renders only the rows on
screen (``render_line``), from a layout of wrapped lines computed once per width. A 50,000-word
transcript is a few thousand small tuples, not thousands of widgets, so it opens and scrolls at
the same speed as a short one.

The widget owns reading and selecting (cursor sentence, selection, mouse drag); coding itself is
done by the screen, which reads :attr:`selection` and calls :meth:`set_codings` afterwards.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.store.records import Coding, Sentence, Turn

GUTTER = 2
CACHE_ROWS = 1024  # rendered rows kept (a few screens' worth, whatever the document's length)
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Line:
    """One row of the layout: a speaker header, a blank, or a slice of the text."""

    kind: str  # "speaker" | "text" | "blank"
    start: int  # text rows: document offsets of the slice shown; others: their turn's start
    end: int
    turn: int  # index into the turns list, -1 for none


class Transcript(ScrollView, can_focus=True):
    """Speaker turns with the cursor sentence, the selection and every coding drawn in."""

    BINDINGS = [
        Binding("down,j", "move(1)", "Next sentence", show=False),
        Binding("up,k", "move(-1)", "Prev sentence", show=False),
        Binding("right_square_bracket,ctrl+down", "turn(1)", "Next turn", show=False),
        Binding("left_square_bracket,ctrl+up", "turn(-1)", "Prev turn", show=False),
        Binding("right_curly_bracket", "paragraph(1)", "Next paragraph", show=False),
        Binding("left_curly_bracket", "paragraph(-1)", "Prev paragraph", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("pageup,b", "page(-1)", "Page up", show=False),
        Binding("home,g", "edge(-1)", "Start of document", show=False),
        Binding("end,G", "edge(1)", "End of document", show=False),
        Binding("u", "next_uncoded(1)", "Next uncoded", show=False),
        Binding("U", "next_uncoded(-1)", "Prev uncoded", show=False),
        Binding("n", "next_coding(1)", "Next coding", show=False),
        Binding("N", "next_coding(-1)", "Prev coding", show=False),
        Binding("shift+down,J", "extend(1)", "Extend by sentence", show=False),
        Binding("shift+up,K", "extend(-1)", "Shrink by sentence", show=False),
        Binding("shift+right,L", "extend_word(1)", "End one word later", show=False),
        Binding("shift+left,H", "extend_word(-1)", "End one word earlier", show=False),
        Binding("less_than_sign", "start_word(-1)", "Start one word earlier", show=False),
        Binding("greater_than_sign", "start_word(1)", "Start one word later", show=False),
        Binding("t", "select_turn", "Select turn", show=False),
        Binding("escape", "collapse", "Reset selection", show=False),
    ]

    COMPONENT_CLASSES = {
        "transcript--speaker",
        "transcript--selection",
        "transcript--cursor",
        "transcript--margin",
        "transcript--timestamp",
    }

    DEFAULT_CSS = """
    Transcript {
        background: $surface;
        color: $foreground;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    Transcript > .transcript--speaker { color: $accent; text-style: bold; }
    Transcript > .transcript--timestamp { color: $foreground-muted; }
    Transcript > .transcript--selection { background: $primary 45%; }
    Transcript > .transcript--cursor { color: $warning; text-style: bold; }
    Transcript > .transcript--margin { color: $foreground-muted; }
    """

    class SelectionChanged(Message):
        """The cursor or the selection moved; the status line and panes follow it."""

        def __init__(self, transcript: Transcript) -> None:
            super().__init__()
            self.transcript = transcript

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.text = ""
        self.turns: list[Turn] = []
        self.units: list[tuple[int, int]] = []  # sentences (or turns if none): the key unit
        self._unit_starts: list[int] = []
        self.codings: list[Coding] = []
        self.color_map: dict[int, str] = {}
        self.names: dict[int, str] = {}
        self.cursor = 0  # index into units
        self.selection: tuple[int, int] = (0, 0)
        self.lines: list[Line] = []
        self._text_line_starts: list[int] = []
        self._text_line_index: list[int] = []
        self._paragraph_starts: list[int] = []
        self._line_codings: dict[int, list[int]] = {}
        self._covered: list[tuple[int, int]] = []
        self._layout_key: tuple[int, int] = (-1, -1)
        # Rendered rows by layout index, bounded: a long transcript scrolled end to end must not
        # keep every row it ever drew. Cleared whole only when every row changes (new layout,
        # colours, theme); a cursor move or a coding forgets just the rows it touched.
        self._cache: LRUCache[int, Strip] = LRUCache(CACHE_ROWS)
        self._marked: tuple[int, int] = (0, 0)  # span drawn as cursor/selection, to forget
        self._drag_anchor: int | None = None
        self._dragged = False

    # ------------------------------------------------------------------ loading

    def load(
        self,
        text: str,
        turns: list[Turn],
        sentences: list[Sentence],
        codings: list[Coding],
        colors: dict[int, str],
        names: dict[int, str],
    ) -> None:
        """Show a document; the cursor goes to its first sentence."""
        self.text = text
        self.turns = turns or ([Turn(0, 0, None, 0, len(text))] if text else [])
        units = [(s.start, s.end) for s in sentences]
        if not units:
            units = [(t.start, t.end) for t in self.turns if t.end > t.start]
        self.units = units
        self._unit_starts = [u[0] for u in units]
        self.color_map, self.names = colors, names
        self._paragraph_starts = self._paragraphs()
        self._layout_key = (-1, -1)
        self.cursor = 0
        self.selection = units[0] if units else (0, 0)
        self.set_codings(codings)
        self._relayout()
        self.scroll_to(0, 0, animate=False)
        self._changed()

    def set_codings(self, codings: list[Coding]) -> None:
        """New codings for the shown document (after coding, undo, or another program).

        Only the rows under codings that appeared, went or moved are drawn again."""
        before = {(c.id, c.code_id, c.start, c.end) for c in self.codings}
        self.codings = sorted(codings, key=lambda c: (c.start, -c.end, c.code_id, c.id))
        spans = sorted((c.start, c.end) for c in self.codings)
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self._covered = merged
        self._index_codings()
        after = {(c.id, c.code_id, c.start, c.end) for c in self.codings}
        changed = before ^ after
        if len(changed) > 64 or not self.lines:
            self._forget_all()
            return
        for _id, _code, start, end in changed:
            self._forget(start, end)

    def _forget_all(self) -> None:
        self._cache.clear()
        self.refresh()

    def _forget(self, start: int, end: int) -> None:
        """Drop the cached rows showing ``[start, end)`` and redraw just those rows."""
        if not self.lines:
            return
        first = self.line_of_offset(start)
        last = self.line_of_offset(max(start, end - 1))
        if last - first + 1 >= len(self._cache):
            for row in [k for k in self._cache.keys() if first <= k <= last]:
                self._cache.discard(row)
        else:
            for row in range(first, last + 1):
                self._cache.discard(row)
        self.refresh_lines(first, last - first + 1)

    def set_code_style(self, colors: dict[int, str], names: dict[int, str]) -> None:
        if (colors, names) == (self.color_map, self.names):
            return
        self.color_map, self.names = colors, names
        self._forget_all()

    # ------------------------------------------------------------------ layout

    def _paragraphs(self) -> list[int]:
        starts: list[int] = []
        for turn in self.turns:
            starts.append(turn.start)
            pos = self.text.find("\n", turn.start, turn.end)
            while pos != -1:
                nxt = pos + 1
                while nxt < turn.end and self.text[nxt] in " \t\n":
                    nxt += 1
                if nxt < turn.end:
                    starts.append(nxt)
                pos = self.text.find("\n", nxt, turn.end)
        return sorted(set(starts))

    @property
    def margin_width(self) -> int:
        width = self.scrollable_content_region.width
        if width < 40:
            return 0
        return max(12, min(28, width // 4))

    @property
    def text_width(self) -> int:
        width = self.scrollable_content_region.width
        margin = self.margin_width
        return max(10, width - GUTTER - (margin + 1 if margin else 0))

    def _relayout(self) -> None:
        width = self.text_width
        # Keyed on the whole width too: the margin can take a column the text gives up, and
        # cached rows are as wide as the widget.
        key = (width, self.scrollable_content_region.width)
        if key == self._layout_key and self.lines:
            return
        self._layout_key = key
        text = self.text
        lines: list[Line] = []
        for index, turn in enumerate(self.turns):
            if lines:
                lines.append(Line("blank", turn.start, turn.start, index))
            if turn.speaker or turn.timestamp:
                lines.append(Line("speaker", turn.start, turn.start, index))
            for para_start, para_end in _split_paragraphs(text, turn.start, turn.end):
                for start, end in _wrap(text, para_start, para_end, width):
                    lines.append(Line("text", start, end, index))
        self.lines = lines
        self._text_line_index = [i for i, line in enumerate(lines) if line.kind == "text"]
        self._text_line_starts = [lines[i].start for i in self._text_line_index]
        self._index_codings()
        self._forget_all()
        self.virtual_size = Size(self.scrollable_content_region.width, len(lines))

    def _index_codings(self) -> None:
        by_line: dict[int, list[int]] = {}
        starts = self._text_line_starts
        for ci, coding in enumerate(self.codings):
            first = max(0, bisect.bisect_right(starts, coding.start) - 1)
            last = bisect.bisect_left(starts, coding.end)
            for k in range(first, min(last, len(starts))):
                line = self.lines[self._text_line_index[k]]
                if line.start < coding.end and coding.start < max(line.end, line.start + 1):
                    by_line.setdefault(self._text_line_index[k], []).append(ci)
        self._line_codings = by_line

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self.scroll_to_selection()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()  # the theme changed: every row's colours did

    def line_of_offset(self, offset: int) -> int:
        """Layout row showing document offset ``offset`` (the nearest text row)."""
        if not self._text_line_starts:
            return 0
        k = max(0, bisect.bisect_right(self._text_line_starts, offset) - 1)
        return self._text_line_index[k]

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        strip = self._cache.get(index)
        if strip is None:
            strip = self._render_row(index, width)
            self._cache[index] = strip
        return strip

    def _render_row(self, index: int, width: int) -> Strip:
        base = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        segments: list[Segment] = []
        if line.kind == "blank":
            return Strip.blank(width, base)
        if line.kind == "speaker":
            turn = self.turns[line.turn]
            segments.append(Segment(" " * GUTTER, base))
            name = turn.speaker or ""
            segments.append(
                Segment(name, base + self.get_component_rich_style("transcript--speaker"))
            )
            if turn.timestamp:
                segments.append(
                    Segment(
                        f"  {turn.timestamp}",
                        base + self.get_component_rich_style("transcript--timestamp"),
                    )
                )
            return Strip(segments).adjust_cell_length(width, base)
        sel_start, sel_end = self.selection
        cur_start, cur_end = self.units[self.cursor] if self.units else (0, 0)
        on_cursor = line.start < cur_end and cur_start < line.end
        in_selection = line.start < sel_end and sel_start < line.end
        gutter_style = base + self.get_component_rich_style("transcript--cursor")
        marker = "▌ " if on_cursor else ("│ " if in_selection else "  ")
        segments.append(Segment(marker, gutter_style if (on_cursor or in_selection) else base))
        shown_end = line.end
        while shown_end > line.start and self.text[shown_end - 1] in " \n\t":
            shown_end -= 1
        codings = [self.codings[i] for i in self._line_codings.get(index, [])]
        cuts = {line.start, shown_end}
        for coding in codings:
            cuts.update((coding.start, coding.end))
        cuts.update((sel_start, sel_end))
        points = sorted(p for p in cuts if line.start <= p <= shown_end)
        selection_style = self.get_component_rich_style("transcript--selection")
        bg = base.bgcolor
        base_bg = Color.from_rich_color(bg) if bg else Color(0, 0, 0)
        for a, b in zip(points, points[1:], strict=False):
            if a >= b:
                continue
            covering = [c for c in codings if c.start <= a and b <= c.end]
            selected = sel_start <= a and b <= sel_end and sel_start < sel_end
            style = self._span_style(base, base_bg, covering, selected, selection_style)
            segments.append(Segment(self.text[a:b], style))
        strip = Strip(segments).adjust_cell_length(GUTTER + self.text_width, base)
        margin = self.margin_width
        if margin:
            strip = Strip.join(
                [strip, Strip([Segment(" ", base)]), self._margin(codings, margin, base, line)]
            )
        return strip.adjust_cell_length(width, base)

    def _span_style(
        self,
        base: Style,
        base_bg: Color,
        covering: list[Coding],
        selected: bool,
        selection_style: Style,
    ) -> Style:
        style = base
        if covering:
            color = Color.parse(self.color_map.get(covering[0].code_id, "#888888"))
            tint = base_bg.blend(color, 0.45)
            style = style + Style(bgcolor=tint.rich_color)
            if len({c.code_id for c in covering}) > 1:
                second = Color.parse(self.color_map.get(covering[1].code_id, "#888888"))
                style = style + Style(underline=True, bold=True, color=second.rich_color)
        if selected:
            style = style + selection_style
        return style

    def _margin(self, codings: list[Coding], width: int, base: Style, line: Line) -> Strip:
        seen: dict[int, bool] = {}
        for coding in codings:
            starts_here = line.start <= coding.start < max(line.end, line.start + 1)
            seen[coding.code_id] = seen.get(coding.code_id, False) or starts_here
        if not seen:
            return Strip.blank(width, base)
        muted = base + self.get_component_rich_style("transcript--margin")
        share = max(3, width // len(seen))
        segments: list[Segment] = []
        used = 0
        for code_id, first in seen.items():
            if used + 2 > width:
                break
            color = Color.parse(self.color_map.get(code_id, "#888888"))
            room = min(share, width - used) - 1
            name = self.names.get(code_id, "?")
            label = name if len(name) <= room else name[: max(0, room - 1)] + "…"
            segments.append(Segment("█", base + Style(color=color.rich_color)))
            segments.append(Segment(label.ljust(room)[:room], base if first else muted))
            used += room + 1
        return Strip(segments).adjust_cell_length(width, base)

    # ------------------------------------------------------------------ state helpers

    def unit_at(self, offset: int) -> int:
        """Index of the sentence containing (or nearest before) ``offset``."""
        if not self.units:
            return 0
        return max(0, min(len(self.units) - 1, bisect.bisect_right(self._unit_starts, offset) - 1))

    def _changed(self, scroll: bool = True) -> None:
        """The cursor or selection moved: redraw the rows that showed it and the rows that
        show it now, and nothing else."""
        start, end = self.selection
        cur_start, cur_end = self.units[self.cursor] if self.units else (0, 0)
        marked = (min(start, cur_start), max(end, cur_end))
        if marked != self._marked:
            self._forget(*self._marked)
            self._forget(*marked)
            self._marked = marked
        if scroll:
            self.scroll_to_selection()
        self.post_message(self.SelectionChanged(self))

    def scroll_to_selection(self) -> None:
        if not self.lines or not self.units:
            return
        start, end = self.selection
        cur_start, cur_end = self.units[self.cursor]
        top = self.line_of_offset(min(start, cur_start))
        bottom = self.line_of_offset(max(end, cur_end) - 1)
        height = self.scrollable_content_region.height or 1
        y = self.scroll_offset.y
        if bottom - top + 1 > height:
            bottom = top + height - 1
        if top - 1 < y:
            # Show the speaker name above the first line of a turn when it fits.
            self.scroll_to(y=max(0, top - 2 if self._turn_first(top) else top - 1), animate=False)
        elif bottom >= y + height:
            self.scroll_to(y=bottom - height + 2, animate=False)

    def _turn_first(self, row: int) -> bool:
        return row > 0 and self.lines[row - 1].kind == "speaker"

    def select(self, start: int, end: int, cursor: int | None = None) -> None:
        """Select ``[start, end)``; the cursor goes to the sentence holding its end."""
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        self.selection = (start, end)
        self.cursor = self.unit_at(max(start, end - 1)) if cursor is None else cursor
        self._changed()

    def jump_to(self, start: int, end: int | None = None, exact: bool = False) -> None:
        """Go to a passage: select exactly it, or the sentence(s) it lies in."""
        end = start + 1 if end is None else end
        if exact:
            self.select(start, end)
            return
        first, last = self.unit_at(start), self.unit_at(max(start, end - 1))
        self.selection = (self.units[first][0], self.units[last][1]) if self.units else (0, 0)
        self.cursor = first
        self._changed()

    def codings_at_selection(self) -> list[Coding]:
        """Codings overlapping the selection (or the cursor sentence if nothing is selected)."""
        start, end = self.selection
        if start >= end and self.units:
            start, end = self.units[self.cursor]
        return [c for c in self.codings if c.start < end and start < c.end]

    @property
    def current_turn(self) -> int:
        if not self.turns:
            return -1
        starts = [t.start for t in self.turns]
        return max(0, bisect.bisect_right(starts, self.selection[0]) - 1)

    # ------------------------------------------------------------------ actions

    def _go(self, unit: int) -> None:
        if not self.units:
            return
        self.cursor = max(0, min(unit, len(self.units) - 1))
        self.selection = self.units[self.cursor]
        self._changed()

    def action_move(self, step: int) -> None:
        if not self.units:
            return
        if self.selection != self.units[self.cursor]:
            # After an extended selection, moving continues from its far end.
            start, end = self.selection
            anchor = self.unit_at(end - 1) if step > 0 else self.unit_at(start)
            self._go(anchor + step)
            return
        self._go(self.cursor + step)

    def action_turn(self, step: int) -> None:
        if not self.turns:
            return
        index = self.current_turn + step
        index = max(0, min(index, len(self.turns) - 1))
        self._go(self.unit_at(self.turns[index].start))

    def action_paragraph(self, step: int) -> None:
        if not self._paragraph_starts or not self.units:
            return
        here = self.units[self.cursor][0]
        k = bisect.bisect_right(self._paragraph_starts, here) - 1
        k = max(0, min(k + step, len(self._paragraph_starts) - 1))
        self._go(self.unit_at(self._paragraph_starts[k]))

    def action_page(self, step: int) -> None:
        if not self.units or not self.lines:
            return
        height = max(1, self.scrollable_content_region.height - 2)
        row = self.line_of_offset(self.units[self.cursor][0]) + step * height
        row = max(0, min(row, len(self.lines) - 1))
        while 0 < row < len(self.lines) - 1 and self.lines[row].kind != "text":
            row += 1 if step > 0 else -1
        self.scroll_to(y=max(0, self.scroll_offset.y + step * height), animate=False)
        self._go(self.unit_at(self.lines[row].start))

    def action_edge(self, step: int) -> None:
        self._go(0 if step < 0 else len(self.units) - 1)

    def _uncoded(self, unit: int) -> bool:
        start, end = self.units[unit]
        k = bisect.bisect_right(self._covered, (end, end)) - 1
        while k >= 0 and self._covered[k][1] > start:
            if self._covered[k][0] < end:
                return False
            k -= 1
        return True

    def action_next_uncoded(self, step: int) -> None:
        i = self.cursor + step
        while 0 <= i < len(self.units):
            if self._uncoded(i):
                self._go(i)
                return
            i += step
        self.app.bell()
        self.notify("No uncoded sentence " + ("below" if step > 0 else "above"), timeout=2)

    def action_next_coding(self, step: int) -> None:
        start = self.selection[0]
        if step > 0:
            after = [c for c in self.codings if c.start > start]
            target = after[0] if after else None
        else:
            before = [c for c in self.codings if c.start < start]
            target = before[-1] if before else None
        if target is None:
            self.app.bell()
            self.notify("No more codings " + ("below" if step > 0 else "above"), timeout=2)
            return
        self.select(target.start, target.end, cursor=self.unit_at(target.start))

    def action_extend(self, step: int) -> None:
        if not self.units:
            return
        start, end = self.selection
        last = self.unit_at(max(start, end - 1))
        if step > 0:
            if end < self.units[last][1]:
                new_end = self.units[last][1]
            elif last + 1 < len(self.units):
                new_end = self.units[last + 1][1]
            else:
                return
            self.select(start, new_end)
            return
        prev = last - 1
        if prev >= 0 and self.units[prev][1] > start:
            self.select(start, self.units[prev][1])
        else:
            # Nothing left to shrink: grow upwards instead.
            first = self.unit_at(start)
            if self.units[first][0] < start:
                self.select(self.units[first][0], end, cursor=first)
            elif first > 0:
                self.select(self.units[first - 1][0], end, cursor=first - 1)

    def _word_bounds(self, lo: int, hi: int) -> list[tuple[int, int]]:
        return [(m.start() + lo, m.end() + lo) for m in _WORD.finditer(self.text[lo:hi])]

    def action_extend_word(self, step: int) -> None:
        start, end = self.selection
        if step > 0:
            for _w_start, w_end in self._word_bounds(end, min(len(self.text), end + 200)):
                if w_end > end:
                    self.select(start, w_end, cursor=self.cursor)
                    return
        else:
            words = self._word_bounds(max(start, end - 200), end)
            ends = [w_end for _s, w_end in words if start < w_end < end]
            if ends:
                self.select(start, ends[-1], cursor=self.cursor)

    def action_start_word(self, step: int) -> None:
        start, end = self.selection
        if step < 0:
            words = self._word_bounds(max(0, start - 200), start)
            if words:
                self.select(words[-1][0], end, cursor=self.cursor)
        else:
            for w_start, _w_end in self._word_bounds(start + 1, end):
                if w_start > start:
                    self.select(w_start, end, cursor=self.cursor)
                    return

    def action_select_turn(self) -> None:
        if not self.turns:
            return
        turn = self.turns[self.current_turn]
        self.select(turn.start, turn.end, cursor=self.unit_at(turn.start))

    def action_collapse(self) -> None:
        if self.units and self.selection != self.units[self.cursor]:
            self._go(self.cursor)

    # ------------------------------------------------------------------ mouse

    def _offset_at(self, x: int, y: int) -> int | None:
        row = self.scroll_offset.y + y
        if not 0 <= row < len(self.lines):
            return None
        line = self.lines[row]
        if line.kind != "text":
            return line.start
        column = max(0, x - GUTTER)
        return min(line.start + column, line.end)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self._offset_at(event.x, event.y)
        if offset is None:
            return
        self.focus()
        self._drag_anchor = offset
        self._dragged = False
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_anchor is None or not event.button:
            return
        offset = self._offset_at(event.x, event.y)
        if offset is None:
            return
        lo, hi = sorted((self._drag_anchor, offset))
        lo, hi = self._snap_to_words(lo, hi)
        if hi > lo:
            self._dragged = True
            self.select(lo, hi)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        anchor, self._drag_anchor = self._drag_anchor, None
        self.release_mouse()
        if anchor is not None and not self._dragged:
            self._go(self.unit_at(anchor))

    def _snap_to_words(self, lo: int, hi: int) -> tuple[int, int]:
        text = self.text
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        while lo < hi and text[lo].isspace():
            lo += 1
        return lo, hi


def _split_paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-empty newline-separated blocks of ``text[start:end]``."""
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        if text[pos:stop].strip():
            out.append((pos, stop))
        pos = stop + 1
    return out


def _wrap(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` into rows of at most ``width`` characters.

    Rows keep their trailing spaces (so offsets stay contiguous); over-long words are split.
    """
    rows: list[tuple[int, int]] = []
    row_start = start
    pos = start
    for match in _WORD.finditer(text, start, end):
        w_start, w_end = match.start(), match.end()
        if w_end - row_start <= width:
            pos = w_end
            continue
        if pos > row_start:
            rows.append((row_start, w_start))
            row_start = w_start
        while w_end - row_start > width:
            rows.append((row_start, row_start + width))
            row_start += width
        pos = w_end
    if row_start < end:
        rows.append((row_start, end))
    return rows
