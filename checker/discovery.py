"""Finding the Pulumi projects to scan: under a directory (``maintcheck scan`` without paths,
the hook without files), or the projects that hold changed files (the pre-commit hook)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
# The changed files pre-commit passes to the hook (its `files`): the sources of every program
# maintcheck runs (Python, TypeScript/JavaScript, YAML in Pulumi.yaml) and the stack files.
HOOK_FILES = r"(\.py|\.[cm]?[jt]sx?|Pulumi.*\.ya?ml)$"
# Directories never searched for projects: tool caches, dependencies, virtualenvs.
_SKIP = frozenset({"node_modules", "__pycache__", "site-packages"})


def is_project(directory: Path) -> bool:
    return any((directory / name).is_file() for name in PROJECT_FILES)


def _relative(directory: Path, top: Path) -> Path:
    try:
        return directory.relative_to(top)
    except ValueError:
        return directory


def project_of(file: Path, top: Path) -> Path | None:
    """The nearest directory holding ``file`` (or the directory itself) that is a Pulumi
    project, searching no higher than ``top``."""
    top = top.resolve()
    current = file.resolve()
    current = current if current.is_dir() else current.parent
    while True:
        if is_project(current):
            return _relative(current, top)
        if current == top or current.parent == current or top not in current.parents:
            return None
        current = current.parent


def excluded(directory: Path, patterns: Sequence[str]) -> bool:
    """Whether config ``exclude`` globs (``tests/fixtures``, ``*/examples``) match the
    directory (relative to where the scan runs) or a directory above it."""
    path = PurePosixPath(directory.as_posix())
    candidates = [path, *path.parents]
    return any(fnmatchcase(str(c), p.rstrip("/")) for p in patterns for c in candidates if str(c) != ".")


def enclosing_project(directory: Path) -> Path | None:
    """The project ``directory`` is in (itself or the nearest parent with a Pulumi.yaml), as
    ``pulumi preview`` finds it; relative to ``directory`` (``..``), None when there is none."""
    start = directory.resolve()
    for candidate in (start, *start.parents):
        if is_project(candidate):
            return Path(os.path.relpath(candidate, start))
    return None


def all_projects(top: Path, exclude: Sequence[str] = ()) -> list[Path]:
    """Every project under ``top``, skipping hidden directories, virtualenvs, caches and the
    directories ``exclude`` names."""
    found: list[Path] = []
    for root, dirs, _files in os.walk(top):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in _SKIP and not (here / d / "pyvenv.cfg").exists()
        )
        if exclude:
            dirs[:] = [d for d in dirs if not excluded(_relative(here / d, top), exclude)]
        if is_project(here):
            found.append(_relative(here, top))
    return found


def projects_for(files: Iterable[Path], top: Path, exclude: Sequence[str] = ()) -> list[Path]:
    """The projects to scan for the changed ``files`` (all projects when there are none)."""
    files = list(files)
    if not files:
        return all_projects(top, exclude)
    found = {p for p in (project_of(f, top) for f in files) if p is not None}
    return sorted(p for p in found if not excluded(p, exclude))
