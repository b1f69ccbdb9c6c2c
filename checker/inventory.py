"""The inventory: every resource of a scan, with references, locations and workloads resolved.

Sources produce :class:`Document` objects of :class:`RawResource` records; :meth:`Inventory.build`
turns any number of them into one indexed, read-only picture that rules query. Every lookup is
a dictionary access, so building and querying stay linear in the number of resources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from checker.azure import types as t
from checker.azure.locations import normalize_location
from checker.values import UNKNOWN, get_path, normalize

Ref = Any  # Resource | UNKNOWN | None: see Inventory.ref
T = TypeVar("T")
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
    props: Mapping[str, Any]
    inputs: Mapping[str, Any]
    parent: str | None
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]]
    provider: str | None
    source: SourcePosition | None
    origin: str
    root: str = ""

    def get(self, path: str, default: Any = None) -> Any:
        """A judged property by dotted path; UNKNOWN propagates (see values.get_path)."""
        head, dot, rest = path.partition(".")
        value = self.props.get(head, _MISSING)
        if value is _MISSING:
            return default
        return get_path(value, rest, default) if dot else value

    @property
    def tags(self) -> Mapping[str, Any]:
        tags = self.props.get("tags")
        return tags if isinstance(tags, Mapping) else {}


@dataclass(frozen=True)
class Workload:
    """VMs that serve one purpose: grouped by tag, else by set, else one VM alone."""

    key: str
    label: str
    basis: str  # "tag", "set", "vm", or "unknown" (its workload tag is not known)
    vms: tuple[Resource, ...]
    sets: tuple[Resource, ...]


def parse_urn(urn: str) -> tuple[str, str, str, str]:
    """``urn:pulumi:stack::project::qualified$type::name`` -> (stack, project, type, name)."""
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:"):
        return "", "", "", urn
    stack = parts[0][len("urn:pulumi:") :]
    type_token = parts[2].rsplit("$", 1)[-1]
    return stack, parts[1], type_token, parts[3]


def parse_arm_id(arm_id: str) -> tuple[str, str] | None:
    """(lower-case ARM type, lower-case name) of an ARM id, or None when it is not one."""
    segs = [s for s in arm_id.strip().split("/") if s]
    if len(segs) < 2:
        return None
    low = [s.lower() for s in segs]
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        rest = segs[i + 1 :]
        if len(rest) < 3 or len(rest) % 2 == 0:
            return None
        types = [rest[0]] + [rest[j] for j in range(1, len(rest), 2)]
        return "/".join(types).lower(), rest[-1].lower()
    if len(low) >= 4 and low[-2] == "resourcegroups":
        return "microsoft.resources/resourcegroups", low[-1]
    return None


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
    time on first access: rules read a few keys of each resource, so large scans only pay
    for what is judged. With ``outputs``, known outputs win over inputs (recursively)."""

    __slots__ = ("_cache", "_inputs", "_outputs")

    def __init__(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any] | None = None):
        self._inputs = inputs
        self._outputs = outputs or {}
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
        given = normalize(self._inputs.get(key), key)
        value = _merge(given, normalize(self._outputs[key], key)) if key in self._outputs else given
        self._cache[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._inputs or key in self._outputs

    def __iter__(self) -> Iterator[str]:
        yield from self._inputs
        yield from (k for k in self._outputs if k not in self._inputs)

    def __len__(self) -> int:
        return len(self._inputs) + sum(1 for k in self._outputs if k not in self._inputs)

    def __repr__(self) -> str:
        return f"Properties({sorted(self)})"


def _provider_urn(ref: str | None) -> str | None:
    if not ref:
        return None
    # "<providerURN>::<providerId>": the URN itself contains "::", the id does not.
    head, sep, _tail = ref.rpartition("::")
    if sep and head.startswith("urn:pulumi:") and head.count("::") >= 3:
        return head
    return ref


def _resource(raw: RawResource, doc: Document, kind: str) -> Resource:
    stack, project, _type, name = parse_urn(raw.urn)
    return Resource(
        urn=raw.urn,
        type=raw.type,
        kind=kind,
        name=name,
        stack=stack or doc.stack,
        project=project or doc.project,
        id=raw.id,
        props=Properties(raw.inputs, raw.outputs),
        inputs=Properties(raw.inputs),
        parent=raw.parent,
        dependencies=tuple(raw.dependencies),
        property_dependencies={k: tuple(v or ()) for k, v in raw.property_dependencies.items()},
        provider=_provider_urn(raw.provider),
        source=raw.source,
        origin=doc.origin,
        root=doc.root,
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


_SET_PATHS = (("availabilitySet", t.AVAILABILITY_SET), ("virtualMachineScaleSet", t.SCALE_SET))


class Inventory:
    """Indexed, read-only view of the resources of one scan (any number of stacks)."""

    def __init__(
        self,
        resources: Sequence[Resource],
        configs: Mapping[tuple[str, str], Mapping[str, Any]],
        workload_tag: str = "workload",
    ) -> None:
        self.resources: tuple[Resource, ...] = tuple(
            sorted(resources, key=lambda r: (r.stack, r.project, r.kind, r.name, r.urn))
        )
        self._configs = configs
        self._workload_tag = workload_tag
        self._by_urn: dict[str, Resource] = {}
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self._by_id: dict[tuple[str, str], Resource] = {}
        self._by_id_any: dict[str, Resource] = {}
        self._by_arm_name: dict[tuple[str, str, str], Resource] = {}
        for res in self.resources:
            self._by_urn[res.urn] = res
            self._by_kind[res.kind].append(res)
            if isinstance(res.id, str) and res.id:
                low = res.id.lower()
                self._by_id[(res.stack, low)] = res
                self._by_id_any.setdefault(low, res)
            arm = t.ARM_TYPES.get(res.kind)
            if arm:
                name = azure_name(res)
                if isinstance(name, str):
                    self._by_arm_name.setdefault((res.stack, arm, name.lower()), res)
        self._resolved: dict[tuple[str, str, tuple[str, ...]], Ref] = {}
        self._memo: dict[Hashable, Any] = {}
        self._vm_sets: dict[Resource, Ref] = {}
        self._members = self._index_members()
        self._workloads = self._index_workloads()

    @classmethod
    def build(cls, documents: Iterable[Document], workload_tag: str = "workload") -> Inventory:
        resources: list[Resource] = []
        configs: dict[tuple[str, str], Mapping[str, Any]] = {}
        kinds: dict[str, str] = {}  # type token -> kind, worked out once per token
        for doc in documents:
            configs[(doc.stack, doc.project)] = doc.config
            for raw in doc.resources:
                kind = kinds.get(raw.type)
                if kind is None:
                    kind = kinds[raw.type] = t.kind_of(raw.type)
                resources.append(_resource(raw, doc, kind))
        return cls(resources, configs, workload_tag)

    # -- lookups -------------------------------------------------------------------------

    def get(self, urn: str | None) -> Resource | None:
        return self._by_urn.get(urn) if urn else None

    def of_kind(self, kind: str) -> tuple[Resource, ...]:
        return tuple(self._by_kind.get(kind, ()))

    def config(self, res: Resource, key: str, default: Any = None) -> Any:
        return self._configs.get((res.stack, res.project), {}).get(key, default)

    def memo(self, compute: Callable[..., T], *args: Hashable) -> T:
        """``compute(self, *args)``, computed once per inventory and kept: rules share derived
        views (e.g. every VM's ip configurations) without global state. ``compute`` must be a
        pure function of the inventory and ``args``, and its result must not be mutated."""
        key = (compute, args)
        try:
            return cast(T, self._memo[key])
        except KeyError:
            value = self._memo[key] = compute(self, *args)
            return value

    def by_id(self, res: Resource, arm_id: str, kinds: Iterable[str] = ()) -> Ref:
        """Resolve an ARM id from ``res``'s stack: exact id, then type/name segments."""
        key = (res.stack, arm_id, tuple(kinds))
        try:
            return self._resolved[key]
        except KeyError:
            found = self._resolved[key] = self._by_id_uncached(res, arm_id, key[2])
            return found

    def _by_id_uncached(self, res: Resource, arm_id: str, kinds: tuple[str, ...]) -> Ref:
        wanted = set(kinds)
        hit = self._by_id.get((res.stack, arm_id.lower())) or self._by_id_any.get(arm_id.lower())
        if hit is not None and (not wanted or hit.kind in wanted):
            return hit
        parsed = parse_arm_id(arm_id)
        if parsed is not None:
            arm_type, name = parsed
            kind = t.KIND_OF_ARM_TYPE.get(arm_type)
            if kind and (not wanted or kind in wanted):
                found = self._by_arm_name.get((res.stack, arm_type, name))
                if found is not None:
                    return found
        return UNKNOWN

    def dependency_candidates(self, res: Resource, prop: str, kinds: Iterable[str]) -> list[Resource]:
        urns = res.property_dependencies.get(prop)
        if not urns:
            return []
        wanted = set(kinds)
        found = (self._by_urn.get(u) for u in urns)
        return [r for r in found if r is not None and r.kind in wanted]

    def refs(
        self,
        res: Resource,
        via: str,
        values: Sequence[Any],
        kinds: Iterable[str],
        *,
        any_order: bool = False,
    ) -> list[Ref]:
        """Resolve reference ``values`` (ids or ``{id: ...}`` objects) held under the top-level
        property ``via``. Returns one entry per value: a Resource, or UNKNOWN when it cannot be
        resolved to a scanned resource (unknown, or a resource outside the scan).

        Unknown values are matched with the property dependencies of ``via`` (of ``kinds``)
        that no value resolves to. One unknown value and one such dependency match; several
        match pairwise only with ``any_order`` (the caller needs the set of targets, not which
        value names which): the engine does not promise the dependencies' order."""
        kinds = tuple(kinds)
        ids = [v.get("id", UNKNOWN) if isinstance(v, Mapping) else v for v in values]
        out: list[Ref] = []
        for value in ids:
            if isinstance(value, str) and value:
                out.append(self.by_id(res, value, kinds))
            else:
                out.append(UNKNOWN)
        unresolved = [i for i, r in enumerate(out) if r is UNKNOWN]
        if not unresolved:
            return out
        spare = [c for c in self.dependency_candidates(res, via, kinds) if c not in out]
        if len(spare) == len(unresolved) and (len(spare) == 1 or any_order):
            for i, cand in zip(unresolved, spare, strict=True):
                out[i] = cand
        return out

    def ref(self, res: Resource, path: str, kinds: Iterable[str]) -> Ref:
        """Resolve the single reference at ``path`` (e.g. ``availabilitySet``): a Resource,
        UNKNOWN (unknown or outside the scan), or None when the property is absent."""
        value = res.get(path)
        if value is None:
            return None
        if isinstance(value, Mapping) and value.get("id") is None:
            return None
        return self.refs(res, path.split(".", 1)[0], [value], kinds)[0]

    # -- locations -----------------------------------------------------------------------

    def location(self, res: Resource) -> Any:
        """Normalised location of ``res``: its own, its resource group's, its provider's
        (default provider: stack config ``azure-native:location``), else UNKNOWN."""
        own = res.props.get("location")
        if isinstance(own, str) and own:
            return normalize_location(own)
        if own is UNKNOWN:
            for dep in self.dependency_candidates(res, "location", self._by_kind.keys()):
                loc = dep.props.get("location")
                if isinstance(loc, str) and loc:
                    return normalize_location(loc)
        if res.kind != t.RESOURCE_GROUP:
            group = self.resource_group(res)
            if isinstance(group, Resource):
                loc = self.location(group)
                if loc is not UNKNOWN:
                    return loc
        return self._provider_location(res)

    def resource_group(self, res: Resource) -> Ref:
        name = res.props.get("resourceGroupName")
        deps = self.dependency_candidates(res, "resourceGroupName", [t.RESOURCE_GROUP])
        if len(deps) == 1:
            return deps[0]
        if isinstance(name, str):
            return self._by_arm_name.get(
                (res.stack, t.ARM_TYPES[t.RESOURCE_GROUP], name.lower()), UNKNOWN
            )
        return UNKNOWN if name is not None else None

    def _provider_location(self, res: Resource) -> Any:
        provider = self.get(res.provider)
        if provider is not None:
            loc = provider.props.get("location")
            if isinstance(loc, str) and loc:
                return normalize_location(loc)
        if res.provider and not parse_urn(res.provider)[3].startswith("default"):
            return UNKNOWN  # explicit providers (in the scan or not) do not read stack config
        loc = self.config(res, "azure-native:location")
        if isinstance(loc, str) and loc:
            return normalize_location(loc)
        return UNKNOWN

    # -- sets and workloads --------------------------------------------------------------

    def _index_members(self) -> dict[Resource, list[Resource]]:
        members: dict[Resource, list[Resource]] = defaultdict(list)
        for vm in self.of_kind(t.VM):
            found: Ref = None
            for path, kind in _SET_PATHS:
                target = self.ref(vm, path, [kind])
                if isinstance(target, Resource):
                    members[target].append(vm)
                    if not isinstance(found, Resource):
                        found = target
                elif target is UNKNOWN and found is None:
                    found = UNKNOWN
            self._vm_sets[vm] = found
        return members

    def members(self, group: Resource) -> tuple[Resource, ...]:
        """The scanned VMs whose availability set / scale set resolves to ``group``."""
        return tuple(self._members.get(group, ()))

    def vm_set(self, vm: Resource) -> Ref:
        """The availability set or scale set a VM belongs to; UNKNOWN or None."""
        if vm in self._vm_sets:
            return self._vm_sets[vm]
        result: Ref = None
        for path, kind in _SET_PATHS:
            target = self.ref(vm, path, [kind])
            if isinstance(target, Resource):
                return target
            if target is UNKNOWN:
                result = UNKNOWN
        return result

    def _index_workloads(self) -> dict[Resource, Workload]:
        # Sets are kept in a dict (insertion-ordered, O(1) membership): one workload tag can
        # span thousands of sets.
        groups: dict[str, tuple[str, str, list[Resource], dict[Resource, None]]] = {}
        for res in self.of_kind(t.VM) + self.of_kind(t.SCALE_SET):
            key, label, basis, group = self._workload_key(res)
            entry = groups.setdefault(key, (label, basis, [], {}))
            if res.kind == t.VM:
                entry[2].append(res)
            if isinstance(group, Resource):
                entry[3].setdefault(group)
        index: dict[Resource, Workload] = {}
        for key, (label, basis, vms, sets) in groups.items():
            wl = Workload(key, label, basis, tuple(vms), tuple(sets))
            for res in (*vms, *sets):
                index[res] = wl
        return index

    def _tag(self, res: Resource) -> Any:
        """The workload tag's value: a string, None, or UNKNOWN (the tag or all tags unknown)."""
        tags = res.props.get("tags")
        if tags is UNKNOWN:
            return UNKNOWN
        return tags.get(self._workload_tag) if isinstance(tags, Mapping) else None

    def _workload_key(self, res: Resource) -> tuple[str, str, str, Ref]:
        """(key, label, basis, set). Basis ``unknown`` when the workload tag is not known yet:
        the VM could belong to any workload, so rules over workloads do not judge it."""
        tag = self._tag(res)
        group: Ref = res if res.kind == t.SCALE_SET else self.vm_set(res)
        if tag is UNKNOWN:
            return f"unknown:{res.urn}", res.name, "unknown", group
        if isinstance(tag, str) and tag:
            return f"tag:{tag}", tag, "tag", group
        if isinstance(group, Resource):
            set_tag = self._tag(group)
            if set_tag is UNKNOWN:
                return f"unknown:{res.urn}", res.name, "unknown", group
            if isinstance(set_tag, str) and set_tag:
                return f"tag:{set_tag}", set_tag, "tag", group
            return f"set:{group.project}/{group.name}", group.name, "set", group
        return f"vm:{res.project}/{res.name}", res.name, "vm", None

    def workload(self, res: Resource) -> Workload:
        """The workload of a VM or scale set."""
        return self._workloads[res]

    def workloads(self) -> tuple[Workload, ...]:
        unique = {wl.key: wl for wl in self._workloads.values()}
        return tuple(unique[k] for k in sorted(unique))

