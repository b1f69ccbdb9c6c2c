"""Every input format maintcheck reads, in one table, and detection of which one applies.

A directory is a Pulumi project (Python and TypeScript/JavaScript programs run under mocks,
YAML programs are read); a file is read as JSON and claimed by
content: a stack export has ``deployment``, a preview has ``steps``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.inventory import Document
from checker.memory import collector_paused
from checker.redaction import shorten
from checker.sources.base import LoadOptions, Source
from checker.sources.preview import PreviewSource
from checker.sources.state import StateSource
from checker.textio import MAX_DEPTH, decode, is_utf16, text_depth

# The sources of a file (its parsed JSON), claimed by content.
FILE_SOURCES: tuple[Source, ...] = (StateSource(), PreviewSource())


@functools.cache
def _all_sources() -> tuple[Source, ...]:
    # A project directory is claimed by its runtime; ProgramSource takes the rest (python, and
    # explains what it cannot run), so it comes after the other program sources.
    from checker.sources.nodejs import NodeProgramSource
    from checker.sources.program import ProgramSource
    from checker.sources.yaml_program import YamlProgramSource

    return (NodeProgramSource(), YamlProgramSource(), ProgramSource(), *FILE_SOURCES)


def __getattr__(name: str) -> tuple[Source, ...]:
    """``ALL_SOURCES``, the table of every source, is built on first use: the program sources
    (runs under mocks, workers, YAML programs) are imported only when a directory is read or
    the table is asked for, so a scan of JSON files does not pay for their imports (0.02 s)."""
    if name == "ALL_SOURCES":
        return _all_sources()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _read_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
        text = decode(raw)
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not a text file; give a JSON file or a Pulumi project directory."
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}.") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(
            f"{path}: JSON nested too deeply to read (thousands of levels); no Pulumi document "
            "is nested like this. Write the file again with `pulumi preview --json > FILE` or "
            "`pulumi stack export --file FILE`."
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}. "
            "Was the file truncated? Write it again with `pulumi preview --json > FILE` or "
            "`pulumi stack export --file FILE`."
        ) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise InputError(
            f"{path}: holds a number too long to read ({shorten(str(exc), 80)}); no Pulumi "
            "document holds one. Write the file again with `pulumi preview --json > FILE`."
        ) from None
    if text_depth(text.encode("utf-8") if is_utf16(raw) else raw) > MAX_DEPTH:
        raise InputError(
            f"{path}: JSON nested more than {MAX_DEPTH} levels deep; no Pulumi document is "
            "nested like this. Write the file again with `pulumi preview --json > FILE` or "
            "`pulumi stack export --file FILE`."
        )
    return data


def load_path(path: Path, options: LoadOptions) -> list[Document]:
    if not path.exists():
        raise InputError(f"{path}: no such file or directory.")
    data = None if path.is_dir() else _read_json(path)
    # every program source claims a directory only (data None), the file sources a file only
    for source in _all_sources() if data is None else FILE_SOURCES:
        if source.claims(path, data):
            return source.load(path, data, options)
    if data is None:
        raise InputError(
            f"{path}: a directory without Pulumi.yaml; give a Pulumi project directory, a "
            "`pulumi preview --json` file or a `pulumi stack export` file."
        )
    raise InputError(
        f"{path}: valid JSON, but neither a `pulumi preview --json` document (an object with "
        "`steps`) nor a `pulumi stack export` (an object with `version` and `deployment`) at $."
    )


def load_all(paths: Iterable[Path], options: LoadOptions) -> list[Document]:
    """Read every input of one scan. A path given twice is read once; two inputs that hold
    the same stack of the same project (a preview and an export of it, say) are an error:
    scanned together, every resource would be counted twice."""
    unique = list(dict.fromkeys(Path(p) for p in paths))
    documents: list[Document] = []
    seen: dict[tuple[str, str], Document] = {}
    for path in unique:
        with collector_paused():  # parsing builds one large graph: see checker.memory
            loaded = load_path(path, options)
        for doc in loaded:
            key = (doc.project, doc.stack)
            if doc.resources and key in seen:
                first = seen[key].origin
                raise InputError(
                    f"{doc.origin}: holds stack {doc.stack!r} of project {doc.project!r}, which "
                    f"{first} holds too; scan each stack once (one preview or one export of it)."
                )
            seen.setdefault(key, doc)
            documents.append(doc)
    return documents
