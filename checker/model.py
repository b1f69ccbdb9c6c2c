"""The shared data of every layer: what rules produce and what a scan returns.

This module sits at the bottom: rules, the engine, reports, config, baseline, suppressions and
the policy pack import it; it imports nothing of theirs (only the inventory's ``Resource``,
which a finding is about).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from checker.inventory.resource import Resource

if TYPE_CHECKING:
    from checker.inventory import Inventory


_DIGITS = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=1 << 15)  # findings are sorted per rule, then all together
def natural_key(text: str) -> tuple[str | int, ...]:
    """Sort key that orders numbers inside names by value: nic-1, nic-2, nic-10 (not nic-10
    before nic-2). Parts alternate text and numbers, so keys always compare."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(_DIGITS.split(text)))


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


RECREATES: Final = "(recreates the resource)"


@dataclass(frozen=True)
class Fix:
    """A concrete fix: what to change, as patch operations and as code. Rules write it for
    azure-native (Python); the engine then writes it in the resource's program language and
    provider (checker.fix_language).

    ``replacement`` says whether applying it makes Azure recreate the resource;
    ``new_resources`` whether the fix also needs resources that do not exist yet.
    """

    title: str
    patch: tuple[PatchOp, ...]
    snippet: str
    replacement: bool
    new_resources: bool = False
    # engine property paths (``sku``, ``storageProfile.osDisk.diffDiskSettings``) that Azure
    # cannot change in place and azure-native does not replace on: the code asks Pulumi to
    # replace on them (``replace_on_changes``), in every language and in `maintcheck fix`
    replace_on: tuple[str, ...] = ()
    # patch paths that keep their azure-native names because the resource's provider (classic
    # azure) has no input there: ``maintcheck fix`` leaves them to the user
    native_paths: tuple[str, ...] = ()
    snippet_language: str = "python"  # "typescript", "javascript" or "yaml" for those programs

    @property
    def label(self) -> str:
        """The title as every report shows it: ``… (recreates the resource)`` when it does."""
        return f"{self.title} {RECREATES}" if self.replacement else self.title

    @property
    def command(self) -> str | None:
        """The ``maintcheck fix`` call that can write this fix into a Python program: it has
        property changes and needs no new resources (recreating ones need ``--unsafe-fixes``)."""
        if not self.patch or self.new_resources:
            return None
        return "maintcheck fix --unsafe-fixes" if self.replacement else "maintcheck fix"


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
    # ... written in the program or on the resource (an inline comment, the tag), not in the
    # config file: SARIF's suppression kind "inSource", else "external"
    suppressed_in_source: bool = False

    def sort_key(self) -> tuple[Any, ...]:
        res = self.resource
        return (res.stack, res.project, natural_key(res.name), res.urn, self.rule_id, self.message)


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


# Rule options as config (``[tool.maintcheck]``) and policy config spell them -> field names.
OPTION_FIELDS: Final = {
    "max-unavailable": "max_unavailable",
    "workload-tag": "workload_tag",
    "sensitive-tag": "sensitive_tag",
}


@dataclass(frozen=True)
class RuleOptions:
    """Options rules read; set in config (``[tool.maintcheck]``) or policy config."""

    max_unavailable: float = 0.5
    workload_tag: str = "workload"
    sensitive_tag: str = "maintenance-sensitivity"

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any] | None) -> tuple[RuleOptions, list[str]]:
        """The options a config table or a policy's config sets (other keys are ignored), and
        a problem for each value that does not fit (that option keeps its default). Numbers
        may arrive as floats (policy config) or ints (TOML)."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for key, attr in OPTION_FIELDS.items():
            if not table or key not in table:
                continue
            value = table[key]
            if key == "max-unavailable":
                ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1
                value = float(value) if ok else value
                expected = "a number greater than 0 and at most 1"
            else:
                ok = isinstance(value, str) and bool(value)
                expected = "a non-empty string"
            if ok:
                values[attr] = value
            else:
                problems.append(f"{key!r} must be {expected}; using the default.")
        return cls(**values), problems


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule did in a scan: its findings (after suppressions), the resources it could
    not judge, the notes its suppressions raised, or the internal ``error`` that stopped it
    (the exception's type name; its text may quote a secret property value)."""

    rule_id: str
    slug: str
    findings: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None

    @property
    def error_message(self) -> str:
        """The warning every front door shows for a rule that failed."""
        return (
            f"{self.rule_id} [{self.slug}] was not applied: maintcheck hit an internal error "
            f"({self.error}); its findings are missing from this report. Please report it."
        )


@dataclass(frozen=True)
class ScanResult:
    """What a scan found: sorted findings, warnings, and what was scanned."""

    findings: tuple[Finding, ...]
    warnings: tuple[str, ...]
    resource_count: int
    origins: tuple[str, ...]
    incomplete: bool = False
    baselined: int = 0  # findings left out because the --baseline file accepts them
    outcomes: tuple[RuleOutcome, ...] = ()
    # The inventory the rules judged: commands that look at the fleet itself (simulate, plan)
    # read it from here instead of building a second one.
    inventory: Inventory | None = field(default=None, compare=False, repr=False)
    # Several scans reported as one (stack groups, several paths): each scan's own result, so
    # a report can show each group's fleet (the html wave pictures); () for a single scan.
    parts: tuple[ScanResult, ...] = field(default=(), compare=False, repr=False)

    @property
    def failed_rules(self) -> tuple[RuleOutcome, ...]:
        """The rules that raised instead of judging: the scan is not a verdict on them."""
        return tuple(o for o in self.outcomes if o.error is not None)
