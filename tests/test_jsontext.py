"""orjson renders the JSON reports: the text must stay what ``json.dumps(indent=2)`` writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker import report
from checker.config import Settings
from checker.engine import scan
from checker.jsontext import dumps_indented
from tests.test_snippets import kitchen_sink

CORPUS: list[Any] = [
    {},
    [],
    {"a": [], "b": {}, "c": [1, {"x": None, "y": [True, False, "s"]}]},
    {"quote": '"\\\n\t\x01\x1f\x7f', "dash": "a — b", "accent": "café", "emoji": "web 😀 vm"},
    {"big": 2**70, "neg": -(2**63), "float": 0.5, "pi": 3.14159, "huge": 1e300},
    {"surrogate": "\ud800 lone"},
    {"nested": [[[[{"deep": ["x"]}]]]], "unicode_key_é": 1},
]


@pytest.mark.parametrize("data", CORPUS)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_same_text_as_the_standard_library(data: Any, ensure_ascii: bool) -> None:
    assert dumps_indented(data, ensure_ascii=ensure_ascii) == json.dumps(
        data, indent=2, ensure_ascii=ensure_ascii
    )


def test_reports_are_the_bytes_the_standard_library_writes() -> None:
    result = scan([s.document(f"{s.stack}.json") for s in kitchen_sink()], Settings())
    assert result.findings
    text = report.get("json").render(result)
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
    sarif = report.get("sarif").render(result)
    assert sarif == json.dumps(json.loads(sarif), indent=2, ensure_ascii=False) + "\n"
