"""``pulumi stack export`` documents (deployment version 3)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.inventory import Document
from checker.schemas import validate
from checker.sources.base import LoadOptions
from checker.sources.v3 import raw_resource, stack_and_project


class StateSource:
    name = "stack export"

    def claims(self, path: Path, data: Any) -> bool:
        return isinstance(data, Mapping) and "deployment" in data

    def load(self, path: Path, data: Any, options: LoadOptions) -> list[Document]:
        version = data.get("version")
        if version != 3:
            raise InputError(
                f"{path}: stack export version {version!r} is not supported (at $.version); "
                "export the stack with a current Pulumi CLI, which writes version 3."
            )
        validate(data, "stack-export", str(path), "stack export")
        records = [r for r in data["deployment"].get("resources") or [] if not r.get("delete")]
        stack, project = stack_and_project(records)
        return [
            Document(
                origin=str(path),
                source_kind=self.name,
                project=project,
                stack=stack,
                resources=tuple(map(raw_resource, records)),
            )
        ]
