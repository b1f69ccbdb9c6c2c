"""`maintcheck policy-pack init` names the source maintcheck was installed from, and the pack
installs from it into a fresh virtualenv (no network: a wheel built here, ``pip --no-index``).

The fresh virtualenvs see this test environment's third-party packages (pulumi, pulumi-policy,
click…) through a ``.pth`` file pointing at a folder of links to them — everything except
maintcheck itself — so pip resolves every dependency offline and must install maintcheck
from the recorded source.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from checker.policy_pack.templates import requirement_from

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, "maintcheck[policy]==0.1.0"),
        ("not json", "maintcheck[policy]==0.1.0"),
        (
            {"url": "file:///home/me/src/maintcheck", "dir_info": {"editable": True}},
            "-e /home/me/src/maintcheck[policy]",
        ),
        (
            {"url": "file:///home/me/src/maintcheck", "dir_info": {}},
            "maintcheck[policy] @ file:///home/me/src/maintcheck",
        ),
        (
            {"url": "file:///tmp/w/maintcheck-0.1.0-py3-none-any.whl", "archive_info": {}},
            "maintcheck[policy] @ file:///tmp/w/maintcheck-0.1.0-py3-none-any.whl",
        ),
        (
            {
                "url": "https://github.com/acme/maintcheck.git",
                "vcs_info": {"vcs": "git", "commit_id": "a1b2c3", "requested_revision": "v0.1.0"},
            },
            "maintcheck[policy] @ git+https://github.com/acme/maintcheck.git@a1b2c3",
        ),
        (
            {
                "url": "https://github.com/acme/tools.git",
                "vcs_info": {"vcs": "git", "commit_id": "ffee"},
                "subdirectory": "maintcheck",
            },
            "maintcheck[policy] @ git+https://github.com/acme/tools.git@ffee#subdirectory=maintcheck",
        ),
    ],
)
def test_requirement_from_the_recorded_install(direct_url: object, expected: str) -> None:
    text = direct_url if direct_url is None or isinstance(direct_url, str) else json.dumps(direct_url)
    assert requirement_from(text, "0.1.0") == expected


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def _fresh_venv(path: Path, deps: Path) -> Path:
    """A virtualenv without pip (pip runs from here with --python) that sees ``deps``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    (Path(purelib) / "test-deps.pth").write_text(f"{deps}\n")
    return python


def _deps_without_maintcheck(target: Path) -> Path:
    """Links to every package of this environment except maintcheck (and pip's own)."""
    target.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name.lower()
        if "maintcheck" in name or name.endswith(".pth") or name.startswith(("pip", "_distutils")):
            continue
        (target / entry.name).symlink_to(entry)
    return target


@pytest.mark.slow
def test_generated_pack_installs_from_the_recorded_wheel(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copytree(REPO / "checker", src / "checker", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, src, cwd=tmp_path)
    (wheel,) = wheels.glob("maintcheck-*.whl")
    deps = _deps_without_maintcheck(tmp_path / "deps")

    # A user installs maintcheck from the wheel, then writes a pack.
    user = _fresh_venv(tmp_path / "user-venv", deps)
    _run(*pip, "--python", user, "install", "--no-index", wheel, cwd=tmp_path)
    _run(user, "-m", "checker", "policy-pack", "init", "pack", cwd=tmp_path)
    requirements = (tmp_path / "pack" / "requirements.txt").read_text()
    assert f"maintcheck[policy] @ {wheel.as_uri()}" in requirements.splitlines()

    # The pack's own virtualenv installs it from there, as `pulumi install` does in the pack.
    pack = _fresh_venv(tmp_path / "pack" / "venv", deps)
    _run(*pip, "--python", pack, "install", "--no-index", "-r", "requirements.txt",
         cwd=tmp_path / "pack")
    where = _run(
        pack, "-c", "import checker.policy_pack, pulumi_policy; print(checker.policy_pack.__file__)",
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "pack" / "venv"), where


@pytest.mark.slow
def test_editable_checkout_pack_installs_from_any_folder(tmp_path: Path) -> None:
    """This test environment has maintcheck as an editable checkout: the pack names the
    checkout by absolute path, so pip may run anywhere."""
    _run(sys.executable, "-m", "checker", "policy-pack", "init", "pack", cwd=tmp_path)
    line = (tmp_path / "pack" / "requirements.txt").read_text().splitlines()[-1]
    assert line.startswith("-e /") and line.endswith("[policy]")
    checkout = Path(line[3 : -len("[policy]")])
    assert (checkout / "pyproject.toml").is_file() and (checkout / "checker" / "cli.py").is_file()
