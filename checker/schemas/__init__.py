"""The JSON schemas maintcheck ships, and validation that names the failing JSON path."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from checker.errors import InputError


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """A shipped schema by name: ``config``, ``preview``, ``stack-export``, ``report``..."""
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _registry() -> Any:
    """Every shipped schema under its ``$id``, so schemas can ``$ref`` each other."""
    from referencing import Registry, Resource

    pairs = []
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".schema.json"):
            schema = json.loads(entry.read_text("utf-8"))
            if "$id" in schema:
                pairs.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(pairs)


def json_path(parts: Any) -> str:
    """``["steps", 3, "urn"]`` -> ``$.steps[3].urn``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def validate(data: Any, schema: dict[str, Any], origin: str, what: str = "") -> None:
    """Raise InputError naming ``origin``, the JSON path and the problem of the most relevant
    schema violation."""
    import jsonschema  # deferred: only paths that validate pay for the import

    validator = jsonschema.Draft202012Validator(
        schema,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        registry=_registry(),
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        kind = f" {what}" if what else ""
        raise InputError(
            f"{origin}: invalid{kind} at {json_path(error.absolute_path)}: {error.message}"
        )
