"""Indented JSON text, byte for byte as ``json.dumps(value, indent=2, ensure_ascii=...)``.

With ``indent`` the standard library encodes in pure Python through a chain of generators,
which took most of the time a large report spends being written. This writer handles the
plain JSON types reports are made of (dict with str keys, list, tuple, str, int, float,
bool, None) with one append per token, escaping strings with the standard library's own C
function; any other value makes it hand the whole document to ``json.dumps``, so the text
is always exactly what ``json.dumps`` would write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

_INDENT = "  "
_INFINITIES = (float("inf"), float("-inf"))


class _Unsupported(Exception):
    """A value this writer does not encode itself."""


def dumps_indented(value: Any, ensure_ascii: bool = True) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=ensure_ascii)``."""
    out: list[str] = []
    quote = encode_basestring_ascii if ensure_ascii else encode_basestring
    try:
        _write(value, "\n", out, quote)
    except (_Unsupported, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=ensure_ascii)
    return "".join(out)


def _scalar(value: Any, quote: Callable[[str], str]) -> str:
    kind = type(value)
    if kind is str:
        return quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and value == value and value not in _INFINITIES:
        return float.__repr__(value)
    raise _Unsupported


def _write(value: Any, newline: str, out: list[str], quote: Callable[[str], str]) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + _INDENT
        sep = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported
            kind = type(item)
            if kind is dict or kind is list or kind is tuple:
                out.append(f"{sep}{quote(key)}: ")
                _write(item, inner, out, quote)
            else:
                out.append(f"{sep}{quote(key)}: {_scalar(item, quote)}")
            sep = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + _INDENT
        sep = "[" + inner
        for item in value:
            kind = type(item)
            if kind is dict or kind is list or kind is tuple:
                out.append(sep)
                _write(item, inner, out, quote)
            else:
                out.append(sep + _scalar(item, quote))
            sep = "," + inner
        out.append(newline + "]")
    else:
        out.append(_scalar(value, quote))
