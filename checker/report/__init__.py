"""Every report format, in one table: name -> the module and class that render it.

The table names modules instead of importing them, so the command line can offer the names as
choices without paying for every format's imports at start-up; :func:`get` imports one.
``tests/test_tables.py`` checks that every module of this package is listed and that each
entry's class carries the name it is listed under.
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from checker.report.base import Format, ReportOptions

ALL_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "text": ("checker.report.text", "TextFormat"),
    "concise": ("checker.report.concise", "ConciseFormat"),
    "json": ("checker.report.json", "JsonFormat"),
    "sarif": ("checker.report.sarif", "SarifFormat"),
    "markdown": ("checker.report.markdown", "MarkdownFormat"),
    "github": ("checker.report.github", "GithubFormat"),
    "junit": ("checker.report.junit", "JunitFormat"),
    "html": ("checker.report.html", "HtmlFormat"),
}
FORMAT_NAMES: Final = tuple(ALL_FORMATS)


def get(name: str, options: ReportOptions | None = None) -> Format:
    """The format called ``name`` (one of :data:`FORMAT_NAMES`). A format class whose
    constructor takes ``options`` gets them (the others show nothing they would change)."""
    module, cls = ALL_FORMATS[name]
    factory = getattr(importlib.import_module(module), cls)
    if options is not None and "options" in inspect.signature(factory).parameters:
        fmt: Format = factory(options=options)
    else:
        fmt = factory()
    return fmt
