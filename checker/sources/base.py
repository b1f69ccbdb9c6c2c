"""What a source is: something that claims an input path and reads it into Documents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from checker.inventory import Document


@dataclass(frozen=True)
class LoadOptions:
    """Options of ``maintcheck scan`` that sources read."""

    stacks: tuple[str, ...] = ()
    config: tuple[tuple[str, str], ...] = ()  # --config KEY=VALUE, in order
    timeout: float = 120.0


class Source(Protocol):
    """One input format. ``data`` is the parsed JSON of a file, or None for a directory."""

    name: str

    def claims(self, path: Path, data: Any) -> bool: ...

    def load(self, path: Path, data: Any, options: LoadOptions) -> list[Document]: ...
