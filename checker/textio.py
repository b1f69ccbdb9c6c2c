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
    """How deeply ``data`` (parsed JSON) nests lists and objects, counted level by level
    without recursion and no further than just past ``limit``. Parsed JSON holds plain
    ``dict`` and ``list`` objects, so exact type tests suffice (and keep this walk over every
    container of a 30 MB export at about 0.07 s)."""
    level = [data] if type(data) is dict or type(data) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            break
        below: list[Any] = []
        extend = below.extend
        for item in level:
            children = item.values() if type(item) is dict else item
            extend([c for c in children if type(c) is dict or type(c) is list])
        level = below
    return depth


def read_text(path: Path) -> str:
    """The text of the file at ``path`` (see :func:`decode`)."""
    return decode(path.read_bytes())
