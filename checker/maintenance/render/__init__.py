"""Renderings of a simulation and of a plan, one module per kind of output, listed in two tables
(name -> module and function) so the commands offer the names without importing every module.

Kept apart from ``checker/report`` (the formats of a scan's findings): these render waves and
runbooks, not findings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Final

SIMULATE_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "text": ("checker.maintenance.render.text", "simulation_text"),
    "json": ("checker.maintenance.render.data", "simulation_json"),
    "markdown": ("checker.maintenance.render.markdown", "simulation_markdown"),
    "html": ("checker.maintenance.render.page", "simulation_html"),
}
PLAN_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "text": ("checker.maintenance.render.text", "plan_text"),
    "markdown": ("checker.maintenance.render.markdown", "plan_markdown"),
    "json": ("checker.maintenance.render.data", "plan_json"),
}


def renderer(table: dict[str, tuple[str, str]], name: str) -> Callable[[Any], str]:
    """The function that renders format ``name`` of ``table``, its output escaped for where it
    goes (names come from the input): JSON with ``escaping.json_text``, every other format
    with ``escaping.terminal`` (control characters and lone surrogates shown as escapes, no line
    that starts a GitHub workflow command); the renderers themselves write no control
    characters but line feeds and tabs."""
    from checker import escaping

    module, function = table[name]
    found: Callable[[Any], str] = getattr(importlib.import_module(module), function)
    safe = escaping.json_text if name == "json" else escaping.terminal

    def render(data: Any) -> str:
        return safe(found(data))

    return render
