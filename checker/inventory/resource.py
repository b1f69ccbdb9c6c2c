"""What the inventory is made of: the records sources produce (:class:`Document`,
:class:`RawResource`) and the :class:`Resource` rules judge, with their properties normalised
(whole for the kinds rules judge, lazily for the rest), plus the names and URNs every layer
reads."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.azure import types as t
from checker.values import UNKNOWN, Normalized, get_path, normalize

_MISSING: Any = object()


@dataclass(frozen=True)
class SourcePosition:
    """Where a resource is constructed: a path relative to the project root and a line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class RawResource:
    """One resource as a source read it. ``inputs``/``outputs`` may be raw JSON: the inventory
    normalises them (checker.values.normalize) when they are read."""

    urn: str
    type: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] | None = None
    id: Any = None
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    provider: str | None = None
    source: SourcePosition | None = None
    custom: bool = True
    call_source: str | None = None  # the program's constructor call, when its source is known


@dataclass(frozen=True)
class Document:
    """What one source read: one stack's resources, its config and any warnings."""

    origin: str
    source_kind: str
    project: str
    stack: str
    resources: tuple[RawResource, ...]
    config: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    incomplete: bool = False
    root: str = ""  # the directory that source positions are relative to ("" if unknown)
    language: str = ""  # the program's language: "python", "nodejs", "yaml" ("" for documents)


@dataclass(frozen=True, eq=False)
class Resource:
    """A resource of the scan. ``props`` are what rules judge (outputs where known, else
    inputs); ``inputs`` are what fixes patch. Compared and hashed by identity."""

    urn: str
    type: str
    kind: str
    name: str
    stack: str
    project: str
    id: Any
    props: Mapping[str, Any] = field(repr=False)  # (values may hold scripts: never in a repr)
    inputs: Mapping[str, Any] = field(repr=False)
    parent: str | None
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]]
    provider: str | None
    source: SourcePosition | None
    origin: str
    root: str = ""
    call_source: str | None = None  # the program's constructor call (fix snippets edit it)
    language: str = ""  # its program's language (Document.language); fixes are written in it

    def get(self, path: str, default: Any = None) -> Any:
        """A judged property by dotted path; UNKNOWN propagates (see values.get_path)."""
        if "." not in path:  # most reads: one top-level key
            return self.props.get(path, default)
        head, _dot, rest = path.partition(".")
        value = self.props.get(head, _MISSING)
        return default if value is _MISSING else get_path(value, rest, default)

    @property
    def tags(self) -> Mapping[str, Any]:
        tags = self.props.get("tags")
        return tags if isinstance(tags, Mapping) else {}


def parse_urn(urn: str) -> tuple[str, str, str, str]:
    """``urn:pulumi:stack::project::qualified$type::name`` -> (stack, project, type, name)."""
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:"):
        return "", "", "", urn
    stack = parts[0][len("urn:pulumi:") :]
    type_token = parts[2].rsplit("$", 1)[-1]
    return stack, parts[1], type_token, parts[3]


def _merge(given: Any, out: Any) -> Any:
    """Outputs where they are known, else inputs, recursively for objects."""
    if out is None or out is UNKNOWN:
        return given if given is not None else out
    kind = type(out)
    if kind is str or kind is list or kind is int or kind is bool or kind is float:
        return out  # the common leaves, without the abstract Mapping checks below
    if (kind is dict or isinstance(out, Mapping)) and (
        type(given) is dict or (given is not None and isinstance(given, Mapping))
    ):
        merged = dict(given)
        for key, value in out.items():
            merged[key] = _merge(given.get(key), value)
        return merged
    return out


class Properties(Mapping[str, Any]):
    """A resource's properties, normalised (checker.values.normalize) one top-level key at a
    time on first access: resources of kinds no rule judges (see ``_READ_WHOLE``) pay only
    for the key that may be read, their name. With ``outputs``, known outputs win over inputs
    (recursively), and ``given`` (the inputs' own Properties) lends its normalised inputs, so
    that no input is normalised twice. A :class:`~checker.values.Normalized` mapping is read
    as it is."""

    __slots__ = ("_cache", "_given", "_inputs", "_norm_in", "_norm_out", "_outputs")

    def __init__(
        self,
        inputs: Mapping[str, Any],
        outputs: Mapping[str, Any] | None = None,
        given: Properties | None = None,
    ) -> None:
        self._inputs = inputs
        self._outputs = outputs or {}
        self._given = given
        self._norm_in = _normalizer(inputs)
        self._norm_out = _normalizer(self._outputs)
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            pass
        if key not in self._inputs and key not in self._outputs:
            raise KeyError(key)
        return self._load(key)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._cache.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if key not in self._inputs and key not in self._outputs:
            return default
        return self._load(key)

    def _load(self, key: str) -> Any:
        base = self._given
        given = base.get(key) if base is not None else self._norm_in(self._inputs.get(key), key)
        value = given
        if key in self._outputs:
            raw = self._outputs[key]
            if not self._unchanged(key, raw):
                value = _merge(given, self._norm_out(raw, key))
        self._cache[key] = value
        return value

    def _unchanged(self, key: str, raw: Any) -> bool:
        """True when output ``raw`` is the input as it was given: see :func:`_same_json`."""
        return self._norm_in is self._norm_out and _same_json(raw, self._inputs.get(key))

    def __contains__(self, key: object) -> bool:
        return key in self._inputs or key in self._outputs

    def __iter__(self) -> Iterator[str]:
        yield from self._inputs
        yield from (k for k in self._outputs if k not in self._inputs)

    def __len__(self) -> int:
        return len(self._inputs) + sum(1 for k in self._outputs if k not in self._inputs)

    def __repr__(self) -> str:
        return f"Properties({sorted(self)})"


