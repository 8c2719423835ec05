"""YAML for files a researcher may receive from anyone: no aliases, no custom tags, no abyss.

``yaml.safe_load`` already refuses arbitrary objects, but it still expands anchors and aliases,
so a few hundred bytes (a "billion laughs" of nested aliases) can describe a tree with billions
of nodes that any code walking it will try to visit. Codebooks and front matter never need
aliases, so they are refused outright, with the line where one appears.

PyYAML also builds its tree recursively, a few Python frames per level, so ``[[[[…]]]]`` a few
hundred levels deep ends in ``RecursionError``; nesting is limited to :data:`MAX_YAML_DEPTH`
levels, far beyond any codebook, and refused with the line where it goes deeper. Values that
PyYAML's constructors cannot build (``2001-02-30``, an integer of 5,000 digits) are refused the
same way, instead of escaping as ``ValueError``, and so are escapes that name no character
(``"\\U01000000"``).
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_CHARS = 5_000_000
MAX_YAML_DEPTH = 100


class _SafeLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed here", event.start_mark
            )
        nests = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if nests and self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"nested deeper than {MAX_YAML_DEPTH} levels",
                self.peek_event().start_mark,
            )
        self._depth += nests
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= nests

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            message = (str(exc).splitlines() or ["invalid value"])[0]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value: {message}", node.start_mark
            ) from exc


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely; raises ``yaml.YAMLError`` with a position on problems."""
    if len(text) > MAX_YAML_CHARS:
        raise yaml.YAMLError(f"file is too large for YAML ({len(text):,} characters)")
    loader = _SafeLoader(text)
    try:
        return loader.get_single_data()
    except (ValueError, OverflowError) as exc:  # e.g. the escape "\U01000000" is no character
        message = (str(exc).splitlines() or ["invalid value"])[0]
        raise yaml.scanner.ScannerError(
            None, None, f"cannot read this: {message}", loader.get_mark()
        ) from exc
    finally:
        loader.dispose()
