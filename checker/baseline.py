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
  or drops an optional property from a fix, or offers other alternatives in another region.

Left out on purpose: the stack name (``prod-eastus`` and ``prod-westus`` share one baseline),
source lines (moving unrelated code does not change them), messages and evidence (their wording
may improve between releases) and patch values (they may hold stack-specific data).
"""

from __future__ import annotations

import hashlib

from checker.rules.base import Finding

FINGERPRINT_VERSION = 1


def subject(finding: Finding) -> str:
    """The deepest JSON pointer holding every property the finding's fixes patch ("" for the
    whole resource)."""
    parents = [op.path.split("/")[1:-1] for fix in finding.fixes for op in fix.patch]
    if not parents:
        return ""
    common: list[str] = []
    for segments in zip(*parents, strict=False):
        if any(seg != segments[0] for seg in segments):
            break
        common.append(segments[0])
    return "".join("/" + seg for seg in common)


def fingerprint_parts(finding: Finding) -> tuple[str, ...]:
    """The stable facts a fingerprint hashes, in order (readable, for tests and debugging)."""
    res = finding.resource
    return (f"v{FINGERPRINT_VERSION}", finding.rule_id, res.project, res.kind, res.name,
            subject(finding))


def fingerprint(finding: Finding) -> str:
    """A 32-hex-digit identity of ``finding`` that survives stack renames and moved lines."""
    text = "\x1f".join(fingerprint_parts(finding))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
