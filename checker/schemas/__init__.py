"""The JSON schemas maintcheck ships, and validation that names the failing JSON path."""

from __future__ import annotations

import copy
import functools
import importlib
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any, Final

from checker.errors import InputError

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_@$-]{1,100}")


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

    return Registry().with_resources(
        (uri, Resource.from_contents(schema)) for uri, schema in _by_id().items()
    )


def json_path(parts: Any) -> str:
    """``["steps", 3, "urn"]`` -> ``$.steps[3].urn``; a key that is not a plain word is
    written quoted (``$["a.b\\n::x"]``), so a key cannot fake the path or break the line."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.fullmatch(part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part)[:100])}]"
    return out


# The schemas whose validators ship as code (checker/schemas/compiled/, written by
# `python -m checker.schemas.generate`; tests/test_schemas_compiled.py checks they are current):
# compiling one when a process starts costs about 0.01 s, a third of validating a 5,000-VM export.
COMPILED: Final = ("stack-export", "preview", "config")

# Documents whose records are validated one at a time: the keys (of ``properties``) that lead
# from the document to its list of records. A validator of the whole document formats every
# record's JSON path for its messages as it goes (``str.format(**locals())``, about a third of
# validating a 5,000-VM export); the document's validator then checks all but its records (the
# schema without their ``items``), and the records' validator each record. A violation anywhere
# is explained by jsonschema against the whole schema, as before.
RECORDS: Final = {"stack-export": ("deployment", "resources"), "preview": ("steps",)}


def _by_uri(uri: str) -> Any:
    """A shipped schema by its ``$id`` (how fastjsonschema resolves ``$ref``)."""
    return _by_id()[uri]


def validated_parts(name: str) -> dict[str, Any]:
    """What the fast validators of schema ``name`` are compiled from, by module name: the
    schema itself, or for a schema of :data:`RECORDS` the schema without its records'
    ``items`` and (``<module>_records``) the schema of one record."""
    module = name.replace("-", "_")
    schema = load_schema(name)
    if name not in RECORDS:
        return {module: schema}
    shape = copy.deepcopy(schema)
    node = shape
    for key in RECORDS[name]:
        node = node["properties"][key]
    records = node.pop("items")
    if set(records) == {"$ref"}:  # the schema referred to itself (one call less per record)
        records = _by_uri(records["$ref"])
    return {module: shape, f"{module}_records": records}


@functools.cache
def _compiled(module: str) -> Callable[[Any], Any]:
    """A compiled validator of :func:`validated_parts` (fastjsonschema turns a schema into
    Python code: about 50x faster than interpreting it, which matters for 10,000-resource
    exports). The code of :data:`COMPILED` schemas is shipped; the others are compiled here."""
    name = module.removesuffix("_records").replace("_", "-")
    if name in COMPILED:
        code = importlib.import_module(f"{__name__}.compiled.{module}")
        validator: Callable[[Any], Any] = code.validate
        return validator
    import fastjsonschema

    return fastjsonschema.compile(
        validated_parts(name)[module], handlers={"https": _by_uri}, use_formats=False
    )


@functools.cache
def _fast_check(name: str) -> Callable[[Any], None]:
    """The fast validator of schema ``name``: raises fastjsonschema's exception when ``data``
    violates it (its records checked one by one, see :data:`RECORDS`)."""
    module = name.replace("-", "_")
    document = _compiled(module)
    path = RECORDS.get(name)
    if path is None:
        return document
    one_record = _compiled(f"{module}_records")

    def whole(data: Any) -> None:
        document(data)
        records = data
        for key in path:  # objects all the way: the document's validator required them
            records = records.get(key) if isinstance(records, dict) else None
        for record in records or ():
            one_record(record)

    return whole


@functools.cache
def _by_id() -> dict[str, Any]:
    out = {}
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".schema.json"):
            schema = json.loads(entry.read_text("utf-8"))
            if "$id" in schema:
                out[schema["$id"]] = schema
    return out


def validate(data: Any, name: str, origin: str, what: str = "") -> None:
    """Validate ``data`` against the shipped schema ``name``; raise InputError naming
    ``origin``, the JSON path and the problem of the most relevant violation."""
    import fastjsonschema

    try:
        _fast_check(name)(data)
        return
    except fastjsonschema.JsonSchemaException:
        pass  # explain it with jsonschema's best match, which gives the clearest message
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        load_schema(name),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        registry=_registry(),
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        kind = f" {what}" if what else ""
        raise InputError(
            f"{origin}: invalid{kind} at {json_path(error.absolute_path)}: {_problem(error)}"
        )


def _problem(error: Any) -> str:
    """jsonschema's message without the offending value in full: the value is shown by its
    shape (secrets and credential-like keys masked, long text cut), the message shortened."""
    from checker.redaction import describe, safe_text

    message = str(error.message)
    try:
        shown = repr(error.instance)
    except RecursionError:  # pragma: no cover - inputs are depth-checked before this
        shown = ""
    if shown and shown in message:
        message = message.replace(shown, describe(error.instance))
    return safe_text(message, 300)
