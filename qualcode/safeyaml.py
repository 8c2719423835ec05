"""YAML for files a researcher may receive from anyone: no aliases, no custom tags.

``yaml.safe_load`` already refuses arbitrary objects, but it still expands anchors and aliases,
so a few hundred bytes (a "billion laughs" of nested aliases) can describe a tree with billions
of nodes that any code walking it will try to visit. Codebooks and front matter never need
aliases, so they are refused outright, with the line where one appears.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_CHARS = 5_000_000


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed here", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely; raises ``yaml.YAMLError`` with a position on problems."""
    if len(text) > MAX_YAML_CHARS:
        raise yaml.YAMLError(f"file is too large for YAML ({len(text):,} characters)")
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