_PLAIN = frozenset({dict, list, str, int, float, bool})  # raw JSON values compare with ==
_CONTAINERS = frozenset({dict, list})  # ... and these by repr too (1 == True inside them)


def _same_json(raw: Any, given: Any) -> bool:
    """True when output ``raw`` is the input ``given`` as it was given (most are: location,
    tags, sku...): merged, it is the input itself. Raw JSON values compare in C, far faster
    than normalising and merging both. Objects and lists also compare by ``repr``: inside
    them ``==`` takes ``0`` for ``false`` and ``1`` for ``true``, JSON does not (the output's
    own value must win, as the merge makes it)."""
    kind = type(raw)
    return (
        kind in _PLAIN
        and kind is type(given)
        and raw == given
        and (kind not in _CONTAINERS or repr(raw) == repr(given))
    )


def _as_is(value: Any, _key: str = "") -> Any:
    return value


def _normalizer(mapping: Mapping[str, Any]) -> Any:
    if type(mapping) is dict:  # the common case, without an abstract-class check
        return normalize
    return _as_is if isinstance(mapping, Normalized) else normalize


def provider_urn(ref: str | None) -> str | None:
    if not ref:
        return None
    # "<providerURN>::<providerId>": the URN itself contains "::", the id does not.
    head, sep, _tail = ref.rpartition("::")
    if sep and head.startswith("urn:pulumi:") and head.count("::") >= 3:
        return head
    return ref


# The kinds rules judge. Rules read nearly every property of these, so they are normalised
# whole when the resource is made, into plain dicts (the cheapest mapping to read, where each
# read through :class:`Properties` costs several Python calls); of any other resource at most
# its name is read, so its properties stay lazy. Both give the same values. One inventory
# serves every rule: nothing writes to them (``Resource`` types them ``Mapping``, which mypy
# holds to; a read-only ``MappingProxyType`` view cost 1-2% of the pack's call).
_READ_WHOLE = frozenset(t.ARM_TYPES)


def _whole(raw: RawResource) -> tuple[dict[str, Any], dict[str, Any]]:
    """(inputs, props) of ``raw``, every value normalised as :class:`Properties` reads it: known
    outputs win over inputs (recursively); an output as it was given is the input itself."""
    given = raw.inputs
    norm_in = _normalizer(given)
    if type(given) is not dict and isinstance(given, Normalized):  # read as it is
        inputs = given.as_dict()
    else:
        inputs = {key: norm_in(value, key) for key, value in given.items()}
    if not raw.outputs:
        return inputs, inputs
    norm_out = _normalizer(raw.outputs)
    props = dict(inputs)
    for key, value in raw.outputs.items():
        if norm_in is norm_out and _same_json(value, given.get(key)):
            continue  # the input itself
        props[key] = _merge(inputs.get(key), norm_out(value, key))
    return inputs, props


def _lazy(raw: RawResource) -> tuple[Properties, Properties]:
    inputs = Properties(raw.inputs)
    return inputs, Properties(raw.inputs, raw.outputs, inputs) if raw.outputs else inputs


def make_resource(raw: RawResource, doc: Document, kind: str) -> Resource:
    stack, project, _type, name = parse_urn(raw.urn)
    inputs, props = _whole(raw) if kind in _READ_WHOLE else _lazy(raw)
    return Resource(
        urn=raw.urn,
        type=raw.type,
        kind=kind,
        name=name,
        stack=stack or doc.stack,
        project=project or doc.project,
        id=raw.id,
        props=props,
        inputs=inputs,
        parent=raw.parent,
        dependencies=tuple(raw.dependencies),
        property_dependencies={k: tuple(v or ()) for k, v in raw.property_dependencies.items()},
        provider=provider_urn(raw.provider),
        source=raw.source,
        origin=doc.origin,
        root=doc.root,
        call_source=raw.call_source,
        language=doc.language,
    )


def azure_name(res: Resource) -> Any:
    """The resource's name in Azure: output ``name``, else its name input (``vmName``...),
    else its logical name (Pulumi auto-names from it); UNKNOWN when the name input is not
    known yet."""
    name = res.props.get("name") if res.kind != t.VM_EXTENSION else None
    if isinstance(name, str) and name:
        return name
    prop = t.NAME_PROPERTIES.get(res.kind)
    value = res.props.get(prop) if prop else None
    if isinstance(value, str) and value:
        return value
    return UNKNOWN if value is UNKNOWN else res.name


def name_or_logical(res: Resource) -> str:
    """:func:`azure_name`, or the logical name while the Azure name is not known."""
    name = azure_name(res)
    return name if isinstance(name, str) else res.name
