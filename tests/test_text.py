"""qualcode.text helpers."""

from __future__ import annotations


def test_map_strings_reaches_every_string_and_keeps_what_it_leaves() -> None:
    """One walk for xml_safe and the pseudonymiser: dataclass fields, tuples, lists, dict
    keys and values; an untouched structure comes back as the same object."""
    from dataclasses import dataclass

    from qualcode.text import map_strings

    @dataclass(frozen=True)
    class Row:
        name: str
        tags: tuple[str, ...]
        counts: dict[str, int]

    row = Row("Anna", ("Anna said", "ok"), {"Anna": 1, "x": 2})
    up = map_strings(row, lambda s: s.replace("Anna", "P1"))
    assert up == Row("P1", ("P1 said", "ok"), {"P1": 1, "x": 2})
    assert up.tags[1] is row.tags[1]
    same = map_strings(row, lambda s: s)
    assert same is row
    assert map_strings([1, "a", None], str.upper) == [1, "A", None]
