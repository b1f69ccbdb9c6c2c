"""The depth guard on JSON inputs (issue 12), read from the text (issue 17): the same depth as
walking the parsed value, and a document nested past 200 levels is refused from every JSON door."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.errors import InputError
from checker.sources import load_all
from checker.sources.base import LoadOptions
from checker.textio import MAX_DEPTH, decode, nesting_depth, outside_strings, text_depth
from tests.builders import StackBuilder

# Strings that hold what the text reading must see through: brackets, quotes, backslashes.
TRICKY = st.text(st.sampled_from('[]{}"\\\\/ax\u00e9\U0001f600,:'), max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY, inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 2]), st.booleans())
def test_text_depth_is_the_depth_of_the_parsed_value(value: object, indent: int | None,
                                                   ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only).encode("utf-8")
    assert text_depth(text) == nesting_depth(json.loads(text))


def nested(depth: int, inner: object = "x") -> object:
    value = inner
    for level in range(depth):
        value = [value] if level % 2 else {"k]": value}
    return value


@pytest.mark.parametrize("depth", [0, 1, 2, 5, 199, 200, 201, 202, 900])
@pytest.mark.parametrize("inner", ["x", "a]}\\\"[{", ""])
def test_text_depth_at_the_limit(depth: int, inner: str) -> None:
    text = json.dumps(nested(depth, inner)).encode()
    assert text_depth(text) == nesting_depth(json.loads(text)) == min(depth, MAX_DEPTH + 1)


def _export(tmp_path: Path, tags: object, encoding: str = "utf-8") -> Path:
    stack = StackBuilder("dev")
    stack.add("azure-native:compute:VirtualMachine", "vm", {"location": "eastus", "tags": tags})
    path = tmp_path / "export.json"
    path.write_bytes(json.dumps(stack.export()).encode(encoding))
    return path


def _preview(tmp_path: Path, tags: object) -> Path:
    urn = "urn:pulumi:dev::proj::azure-native:compute:VirtualMachine::vm"
    state = {"urn": urn, "type": "azure-native:compute:VirtualMachine", "custom": True,
             "inputs": {"location": "eastus", "tags": tags}}
    path = tmp_path / "preview.json"
    path.write_text(json.dumps({"steps": [{"op": "create", "urn": urn, "newState": state}]}))
    return path


def _levels_of_tags(path: Path) -> int:
    """How deep the document is from its root to its innermost tags value."""
    return text_depth(decode(path.read_bytes()).encode(), limit=10_000)


@pytest.mark.parametrize("door", ["export", "export-utf16", "preview"])
@pytest.mark.parametrize("inner", ["x", "[{\"}]"])
def test_a_document_past_200_levels_is_refused_from_every_json_door(
    tmp_path: Path, door: str, inner: str
) -> None:
    def write(tags: object) -> Path:
        if door == "preview":
            return _preview(tmp_path, tags)
        return _export(tmp_path, tags, "utf-16" if door == "export-utf16" else "utf-8")

    base = _levels_of_tags(write(nested(0, inner)))
    at_limit = write(nested(MAX_DEPTH - base, inner))
    assert _levels_of_tags(at_limit) == MAX_DEPTH
    assert load_all([at_limit], LoadOptions())  # 200 levels: read
    past = write(nested(MAX_DEPTH - base + 1, inner))
    with pytest.raises(InputError, match=f"{past}: JSON nested more than 200 levels deep"):
        load_all([past], LoadOptions())


@pytest.mark.parametrize("text", [b"[" * 5000, b"]" * 5000, b'{"a": "[', b"[[[]", b"\xff\xfe{", b""])
def test_text_depth_ends_on_text_that_is_not_json(text: bytes) -> None:
    assert 0 <= text_depth(text) <= MAX_DEPTH + 1


@given(st.lists(st.sampled_from(["{", "}", '""', '"{"', '"}{{"', '"{}"']), max_size=30),
       st.integers(min_value=1, max_value=9))
def test_strings_are_cut_out_whatever_the_chunks(pieces: list[str], chunk: int) -> None:
    marks = "".join(pieces).encode()
    outside = "".join(p for p in pieces if not p.startswith('"')).encode()
    assert outside_strings(marks, chunk) == outside_strings(marks) == outside
