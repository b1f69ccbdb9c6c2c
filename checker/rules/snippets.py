"""Helpers that write fix snippets as valid pulumi-azure-native v3 Python code.

Snippets are self-contained: they import the SDK and spell out the resource group and
location they know from the resource's inputs, so a user can paste them and they compile.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from checker.inventory import Resource
from checker.values import is_known

IMPORT = "import pulumi_azure_native as azure_native\n"


def identifier(logical_name: str) -> str:
    """A Python variable name for a logical resource name: ``web-as`` -> ``web_as``."""
    name = re.sub(r"\W+", "_", logical_name).strip("_").lower() or "resource"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = f"r_{name}"
    return name


def literal(value: Any) -> str:
    """A Python literal for a JSON-like value (markers become ``...`` placeholders)."""
    if not is_known(value):
        return "..."
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(str(value))


def resource_group_arg(res: Resource) -> str:
    """``resource_group_name=...`` for a new resource beside ``res``."""
    rg = res.inputs.get("resourceGroupName")
    return f"resource_group_name={literal(rg) if isinstance(rg, str) else repr('my-rg')}"


def location_arg(res: Resource, location: Any) -> str:
    loc = location if isinstance(location, str) else res.inputs.get("location")
    return f"location={literal(loc)}" if isinstance(loc, str) else ""


def call(type_path: str, logical_name: str, *args: str, var: str | None = None) -> str:
    """``var = azure_native.<type_path>("name", arg, ...)`` laid out one argument a line."""
    lines = [f"{var or identifier(logical_name)} = azure_native.{type_path}("]
    lines.append(f"    {logical_name!r},")
    lines.extend(f"    {a}," for a in args if a)
    lines.append(")")
    return "\n".join(lines)
