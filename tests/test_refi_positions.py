"""Positions between REFI-QDA files and qualcode's text: code points, UTF-16, CRLF, BOM."""

from __future__ import annotations

import pytest

from qualcode.interop.positions import (
    STANDARD,
    Convention,
    SourceText,
    Utf16Index,
    choose,
    code_points_to_utf16,
    stored_text,
    utf16_length,
    utf16_to_code_points,
)

# Emoji (outside the BMP, two UTF-16 units), a flag (two regional indicators), combining marks
# (one visible character, several code points), Greek, Arabic, Devanagari, CJK and a CJK
# Extension B ideograph (outside the BMP).
MIXED = "Anna 😀: é vs é, Ελλάδα, مرحبا, नमस्ते, 日本語 𠀀 and 🇸🇪 done"


def test_utf16_offsets_of_every_character() -> None:
    index = Utf16Index(MIXED)
    units = 0
    for cp, ch in enumerate(MIXED):
        assert index.to_utf16(cp) == units == code_points_to_utf16(MIXED, cp)
        assert index.to_code_points(units) == (cp, False)
        assert utf16_to_code_points(MIXED, units) == cp
        units += 2 if ord(ch) > 0xFFFF else 1
    assert units == utf16_length(MIXED) == len(MIXED.encode("utf-16-le")) // 2


def test_utf16_offset_inside_a_surrogate_pair_is_flagged() -> None:
    text = "a😀b"
    assert Utf16Index(text).to_code_points(2) == (1, True)
    assert Utf16Index(text).to_code_points(3) == (2, False)


def test_combining_marks_count_as_code_points() -> None:
    decomposed = "e\u0301"  # é as e + combining acute: two code points, one on screen
    text = f"x {decomposed} y"
    source = SourceText(text)
    assert source.place(STANDARD, 2, 4) == (2, 4, 0)
    assert source.text[2:4] == decomposed


def test_stored_text_normalises_newlines_and_controls() -> None:
    assert stored_text("a\r\nb\rc\x0cd\x07e") == "a\nb\nc\nde"


@pytest.mark.parametrize(
    ("convention", "counted"),
    [
        (Convention(), "line one\r\nline 😀 two\r\nthree"),
        (Convention(utf16=True), "line one\r\nline 😀 two\r\nthree"),
        (Convention(crlf_as_one=True), "line one\nline 😀 two\nthree"),
        (Convention(utf16=True, crlf_as_one=True), "line one\nline 😀 two\nthree"),
    ],
)
def test_each_convention_lands_on_the_same_passage(convention: Convention, counted: str) -> None:
    raw = "line one\r\nline 😀 two\r\nthree"
    source = SourceText(raw, had_bom=False)
    want = "two"
    start = counted.index(want)
    end = start + len(want)
    if convention.utf16:
        start, end = code_points_to_utf16(counted, start), code_points_to_utf16(counted, end)
    found = source.place(convention, start, end)
    assert found is not None
    assert source.text[found[0] : found[1]] == want


def test_bom_counted_as_a_character() -> None:
    source = SourceText("Hello world", had_bom=True)
    found = source.place(Convention(bom_counted=True), 7, 12)
    assert found is not None and source.text[found[0] : found[1]] == "world"


def test_choose_prefers_the_standard_when_nothing_tells_them_apart() -> None:
    source = SourceText("plain text without anything special")
    _, used = choose([(source, [(0, 5)], [""])])
    assert used == [STANDARD]


def test_choose_finds_utf16_from_names_and_word_edges() -> None:
    raw = "😀😀😀 Emoji first. Then the coded passage here."
    want = "coded passage"
    cp = raw.index(want)
    units = (code_points_to_utf16(raw, cp), code_points_to_utf16(raw, cp + len(want)))
    source = SourceText(raw)
    evaluations, used = choose([(source, [units], [want])])
    assert used[0].utf16
    span = evaluations[0].spans[0]
    assert span is not None and source.text[span[0] : span[1]] == want


def test_choose_applies_the_file_wide_convention_to_an_ambiguous_source() -> None:
    clear = SourceText("😀😀😀😀 Some words here and the target words.")
    want = "target words"
    cp = clear.raw.index(want)
    clear_span = (code_points_to_utf16(clear.raw, cp), code_points_to_utf16(clear.raw, cp + 12))
    vague = SourceText("😀 ab cd ef gh")
    vague_span = (code_points_to_utf16(vague.raw, 2), code_points_to_utf16(vague.raw, 4))
    evaluations, used = choose([(clear, [clear_span], [want]), (vague, [vague_span], [""])])
    assert used[0].utf16 and used[1].utf16
    span = evaluations[1].spans[0]
    assert span is not None and vague.text[span[0] : span[1]] == "ab"


def test_a_span_past_the_end_is_impossible() -> None:
    source = SourceText("short")
    assert source.place(STANDARD, 2, 99) is None
    assert source.place(STANDARD, 3, 3) is None
