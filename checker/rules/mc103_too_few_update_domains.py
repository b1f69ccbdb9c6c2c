"""MC103 too-few-update-domains: planned maintenance takes too large a share of a set down."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.values import UNKNOWN, whole_number

DEFAULT_UPDATE_DOMAINS = 5  # what Azure's tools pick when the property is unset
MAX_UPDATE_DOMAINS = 20  # Azure's limit for an availability set

DOC = RuleDoc(
    what=(
        "Checks availability sets with two or more member VMs for too few update domains: fewer "
        "than 2, or so few that the largest update domain holds more than `max-unavailable` "
        "(default 0.5) of the set's VMs. An unset `platformUpdateDomainCount` counts as 5."
    ),
    why=(
        "Azure places a set's VMs in its update domains round robin and, during VM-restarting "
        "planned maintenance, reboots one update domain at a time (30 minutes apart). Every VM "
        "in that domain is down at once: with n VMs in u domains, ceil(n/u) of them. Three VMs "
        "in two update domains lose two at once, 67% of the capacity. The count is fixed when "
        "the set is created."
    ),
    example=(
        "web_as = azure_native.compute.AvailabilitySet(\n"
        '    "web-as",\n'
        '    resource_group_name="app-rg",\n'
        "    platform_update_domain_count=2,  # three VMs join this set\n"
        ")"
    ),
    fix=(
        "Use the smallest update domain count (at most 20) that keeps the share down at once "
        "within `max-unavailable`. Azure cannot change it on an existing set, so the set is "
        "recreated (`replace_on_changes`, `delete_before_replace`) and its VMs with it. When no "
        "count can meet the limit, run more VMs; below 5% (one of 20 domains) no single set can."
    ),
)


@dataclass(frozen=True)
class Remedy:
    """What fixes a set: ``domains`` update domains, and ``vms`` VMs (more when needed)."""

    domains: int
    vms: int
    reachable: bool = True


_REPLACE_ON = ("platformUpdateDomainCount",)  # fixed when the set is created


def down_at_once(vms: int, domains: int) -> int:
    """VMs in the fullest update domain: VMs are placed round robin."""
    return vms if domains < 2 else math.ceil(vms / domains)


def too_few(vms: int, domains: int, limit: Fraction) -> bool:
    return domains < 2 or Fraction(down_at_once(vms, domains), vms) > limit


def smallest_domains(vms: int, limit: Fraction) -> int | None:
    """The smallest update domain count (2..20) that keeps ``vms`` VMs within ``limit``."""
    for domains in range(2, MAX_UPDATE_DOMAINS + 1):
        if not too_few(vms, domains, limit):
            return domains
    return None


def remedy(vms: int, limit: Fraction) -> Remedy:
    """5 update domains (Azure's usual default) when 5 meets ``limit`` for ``vms`` VMs, else
    the smallest count that does; when none up to 20 does, the fewest more VMs with which some
    count can. Below 1/20 nothing can: 20 domains and a multiple of 20 VMs come closest."""
    if not too_few(vms, DEFAULT_UPDATE_DOMAINS, limit):
        return Remedy(DEFAULT_UPDATE_DOMAINS, vms)
    domains = smallest_domains(vms, limit)
    if domains is not None:
        return Remedy(domains, vms)
    enough = math.ceil(vms / MAX_UPDATE_DOMAINS) * MAX_UPDATE_DOMAINS  # 1/20 down at once
    if limit < Fraction(1, MAX_UPDATE_DOMAINS):
        return Remedy(MAX_UPDATE_DOMAINS, enough, reachable=False)
    for more in range(vms + 1, enough + 1):
        domains = smallest_domains(more, limit)
        if domains is not None:
            return Remedy(domains, more)
    raise AssertionError("unreachable: 20 domains with a multiple of 20 VMs meet 1/20")


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"


def _message(group: Resource, vms: int, domains: int, given: bool, limit: float) -> str:
    down = down_at_once(vms, domains)
    unset = "" if given else " (platformUpdateDomainCount unset: 5)"
    counted = f"{vms} VMs in {domains} update domain{'s' if domains != 1 else ''}{unset}"
    if domains < 2:
        share = f"all {vms} VMs (100%) in {group.name} share update domain 0 and restart together"
    else:
        share = (
            f"{down} of {vms} VMs ({_pct(down, vms)}) in {group.name} share update domain 0 "
            f"and restart together"
        )
    return (
        f"availability set {group.name!r} has {counted}: {share} during planned maintenance, "
        f"more than max-unavailable {limit:.0%}"
    )


def _fix(group: Resource, inv: Inventory, vms: int, fix: Remedy, limit: float) -> Fix:
    op = "replace" if "platformUpdateDomainCount" in group.inputs else "add"
    patch = (PatchOp(op, "/platformUpdateDomainCount", fix.domains),)
    down = down_at_once(fix.vms, fix.domains)
    share = f"{down} of {fix.vms} VMs ({_pct(down, fix.vms)}) down at once"
    if not fix.reachable:
        title = (
            f"max-unavailable {limit:.0%} is below what any availability set can give (one of "
            f"at most 20 update domains, 5%): use 20 update domains with {fix.vms} or more VMs "
            f"and keep a standby in the paired region, or raise max-unavailable"
        )
    elif fix.vms > vms:
        title = (
            f"Run {fix.vms} VMs in {fix.domains} update domains ({share}); {vms} VMs cannot meet "
            f"max-unavailable {limit:.0%} with any update domain count. The set is recreated"
        )
    else:
        title = (
            f"Set platformUpdateDomainCount to {fix.domains} ({share}); the count is fixed at "
            f"creation, so the set and its VMs are recreated"
        )
    snippet = s.availability_set(
        group,
        inv.location(group),
        {"platformUpdateDomainCount": fix.domains},
        replace_on=_REPLACE_ON,
    )
    snippet += "\n" + s.members_recreated(group, inv.members(group))
    return Fix(
        title=title,
        patch=patch,
        snippet=snippet,
        replacement=True,
        new_resources=fix.vms > vms or not fix.reachable,
        replace_on=_REPLACE_ON,
    )


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    limit = Fraction(str(options.max_unavailable))
    for group in inv.of_kind(t.AVAILABILITY_SET):
        vms = len(inv.members(group))
        if vms < 2:
            continue
        raw = group.get("platformUpdateDomainCount")
        if raw is UNKNOWN:
            yield RULE.skipped(group, "platformUpdateDomainCount is unknown")
            continue
        domains = DEFAULT_UPDATE_DOMAINS if raw is None else whole_number(raw)
        if domains is None:
            yield RULE.skipped(group, f"platformUpdateDomainCount {raw!r} is not a whole number")
            continue
        if too_few(vms, domains, limit):
            message = _message(group, vms, domains, raw is not None, options.max_unavailable)
            fix = _fix(group, inv, vms, remedy(vms, limit), options.max_unavailable)
            yield RULE.finding(group, message, [fix])


RULE = Rule(
    id="MC103",
    slug="too-few-update-domains",
    severity=Severity.ERROR,
    title="Availability set with too few update domains for its VMs",
    doc=DOC,
    check=check,
)
