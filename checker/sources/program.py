"""Pulumi Python projects, run in a subprocess under Pulumi mocks (see worker.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.inventory import Document
from checker.sources.base import LoadOptions


class ProgramSource:
    name = "program"

    def claims(self, path: Path, data: Any) -> bool:
        return data is None and (path / "Pulumi.yaml").is_file()

    def load(self, path: Path, data: Any, options: LoadOptions) -> list[Document]:
        raise InputError(f"{path}: running Pulumi programs is not available yet.")
