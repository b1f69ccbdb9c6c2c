"""Reading the text files users hand us, in the encodings Windows tools write.

UTF-8 with or without a byte-order mark, and UTF-16 with one (what Windows PowerShell 5
writes for ``pulumi stack export > file`` or ``Out-File``). Anything else must be UTF-8.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any


def decode(data: bytes) -> str:
    """Text of ``data`` by its byte-order mark (UTF-16 LE/BE, UTF-8), else UTF-8.
    Raises UnicodeDecodeError when it is not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


MAX_DEPTH = 200  # real Pulumi documents nest a few dozen levels


def nesting_depth(data: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply ``data`` (parsed JSON) nests lists and objects, counted without recursion
    and no further than just past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def read_text(path: Path) -> str:
    """The text of the file at ``path`` (see :func:`decode`)."""
    return decode(path.read_bytes())
