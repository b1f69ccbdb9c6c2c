"""checker.escaping's fast path: printable text is returned as it is, which is only right if no
character the escapes are for is printable. Checked over every code point."""

from __future__ import annotations

import sys

import pytest

from checker import escaping as esc

EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))


@pytest.mark.parametrize("pattern", [esc._INLINE, esc._BLOCK])
def test_no_character_that_is_escaped_is_printable(pattern: object) -> None:
    assert hasattr(pattern, "findall")
    escaped = pattern.findall(EVERY_CHARACTER)
    assert len(escaped) > 2000  # controls, formatting characters, surrogates
    assert [c for c in escaped if c.isprintable()] == []


@pytest.mark.parametrize("text", ["web-0", "a\u2014b", "x\u202ey", "tab\there", "line\nfeed", "\x1b[2J"])
def test_inline_and_block_escape_as_the_substitution_does(text: str) -> None:
    assert esc.inline(text) == esc._INLINE.sub(esc._escape_char, text)
    assert esc.block(text) == esc._BLOCK.sub(esc._escape_char, text)


def test_block_keeps_multi_line_ascii_exactly_as_the_substitution_does() -> None:
    """block's ASCII path (safe bytes deleted in C) against the substitution, for each ASCII
    character inside multi-line text with tabs."""
    for code in range(128):
        text = f"line one\n\tline {chr(code)} two\n"
        assert esc.block(text) == esc._BLOCK.sub(esc._escape_char, text), code
