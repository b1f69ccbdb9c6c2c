"""The engine: inventory -> rules -> findings. Every front door (CLI, policy pack) calls this."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from checker.baseline import Baseline, apply_baseline
from checker.config import Settings
from checker.inventory import Document, Inventory
from checker.rules import ALL_RULES
from checker.rules.base import Finding, Rule, Skipped
from checker.suppressions import LineReader, apply_suppressions


@dataclass(frozen=True)
class ScanResult:
    """What a scan found: sorted findings, warnings, and what was scanned."""

    findings: tuple[Finding, ...]
    warnings: tuple[str, ...]
    resource_count: int
    origins: tuple[str, ...]
    incomplete: bool = False
    baselined: int = 0  # findings left out because the --baseline file accepts them


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a scan.

    A scan builds a large graph of objects that lives until the report is written (resources,
    normalised properties, findings); each collection the allocations trigger walks all of it
    again, which cost about a third of a 5,000-VM scan. Reference counting still frees what is
    dropped; cycles made meanwhile are collected once the collector runs again. The previous
    state is restored on exit (a collector someone else disabled stays disabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def selected_rules(settings: Settings, rules: Sequence[Rule] = ALL_RULES) -> tuple[Rule, ...]:
    def chosen(rule: Rule) -> bool:
        picked = not settings.select or any(rule.id.startswith(p) for p in settings.select)
        dropped = any(rule.id.startswith(p) for p in settings.ignore)
        return picked and not dropped

    return tuple(rule for rule in rules if chosen(rule))


def run_rules(
    inventory: Inventory, settings: Settings, rules: Sequence[Rule] = ALL_RULES
) -> tuple[list[Finding], list[Skipped]]:
    """Run the selected rules; apply severity overrides. Rules never see settings beyond
    their options."""
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for rule in selected_rules(settings, rules):
        severity = settings.severities.get(rule.id, rule.severity)
        for item in rule.check(inventory, settings.options):
            if isinstance(item, Skipped):
                skipped.append(item)
            elif item.severity != severity:
                findings.append(dataclasses.replace(item, severity=severity))
            else:
                findings.append(item)
    findings.sort(key=Finding.sort_key)
    return findings, skipped


def scan_documents(
    documents: Iterable[Document],
    settings: Settings,
    *,
    reader: LineReader | None = None,
    baseline: Baseline | None = None,
    today: datetime.date | None = None,
) -> ScanResult:
    """Scan, then apply suppressions (inline comments only when a ``reader`` of source files
    is given) and the ``baseline``."""
    with collector_paused():
        return _scan(tuple(documents), settings, reader, baseline, today)


def _scan(
    docs: tuple[Document, ...],
    settings: Settings,
    reader: LineReader | None,
    baseline: Baseline | None,
    today: datetime.date | None,
) -> ScanResult:
    inventory = Inventory.build(docs, workload_tag=settings.options.workload_tag)
    findings, skipped = run_rules(inventory, settings)
    warnings = [w for doc in docs for w in doc.warnings]
    warnings.extend(
        s.message
        for s in sorted(skipped, key=lambda s: (s.rule_id, s.resource.stack, s.resource.name))
    )
    findings, notes = apply_suppressions(
        findings, settings.suppressions, today or datetime.date.today(), reader
    )
    warnings.extend(notes)
    baselined = 0
    if baseline is not None:
        findings, baselined, notes = apply_baseline(findings, baseline)
        warnings.extend(notes)
    return ScanResult(
        findings=tuple(findings),
        warnings=tuple(dict.fromkeys(warnings)),
        resource_count=len(inventory.resources),
        origins=tuple(doc.origin for doc in docs),
        incomplete=any(doc.incomplete for doc in docs),
        baselined=baselined,
    )
