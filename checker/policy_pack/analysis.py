"""What the policy pack reports: the engine's outcomes as policy violations, per rule.

Pure functions of a :class:`Document` (from ``checker.sources.policy``) and the rule options:
no pulumi import, no I/O. The servicer calls :func:`analyze` once per ``AnalyzeStack`` call
and hands each rule's violations to that rule's policy. The judging itself is
``engine.scan``, the pipeline the CLI runs: this module only maps its per-rule outcomes (an
internal error in one rule is an advisory note naming the rule) to violations.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from checker import engine
from checker.config import Settings
from checker.escaping import terminal
from checker.inventory import Document
from checker.model import OPTION_FIELDS, Finding, RuleOptions, RuleOutcome
from checker.report.base import finding_details
from checker.rules import RULES_BY_ID
from checker.rules.base import Rule

# Rule options a policy's config may set, keyed as in ``[tool.maintcheck]``.
OPTION_KEYS: Final = tuple(OPTION_FIELDS)


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
    """An advisory note for a rule that could not run because reading the stack failed. Only
    the exception's type is named: its text may quote a property value, and values may be
    secrets."""
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
    options, problems = RuleOptions.from_mapping(config)
    return options, [f"config {problem}" for problem in problems]


def violations(outcome: RuleOutcome) -> list[Violation]:
    """One rule's outcome as its policy reports it: unsuppressed findings on their resources;
    could-not-judge, suppression notes, an internal error and findings below the rule's own
    severity as advisory notes. Messages are escaped for the terminal `pulumi preview` prints
    them on (names may hold anything)."""
    if outcome.error is not None:
        return [
            Violation(
                f"{outcome.error_message} Run `maintcheck scan` on `pulumi preview --json` "
                "output for details.",
                note=True,
            )
        ]
    # A finding the rule itself rates below its policy's level (MC101 on a Spot VM is info,
    # MC301 on a zone-spread workload too) is advisory, whatever the policy's level.
    default = RULES_BY_ID[outcome.rule_id].severity if outcome.rule_id in RULES_BY_ID else None
    out = [
        Violation(
            terminal(finding_message(f)), f.resource.urn,
            note=default is not None and f.severity < default,
        )
        for f in outcome.findings
        if f.suppressed is None
    ]
    out.extend(Violation(terminal(s.message), s.resource.urn, note=True) for s in outcome.skipped)
    out.extend(Violation(terminal(note), note=True) for note in outcome.notes)
    return out


def analyze(
    document: Document,
    rules: Sequence[Rule],
    options: Mapping[str, RuleOptions] | None = None,
    today: datetime.date | None = None,
) -> dict[str, list[Violation]]:
    """Every rule's violations, by rule ID. ``options`` maps rule IDs to their options (default
    ``RuleOptions()``). Rules are judged in one ``engine.scan`` per workload tag (the one option
    the inventory is built with), each with its own options. The pack has no config file, and
    no source files for inline comments: the `maintcheck-ignore` tag is the suppression that
    applies, as in the CLI."""
    chosen = {rule.id: (options or {}).get(rule.id, RuleOptions()) for rule in rules}
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(chosen[rule.id].workload_tag, []).append(rule)
    result: dict[str, list[Violation]] = {}
    for members in groups.values():
        settings = Settings(
            options=chosen[members[0].id], rule_options={r.id: chosen[r.id] for r in members}
        )
        try:
            scanned = engine.scan([document], settings, today=today, rules=members)
        except Exception as exc:  # reading the stack failed: every rule of the group says so
            result.update({rule.id: [internal_error(rule, exc, "reading the stack")] for rule in members})
            continue
        result.update({o.rule_id: violations(o) for o in scanned.outcomes})
    return {rule.id: result.get(rule.id, []) for rule in rules}
