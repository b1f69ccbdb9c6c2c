"""Pulumi's ResourceV3 records (stack exports, preview steps) -> RawResource."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from checker.inventory import RawResource, SourcePosition
from checker.values import normalize

_POSITION = re.compile(r"^project://(?P<path>[^#]*)#(?P<line>\d+)(,\d+)?$")


def source_position(value: Any) -> SourcePosition | None:
    """``project:///__main__.py#12,5`` -> ``__main__.py:12``."""
    return _position(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)
def _position(value: str) -> SourcePosition | None:
    # cached: resources made in a loop or a component share their position, and the instances
    # are immutable (a 5,000-VM export holds one position 13,750 times)
    match = _POSITION.match(value)
    if not match:
        return None
    return SourcePosition(match["path"].lstrip("/"), int(match["line"]))


def raw_resource(record: Mapping[str, Any]) -> RawResource:
    """Read one ResourceV3 object (already schema-validated)."""
    get = record.get
    prop_deps = get("propertyDependencies")
    outputs = get("outputs")
    rid = get("id")
    position = get("sourcePosition")
    return RawResource(
        urn=record["urn"],
        type=record["type"],
        inputs=get("inputs") or {},
        outputs=outputs if type(outputs) is dict or isinstance(outputs, Mapping) else None,
        id=normalize(rid) if rid else None,
        parent=get("parent") or None,
        dependencies=tuple(get("dependencies") or ()),
        property_dependencies={k: tuple(v or ()) for k, v in prop_deps.items()} if prop_deps else {},
        provider=get("provider") or None,
        source=_position(position) if isinstance(position, str) else None,
        custom=bool(get("custom", True)),
    )


def stack_and_project(records: list[Mapping[str, Any]]) -> tuple[str, str]:
    """The stack and project named by the first URN (``urn:pulumi:stack::project::...``)."""
    for record in records:
        parts = str(record.get("urn", "")).split("::")
        if len(parts) >= 2 and parts[0].startswith("urn:pulumi:"):
            return parts[0][len("urn:pulumi:") :], parts[1]
    return "", ""
