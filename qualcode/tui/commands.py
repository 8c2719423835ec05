"""The command palette, derived from the key bindings.

Every binding of the screen the palette was opened over, of that screen's own widgets (the
transcript, the codebook pane, …) and of the app becomes a command: its title is the binding's
tooltip (or its footer label), its help names the keys. Adding a key adds its command, so the
palette can never drift from what the keys do — the same idea as Textual's own
``SystemCommandsProvider`` (``textual/system_commands.py``), fed from ``BINDINGS`` rather than
from a hand-kept list. Commands that ``check_action`` hides at the moment (undo off the
workbench, "Cancel move" when nothing is being moved) are left out, and the digit keys (apply
or set pin N) are summed up by the help screen rather than listed nine times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

from qualcode.tui.keys import pretty_keys


@dataclass(frozen=True)
class BindingCommand:
    title: str
    help: str
    node: DOMNode  # where the action runs (the app, the screen, or one of its widgets)
    action: str


def _own_bindings(node: DOMNode) -> list[Binding]:
    """Bindings declared by qualcode's classes (not Textual's own widgets' cursor keys)."""
    out: list[Binding] = []
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("qualcode."):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding not in out:
                out.append(binding)
    return out


def _nodes(screen: Screen[object]) -> Iterator[DOMNode]:
    yield screen
    for widget in screen.walk_children():
        if _own_bindings(widget):
            yield widget
    yield screen.app


def binding_commands(screen: Screen[object]) -> list[BindingCommand]:
    """The commands for ``screen``: one per (place, action) that a key is bound to now."""
    seen: set[tuple[int, str]] = set()
    out: list[BindingCommand] = []
    for node in _nodes(screen):
        for binding in _own_bindings(node):
            if not binding.description or binding.key.strip() in set("0123456789"):
                continue
            if (id(node), binding.action) in seen:
                continue
            seen.add((id(node), binding.action))
            namespace, name, arguments = parse(binding.action)
            target: DOMNode = node
            if namespace:  # "screen.focus_transcript" and the like
                target = screen if namespace == "screen" else screen.app
            if target.check_action(name, arguments) is False:
                continue
            keys = pretty_keys(binding.key)
            title = binding.tooltip or binding.description
            out.append(
                BindingCommand(title, f"{binding.description} · key {keys}", node, binding.action)
            )
    return out


class BindingCommands(Provider):
    """Command palette provider: every binding that works where the palette was opened."""

    def _commands(self) -> list[BindingCommand]:
        return binding_commands(self.screen)

    async def discover(self) -> Hits:
        for command in sorted(self._commands(), key=lambda c: c.title):
            yield DiscoveryHit(command.title, partial(_run, command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = max(matcher.match(command.title), matcher.match(command.help) * 0.8)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    partial(_run, command),
                    help=command.help,
                )


__all__ = ["BindingCommand", "BindingCommands", "binding_commands"]


async def _run(command: BindingCommand) -> None:
    """Run a palette command's action on the node whose binding it is."""
    await command.node.app.run_action(command.action, command.node)
