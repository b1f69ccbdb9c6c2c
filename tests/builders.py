"""Small builders for test inventories: write resources the way Pulumi documents hold them.

    stack = StackBuilder("dev")
    rg = stack.add("azure-native:resources:ResourceGroup", "rg", {"location": "eastus"})
    vm = stack.add("azure-native:compute:VirtualMachine", "vm", {...}, deps={"availabilitySet": [as_]})
    inv = inventory(stack)

``stack.export()`` gives a `pulumi stack export` document and ``stack.preview()`` a
`pulumi preview --json` document, for tests that go through the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from checker.inventory import Document, Inventory, RawResource, SourcePosition
from checker.values import normalize

SUB = "00000000-0000-0000-0000-000000000000"
_ARM = {
    "VirtualMachine": "Microsoft.Compute/virtualMachines",
    "AvailabilitySet": "Microsoft.Compute/availabilitySets",
    "VirtualMachineScaleSet": "Microsoft.Compute/virtualMachineScaleSets",
    "NetworkInterface": "Microsoft.Network/networkInterfaces",
    "PublicIPAddress": "Microsoft.Network/publicIPAddresses",
    "VirtualNetwork": "Microsoft.Network/virtualNetworks",
    "LoadBalancer": "Microsoft.Network/loadBalancers",
    "MaintenanceConfiguration": "Microsoft.Maintenance/maintenanceConfigurations",
    "DedicatedHostGroup": "Microsoft.Compute/hostGroups",
}


def arm_id(type_token: str, name: str, rg: str = "rg") -> str:
    """A plausible ARM id for a resource of ``type_token`` named ``name``."""
    short = type_token.rsplit(":", 1)[-1]
    if short == "ResourceGroup":
        return f"/subscriptions/{SUB}/resourceGroups/{name}"
    if short == "Subnet":
        return (
            f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/"
            f"virtualNetworks/vnet/subnets/{name}"
        )
    arm = _ARM.get(short, f"Microsoft.Unknown/{short}s")
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{arm}/{name}"


class Ref:
    """A resource added to a builder; ``.urn`` and ``.id`` to reference it."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    @property
    def urn(self) -> str:
        return str(self.record["urn"])

    @property
    def id(self) -> str:
        return str(self.record.get("id") or "")

    def sub(self) -> dict[str, str]:
        """``{"id": <this resource's id>}``, as Azure sub-resource references are written."""
        return {"id": self.id}


class StackBuilder:
    def __init__(
        self, stack: str = "dev", project: str = "app", config: Mapping[str, Any] | None = None
    ) -> None:
        self.stack = stack
        self.project = project
        self.config = dict(config or {})
        self.records: list[dict[str, Any]] = []

    def urn(self, type_token: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{type_token}::{name}"

    def add(
        self,
        type_token: str,
        name: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        outputs: Mapping[str, Any] | None = None,
        deps: Mapping[str, list[Ref]] | None = None,
        id: str | None = "auto",
        provider: Ref | None = None,
        line: int | None = None,
        rg: str = "rg",
    ) -> Ref:
        record: dict[str, Any] = {
            "urn": self.urn(type_token, name),
            "custom": True,
            "type": type_token,
            "inputs": dict(inputs or {}),
        }
        if id == "auto":
            id = arm_id(type_token, name, rg)
        if id is not None:
            record["id"] = id
        if outputs is not None:
            record["outputs"] = dict(outputs)
        if deps:
            record["propertyDependencies"] = {k: [r.urn for r in v] for k, v in deps.items()}
            record["dependencies"] = sorted({r.urn for v in deps.values() for r in v})
        if provider is not None:
            record["provider"] = f"{provider.urn}::{provider.id or 'provider-id'}"
        if line is not None:
            record["sourcePosition"] = f"project:///__main__.py#{line}"
        self.records.append(record)
        return Ref(record)

    def document(self, origin: str = "test") -> Document:
        from checker.sources.v3 import raw_resource

        return Document(
            origin=origin,
            source_kind="test",
            project=self.project,
            stack=self.stack,
            resources=tuple(raw_resource(r) for r in self.records),
            config={k: normalize(v, k) for k, v in self.config.items()},
        )

    def export(self) -> dict[str, Any]:
        return {
            "version": 3,
            "deployment": {
                "manifest": {"time": "2026-11-25T00:00:00Z", "version": "v3.272.0"},
                "resources": self.records,
            },
        }

    def preview(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "steps": [
                {"op": "create", "urn": r["urn"], "newState": r} for r in self.records
            ],
            "changeSummary": {"create": len(self.records)},
        }

    def write(self, path: Path, kind: str = "export") -> Path:
        doc = self.export() if kind == "export" else self.preview()
        path.write_text(json.dumps(doc, indent=2))
        return path


def inventory(*stacks: StackBuilder, workload_tag: str = "workload") -> Inventory:
    return Inventory.build([s.document(f"{s.stack}.json") for s in stacks], workload_tag)


__all__ = ["SUB", "Document", "RawResource", "Ref", "SourcePosition", "StackBuilder", "arm_id", "inventory"]


def broken_rule(secret: str) -> Any:
    """A rule (MC999 broken-rule) whose check raises, with ``secret`` in the exception's text:
    front doors must isolate it and never print the text."""
    from checker.model import Severity
    from checker.rules.base import Rule, RuleDoc

    def check(inv: Any, options: Any) -> Iterator[Any]:
        raise ZeroDivisionError(secret)
        yield

    return Rule("MC999", "broken-rule", Severity.ERROR, "Always fails",
                RuleDoc("what", "why", "example", "fix"), check)
