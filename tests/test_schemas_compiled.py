"""The shipped validator code (checker/schemas/compiled/) is current with the schemas, and the
fast validation (a document's records one by one) judges documents as the whole schema does."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from checker.errors import InputError
from checker.schemas import COMPILED, RECORDS, _by_uri, _fast_check, load_schema, validate
from checker.schemas.generate import COMPILED_DIR, compiled_source, module_path, modules, schema_digest

DOCS = Path(__file__).parent / "fixtures" / "documents"
REGENERATE = "schema changed: run `python -m checker.schemas.generate` and commit the result"


@pytest.mark.parametrize("module", sorted(modules()))
def test_compiled_validator_is_current_with_its_schema(module: str) -> None:
    text = module_path(module).read_text("utf-8")
    name, _part = modules()[module]
    assert f"# schema sha256: {schema_digest(name)}\n" in text, REGENERATE
    made_with = re.search(r'^VERSION = "([^"]+)"$', text, re.M)
    assert made_with is not None
    if made_with[1] != fastjsonschema.VERSION:
        pytest.skip(f"written with fastjsonschema {made_with[1]}, {fastjsonschema.VERSION} installed")
    assert text == compiled_source(module), REGENERATE


def test_every_compiled_module_is_one_of_a_listed_schema() -> None:
    shipped = {p.stem for p in COMPILED_DIR.glob("*.py")} - {"__init__"}
    assert shipped == set(modules())
    assert set(RECORDS) <= set(COMPILED)


def _valid(check: Any, data: Any) -> bool:
    try:
        check(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _broken(data: dict[str, Any], name: str) -> list[Any]:
    """``data`` broken in its shape and in its first, middle and last record."""
    out: list[Any] = [[], {"version": 3}, {**data, "version": 2}]
    records_at = RECORDS[name]
    holder = data
    for key in records_at[:-1]:
        holder = holder[key]
    out.append({**data, **({records_at[0]: {**holder, records_at[-1]: 7}} if len(records_at) > 1
                          else {records_at[0]: 7})})
    count = len(holder.get(records_at[-1]) or [])
    for index in sorted({0, count // 2, count - 1} if count else set()):
        for mutate in ("urn", "type", "record", "dependency"):
            doc = copy.deepcopy(data)
            records = doc
            for key in records_at:
                records = records[key]
            record = records[index]
            target = record.get("newState", record) if name == "preview" else record
            if mutate == "record":
                records[index] = "not an object"
            elif mutate == "dependency":
                target["dependencies"] = ["urn:pulumi:a", 5]
            elif mutate == "urn":
                target["urn"] = "not-a-urn"
            else:
                target.pop("type", None)
            out.append(doc)
    return out


def _samples() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for path in sorted(DOCS.glob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        if not isinstance(data, dict) or not ({"steps", "deployment"} & set(data)):
            continue
        name = "preview" if "steps" in data else "stack-export"
        out += [(name, data)] + [(name, bad) for bad in _broken(data, name)]
    out += [("preview", {"steps": None}), ("stack-export", {"version": 3, "deployment": {}})]
    out += [("config", {"select": ["MC1"]}), ("config", {"select": "MC1"}), ("config", {"x": 1})]
    return out


@pytest.mark.parametrize(("name", "data"), _samples())
def test_fast_validation_judges_as_the_whole_schema(name: str, data: Any) -> None:
    whole = fastjsonschema.compile(load_schema(name), handlers={"https": _by_uri}, use_formats=False)
    assert _valid(_fast_check(name), data) == _valid(whole, data)


def test_a_bad_record_is_still_explained_by_its_json_path() -> None:
    records = [{"urn": f"urn:pulumi:s::p::t::n{i}", "type": "t"} for i in range(3)]
    records[2]["type"] = ""
    data = {"version": 3, "deployment": {"resources": records}}
    where = r"^x\.json: invalid stack export at \$\.deployment\.resources\[2\]\.type: '' should be non-empty"
    with pytest.raises(InputError, match=where):
        validate(data, "stack-export", "x.json", "stack export")
