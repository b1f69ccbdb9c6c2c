"""The shipped validator code (checker/schemas/compiled/) is current with the schemas, and
judges documents as a validator compiled from the schema now does."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from checker.errors import InputError
from checker.schemas import COMPILED, _by_uri, _fast_check, load_schema, validate
from checker.schemas.generate import compiled_source, module_path, schema_digest

DOCS = Path(__file__).parent / "fixtures" / "documents"
REGENERATE = "schema changed: run `python -m checker.schemas.generate` and commit the result"


@pytest.mark.parametrize("name", COMPILED)
def test_compiled_validator_is_current_with_its_schema(name: str) -> None:
    text = module_path(name).read_text("utf-8")
    assert f"# schema sha256: {schema_digest(name)}\n" in text, REGENERATE
    made_with = re.search(r'^VERSION = "([^"]+)"$', text, re.M)
    assert made_with is not None
    if made_with[1] != fastjsonschema.VERSION:
        pytest.skip(f"written with fastjsonschema {made_with[1]}, {fastjsonschema.VERSION} installed")
    assert text == compiled_source(name), REGENERATE


def test_every_compiled_module_is_listed() -> None:
    shipped = {p.stem for p in module_path("x").parent.glob("*.py")} - {"__init__"}
    assert shipped == {name.replace("-", "_") for name in COMPILED}


def _verdict(check: Any, data: Any) -> str:
    try:
        check(data)
    except fastjsonschema.JsonSchemaException as exc:
        return f"invalid: {exc.message}"
    return "valid"


def _samples() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for path in sorted(DOCS.glob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        name = "preview" if isinstance(data, dict) and "steps" in data else "stack-export"
        out.append((name, data))
        if name == "stack-export" and data.get("deployment", {}).get("resources"):
            broken = json.loads(json.dumps(data))
            broken["deployment"]["resources"][-1]["urn"] = "not-a-urn"
            out.append((name, broken))
            missing = json.loads(json.dumps(data))
            del missing["deployment"]["resources"][0]["type"]
            out.append((name, missing))
    out += [("config", {"select": ["MC1"]}), ("config", {"select": "MC1"}), ("config", {"x": 1})]
    return out


@pytest.mark.parametrize(("name", "data"), _samples())
def test_compiled_validator_judges_as_a_fresh_compile(name: str, data: Any) -> None:
    fresh = fastjsonschema.compile(load_schema(name), handlers={"https": _by_uri}, use_formats=False)
    assert _fast_check(name) is not fresh
    assert _verdict(_fast_check(name), data) == _verdict(fresh, data)


def test_a_bad_export_is_still_explained_by_its_json_path() -> None:
    data = {"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::n", "type": ""}]}}
    where = r"^x\.json: invalid stack export at \$\.deployment\.resources\[0\]\.type"
    with pytest.raises(InputError, match=where):
        validate(data, "stack-export", "x.json", "stack export")
