"""What the policy pack reports: the engine's findings as policy violations, per rule.

Pure functions of a :class:`Document` (from ``checker.sources.policy``) and the rule options:
no pulumi import, no I/O. The servicer runs :func:`analyze` once per ``AnalyzeStack`` call and
hands each rule's violations to that rule's policy.

Each rule runs on its own (``engine.run_rules`` with that one rule), so an internal error in
one rule becomes an advisory violation naming the rule instead of failing the whole preview.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from checker.config import Settings
from checker.engine import run_rules
from checker.inventory import Document, Inventory
from checker.report.base import finding_details
from checker.rules.base import Finding, Rule, RuleOptions
from checker.suppressions import apply_suppressions

# Rule options a policy's config may set, keyed as in ``[tool.maintcheck]``.
OPTION_KEYS: Final = ("max-unavailable", "workload-tag", "sensitive-tag")
_OPTION_FIELDS: Final = {
    "max-unavailable": "max_unavailable",
    "workload-tag": "workload_tag",
    "sensitive-tag": "sensitive_tag",
}


@dataclass(frozen=True)
class Violation:
    """One diagnostic for a rule's policy. ``urn`` is "" for the stack as a whole; a ``note``
    (could not judge, internal error, bad config) is advisory whatever the policy's level."""

    message: str
    urn: str = ""
    note: bool = False


def finding_message(finding: Finding) -> str:
    """The finding as the CLI's text report prints it (rule, slug, message, evidence, every
    fix, the first fix's snippet), without colours, severity column and indentation."""
    lines = [f"{finding.rule_id} [{finding.slug}] {finding.message}"]
    for kind, text in finding_details(finding):
        if kind == "snippet":
            lines.extend(f"    {line}" if line else line for line in text.splitlines())
        else:
            lines.append(f"{kind}: {text}")
    return "\n".join(lines)




def internal_error(rule: Rule, exc: BaseException, during: str = "") -> Violation:
    """An advisory note for a rule that failed. Only the exception's type is named: its text
    may quote a property value, and values may be secrets."""
    step = f" while {during}" if during else ""
    return Violation(
        f"{rule.id} [{rule.slug}] was not applied: maintcheck hit an internal error "
        f"({type(exc).__name__}){step}. Run `maintcheck scan` on `pulumi preview --json` "
        "output for details, and please report it.",
        note=True,
    )


def read_options(config: Mapping[str, Any] | None) -> tuple[RuleOptions, list[str]]:
    """Rule options from one policy's config (numbers arrive as floats), and a problem for
    each value that does not fit (that option keeps its default). ``pulumi policy`` validates
    config against the declared schema; this is the pack's own guard for what gets past."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key in OPTION_KEYS:
        if not config or key not in config:
            continue
        value = config[key]
        if key == "max-unavailable":
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1
            value = float(value) if ok else value
            expected = "a number greater than 0 and at most 1"
        else:
            ok = isinstance(value, str) and bool(value)
            expected = "a non-empty string"
        if ok:
            values[_OPTION_FIELDS[key]] = value
        else:
            problems.append(f"config {key!r} must be {expected}; using the default.")
    return RuleOptions(**values), problems


def _run_rule(
    rule: Rule, inventory: Inventory, options: RuleOptions, today: datetime.date
) -> list[Violation]:
    try:
        findings, skipped = run_rules(inventory, Settings(options=options), (rule,))
        # The engine's post-step, as for the CLI: the `maintcheck-ignore` tag applies (a pack
        # has no config file, and no source files for inline comments).
        findings, notes = apply_suppressions(findings, (), today)
    except Exception as exc:  # a bug of ours must not fail the preview
        return [internal_error(rule, exc)]
    out = [Violation(finding_message(f), f.resource.urn) for f in findings if f.suppressed is None]
    out.extend(Violation(s.message, s.resource.urn, note=True) for s in skipped)
    out.extend(Violation(note, note=True) for note in dict.fromkeys(notes))
    return out


def analyze(
    document: Document,
    rules: Sequence[Rule],
    options: Mapping[str, RuleOptions] | None = None,
    today: datetime.date | None = None,
) -> dict[str, list[Violation]]:
    """Every rule's violations, by rule ID. ``options`` maps rule IDs to their options (default
    ``RuleOptions()``); rules with the same workload tag share one inventory."""
    today = today or datetime.date.today()
    chosen = {rule.id: (options or {}).get(rule.id, RuleOptions()) for rule in rules}
    inventories: dict[str, Inventory | BaseException] = {}
    result: dict[str, list[Violation]] = {}
    for rule in rules:
        opts = chosen[rule.id]
        tag = opts.workload_tag
        if tag not in inventories:
            try:
                inventories[tag] = Inventory.build([document], workload_tag=tag)
            except Exception as exc:
                inventories[tag] = exc
        inventory = inventories[tag]
        if isinstance(inventory, BaseException):
            result[rule.id] = [internal_error(rule, inventory, "reading the stack")]
        else:
            result[rule.id] = _run_rule(rule, inventory, opts, today)
    return result
