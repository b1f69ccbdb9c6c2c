"""What a rule is, and what it produces: findings that each carry at least one fix.

A rule is a pure function of the inventory and the rule options; it does no I/O and prints
nothing. Every rule module defines one ``RULE`` and is listed in ``checker.rules.ALL_RULES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, RuleOptions, Severity, Skipped


@dataclass(frozen=True)
class RuleDoc:
    """Documentation in the manner of ruff's rule pages."""

    what: str
    why: str
    example: str
    fix: str

    def sections(self) -> tuple[tuple[str, str], ...]:
        """(heading, text) in the order every rendering shows them."""
        return (
            ("What it does", self.what),
            ("Why it matters", self.why),
            ("Example", self.example),
            ("Fix", self.fix),
        )


Check = Callable[[Inventory, RuleOptions], Iterable[Finding | Skipped]]


@dataclass(frozen=True)
class Rule:
    id: str
    slug: str
    severity: Severity
    title: str
    doc: RuleDoc
    check: Check = field(repr=False)

    def help_text(self) -> str:
        """The rule's documentation as plain text (`maintcheck explain`, SARIF ``help.text``)."""
        body = "\n\n".join(f"{heading}\n{text}" for heading, text in self.doc.sections())
        return f"{self.id} {self.slug} ({self.severity})\n{self.title}\n\n{body}\n"

    def help_markdown(self) -> str:
        """The rule's documentation as Markdown (SARIF ``help.markdown``, docs pages)."""
        parts = [f"**{self.id} {self.slug}** ({self.severity}): {self.title}"]
        for heading, text in self.doc.sections():
            shown = f"```python\n{text}\n```" if heading == "Example" else text
            parts.append(f"## {heading}\n{shown}")
        return "\n\n".join(parts) + "\n"

    def finding(
        self,
        resource: Resource,
        message: str,
        fixes: Iterable[Fix],
        evidence: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding at the rule's severity, or at ``severity`` where the catalog gives this
        case its own (MC101 on a Spot VM is info); a configured severity overrides both."""
        fixes = tuple(fixes)
        if not fixes:
            raise ValueError(f"{self.id}: every finding needs a fix")
        level = self.severity if severity is None else severity
        return Finding(self.id, self.slug, level, message, resource, fixes, evidence)

    def skipped(self, resource: Resource, reason: str) -> Skipped:
        return Skipped(self.id, resource, reason)
