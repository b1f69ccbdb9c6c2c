"""Pulumi TypeScript/JavaScript projects (``runtime: nodejs``), run offline under Node mocks.

Each stack runs ``node_worker.js`` (shipped beside this module) with ``node`` from PATH, in
the project directory, against the project's OWN ``node_modules`` (``@pulumi/pulumi``, its
provider SDKs, and ``typescript`` for .ts programs), as a Python program runs with its own
virtualenv. TypeScript is transpiled in memory (types are not checked). Config, the timeout,
the result records and every error message follow the Python program source
(checker/sources/program.py), which this module reuses.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from checker.azure import types as t
from checker.errors import InputError
from checker.inventory import Document
from checker.sources.base import LoadOptions
from checker.sources.program import (
    CLIENT,
    OBJECT,
    SUBSCRIPTION,
    TENANT,
    Processes,
    Run,
    document,
    plan_runs,
    run_stacks,
    run_worker,
)
from checker.sources.pulumi_project import Project, project_runtime, read_project

WORKER = Path(__file__).with_name("node_worker.js")
MIN_NODE = 20
INSTALL = "`npm install` (or `npm ci`, `yarn install`, `pnpm install`)"


class NodeProgramSource:
    name = "nodejs"

    def claims(self, path: Path, data: Any) -> bool:
        return data is None and project_runtime(path) == "nodejs"

    def load(self, path: Path, data: Any, options: LoadOptions) -> list[Document]:
        project = read_project(path)
        node = prerequisites(path, project)
        entry = entry_point(project)
        runs, warnings = plan_runs(path, project, options, node)
        return run_stacks(runs, warnings, lambda run, notes, live: execute(run, entry, notes, live))


def prerequisites(path: Path, project: Project) -> str:
    """The ``node`` to run ``project`` with; InputError when node or the project's
    node_modules is missing (the pre-commit hook skips such a project with a note)."""
    node = shutil.which("node")
    if node is None:
        raise InputError(
            f"{path}: a TypeScript/JavaScript program, and `node` is not on PATH; install "
            f"Node.js {MIN_NODE} or newer (https://nodejs.org) to scan it."
        )
    _require_node_modules(project)
    return node


def entry_point(project: Project) -> Path:
    """What Pulumi's Node language host ``require``s: the file or directory ``main:`` names,
    else the project directory (its package.json ``main``, else ``index.ts``/``index.js``)."""
    # read_project points a directory's program at __main__.py (the Python convention).
    main = project.main.parent if project.main.name == "__main__.py" else project.main
    if main.is_dir():
        package = main / "package.json"
        candidates = [main / name for name in ("index.ts", "index.js", "index.mts", "index.cjs")]
        if not package.is_file() and not any(c.is_file() for c in candidates):
            raise InputError(
                f"{project.file}: no program in {main}: Pulumi runs the `main` of its "
                "package.json, else index.ts or index.js (or the file `main:` in Pulumi.yaml names)."
            )
        return main
    if not main.is_file():
        raise InputError(f"{project.file}: the program {main} (`main:`) does not exist.")
    return main


def _require_node_modules(project: Project) -> None:
    """Node resolves packages from ``node_modules`` of the project directory or a parent."""
    start = project.dir.resolve()
    for folder in (start, *start.parents):
        if (folder / "node_modules").is_dir():
            return
    raise InputError(
        f"{project.dir}: no node_modules; maintcheck runs the program with the project's own "
        f"packages, as `pulumi preview` does. Run {INSTALL} in {project.dir} first."
    )


def _job(run: Run, entry: Path) -> dict[str, Any]:
    return {
        "project": run.project.name,
        "stack": run.stack,
        "project_dir": str(run.project.dir.resolve()),
        "entry": str(entry),
        "subscription": SUBSCRIPTION,
        "tenant": TENANT,
        "client": CLIENT,
        "object": OBJECT,
        "arm_types": dict(t.ARM_TYPES),
        "name_properties": dict(t.NAME_PROPERTIES),
        "package_pattern": t.PACKAGE_PATTERN.pattern,
        "version_pattern": t.VERSION_SUFFIX.pattern,
        "min_node": MIN_NODE,
    }


def execute(run: Run, entry: Path, notes: Sequence[str] = (), live: Processes | None = None) -> Document:
    result = run_worker(run, [run.python, str(WORKER)], _job(run, entry), live)
    _node_errors(run, result)
    return document(run, result, notes, "nodejs")


def _node_errors(run: Run, result: Mapping[str, Any]) -> None:
    """What only a Node program can lack: a recent node, @pulumi/pulumi, typescript, a package."""
    status = result.get("status")
    error = result.get("error") or {}
    if status == "old-node":
        raise InputError(
            f"{run.label}: {run.python} is Node.js {result.get('node')}; maintcheck needs Node.js "
            f"{MIN_NODE} or newer to run TypeScript/JavaScript programs."
        )
    if status == "no-pulumi":
        raise InputError(
            f"{run.label}: the project's node_modules has no `@pulumi/pulumi`. Run {INSTALL} in "
            f"{run.path} (its package.json must list @pulumi/pulumi and the provider packages)."
        )
    if status == "no-typescript":
        raise InputError(
            f"{run.label}: {error.get('message')}; add it (`npm install --save-dev typescript`) "
            f"and run {INSTALL} in {run.path}."
        )
    if status == "error" and error.get("type") == "ModuleNotFoundError" and error.get("module"):
        module = str(error["module"])
        lines = [
            f"{run.label}: the program needs the package {module!r}, which the project's "
            "node_modules does not have.",
            *(f"  at {run.user_path(str(f.get('file')))}:{f.get('line')}" for f in error.get("frames") or []),
            f"hint: add it to package.json and run {INSTALL} in {run.path}.",
        ]
        raise InputError("\n".join(lines))
