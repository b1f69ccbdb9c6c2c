"""Properties over hostile input (hypothesis): whatever a name holds, every format stays escaped
and parseable and every snippet only quotes it; whatever a planted credential looks like, no
output shows it. The scans run in-process through ``engine.scan`` and every real format."""

from __future__ import annotations

import json
import string
import xml.etree.ElementTree as ET

import click
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker.config import Settings
from checker.engine import scan
from checker.model import ScanResult
from checker.policy_pack.analysis import violations
from checker.report import FORMAT_NAMES, get
from tests.builders import StackBuilder
from tests.hostile_corpus import SHAPES, add_vm, script
from tests.test_hostile_input import _exec_snippet, no_injection

PIECES = ("\n::error ::x", "\r", "\x1b]0;t\x07", "\x1b[2J", "{", "}", "{__import__('os')}", '"',
          "'", "\\", "\x00", "\ud800", "\u202e", "##[", "::", "<b>", "|", "`", "*", "%0A", "\u2028")
NAMES = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(st.characters(exclude_categories=[]), max_size=4)),
    min_size=1,
    max_size=6,
).map("".join).filter(lambda n: n.strip() != "")
SECRET_ALPHABET = string.ascii_letters + string.digits + "!%^*_+~.-="
SECRETS = st.text(SECRET_ALPHABET, min_size=12, max_size=32).filter(
    lambda s: any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s)
)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _scan(stack: StackBuilder) -> ScanResult:
    return scan([stack.document()], Settings())


def _outputs(result: ScanResult) -> dict[str, str]:
    out = {fmt: click.unstyle(get(fmt).render(result)) for fmt in FORMAT_NAMES}
    out["pack"] = "\n".join(v.message for o in result.outcomes for v in violations(o))
    return out


@PROPERTY
@given(name=NAMES)
def test_any_name_stays_escaped_in_every_format_and_is_only_quoted_in_snippets(name: str) -> None:
    stack = StackBuilder("dev")
    add_vm(stack, name, "#!/bin/bash\nmkdir -p /mnt/data\n")
    result = _scan(stack)
    assert {f.rule_id for f in result.findings} >= {"MC101", "MC212"}
    outputs = _outputs(result)
    for fmt, text in outputs.items():
        text.encode("utf-8")  # writable: no lone surrogate left raw
        if fmt == "github":
            for line in text.splitlines():
                assert line.startswith(("::error ", "::warning ", "::notice ", "maintcheck: "))
            assert not any(ord(c) < 0x20 and c != "\n" for c in text)
        else:
            no_injection(text)
    report = json.loads(outputs["json"])
    assert {f["resource"]["name"] for f in report["findings"]} == {name}
    json.loads(outputs["sarif"])
    ET.fromstring(outputs["junit"])
    for finding in result.findings:
        if finding.rule_id == "MC101":
            for fix in finding.fixes:
                registered = _exec_snippet(fix.snippet)
                # the VM itself, rewritten, and a second instance named after it
                assert name in registered and f"{name}-2" in registered


@PROPERTY
@given(shape=st.sampled_from(sorted(SHAPES)), secret=SECRETS)
def test_a_planted_credential_never_appears_in_any_output(shape: str, secret: str) -> None:
    stack = StackBuilder("dev")
    add_vm(stack, "vm", script(shape, secret))
    result = _scan(stack)
    assert any(f.rule_id == "MC212" for f in result.findings), shape
    outputs = _outputs(result)
    baseline = StackBuilder("dev")
    add_vm(baseline, "vm", script(shape, "Q" * len(secret)))
    assume(not any(secret in text for text in _outputs(_scan(baseline)).values()))
    leaked = [fmt for fmt, text in outputs.items() if secret in text]
    assert leaked == []
