"""The one pipeline every front door calls: documents + settings -> :class:`ScanResult`.

    documents -> Inventory -> each selected rule (isolated) -> fixes in the program's language
    and provider (checker.fix_language) -> suppressions; then, over every scan reported
    together, the baseline (:func:`with_baseline`)

The CLI (``scan``, ``hook``), the policy pack and the commands built on a scan all call
:func:`scan`; they only adapt their inputs into documents and render the result. A rule that
raises does not stop the others: its :class:`RuleOutcome` names the error, the result's
warnings say so, and the scan is marked incomplete.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence

from checker.baseline import Baseline, apply_baseline
from checker.config import Settings
from checker.fix_language import localize
from checker.inventory import Document, Inventory
from checker.memory import collector_paused
from checker.model import Finding, RuleOutcome, ScanResult, Skipped
from checker.rules import ALL_RULES
from checker.rules.base import Rule
from checker.suppressions import LineReader, apply_suppressions


def selected_rules(settings: Settings, rules: Sequence[Rule] = ALL_RULES) -> tuple[Rule, ...]:
    def chosen(rule: Rule) -> bool:
        picked = not settings.select or any(rule.id.startswith(p) for p in settings.select)
        dropped = any(rule.id.startswith(p) for p in settings.ignore)
        return picked and not dropped

    return tuple(rule for rule in rules if chosen(rule))


def judge(rule: Rule, inventory: Inventory, settings: Settings) -> tuple[list[Finding], list[Skipped]]:
    """One rule's verdicts, at the severity the settings give the rule, else at the one the rule
    gave each finding (a rule may lower it for a case: MC101 on a Spot VM is info). Raises what
    the rule raises."""
    severity = settings.severities.get(rule.id)
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for item in rule.check(inventory, settings.rule_options.get(rule.id, settings.options)):
        if isinstance(item, Skipped):
            skipped.append(item)
        elif severity is not None and item.severity != severity:
            findings.append(dataclasses.replace(item, severity=severity))
        else:
            findings.append(item)
    return findings, skipped


def run_rules(
    inventory: Inventory, settings: Settings, rules: Sequence[Rule] = ALL_RULES
) -> tuple[list[Finding], list[Skipped]]:
    """The selected rules' findings (sorted) and skips, without suppressions: for tests and
    benchmarks that judge an inventory directly. Unlike :func:`scan`, a failing rule raises."""
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for rule in selected_rules(settings, rules):
        found, skips = judge(rule, inventory, settings)
        findings.extend(found)
        skipped.extend(skips)
    findings.sort(key=Finding.sort_key)
    return findings, skipped


def _outcome(
    rule: Rule,
    inventory: Inventory,
    settings: Settings,
    today: datetime.date,
    reader: LineReader | None,
) -> RuleOutcome:
    try:
        findings, skipped = judge(rule, inventory, settings)
        findings = localize(findings)  # fixes in the program's language and provider
        findings.sort(key=Finding.sort_key)
        findings, notes = apply_suppressions(findings, settings.suppressions, today, reader)
    except Exception as exc:  # a bug of ours in one rule must not cost the others
        return RuleOutcome(rule.id, rule.slug, error=type(exc).__name__)
    skipped.sort(key=lambda s: (s.resource.stack, s.resource.name))
    return RuleOutcome(
        rule.id, rule.slug, tuple(findings), tuple(skipped), tuple(dict.fromkeys(notes))
    )


def scan(
    documents: Iterable[Document],
    settings: Settings,
    *,
    reader: LineReader | None = None,
    today: datetime.date | None = None,
    rules: Sequence[Rule] | None = None,
) -> ScanResult:
    """Scan ``documents`` with the rules ``settings`` select from ``rules`` (default: the whole
    catalog, ``checker.rules.ALL_RULES``), then apply suppressions (inline comments only when a
    ``reader`` of source files is given). A baseline is applied to the result by
    :func:`with_baseline`, once over every scan reported together."""
    with collector_paused():
        docs = tuple(documents)
        inventory = Inventory.build(docs, workload_tag=settings.options.workload_tag)
        day = today or datetime.date.today()
        outcomes = tuple(
            _outcome(rule, inventory, settings, day, reader)
            for rule in selected_rules(settings, ALL_RULES if rules is None else rules)
        )
        return _result(docs, inventory, outcomes)


def _result(
    docs: tuple[Document, ...],
    inventory: Inventory,
    outcomes: tuple[RuleOutcome, ...],
) -> ScanResult:
    findings = sorted((f for o in outcomes for f in o.findings), key=Finding.sort_key)
    skipped = sorted(
        (s for o in outcomes for s in o.skipped),
        key=lambda s: (s.rule_id, s.resource.stack, s.resource.name),
    )
    warnings = [w for doc in docs for w in doc.warnings]
    warnings.extend(inventory.warnings)
    warnings.extend(o.error_message for o in outcomes if o.error is not None)
    warnings.extend(s.message for s in skipped)
    warnings.extend(note for o in outcomes for note in o.notes)
    return ScanResult(
        findings=tuple(findings),
        warnings=tuple(dict.fromkeys(warnings)),
        resource_count=len(inventory.resources),
        origins=tuple(doc.origin for doc in docs),
        incomplete=any(doc.incomplete for doc in docs) or any(o.error for o in outcomes),
        outcomes=outcomes,
        inventory=inventory,
    )


def with_baseline(result: ScanResult, baseline: Baseline) -> ScanResult:
    """``result`` without the findings ``baseline`` accepts, and the baseline's notes. Several
    scans reported as one (stack groups) take their baseline once, after they are merged, so
    that no scan calls the entries of another stale."""
    findings, baselined, notes = apply_baseline(result.findings, baseline)
    return dataclasses.replace(
        result,
        findings=tuple(findings),
        warnings=tuple(dict.fromkeys((*result.warnings, *notes))),
        baselined=result.baselined + baselined,
    )
