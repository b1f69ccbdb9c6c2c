"""Property values as the engine sees them: UNKNOWN, SECRET, and normalisation.

Every source turns its raw property values into plain JSON-like data through
:func:`normalize`, so rules meet exactly one marker for "not known yet" and one for
"a secret we must never print", whatever format the value arrived in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

# The string Pulumi uses for an unknown value in JSON documents and mocks.
UNKNOWN_SENTINEL: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Every unknown sentinel: the string one above, and the typed ones the engine sends over gRPC
# (bool, number, array, asset, archive, object), as pulumi-policy's proxy module lists them.
UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_SENTINEL,
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)
# The key that marks a special Pulumi value (secret, asset, archive, resource reference).
SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REF_SIG: Final = "5cf8f73096256a8f31e491e813e4eb8e"


class _Marker:
    """A singleton marker value; compares by identity, prints as its name."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    __str__ = __repr__

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return self._name


UNKNOWN: Final = _Marker("UNKNOWN")
"""A value that is not known before deployment (or a reference outside the scan)."""

SECRET: Final = _Marker("SECRET")
"""A value that is secret or credential-like; its content is gone and never printed."""

# Keys whose values are credentials even when nothing marks them secret: real preview files
# carry them in plain text.
_CREDENTIAL_KEY = re.compile(
    r"^(adminPassword|password|connectionString|.*[Ss]ecret.*|.*Key|.*Token|.*Password)$"
)


@functools.lru_cache(maxsize=4096)
def is_credential_key(key: str) -> bool:
    """True when a property named ``key`` likely holds a credential (e.g. ``adminPassword``)."""
    return bool(_CREDENTIAL_KEY.match(key))


class Normalized(Mapping[str, Any]):
    """A mapping whose values its source has normalised already, by :func:`normalize`'s rules
    (the policy pack reads protobuf values straight into normalised data): the inventory
    reads them as they are instead of walking them again."""

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        """Every item, in order, as a plain dict."""
        return dict(self.items())


def normalize(value: Any, key: str = "") -> Any:
    """Return ``value`` with unknowns, secrets and credential-like keys replaced by markers.

    Integral floats (``2.0``, as protobuf Structs deliver numbers) become ints. This runs on
    every property of every resource, so the common JSON types take the fast paths first.
    """
    if key and value is not None and is_credential_key(key):
        return SECRET
    kind = type(value)
    if kind is str:
        if value in UNKNOWN_SENTINELS:
            return UNKNOWN
        if value == "[secret]":
            return SECRET
        return value
    if kind is dict:
        sig = value.get(SIG_KEY)
        if sig is not None:
            if sig == SECRET_SIG:
                return SECRET
            if sig == RESOURCE_REF_SIG:
                return normalize(value.get("id", UNKNOWN))
        return _normalize_items(value)
    if kind is list:
        return [normalize(v) for v in value]
    if kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return int(value) if value.is_integer() else value
    if value is UNKNOWN or value is SECRET:
        return value
    if isinstance(value, Mapping):
        return normalize(dict(value), key)
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    for base in (bool, int, float, str):  # subclasses, e.g. str-based enums
        if isinstance(value, base):
            return normalize(base(value), key)
    return str(value)


_SPECIAL_STRINGS: Final = UNKNOWN_SENTINELS | {"[secret]"}


def _normalize_items(value: dict[Any, Any]) -> dict[Any, Any]:
    """``{k: normalize(v, k) for k, v in value.items()}``, with plain leaves inline."""
    out: dict[Any, Any] = {}
    for k, v in value.items():
        kind = type(v)
        if v is None:
            out[k] = None
        elif (kind is str and v not in _SPECIAL_STRINGS) or kind is int or kind is bool:
            out[k] = SECRET if k and is_credential_key(k) else v
        else:
            out[k] = normalize(v, k)
    return out


def is_known(value: Any) -> bool:
    return value is not UNKNOWN and value is not SECRET


def get_path(obj: Any, path: str, default: Any = None) -> Any:
    """Read a dotted property path (``storageProfile.osDisk.diffDiskSettings.option``).

    An UNKNOWN met on the way makes the whole value UNKNOWN; a missing key gives ``default``.
    """
    cur = obj
    for part in path.split("."):
        if cur is UNKNOWN or cur is SECRET:
            return cur
        if type(cur) is not dict and not isinstance(cur, Mapping):
            return default
        cur = cur.get(part, _MISSING)
        if cur is _MISSING:
            return default
    return cur


_MISSING: Final = object()


def redact(value: Any) -> Any:
    """Make a normalised value safe to print: markers become their names."""
    if value is UNKNOWN:
        return "<unknown>"
    if value is SECRET:
        return "<secret>"
    if isinstance(value, Mapping):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def whole_number(value: Any) -> int | None:
    """An integer property that may arrive as ``3`` or ``3.0``; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
