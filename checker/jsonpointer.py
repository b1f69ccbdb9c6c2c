"""JSON pointers (RFC 6901), as patch operations write property paths: ``/sku/name``,
``/ipConfigurations/0/privateIPAddress``; ``~1`` stands for ``/`` and ``~0`` for ``~`` in a key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def segments(pointer: str) -> tuple[str, ...]:
    """``/a/0/b~1c`` -> ``("a", "0", "b/c")``."""
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])


def join(keys: Iterable[str]) -> str:
    """The pointer of ``keys``: ``("a", "b/c")`` -> ``/a/b~1c``."""
    return "".join("/" + k.replace("~", "~0").replace("/", "~1") for k in keys)


def is_index(segment: str) -> bool:
    """A list position: digits, or ``-`` (past the end, where ``add`` appends)."""
    return segment.isdigit() or segment == "-"


def get(doc: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``doc`` (objects and lists); None when it is not there."""
    cur = doc
    for token in segments(pointer):
        if token == "":
            continue
        if isinstance(cur, Mapping):
            cur = cur.get(token)
        elif isinstance(cur, list) and token.isdigit() and int(token) < len(cur):
            cur = cur[int(token)]
        else:
            return None
    return cur
