"""Fix soundness for tests: apply a fix's patch to a resource's inputs, rescan, and check that
the finding it fixes is gone.

    from tests.patching import apply_patch, assert_fixes_sound

    exercised = assert_fixes_sound(stack, rules=["MC102", "MC103"])
    assert {rule for rule, _urn, _title in exercised} == {"MC102", "MC103"}

``apply_patch`` follows RFC 6902 for ``add``/``replace``/``remove`` with JSON pointers (RFC 6901):
``add`` needs the parent to exist (a fix that adds ``/sku/name`` to a resource without ``sku``
must add ``/sku`` instead), ``replace``/``remove`` need the target to exist, ``-`` appends to an
array. Any violation raises :class:`PatchError`, so a fix whose patch cannot apply is unsound.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Fix, PatchOp
from checker.rules import ALL_RULES
from checker.rules.base import Rule
from tests.builders import StackBuilder, inventory

Op = PatchOp | Mapping[str, Any]


class PatchError(AssertionError):
    """A patch operation that does not apply to the document."""


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"{path!r}: a JSON pointer starts with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list[Any], token: str, path: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchError(f"{path!r}: {token!r} is not an array index")
    index = int(token)
    limit = len(container) if allow_end else len(container) - 1
    if index > limit:
        raise PatchError(f"{path!r}: index {index} is out of range (length {len(container)})")
    return index


def _parent(doc: Any, tokens: list[str], path: str) -> Any:
    cur = doc
    for depth, token in enumerate(tokens):
        where = "/" + "/".join(tokens[: depth + 1])
        if isinstance(cur, dict):
            if token not in cur:
                raise PatchError(f"{path!r}: {where!r} does not exist")
            cur = cur[token]
        elif isinstance(cur, list):
            cur = cur[_index(cur, token, path, allow_end=False)]
        else:
            raise PatchError(f"{path!r}: {where!r} is inside a scalar")
    if not isinstance(cur, (dict, list)):
        raise PatchError(f"{path!r}: the parent is not an object or array")
    return cur


def _as_op(op: Op) -> tuple[str, str, Any]:
    if isinstance(op, PatchOp):
        return op.op, op.path, op.value
    return str(op["op"]), str(op["path"]), op.get("value")


def apply_op(doc: Any, op: Op) -> Any:
    """Apply one operation to ``doc`` in place (the root itself is returned when replaced)."""
    kind, path, value = _as_op(op)
    tokens = _pointer(path)
    if kind not in ("add", "replace", "remove"):
        raise PatchError(f"{path!r}: unsupported operation {kind!r}")
    if not tokens:
        if kind == "remove":
            raise PatchError("cannot remove the whole document")
        return copy.deepcopy(value)
    parent = _parent(doc, tokens[:-1], path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if kind in ("replace", "remove") and last not in parent:
            raise PatchError(f"{path!r}: cannot {kind} a member that does not exist")
        if kind == "remove":
            del parent[last]
        else:
            parent[last] = copy.deepcopy(value)
        return doc
    index = _index(parent, last, path, allow_end=kind == "add")
    if kind == "add":
        parent.insert(index, copy.deepcopy(value))
    elif kind == "replace":
        parent[index] = copy.deepcopy(value)
    else:
        del parent[index]
    return doc


def apply_patch(inputs: Mapping[str, Any], ops: Iterable[Op]) -> dict[str, Any]:
    """A patched deep copy of ``inputs``; ``inputs`` itself is never changed."""
    doc: Any = copy.deepcopy(dict(inputs))
    for op in ops:
        doc = apply_op(doc, op)
    if not isinstance(doc, dict):
        raise PatchError("the patched inputs are no longer an object")
    return doc


def _patch_outputs(outputs: Any, ops: Sequence[Op]) -> Any:
    """Outputs follow the inputs after a deployment: apply each op where it fits, so a stale
    output value does not hide the patched input. Ops that do not fit the outputs are left out."""
    doc = copy.deepcopy(outputs)
    for op in ops:
        try:
            doc = apply_op(doc, op)
        except PatchError:
            continue
    return doc


def _copy_stacks(stacks: Sequence[StackBuilder]) -> list[StackBuilder]:
    copies = []
    for stack in stacks:
        clone = StackBuilder(stack.stack, stack.project, copy.deepcopy(stack.config))
        clone.records = copy.deepcopy(stack.records)
        copies.append(clone)
    return copies


def _patched(stacks: Sequence[StackBuilder], urn: str, fix: Fix) -> list[StackBuilder]:
    copies = _copy_stacks(stacks)
    records = [r for s in copies for r in s.records if r["urn"] == urn]
    if len(records) != 1:
        raise AssertionError(f"{urn}: expected one record in the stacks, found {len(records)}")
    record = records[0]
    try:
        record["inputs"] = apply_patch(record.get("inputs") or {}, fix.patch)
    except PatchError as exc:
        raise AssertionError(f"fix {fix.title!r} on {urn}: patch does not apply: {exc}") from None
    if isinstance(record.get("outputs"), dict):
        record["outputs"] = _patch_outputs(record["outputs"], fix.patch)
    return copies


def _rules(rules: Iterable[str | Rule] | None) -> tuple[Rule, ...]:
    """Rules by ID from ALL_RULES, or Rule objects as given (all of ALL_RULES for None)."""
    if rules is None:
        return ALL_RULES
    by_id = {r.id: r for r in ALL_RULES}
    unknown = [r for r in rules if isinstance(r, str) and r not in by_id]
    if unknown:
        raise AssertionError(f"unknown rule IDs: {unknown}")
    return tuple(by_id[r] if isinstance(r, str) else r for r in rules)


def scan(
    stacks: Sequence[StackBuilder], rules: Sequence[Rule], settings: Settings | None = None
) -> list[Finding]:
    settings = settings or Settings()
    findings, _skipped = run_rules(
        inventory(*stacks, workload_tag=settings.options.workload_tag), settings, rules
    )
    return findings


def _count(findings: Iterable[Finding], rule_id: str, urn: str) -> int:
    return sum(1 for f in findings if f.rule_id == rule_id and f.resource.urn == urn)


def assert_fixes_sound(
    *stacks: StackBuilder,
    rules: Iterable[str | Rule] | None = None,
    settings: Settings | None = None,
) -> list[tuple[str, str, str]]:
    """Scan ``stacks``; for every finding and every fix of it that needs no new resources and
    has a patch, apply the patch to that resource's inputs (in copies of the stacks), rescan and
    assert the finding is gone: no finding of the same rule on the same URN with the same
    message, and fewer findings of that rule on that URN than before.

    ``settings`` (default: ``Settings()``) carries rule options such as max-unavailable and
    applies to both scans. Returns the (rule ID, URN, fix title) of every fix exercised; fails
    when there is none.
    """
    if not stacks:
        raise AssertionError("assert_fixes_sound needs at least one stack")
    chosen = _rules(rules)
    before = scan(stacks, chosen, settings)
    exercised: list[tuple[str, str, str]] = []
    for finding in before:
        urn = finding.resource.urn
        for fix in finding.fixes:
            if fix.new_resources or not fix.patch:
                continue
            after = scan(_patched(stacks, urn, fix), chosen, settings)
            same = [
                f for f in after
                if f.rule_id == finding.rule_id and f.resource.urn == urn
                and f.message == finding.message
            ]
            assert not same and _count(after, finding.rule_id, urn) < _count(
                before, finding.rule_id, urn
            ), (
                f"{finding.rule_id} on {urn} is still reported after applying fix "
                f"{fix.title!r} {[op.to_json() for op in fix.patch]}: "
                f"{[f.message for f in after if f.rule_id == finding.rule_id]}"
            )
            exercised.append((finding.rule_id, urn, fix.title))
    assert exercised, (
        "no fix was exercised: no finding had a fix with a patch and no new resources "
        f"(findings: {[(f.rule_id, f.resource.name) for f in before]})"
    )
    return exercised
