"""``pulumi preview --json`` documents: the planned state of each step (``newState``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker.inventory import Document
from checker.schemas import validate
from checker.sources.base import LoadOptions
from checker.sources.v3 import raw_resource, stack_and_project
from checker.values import normalize

# Steps whose resource will not exist after the update.
DELETE_OPS = frozenset(
    {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace", "read-discard"}
)


class PreviewSource:
    name = "preview"

    def claims(self, path: Path, data: Any) -> bool:
        return isinstance(data, Mapping) and "steps" in data

    def load(self, path: Path, data: Any, options: LoadOptions) -> list[Document]:
        validate(data, "preview", str(path), "preview")
        by_urn: dict[str, Mapping[str, Any]] = {}
        for step in data.get("steps") or []:
            state = step.get("newState")
            if step["op"] not in DELETE_OPS and isinstance(state, Mapping):
                by_urn.setdefault(state["urn"], state)  # a replace has several steps
        records = list(by_urn.values())
        stack, project = stack_and_project(records)
        config = data.get("config") or {}
        return [
            Document(
                origin=str(path),
                source_kind=self.name,
                project=project,
                stack=stack,
                resources=tuple(map(raw_resource, records)),
                config={str(k): normalize(v, str(k)) for k, v in config.items()},
            )
        ]
