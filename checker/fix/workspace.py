"""A scratch copy of a Pulumi project: fixes are written and proven there first.

The user's files are written only at the end, with what the rescan of the copy proved; an
interrupted or failed fix never leaves a half-edited program behind. Virtualenvs and
``node_modules`` are linked, not copied; caches and version-control folders are left out.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

_LINKED = ("node_modules",)
_SKIPPED = ("__pycache__", ".git", ".hg", ".mypy_cache", ".ruff_cache", ".pytest_cache")


@dataclass(frozen=True)
class Workspace:
    """The project ``original`` and its working ``copy``."""

    original: Path
    copy: Path

    def read(self, rel: str) -> str:
        return (self.copy / rel).read_bytes().decode("utf-8")

    def original_text(self, rel: str) -> str:
        return (self.original / rel).read_bytes().decode("utf-8")

    def reset(self, texts: Mapping[str, str]) -> None:
        """Write ``texts`` (relative path -> content) into the copy."""
        for rel, text in texts.items():
            (self.copy / rel).write_bytes(text.encode("utf-8"))


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _copy(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir()):
        target = dst / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        elif entry.is_dir():
            if entry.name in _SKIPPED:
                continue
            if entry.name in _LINKED or _is_venv(entry):
                os.symlink(entry.resolve(), target, target_is_directory=True)
            elif not entry.name.startswith("."):
                _copy(entry, target)
        elif entry.is_file():
            shutil.copy2(entry, target)


@contextmanager
def workspaces(projects: list[Path]) -> Iterator[dict[Path, Workspace]]:
    """A scratch copy of each project, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="maintcheck-fix-") as tmp:
        spaces: dict[Path, Workspace] = {}
        for index, project in enumerate(projects):
            copy = Path(tmp) / f"{index}-{project.resolve().name or 'project'}"
            _copy(project.resolve(), copy)
            spaces[project] = Workspace(project, copy)
        yield spaces


def write_back(space: Workspace, texts: Mapping[str, str]) -> None:
    """Write the proven ``texts`` to the user's files, each replaced atomically."""
    for rel, text in texts.items():
        target = space.original / rel
        tmp = target.with_name(f".{target.name}.maintcheck-fix")
        tmp.write_bytes(text.encode("utf-8"))
        with suppress(OSError):
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
