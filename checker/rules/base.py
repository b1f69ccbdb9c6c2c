"""What a rule is, and what it produces: findings that each carry at least one fix.

A rule is a pure function of the inventory and the rule options; it does no I/O and prints
nothing. Every rule module defines one ``RULE`` and is listed in ``checker.rules.ALL_RULES``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from checker.inventory import Inventory, Resource


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= Severity.WARNING`` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True)
class PatchOp:
    """One JSON-Patch-like operation on the resource's inputs; ``path`` is a JSON pointer of
    camelCase Pulumi property names, e.g. ``/sku/name`` or ``/zones``."""

    op: str  # "add" | "replace" | "remove"
    path: str
    value: Any = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op != "remove":
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class Fix:
    """A concrete fix: what to change, as patch operations and as pulumi-azure-native code.

    ``replacement`` says whether applying it makes Azure recreate the resource;
    ``new_resources`` whether the fix also needs resources that do not exist yet.
    """

    title: str
    patch: tuple[PatchOp, ...]
    snippet: str
    replacement: bool
    new_resources: bool = False


@dataclass(frozen=True)
class Finding:
    """A rule's verdict on one resource, with the fixes for it."""

    rule_id: str
    slug: str
    severity: Severity
    message: str
    resource: Resource
    fixes: tuple[Fix, ...]
    evidence: str | None = None
    suppressed: str | None = None  # the reason, when a suppression applies

    def sort_key(self) -> tuple[Any, ...]:
        res = self.resource
        return (res.stack, res.project, res.name, res.urn, self.rule_id, self.message)


@dataclass(frozen=True)
class Skipped:
    """A resource a rule could not judge (an UNKNOWN value); reported as a warning."""

    rule_id: str
    resource: Resource
    reason: str

    @property
    def message(self) -> str:
        """The warning every front door reports for it."""
        res = self.resource
        return f"{self.rule_id}: could not judge {res.name!r} ({res.stack}): {self.reason}"


@dataclass(frozen=True)
class RuleOptions:
    """Options rules read; set in config (``[tool.maintcheck]``) or policy config."""

    max_unavailable: float = 0.5
    workload_tag: str = "workload"
    sensitive_tag: str = "maintenance-sensitivity"


@dataclass(frozen=True)
class RuleDoc:
    """Documentation in the manner of ruff's rule pages."""

    what: str
    why: str
    example: str
    fix: str


Check = Callable[[Inventory, RuleOptions], Iterable["Finding | Skipped"]]


@dataclass(frozen=True)
class Rule:
    id: str
    slug: str
    severity: Severity
    title: str
    doc: RuleDoc
    check: Check = field(repr=False)

    def finding(
        self,
        resource: Resource,
        message: str,
        fixes: Iterable[Fix],
        evidence: str | None = None,
    ) -> Finding:
        fixes = tuple(fixes)
        if not fixes:
            raise ValueError(f"{self.id}: every finding needs a fix")
        return Finding(self.id, self.slug, self.severity, message, resource, fixes, evidence)

    def skipped(self, resource: Resource, reason: str) -> Skipped:
        return Skipped(self.id, resource, reason)
