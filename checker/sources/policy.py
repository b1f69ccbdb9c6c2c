"""Resources as a Pulumi policy pack receives them -> a :class:`Document` for the inventory.

A pack sees the stack in one of two shapes, and both become the same ``Document`` of
``RawResource`` records that the CLI's sources produce, so the engine judges them alike:

* ``AnalyzerResource`` protobuf messages of an ``AnalyzeStack`` request (what
  ``checker.policy_pack``'s servicer reads). Property Structs are read lazily: the inventory
  reads those of the kinds rules judge whole, in one walk, and others one top-level key at a
  time; every typed unknown sentinel becomes ``UNKNOWN``; secret-wrapped values
  ``SECRET``.
* pulumi_policy ``PolicyResource`` objects (what a ``StackValidationPolicy.validate`` gets
  from the stock SDK). Their unknown-checking proxies are bypassed, so reading never raises
  ``UnknownValueError``; the SDK has already unwrapped secrets to plaintext, so only
  credential-like keys (``adminPassword``...) can still be redacted on that path.

References come from ``propertyDependencies``, ``dependencies`` and ``parent`` (URNs). A
resource's provider is added as a resource of its own when the stack does not list it, so a
VM's location resolves through its provider exactly as it does for a stack export.

Nothing here imports pulumi: the messages and SDK objects are read by attribute.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from checker.inventory import Document, RawResource, parse_urn
from checker.values import (
    RESOURCE_REF_SIG,
    SECRET,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    UNKNOWN_SENTINELS,
    Normalized,
    is_credential_key,
    normalize,
)

ORIGIN: Final = "pulumi policy pack"
_MISSING: Final[Any] = object()
SOURCE_KIND: Final = "policy"

# -- values ------------------------------------------------------------------------------------


def proto_value(value: Any, key: str = "") -> Any:
    """A ``google.protobuf.Value`` as normalised plain data, in one walk: what
    ``values.normalize(<the value as plain data>, key)`` gives (unknown sentinels become
    ``UNKNOWN``; secrets, and values under credential-like keys, ``SECRET``; integral numbers,
    which arrive as floats, ints), without building the plain copy first.

    Object keys are sorted, as Pulumi's own JSON documents write them, so a rule that walks
    an object sees the same order as in the CLI."""
    kind = value.WhichOneof("kind")
    if kind == "null_value" or kind is None:
        return None
    if key and is_credential_key(key):
        return SECRET
    if kind == "string_value":
        text: str = value.string_value
        if text in UNKNOWN_SENTINELS:
            return UNKNOWN
        return SECRET if text == "[secret]" else text
    if kind == "number_value":
        number: float = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [proto_value(item) for item in value.list_value.values]
    fields = value.struct_value.fields
    if SIG_KEY in fields:
        sig = proto_value(fields[SIG_KEY])
        if sig == SECRET_SIG:
            return SECRET
        if sig == RESOURCE_REF_SIG:
            return proto_value(fields["id"]) if "id" in fields else UNKNOWN
    return {name: proto_value(fields[name], name) for name in sorted(fields)}


def _is_sdk_proxy(value: Any) -> bool:
    return type(value).__name__ in ("_DictProxy", "_ListProxy")


def sdk_value(value: Any) -> Any:
    """A value of pulumi_policy's unknown-checking proxies as plain data, without raising
    ``UnknownValueError``: the proxies' raw targets are read instead of their items."""
    if _is_sdk_proxy(value):
        value = value["__target"]
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        return {str(key): sdk_value(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [sdk_value(item) for item in value]
    return value


def _sdk_item(value: Any, _key: str) -> Any:
    return sdk_value(value)  # the inventory normalises it (with the key)


class LazyProperties(Mapping[str, Any]):
    """Top-level properties converted on each access (the inventory caches each key it is
    asked for), or all at once (:meth:`as_dict`). ``raw`` is a protobuf map or a plain
    mapping: membership tests and ``get`` neither insert a missing key."""

    __slots__ = ("_convert", "_raw")

    def __init__(self, raw: Mapping[str, Any], convert: Callable[[Any, str], Any]) -> None:
        self._raw = raw
        self._convert = convert

    def __getitem__(self, key: str) -> Any:
        if key not in self._raw:  # a protobuf map's [] would insert a missing key
            raise KeyError(key)
        return self._convert(self._raw[key], key)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._raw.get(key, _MISSING)
        return default if value is _MISSING else self._convert(value, key)

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._raw))

    def __len__(self) -> int:
        return len(self._raw)

    def as_dict(self) -> dict[str, Any]:
        """Every key converted, in order, as a plain dict (one pass, no lookups per key)."""
        raw, convert = self._raw, self._convert
        return {key: convert(raw[key], key) for key in sorted(raw)}


class NormalizedProperties(LazyProperties, Normalized):
    """:class:`LazyProperties` whose conversion normalises too (:func:`proto_value`)."""

    __slots__ = ()


def _id(props: Mapping[str, Any]) -> str | None:
    value = props.get("id")
    return value if isinstance(value, str) and value else None


