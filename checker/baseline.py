"""Baselines: accept today's findings, report only new ones.

A finding is recognised by its :func:`fingerprint`, which SARIF's ``partialFingerprints`` use
as well. The fingerprint is built from what identifies the problem, not from where the scan
happened to find it:

* the rule ID, the project, the resource's canonical kind and logical name;
* a discriminator for several findings of one rule on one resource (MC201 on each ip
  configuration of a NIC): the *subject* of the finding, i.e. the deepest JSON pointer that
  contains every property its fixes change, array indexes included. For fixes that patch
  ``/ipConfigurations/1/privateIPAllocationMethod`` and ``/ipConfigurations/1/privateIPAddress``
  it is ``/ipConfigurations/1``; for MC101's alternatives (``/availabilitySet``, ``/zones``)
  it is the resource itself. Taking the parent of each path keeps it stable when a rule adds
  or drops an optional property from a fix. What a fix removes is part of the subject as well:
  MC201's fix for an inline NIC configuration removes
  ``/networkProfile/networkInterfaceConfigurations/1``, which tells it from the fix for ``/0``.

Left out on purpose: the stack name (``prod-eastus`` and ``prod-westus`` share one baseline),
source lines (moving unrelated code does not change them), messages and evidence (their wording
may improve between releases) and patch values (they may hold stack-specific data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.model import Finding
from checker.textio import read_text

FINGERPRINT_VERSION = 1


def _anchor(path: str, op: str) -> list[str]:
    """The part of the resource an operation is about: what it removes, or the object whose
    property it sets (the parent of an add/replace path)."""
    segments = path.split("/")[1:]
    return segments if op == "remove" else segments[:-1]


def subject(finding: Finding) -> str:
    """The deepest JSON pointer holding every part of the resource the finding's fixes patch
    ("" for the whole resource), followed by what they remove (``|/…``), if anything."""
    ops = [op for fix in finding.fixes for op in fix.patch]
    anchors = [_anchor(op.path, op.op) for op in ops]
    common: list[str] = []
    for segments in zip(*anchors, strict=False):
        if any(seg != segments[0] for seg in segments):
            break
        common.append(segments[0])
    removed = sorted({op.path for op in ops if op.op == "remove"})
    return "".join("/" + seg for seg in common) + "".join("|" + path for path in removed)


def fingerprint_parts(finding: Finding) -> tuple[str, ...]:
    """The stable facts a fingerprint hashes, in order (readable, for tests and debugging)."""
    res = finding.resource
    return (
        f"v{FINGERPRINT_VERSION}", finding.rule_id, res.project, res.kind, res.name,
        subject(finding),
    )


def fingerprint(finding: Finding) -> str:
    """A 32-hex-digit identity of ``finding`` that survives stack renames and moved lines."""
    import hashlib  # (here: a scan without a baseline or SARIF report never needs it)

    text = "\x1f".join(fingerprint_parts(finding))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# -- baseline files ----------------------------------------------------------------------------

BASELINE_VERSION = 1

_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")


def _fingerprints(data: Any, origin: str, hint: str) -> frozenset[str]:
    """The fingerprints of a parsed baseline document; InputError names the bad JSON path."""

    def bad(path: str, problem: str) -> InputError:
        return InputError(f"{origin}: invalid baseline at {path}: {problem}; {hint}.")

    if not isinstance(data, dict):
        raise bad("$", "expected an object with `version` and `findings`")
    if "version" not in data:
        raise bad("$", "'version' is a required property")
    if data["version"] != BASELINE_VERSION:
        raise bad("$.version", f"version {data['version']!r} is not supported")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise bad("$.findings", "expected a list of findings")
    found: set[str] = set()
    for i, entry in enumerate(entries):
        value = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(value, str) or not _FINGERPRINT.match(value):
            raise bad(f"$.findings[{i}].fingerprint", "expected 32 lower-case hex digits")
        found.add(value)
    return frozenset(found)


@dataclass(frozen=True)
class Baseline:
    """The fingerprints of the findings a team has accepted, read from ``origin``."""

    origin: str
    fingerprints: frozenset[str]


def baseline_json(findings: Iterable[Finding]) -> dict[str, Any]:
    """Today's unsuppressed findings as a baseline document: one entry per fingerprint (the same
    finding in several stacks is one entry), sorted, with rule, resource and message for people
    reading the file."""
    entries: dict[str, dict[str, str]] = {}
    for f in sorted(findings, key=Finding.sort_key):
        if f.suppressed is None:
            entries.setdefault(
                fingerprint(f),
                {
                    "fingerprint": fingerprint(f),
                    "rule": f.rule_id,
                    "project": f.resource.project,
                    "resource": f.resource.name,
                    "kind": f.resource.kind,
                    "message": f.message,
                },
            )
    rows = sorted(
        entries.values(), key=lambda e: (e["project"], e["resource"], e["rule"], e["fingerprint"])
    )
    return {"version": BASELINE_VERSION, "tool": "maintcheck", "findings": rows}


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline file; returns how many entries it holds."""
    doc = baseline_json(findings)
    try:
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the baseline: {exc.strerror}.") from None
    return len(doc["findings"])


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; a bad one raises InputError naming the file and JSON path."""
    hint = f"write a new one with `maintcheck scan ... --write-baseline {path}`"
    try:
        data = json.loads(read_text(path))
    except FileNotFoundError:
        raise InputError(f"{path}: no such baseline file; {hint}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a text file"
        raise InputError(f"{path}: cannot read the baseline: {reason}.") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to read; {hint}.") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; {hint}."
        ) from None
    except ValueError:  # a number of more than 4,300 digits
        raise InputError(f"{path}: holds a number too long to read; {hint}.") from None
    return Baseline(str(path), _fingerprints(data, str(path), hint))


def apply_baseline(
    findings: Sequence[Finding], baseline: Baseline
) -> tuple[list[Finding], int, list[str]]:
    """Drop the unsuppressed findings the baseline accepts; returns the rest, how many were
    dropped, and a warning saying so (and how many baseline entries are gone)."""
    kept: list[Finding] = []
    seen: set[str] = set()
    for f in findings:
        key = fingerprint(f)
        if f.suppressed is None and key in baseline.fingerprints:
            seen.add(key)
        else:
            kept.append(f)
    matched = len(findings) - len(kept)
    plural = "s" if matched != 1 else ""
    warnings = [
        f"{matched} finding{plural} matched the baseline {baseline.origin} and "
        f"{'are' if plural else 'is'} not reported."
    ]
    stale = len(baseline.fingerprints - seen)
    if stale:
        warnings.append(
            f"{stale} baseline entr{'ies' if stale != 1 else 'y'} in {baseline.origin} matched "
            "no finding (fixed, or not scanned this time); refresh it with --write-baseline."
        )
    return kept, matched, warnings
