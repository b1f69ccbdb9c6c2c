"""Pulumi's ResourceV3 records (stack exports, preview steps) -> RawResource."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checker.inventory import RawResource, SourcePosition
from checker.values import normalize

_POSITION = re.compile(r"^project://(?P<path>[^#]*)#(?P<line>\d+)(,\d+)?$")


def source_position(value: Any) -> SourcePosition | None:
    """``project:///__main__.py#12,5`` -> ``__main__.py:12``."""
    if not isinstance(value, str):
        return None
    match = _POSITION.match(value)
    if not match:
        return None
    return SourcePosition(match["path"].lstrip("/"), int(match["line"]))


def raw_resource(record: Mapping[str, Any]) -> RawResource:
    """Read one ResourceV3 object (already schema-validated)."""
    prop_deps = record.get("propertyDependencies") or {}
    outputs = record.get("outputs")
    return RawResource(
        urn=record["urn"],
        type=record["type"],
        inputs=record.get("inputs") or {},
        outputs=outputs if isinstance(outputs, Mapping) else None,
        id=normalize(record.get("id")) if record.get("id") else None,
        parent=record.get("parent") or None,
        dependencies=tuple(record.get("dependencies") or ()),
        property_dependencies={k: tuple(v or ()) for k, v in prop_deps.items()},
        provider=record.get("provider") or None,
        source=source_position(record.get("sourcePosition")),
        custom=bool(record.get("custom", True)),
    )


def stack_and_project(records: list[Mapping[str, Any]]) -> tuple[str, str]:
    """The stack and project named by the first URN (``urn:pulumi:stack::project::...``)."""
    for record in records:
        parts = str(record.get("urn", "")).split("::")
        if len(parts) >= 2 and parts[0].startswith("urn:pulumi:"):
            return parts[0][len("urn:pulumi:") :], parts[1]
    return "", ""
