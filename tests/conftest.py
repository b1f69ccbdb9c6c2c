"""Shared pytest fixtures."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


NODE_DEPS = Path(__file__).parent / "node"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """``tests/node/node_modules`` (@pulumi/pulumi, @pulumi/azure-native, typescript), installed
    with ``npm ci`` once per environment, only when it is missing (~250 MB, ~30 s)."""
    target = NODE_DEPS / "node_modules"
    if not (target / "@pulumi" / "azure-native" / "package.json").is_file():
        npm = shutil.which("npm")
        assert npm is not None, "the Node tests need node and npm (Node.js 20 or newer) on PATH"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DEPS, check=True
        )
    return target


@pytest.fixture
def node_project(tmp_path: Path, node_modules: Path) -> Callable[[Path], Path]:
    """Copy a fixture project into tmp_path, its node_modules a link to the shared install."""

    def make(fixture: Path) -> Path:
        project = tmp_path / fixture.name
        shutil.copytree(fixture, project)
        (project / "node_modules").symlink_to(node_modules, target_is_directory=True)
        return project

    return make
