"""Which fix each finding gets, the edits it needs, and whether shared edits agree.

A finding takes its first *applicable* fix: one with property changes (``patch``) that needs no
new resources and, unless ``--unsafe-fixes``, does not recreate the resource. Its operations
become edits (:mod:`checker.fix.edits`, :mod:`checker.fix.config_edits`). An edit that several
resources reach (a helper function, a loop, a config key) is made only when every resource
built there gets the same change; otherwise the fix is left as a snippet with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from checker.azure import types as t
from checker.fix import config_edits
from checker.fix.edits import CodeEdit, SourceFile, Unresolved, Walk, dotted, find_call, functions_of, pointer
from checker.inventory import Document, Resource
from checker.model import Finding, Fix

Edit = CodeEdit | config_edits.StackEdit
Site = tuple[str, str, int]  # (project root as given, file, line) of a constructor call

# Properties whose change the provider already answers with a replacement, so the edit needs
# no ``replace_on_changes`` (spec, "Fixes must deploy"): azure-native replaces a public IP on
# ``sku``; the classic provider replaces on these inputs.
_PROVIDER_REPLACES: dict[str, tuple[str, ...]] = {
    f"azure-native:{t.PUBLIC_IP}": ("sku",),
    "azure:compute/linuxVirtualMachine:LinuxVirtualMachine": (
        "availabilitySetId",
        "zone",
        "customData",
        "osDisk.diffDiskSettings",
    ),
    "azure:compute/windowsVirtualMachine:WindowsVirtualMachine": (
        "availabilitySetId",
        "zone",
        "customData",
        "osDisk.diffDiskSettings",
    ),
    "azure:compute/availabilitySet:AvailabilitySet": (
        "platformUpdateDomainCount",
        "platformFaultDomainCount",
        "managed",
    ),
}


def provider_replaces(res: Resource, path: str) -> bool:
    token = f"azure-native:{res.kind}" if res.type.startswith("azure-native") else res.type
    prop = dotted(path)
    return any(prop == p or prop.startswith(p + ".") for p in _PROVIDER_REPLACES.get(token, ()))


@dataclass(frozen=True)
class Candidate:
    """A finding whose fix resolved to edits (``left``: operations left to the program)."""

    finding: Finding
    fix: Fix
    edits: tuple[Edit, ...]
    left: tuple[str, ...]
    site: Site


@dataclass(frozen=True)
class Left:
    """A finding that is not fixed automatically, and why."""

    finding: Finding
    fix: Fix | None
    status: str  # "unsafe" | "new-resources" | "manual" | "not-python" | "still-present"
    reason: str
    edits: tuple[Edit, ...] = ()


def choose(finding: Finding, unsafe: bool) -> Fix | Left:
    """The first applicable fix, or why there is none."""
    for fix in finding.fixes:
        if fix.command is not None and (unsafe or not fix.replacement):
            return fix
    first = finding.fixes[0] if finding.fixes else None
    if first is None:
        return Left(finding, None, "manual", "the rule gives no fix")
    if first.new_resources:
        return Left(finding, first, "new-resources", "the fix needs new resources; add them by hand")
    if first.replacement:
        return Left(finding, first, "unsafe", "the fix recreates the resource; apply it with --unsafe-fixes")
    return Left(finding, first, "manual", "the fix changes no property; apply it by hand")


def _writable(value: Any) -> bool:
    if isinstance(value, str):
        return not (value.startswith("<") and value.endswith(">"))
    if isinstance(value, list):
        return all(_writable(v) for v in value)
    if isinstance(value, dict):
        return all(_writable(v) for v in value.values())
    return value is not None


@dataclass
class Resolver:
    """Turns fixes into edits of the projects' working copies (sources parsed once)."""

    contexts: Mapping[str, Callable[[str], config_edits.StackContext]]  # root -> stack -> context
    texts: Callable[[str, str], str]  # (root, file) -> the original text
    members: Callable[[Resource], Sequence[Resource]] = lambda _group: ()  # a set's member VMs
    sources: dict[tuple[str, str], SourceFile] = field(default_factory=dict)

    def source(self, ctx: config_edits.StackContext, root: str, rel: str) -> SourceFile:
        key = (root, rel)
        if key not in self.sources:
            self.sources[key] = SourceFile.parse(ctx.root, rel, self.texts(root, rel))
        return self.sources[key]

    def resolve(self, finding: Finding, fix: Fix) -> Candidate | Left:
        res = finding.resource
        if res.source is None or not res.source.line:
            return Left(finding, fix, "manual", "no source line was recorded for the resource")
        rel = PurePosixPath(res.source.file)
        if rel.is_absolute() or ".." in rel.parts:
            return Left(finding, fix, "manual", f"{rel} is outside the project; edit it by hand")
        ctx = self.contexts[res.root](res.stack)
        try:
            source = self.source(ctx, res.root, str(rel))
            call = find_call(source, res.source.line, res.type.rsplit(":", 1)[-1])
        except Unresolved as exc:
            return Left(finding, fix, "manual", str(exc))
        except (OSError, UnicodeDecodeError) as exc:
            return Left(finding, fix, "manual", f"{rel}: cannot read: {exc}")
        walk = Walk(source, functions_of(source.module), lambda w, e, v: config_edits.edits_for(w, e, v, ctx))
        edits: list[Edit] = []
        left: list[str] = []
        for op in fix.patch:
            if op.path in fix.native_paths:
                left.append(f"{dotted(op.path)}: the classic azure provider has no argument for it")
                continue
            if op.op not in ("add", "replace", "remove"):
                left.append(f"{op.path}: operation {op.op!r} is not applied automatically")
                continue
            if op.op != "remove" and not _writable(op.value):
                left.append(f"{dotted(op.path)}: no concrete value to write ({op.value!r})")
                continue
            try:
                edits.extend(walk.resolve(call, pointer(op.path), op.op, op.value))
            except Unresolved as exc:
                left.append(f"{dotted(op.path)}: {exc}")
        if not edits:
            reason = "; ".join(left) or "the program already writes these values where they are set"
            return Left(finding, fix, "manual", reason)
        if fix.replacement and not any(provider_replaces(res, op.path) for op in fix.patch):
            if fix.replace_on:  # what the rule's snippet asks Pulumi to replace on
                edits.append(
                    CodeEdit(source.rel, call, "opts", ",".join(fix.replace_on), "", source.line(call))
                )
            if res.kind == t.AVAILABILITY_SET:
                try:
                    edits.extend(self._members_replaced(res))
                except Unresolved as exc:
                    return Left(finding, fix, "manual", f"its member VMs must be recreated with it: {exc}")
        site = (res.root, str(rel), res.source.line)
        return Candidate(finding, fix, tuple(edits), tuple(left), site)

    def _members_replaced(self, aset: Resource) -> list[CodeEdit]:
        """Recreating a set recreates its VMs (Azure deletes no set that has VMs, and a VM
        cannot change sets): each member's call gets ``replace_on_changes`` on its set."""
        edits = []
        for vm in self.members(aset):
            if provider_replaces(vm, "/availabilitySet") or vm.source is None:
                if vm.source is None:
                    raise Unresolved(f"no source line was recorded for {vm.name!r}")
                continue
            ctx = self.contexts[vm.root](vm.stack)
            source = self.source(ctx, vm.root, vm.source.file)
            call = find_call(source, vm.source.line, vm.type.rsplit(":", 1)[-1])
            edits.append(CodeEdit(source.rel, call, "opts", "availabilitySet", "", source.line(call)))
        return edits


