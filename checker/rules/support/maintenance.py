"""Maintenance control and sensitivity, for MC401 and MC402.

*Which VMs a maintenance configuration reaches.* Azure assigns a configuration
(``maintenance:MaintenanceConfiguration``) to a resource in four ways, all of which count:

- ``ConfigurationAssignment``: the target named by ``providerName`` + ``resourceType`` +
  ``resourceName`` (+ ``resourceGroupName``) — the assignment's ARM path —, or by
  ``resourceId``, or computed from the target's outputs (a property dependency);
- ``ConfigurationAssignmentParent``: a nested resource, e.g. a dedicated host
  (``resourceParentType`` hostGroups, ``resourceType`` hosts);
- ``ConfigurationAssignmentsForResourceGroup`` / ``...ForSubscription``: every VM of the
  group / subscription that matches ``filter`` (``resourceTypes``, ``locations``,
  ``resourceGroups``, ``osTypes``, ``tagSettings {tags, filterOperator}``). These dynamic
  scopes schedule guest patching (``InGuestPatch``) only: they never count as Host-scope
  maintenance control (MC401).

A VM on a dedicated host is reached through its host too. Matching is three-valued: True,
False, or UNKNOWN when a value it needs is not known; UNKNOWN never counts as coverage and
never as its absence (the rules skip such VMs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.azure import types as t
from checker.azure.locations import normalize_location
from checker.azure.vm_sizes import is_isolated
from checker.inventory import Inventory, Resource, azure_name
from checker.values import UNKNOWN, is_known

Tri = Any  # True | False | UNKNOWN

ASSIGNMENT_KINDS = (
    t.CONFIGURATION_ASSIGNMENT,
    t.CONFIGURATION_ASSIGNMENT_PARENT,
    t.CONFIGURATION_ASSIGNMENT_RG,
    t.CONFIGURATION_ASSIGNMENT_SUB,
)
DYNAMIC_KINDS = (t.CONFIGURATION_ASSIGNMENT_RG, t.CONFIGURATION_ASSIGNMENT_SUB)
SENSITIVE_VALUES = frozenset({"high", "realtime"})


# -- three-valued logic ----------------------------------------------------------------------


def all3(values: Iterable[Tri]) -> Tri:
    """False if any is False, else UNKNOWN if any is UNKNOWN, else True."""
    seen = list(values)
    if any(v is False for v in seen):
        return False
    return UNKNOWN if any(v is UNKNOWN for v in seen) else True


def any3(values: Iterable[Tri]) -> Tri:
    """True if any is True, else UNKNOWN if any is UNKNOWN, else False."""
    seen = list(values)
    if any(v is True for v in seen):
        return True
    return UNKNOWN if any(v is UNKNOWN for v in seen) else False


# -- sensitivity -----------------------------------------------------------------------------


def host_placement(res: Resource) -> Tri:
    """True when the VM / scale set runs on a dedicated host (``host.id`` / ``hostGroup.id``)."""
    values = [res.get("host.id"), res.get("hostGroup.id")]
    if any(isinstance(v, str) and v for v in values):
        return True
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    return False


def size_of(res: Resource) -> Any:
    return res.get("sku.name") if res.kind == t.SCALE_SET else res.get("hardwareProfile.vmSize")


def isolated(res: Resource) -> Tri:
    """True for an isolated size; UNKNOWN when the size is not known."""
    size = size_of(res)
    if isinstance(size, str):
        return is_isolated(size)
    return UNKNOWN if size is UNKNOWN else False


def host_scope_reasons(res: Resource) -> tuple[list[str], bool]:
    """Why a Host-scope configuration applies to ``res`` (dedicated host, isolated size), and
    whether something needed to tell is unknown."""
    reasons: list[str] = []
    on_host, iso = host_placement(res), isolated(res)
    if on_host is True:
        reasons.append("it runs on a dedicated host")
    if iso is True:
        reasons.append(f"its size {size_of(res)} is isolated")
    return reasons, on_host is UNKNOWN or iso is UNKNOWN


def sensitive_reasons(res: Resource, tag: str) -> tuple[list[str], bool]:
    """Why ``res`` is maintenance-sensitive (tag high/realtime, dedicated host, isolated size),
    and whether something needed to tell is unknown."""
    reasons, doubt = host_scope_reasons(res)
    tags = res.props.get("tags")
    value = tags.get(tag) if isinstance(tags, Mapping) else tags
    if isinstance(value, str) and value.strip().lower() in SENSITIVE_VALUES:
        reasons.insert(0, f"tag {tag}={value}")
    elif value is UNKNOWN:
        doubt = True
    return reasons, doubt


# -- matching an assignment's target ---------------------------------------------------------


def _deps(inv: Inventory, res: Resource, prop: str) -> list[Resource]:
    found = (inv.get(u) for u in res.property_dependencies.get(prop, ()))
    return [r for r in found if r is not None]


def field_is(inv: Inventory, res: Resource, prop: str, expected: Any, owner: Resource) -> Tri:
    """Does ``res``'s ``prop`` name ``owner`` (whose name for this purpose is ``expected``)?

    None when ``prop`` is absent. A known string compares case-insensitively; a computed value
    matches when it depends on ``owner``, and not when it depends on another resource of
    ``owner``'s kind.
    """
    value = res.get(prop)
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower() == expected.lower() if isinstance(expected, str) else UNKNOWN
    deps = _deps(inv, res, prop)
    if owner in deps:
        return True
    return False if any(d.kind == owner.kind for d in deps) else UNKNOWN


def _text_is(res: Resource, prop: str, expected: str) -> Tri:
    value = res.get(prop)
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower() == expected.lower()
    return UNKNOWN


def _group_name(inv: Inventory, res: Resource) -> Any:
    name = res.get("resourceGroupName")
    if isinstance(name, str) or name is None:
        return name
    group = inv.resource_group(res)
    return azure_name(group) if isinstance(group, Resource) else UNKNOWN


def same_group(inv: Inventory, first: Resource, second: Resource) -> Tri:
    """Are both resources in one resource group? None when ``first`` names no group."""
    a, b = first.get("resourceGroupName"), second.get("resourceGroupName")
    if a is None:
        return None
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    ga, gb = inv.resource_group(first), inv.resource_group(second)
    if isinstance(ga, Resource) and isinstance(gb, Resource):
        return ga is gb
    na, nb = _group_name(inv, first), _group_name(inv, second)
    if isinstance(na, str) and isinstance(nb, str):
        return na.lower() == nb.lower()
    return UNKNOWN


def _by_resource_id(inv: Inventory, assignment: Resource, target: Resource) -> Tri:
    """None without ``resourceId``; else does it name ``target``? A known id of a resource
    outside the scan names no scanned resource."""
    value = assignment.get("resourceId")
    if value is None:
        return None
    if isinstance(value, str):
        found = inv.by_id(assignment, value, [target.kind])
        return found is target if isinstance(found, Resource) else False
    deps = _deps(inv, assignment, "resourceId")
    if target in deps:
        return True
    return False if any(d.kind == target.kind for d in deps) else UNKNOWN


def _decide(*results: Tri) -> Tri:
    """Combine independent ways of naming the target: any True wins, then any False."""
    present = [r for r in results if r is not None]
    if any(r is True for r in present):
        return True
    if any(r is False for r in present):
        return False
    return UNKNOWN if present else False


def _names_vm(inv: Inventory, a: Resource, vm: Resource) -> Tri:
    """The ARM path of a ConfigurationAssignment: provider/type/name (+ group) of a VM."""
    if a.get("resourceName") is None:
        return None
    if a.stack != vm.stack:
        return False  # names only identify resources of the assignment's own deployment
    return all3(
        v
        for v in (
            _text_is(a, "providerName", "Microsoft.Compute"),
            _text_is(a, "resourceType", "virtualMachines"),
            field_is(inv, a, "resourceName", azure_name(vm), vm),
            same_group(inv, a, vm),
        )
        if v is not None
    )


def host_group(inv: Inventory, host: Resource) -> Any:
    """The scanned host group of a dedicated host (by ``hostGroupName``), or UNKNOWN."""
    for dep in _deps(inv, host, "hostGroupName"):
        if dep.kind == t.DEDICATED_HOST_GROUP:
            return dep
    name = host.get("hostGroupName")
    if isinstance(name, str):
        for group in inv.of_kind(t.DEDICATED_HOST_GROUP):
            if group.stack == host.stack and azure_name(group) == name:
                return group
    return UNKNOWN


def _names_host(inv: Inventory, a: Resource, host: Resource) -> Tri:
    """The ARM path of a ConfigurationAssignmentParent on hostGroups/<group>/hosts/<host>."""
    if a.get("resourceName") is None:
        return None
    if a.stack != host.stack:
        return False
    group = host_group(inv, host)
    if isinstance(group, Resource):
        parent = field_is(inv, a, "resourceParentName", azure_name(group), group)
    else:
        name = host.get("hostGroupName")
        parent = _text_is(a, "resourceParentName", name) if isinstance(name, str) else UNKNOWN
    return all3(
        v
        for v in (
            _text_is(a, "providerName", "Microsoft.Compute"),
            _text_is(a, "resourceParentType", "hostGroups"),
            parent,
            _text_is(a, "resourceType", "hosts"),
            field_is(inv, a, "resourceName", azure_name(host), host),
            same_group(inv, a, host),
        )
        if v is not None
    )


# -- dynamic scope -----------------------------------------------------------------------------


def _subscription(inv: Inventory, res: Resource) -> str | None:
    if isinstance(res.id, str) and res.id.lower().startswith("/subscriptions/"):
        return res.id.split("/")[2].lower()
    sub = inv.config(res, "azure-native:subscriptionId")
    return sub.lower() if isinstance(sub, str) else None


def _same_subscription(inv: Inventory, a: Resource, vm: Resource) -> Tri:
    sa, sv = _subscription(inv, a), _subscription(inv, vm)
    if sa is not None and sv is not None:
        return sa == sv
    return True if a.stack == vm.stack else UNKNOWN


def _in_list(values: Any, actual: Any, canon: Any = str.lower) -> Tri:
    """Is ``actual`` among ``values``? An absent or empty list allows everything."""
    if values is None or values == []:
        return True
    if not isinstance(values, list):
        return UNKNOWN
    if not isinstance(actual, str):
        return UNKNOWN
    hits = [canon(v) == canon(actual) if isinstance(v, str) else UNKNOWN for v in values]
    return any3(hits)


def _group_key(value: str) -> str:
    return value.rstrip("/").rsplit("/", 1)[-1].lower()  # a name, or a resource group id


def os_type(res: Resource) -> Any:
    """``Windows`` / ``Linux`` of a VM or a scale set's instances, from the OS disk or the OS
    profile; UNKNOWN when not stated."""
    base = "virtualMachineProfile." if res.kind == t.SCALE_SET else ""
    declared = res.get(f"{base}storageProfile.osDisk.osType")
    if isinstance(declared, str):
        return declared
    if res.get(f"{base}osProfile.windowsConfiguration") is not None:
        return "Windows"
    if res.get(f"{base}osProfile.linuxConfiguration") is not None:
        return "Linux"
    return UNKNOWN


def is_windows(res: Resource) -> bool:
    """True for a VM or scale set known to run Windows (:func:`os_type`)."""
    os = os_type(res)
    return isinstance(os, str) and os.lower() == "windows"


def is_flexible(vmss: Resource) -> bool:
    """True for a scale set in Flexible orchestration mode (False when Uniform or not known)."""
    mode = vmss.get("orchestrationMode")
    return isinstance(mode, str) and mode.lower() == "flexible"


def _tag_matches(tags: Any, name: str, allowed: Any) -> Tri:
    if not isinstance(tags, Mapping):
        return UNKNOWN if tags is UNKNOWN else False
    keys = [k for k in tags if k.lower() == name.lower()]
    if not keys:
        return False
    value = tags[keys[0]]
    if not isinstance(value, str):
        return UNKNOWN
    if allowed is None or allowed == []:
        return True
    return _in_list(allowed, value)


def _tags_match(settings: Any, vm: Resource) -> Tri:
    if settings is None:
        return True
    if not isinstance(settings, Mapping):
        return UNKNOWN
    wanted = settings.get("tags")
    if wanted is None or wanted == {}:
        return True
    if not isinstance(wanted, Mapping):
        return UNKNOWN
    hits = [_tag_matches(vm.props.get("tags"), k, v) for k, v in sorted(wanted.items())]
    operator = settings.get("filterOperator")
    if isinstance(operator, str) and operator.lower() == "all":
        return all3(hits)
    if isinstance(operator, str) and operator.lower() == "any":
        return any3(hits)
    both = {all3(hits), any3(hits)}
    return both.pop() if len(both) == 1 else UNKNOWN  # operator unset: only a clear answer


def filter_matches(inv: Inventory, flt: Any, vm: Resource) -> Tri:
    """Does a dynamic-scope ``filter`` select ``vm``? An absent filter selects everything."""
    if flt is None:
        return True
    if not isinstance(flt, Mapping):
        return UNKNOWN
    return all3(
        (
            _in_list(flt.get("resourceTypes"), "Microsoft.Compute/virtualMachines"),
            _in_list(flt.get("locations"), inv.location(vm), normalize_location),
            _in_list(flt.get("resourceGroups"), _group_name(inv, vm), _group_key),
            _in_list(flt.get("osTypes"), os_type(vm)),
            _tags_match(flt.get("tagSettings"), vm),
        )
    )


# -- reach -----------------------------------------------------------------------------------


def targets(inv: Inventory, assignment: Resource, target: Resource) -> Tri:
    """Does ``assignment`` (of any of the four kinds) assign its configuration to ``target``
    (a VM or a dedicated host)?"""
    kind = assignment.kind
    if kind in (t.CONFIGURATION_ASSIGNMENT_RG, t.CONFIGURATION_ASSIGNMENT_SUB):
        if target.kind != t.VM:
            return False
        scope = (
            same_group(inv, assignment, target)
            if kind == t.CONFIGURATION_ASSIGNMENT_RG
            else _same_subscription(inv, assignment, target)
        )
        if scope is None:
            scope = UNKNOWN
        return all3((scope, filter_matches(inv, assignment.get("filter"), target)))
    by_id = _by_resource_id(inv, assignment, target)
    if kind == t.CONFIGURATION_ASSIGNMENT_PARENT:
        names = _names_host(inv, assignment, target) if target.kind == t.DEDICATED_HOST else None
    else:
        names = _names_vm(inv, assignment, target) if target.kind == t.VM else None
    return _decide(names, by_id)


@dataclass(frozen=True)
class Reach:
    """What reaches one VM or host: Host-scope configurations, configurations of other scopes
    (they do not schedule platform maintenance), and doubts (an unknown that may hide one)."""

    host: tuple[Resource, ...] = ()
    other: tuple[Resource, ...] = ()
    doubts: tuple[str, ...] = ()

    def __add__(self, other: Reach) -> Reach:
        return Reach(self.host + other.host, self.other + other.other, self.doubts + other.doubts)


def _scope(cfg: Any) -> Any:
    if not isinstance(cfg, Resource):
        return UNKNOWN
    scope = cfg.get("maintenanceScope")
    return scope if isinstance(scope, str) else UNKNOWN


class Assignments:
    """The scan's configuration assignments, indexed by the target they can name, so finding
    those that may reach a VM does not compare every assignment with every VM."""

    def __init__(self, inv: Inventory) -> None:
        self._by_name: dict[str, list[Resource]] = {}
        self._by_target: dict[Resource, list[Resource]] = {}
        self._generic: list[Resource] = []
        self._order: dict[Resource, int] = {}
        for kind in ASSIGNMENT_KINDS:
            for assignment in inv.of_kind(kind):
                self._order[assignment] = len(self._order)
                self._add(inv, assignment)

    def _add(self, inv: Inventory, a: Resource) -> None:
        if a.kind in (t.CONFIGURATION_ASSIGNMENT_RG, t.CONFIGURATION_ASSIGNMENT_SUB):
            self._generic.append(a)
            return
        indexed = False
        name, rid = a.get("resourceName"), a.get("resourceId")
        if isinstance(name, str):
            self._by_name.setdefault(name.lower(), []).append(a)
            indexed = True
        if isinstance(rid, str):
            found = inv.by_id(a, rid, [t.VM, t.DEDICATED_HOST])
            if isinstance(found, Resource):
                self._by_target.setdefault(found, []).append(a)
            indexed = True
        for prop in ("resourceName", "resourceId"):
            for dep in _deps(inv, a, prop):
                self._by_target.setdefault(dep, []).append(a)
        computed = [p for p, v in (("resourceName", name), ("resourceId", rid))
                    if v is not None and not isinstance(v, str)]
        if not indexed or any(not a.property_dependencies.get(p) for p in computed):
            self._generic.append(a)  # names its target in a way only a full match can tell

    def candidates(self, target: Resource) -> list[Resource]:
        """Assignments that may reach ``target``, in a stable order."""
        name = azure_name(target)
        if not isinstance(name, str):
            return sorted(self._order, key=self._order.__getitem__)
        found = {*self._by_name.get(name.lower(), ()), *self._by_target.get(target, ()),
                 *self._generic}
        return sorted(found, key=self._order.__getitem__)


def reach(inv: Inventory, target: Resource, assignments: Assignments | None = None) -> Reach:
    host: list[Resource] = []
    other: list[Resource] = []
    doubts: list[str] = []
    for assignment in (assignments or Assignments(inv)).candidates(target):
        hit = targets(inv, assignment, target)
        if hit is False:
            continue
        cfg = inv.ref(assignment, "maintenanceConfigurationId", [t.MAINTENANCE_CONFIGURATION])
        if cfg is None:
            continue  # assigns no configuration
        if assignment.kind in DYNAMIC_KINDS:
            # Dynamic scopes schedule guest patching (InGuestPatch) only, never Host-scope
            # platform maintenance: they never count as maintenance control, nor as a doubt.
            if hit is True and isinstance(cfg, Resource):
                other.append(cfg)
            continue
        scope = _scope(cfg)
        if hit is True and isinstance(scope, str):
            (host if scope.lower() == "host" else other).append(cfg)
        elif scope is UNKNOWN or scope.lower() == "host":
            why = "its target" if hit is UNKNOWN else "its configuration's scope"
            doubts.append(f"{assignment.kind.split(':')[1]} {assignment.name!r} may cover "
                          f"{target.name!r}, but {why} is not known")
    return Reach(tuple(host), tuple(other), tuple(doubts))


def hosts_of_group(inv: Inventory, group: Resource) -> list[Resource]:
    return [h for h in inv.of_kind(t.DEDICATED_HOST) if host_group(inv, h) is group]


def vm_reach(inv: Inventory, vm: Resource, assignments: Assignments | None = None) -> Reach:
    """Everything that reaches a VM: assignments on the VM, and on its dedicated host (for a VM
    placed in a host group by Azure, on every scanned host of the group)."""
    assignments = assignments or Assignments(inv)
    found = reach(inv, vm, assignments)
    if found.host:
        return found
    host = inv.ref(vm, "host", [t.DEDICATED_HOST])
    if isinstance(host, Resource):
        return found + reach(inv, host, assignments)
    if host is UNKNOWN:
        return found + Reach(doubts=("its dedicated host is unknown or outside the scan",))
    group = inv.ref(vm, "hostGroup", [t.DEDICATED_HOST_GROUP])
    if group is UNKNOWN:
        return found + Reach(doubts=("its dedicated host group is unknown or outside the scan",))
    if not isinstance(group, Resource):
        return found
    hosts = hosts_of_group(inv, group)
    if not hosts:
        return found + Reach(doubts=(f"no host of host group {group.name!r} is in the scan",))
    per_host = [reach(inv, h, assignments) for h in hosts]
    if all(r.host for r in per_host):
        return Reach(host=tuple(c for r in per_host for c in r.host))
    return found + Reach(
        other=tuple(c for r in per_host for c in r.other),
        doubts=tuple(d for r in per_host for d in r.doubts),
    )


# -- patches ---------------------------------------------------------------------------------


def nested_add(inputs: Mapping[str, Any], path: Sequence[str], value: Any) -> Any:
    """One RFC 6902 ``add`` that sets ``path`` to ``value`` in ``inputs``: at the deepest
    existing object, with the missing levels written out as nested objects. Returns a
    ``(pointer, value)`` pair, or UNKNOWN when a level on the way is not a known object."""
    cur: Any = inputs
    depth = 0
    while depth < len(path) - 1 and isinstance(cur, Mapping) and path[depth] in cur:
        cur = cur[path[depth]]
        depth += 1
    if not isinstance(cur, Mapping) or not is_known(cur):
        return UNKNOWN
    nested = value
    for key in reversed(path[depth + 1 :]):
        nested = {key: nested}
    return "/" + "/".join(path[: depth + 1]), nested