# -- AnalyzerResource messages (the servicer's fast path) ----------------------------------------


def _struct(message: Any) -> LazyProperties:
    return NormalizedProperties(message.properties.fields, proto_value)


def _provider_urn(message: Any) -> str:
    return message.provider.urn if message.HasField("provider") else ""


def _provider_record(message: Any) -> RawResource:
    provider = message.provider
    return RawResource(urn=provider.urn, type=provider.type, inputs=_struct(provider))


def _analyzer_record(message: Any) -> RawResource:
    props = _struct(message)
    return RawResource(
        urn=message.urn,
        type=message.type,
        inputs=props,
        id=_id(props),
        parent=message.parent or None,
        dependencies=tuple(message.dependencies),
        property_dependencies={
            key: tuple(deps.urns) for key, deps in sorted(message.propertyDependencies.items())
        },
        provider=_provider_urn(message) or None,
    )


def document_from_analyzer(
    resources: Iterable[Any],
    project: str = "",
    stack: str = "",
    config: Mapping[str, Any] | None = None,
) -> Document:
    """A Document of the ``AnalyzerResource`` messages of an ``AnalyzeStackRequest``."""
    return _document(resources, _analyzer_record, _provider_urn, _provider_record, project, stack, config)


# -- PolicyResource objects (the stock SDK's StackValidationPolicy path) -------------------------


def _sdk_props(props: Any) -> LazyProperties:
    raw = props["__target"] if _is_sdk_proxy(props) else props
    return LazyProperties(raw if isinstance(raw, Mapping) else {}, _sdk_item)


def _policy_provider_urn(resource: Any) -> str:
    provider = getattr(resource, "provider", None)
    urn = getattr(provider, "urn", "") if provider is not None else ""
    return urn if isinstance(urn, str) else ""


def _policy_provider(resource: Any) -> RawResource:
    provider = resource.provider
    return RawResource(
        urn=provider.urn, type=provider.resource_type, inputs=_sdk_props(provider.props)
    )


def _policy_record(resource: Any) -> RawResource:
    props = _sdk_props(resource.props)
    parent = getattr(resource, "parent", None)
    return RawResource(
        urn=resource.urn,
        type=resource.resource_type,
        inputs=props,
        id=_id(props),
        parent=parent.urn if parent is not None else None,
        dependencies=tuple(dep.urn for dep in resource.dependencies or ()),
        property_dependencies={
            key: tuple(dep.urn for dep in deps or ())
            for key, deps in sorted((resource.property_dependencies or {}).items())
        },
        provider=_policy_provider_urn(resource) or None,
    )


def document_from_policy_resources(
    resources: Iterable[Any],
    project: str = "",
    stack: str = "",
    config: Mapping[str, Any] | None = None,
) -> Document:
    """A Document of pulumi_policy ``PolicyResource`` objects (``StackValidationArgs``)."""
    return _document(
        resources, _policy_record, _policy_provider_urn, _policy_provider, project, stack, config
    )


# -- shared ------------------------------------------------------------------------------------


def _document(
    items: Iterable[Any],
    record: Callable[[Any], RawResource],
    provider_urn: Callable[[Any], str],
    provider_of: Callable[[Any], RawResource],
    project: str,
    stack: str,
    config: Mapping[str, Any] | None,
) -> Document:
    """The Document of ``items`` (messages or PolicyResources): one record per URN, plus the
    providers they name that are not items themselves (their ``location`` matters), each
    read once however many items name it."""
    records: dict[str, RawResource] = {}
    providers: dict[str, RawResource] = {}
    for item in items:
        urn = item.urn
        if urn not in records:
            records[urn] = record(item)
        provider = provider_urn(item)
        if provider and provider not in providers:
            providers[provider] = provider_of(item)
    resources = list(records.values())
    resources.extend(p for urn, p in providers.items() if urn not in records)
    if resources and not (project and stack):
        urn_stack, urn_project, _type, _name = parse_urn(resources[0].urn)
        project, stack = project or urn_project, stack or urn_stack
    return Document(
        origin=ORIGIN,
        source_kind=SOURCE_KIND,
        project=project,
        stack=stack,
        resources=tuple(resources),
        config=config or {},
    )


def stack_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """The stack's config as the engine hands it to a pack (``PULUMI_CONFIG``, a JSON object of
    ``namespace:key`` -> string), normalised; keys in ``PULUMI_CONFIG_SECRET_KEYS`` are SECRET.
    A value that is not valid JSON gives no config rather than an error."""
    try:
        raw = json.loads(environ.get("PULUMI_CONFIG") or "{}")
        secret = json.loads(environ.get("PULUMI_CONFIG_SECRET_KEYS") or "[]")
    except json.JSONDecodeError:
        return {}
    if not isinstance(raw, dict):
        return {}
    secret_keys = {str(k) for k in secret} if isinstance(secret, list) else set()
    return {
        str(key): normalize("[secret]" if key in secret_keys else value, str(key))
        for key, value in raw.items()
    }