def builders(documents: Iterable[Document]) -> dict[Site, set[str]]:
    """The resources each constructor call builds (a helper or loop builds several)."""
    found: dict[Site, set[str]] = {}
    for doc in documents:
        for raw in doc.resources:
            if raw.source is not None and raw.source.line:
                found.setdefault((doc.root, raw.source.file, raw.source.line), set()).add(raw.urn)
    return found


def edit_key(edit: Edit) -> tuple[Any, ...]:
    if isinstance(edit, CodeEdit):
        return edit.key if edit.kind != "opts" else (edit.file, id(edit.node), "opts")
    return (edit.file, edit.key)


def _value(edit: Edit) -> str:
    if isinstance(edit, CodeEdit):
        return edit.code
    return json.dumps(edit.value, sort_keys=True)


def agree(
    candidates: Sequence[Candidate], built: Mapping[Site, set[str]], names: Mapping[str, str]
) -> tuple[list[Candidate], list[Left]]:
    """The candidates whose edits agree with every other resource that shares them."""
    kept = list(candidates)
    dropped: list[Left] = []
    while True:
        values: dict[tuple[Any, ...], dict[str, set[str]]] = {}
        sites: dict[tuple[Any, ...], set[Site]] = {}
        for cand in kept:
            for edit in cand.edits:
                if isinstance(edit, CodeEdit) and edit.kind == "opts":
                    continue
                key = edit_key(edit)
                values.setdefault(key, {}).setdefault(_value(edit), set()).add(cand.finding.resource.urn)
                sites.setdefault(key, set()).add(cand.site)
        bad: dict[int, str] = {}
        for index, cand in enumerate(kept):
            for edit in cand.edits:
                if isinstance(edit, CodeEdit) and edit.kind == "opts":
                    continue
                key = edit_key(edit)
                if len(values[key]) > 1:
                    wanted = "; ".join(
                        f"{', '.join(sorted(names[u] for u in urns))}: {code}"
                        for code, urns in sorted(values[key].items())
                    )
                    bad[index] = (
                        f"{edit.where} is shared by resources that need different values ({wanted}); "
                        "edit it by hand"
                    )
                    break
                if isinstance(edit, CodeEdit):
                    claimed = set().union(*values[key].values())
                    everyone = set().union(*(built.get(site, set()) for site in sites[key]))
                    missing = everyone - claimed
                    if missing:
                        others = ", ".join(sorted(names.get(u, u.rsplit("::", 1)[-1]) for u in missing))
                        bad[index] = (
                            f"{edit.where} also builds {others}, which this fix does not cover; "
                            "edit it by hand (or give those resources their own arguments)"
                        )
                        break
        if not bad:
            return kept, dropped
        dropped.extend(
            Left(kept[i].finding, kept[i].fix, "manual", reason) for i, reason in sorted(bad.items())
        )
        kept = [c for i, c in enumerate(kept) if i not in bad]


def merged(
    edits: Iterable[Edit],
) -> tuple[dict[str, list[CodeEdit]], dict[str, list[config_edits.StackEdit]]]:
    """The distinct edits per file (replacement paths of one call united)."""
    code: dict[str, dict[tuple[Any, ...], CodeEdit]] = {}
    stack: dict[str, dict[tuple[Any, ...], config_edits.StackEdit]] = {}
    for edit in edits:
        key = edit_key(edit)
        if isinstance(edit, CodeEdit):
            per_file = code.setdefault(edit.file, {})
            if edit.kind == "opts" and key in per_file:
                paths = dict.fromkeys([*per_file[key].name.split(","), *edit.name.split(",")])
                per_file[key] = CodeEdit(edit.file, edit.node, "opts", ",".join(paths), "", edit.line)
            else:
                per_file.setdefault(key, edit)
        else:
            stack.setdefault(edit.file, {}).setdefault(key, edit)
    return {f: list(v.values()) for f, v in code.items()}, {f: list(v.values()) for f, v in stack.items()}
