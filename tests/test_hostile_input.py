"""Hostile input through the real command line: no credential printed, no injection, no crash,
bounded time and memory (issue #12).

The corpus is in ``tests/hostile_corpus.py`` (credential shapes, hostile names) and
``tests/fixtures/hostile/`` (programs that leave processes behind, flood stderr, read dates).
Memory is measured as the peak RSS of the maintcheck process itself (``resource.getrusage``
in the child), never by timing.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from checker.report import FORMAT_NAMES
from tests.builders import StackBuilder
from tests.hostile_corpus import HOSTILE_NAMES, SHAPES, add_vm, b64, script

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
PROGRAMS = HOSTILE / "programs"
MAINTCHECK = [sys.executable, "-c", "from checker.cli import main; main()"]
# Runs maintcheck and reports its own peak RSS (kB) on the last line of stderr: the VmHWM of
# /proc/self/status where there is one (getrusage's ru_maxrss survives exec on Linux, so it
# would report the test process's own peak at fork time), else resource.getrusage.
MEASURED = [
    sys.executable,
    "-c",
    "import re, resource, sys\n"
    "from checker.cli import main\n"
    "try:\n    main()\n"
    "finally:\n"
    "    try:\n"
    "        status = open('/proc/self/status').read()\n"
    "        peak = int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    "    except (OSError, AttributeError):\n"
    "        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    print(f'\\nMAXRSS_KB={peak}', file=sys.stderr)\n",
]
SECRETS = {shape: f"Zq{i:02d}LeakT0ken{i:02d}x" for i, shape in enumerate(SHAPES)}


def run(*args: str, cwd: Path | None = None, measured: bool = False, timeout: float = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(MEASURED if measured else MAINTCHECK), *args],
        cwd=cwd or ROOT, capture_output=True, text=True, check=False, timeout=timeout,
        env={**_clean_environ(), "PYTHONPATH": str(ROOT), **(env or {})},
    )


def _clean_environ() -> dict[str, str]:
    """The environment without what would hide a bug (a caller's own no-bytecode setting)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def peak_rss_mb(proc: subprocess.CompletedProcess[str]) -> float:
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MAXRSS_KB=")][-1]
    return int(line.split("=")[1]) / 1024


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "internal error" not in out, out[-3000:]


def no_injection(text: str) -> None:
    """No terminal control sequence, no line a CI runner would take for a workflow command."""
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    assert not bad, sorted(set(bad))
    assert not any(0xD800 <= ord(c) <= 0xDFFF or c in "\u202e\u2028" for c in text)


# -- credentials in boot scripts ----------------------------------------------------------


@pytest.fixture(scope="module")
def secrets_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One VM per credential shape, each running a script with its own planted secret."""
    stack = StackBuilder("dev")
    for shape, secret in SECRETS.items():
        add_vm(stack, f"vm-{shape}", script(shape, secret))
    return stack.write(tmp_path_factory.mktemp("secrets") / "export.json")


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_no_planted_credential_reaches_any_format(secrets_export: Path, fmt: str) -> None:
    proc = run("scan", str(secrets_export), "--format", fmt, "--select", "MC212", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    out = proc.stdout + proc.stderr
    leaked = {shape: s for shape, s in SECRETS.items() if s in out}
    assert leaked == {}
    assert "NotThisOne1!" not in out
    if fmt == "json":  # every shape was found: the test is not passing by finding nothing
        findings = json.loads(proc.stdout)["findings"]
        assert sorted(f["resource"]["name"] for f in findings) == sorted(f"vm-{s}" for s in SHAPES)
        evidence = {f["resource"]["name"]: f["evidence"] for f in findings}
        assert evidence["vm-env-assignment"] == "customData, line 2: echo … /mnt/app/.env"
        assert evidence["vm-heredoc"] == "customData, line 2: cat … /mnt/app/.env"
        assert evidence["vm-yaml-password"].endswith("line 3: uses /mnt/app/config.yaml")


def test_no_planted_credential_reaches_the_policy_pack_messages(secrets_export: Path) -> None:
    from checker.policy_pack.analysis import analyze
    from checker.rules import ALL_RULES
    from checker.sources import load_all
    from checker.sources.base import LoadOptions

    (document,) = load_all([secrets_export], LoadOptions())
    messages = [v.message for vs in analyze(document, ALL_RULES).values() for v in vs]
    assert sum("MC212" in m for m in messages) == len(SHAPES)
    text = "\n".join(messages)
    assert [s for s in SECRETS.values() if s in text] == []


def test_a_validation_error_never_quotes_a_secret_or_a_huge_value(tmp_path: Path) -> None:
    stack = StackBuilder("dev")
    add_vm(stack, "vm")
    doc = stack.export()
    resources = doc["deployment"]["resources"]
    resources[-1]["urn"] = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                            "plaintext": "PlainSecretValue77"}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    resources[-1]["urn"] = "urn:pulumi:dev::app::x::y"
    resources[-1]["inputs"] = ["password=HiddenPw88", "h" * 3_000_000]
    (tmp_path / "b.json").write_text(json.dumps(doc))
    for name in ("a.json", "b.json"):
        proc = run("scan", str(tmp_path / name))
        assert proc.returncode == 2 and "invalid stack export at $.deployment.resources" in proc.stderr
        assert "PlainSecretValue77" not in proc.stderr and "HiddenPw88" not in proc.stderr
        assert len(proc.stderr) < 1000
        assert_no_traceback(proc)


# -- hostile names --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def names_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    stack = StackBuilder("dev")
    for name in HOSTILE_NAMES:
        add_vm(stack, name, "#!/bin/bash\nmkdir /mnt/app\n")
    return stack.write(tmp_path_factory.mktemp("names") / "export.json")


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_hostile_names_stay_escaped_and_every_format_parses(names_export: Path, fmt: str) -> None:
    proc = run("scan", str(names_export), "--format", fmt, "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    out = proc.stdout
    if fmt == "github":
        assert all(ln.startswith(("::error ", "::warning ", "::notice ", "maintcheck: "))
                   for ln in out.splitlines())
        assert "\x1b" not in out and "\x00" not in out and "\r" not in out
    else:
        no_injection(out)
    no_injection(proc.stderr)
    if fmt in ("json", "sarif"):
        json.loads(out)
    if fmt == "junit":
        ET.fromstring(out)
    if fmt == "json":
        names = {f["resource"]["name"] for f in json.loads(out)["findings"]}
        assert names == set(HOSTILE_NAMES)  # the data keeps the exact names


def test_snippets_quote_hostile_names_and_never_run_them(names_export: Path) -> None:
    """Each snippet runs (against recorders, with no builtins, so an evaluated
    ``__import__`` would fail) and names the resources it builds after the hostile name."""
    report = json.loads(run("scan", str(names_export), "--format", "json").stdout)
    checked = 0
    for finding in report["findings"]:
        name = finding["resource"]["name"]
        for fix in finding["fixes"]:
            if finding["rule"] == "MC101" and fix["snippet"]:
                registered = _exec_snippet(fix["snippet"])
                # every MC101 fix rewrites the VM itself and adds a second instance after it
                assert name in registered and f"{name}-2" in registered, registered
                checked += 1
    assert checked >= len(HOSTILE_NAMES)


class _Recorder:
    """Stands in for pulumi_azure_native/pulumi: any attribute, any call; records names."""

    def __init__(self, names: list[str]) -> None:
        self._names = names

    def __getattr__(self, attr: str) -> _Recorder:
        return self

    def __call__(self, *args: object, **kwargs: object) -> _Recorder:
        if args and isinstance(args[0], str):
            self._names.append(args[0])
        return self


def _exec_snippet(snippet: str) -> list[str]:
    """Run a snippet against recorders (imports removed); the names it would register."""
    names: list[str] = []
    code = "\n".join(ln for ln in snippet.splitlines() if not ln.startswith("import "))
    namespace = {"azure_native": _Recorder(names), "pulumi": _Recorder(names), "__builtins__": {
        "range": range, "enumerate": enumerate, "str": str}}
    exec(compile(code, "<snippet>", "exec"), namespace)  # no builtins: __import__ would fail
    return names


# -- malformed input is exit 2 with a message ---------------------------------------------


def _export_with(tmp_path: Path, mutate: str) -> Path:
    stack = StackBuilder("dev")
    add_vm(stack, "vm", "#!/bin/bash\nmkdir /mnt/x\n")
    text = json.dumps(stack.export())
    path = tmp_path / "export.json"
    if mutate == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif mutate == "deep-inputs":
        path.write_text(text.replace('"resourceGroupName": "rg"',
                                     '"tags": ' + "[" * 900 + "]" * 900 + ', "resourceGroupName": "rg"'))
    elif mutate == "long-int":
        long_int = '"x": ' + "9" * 5000 + ', "resourceGroupName": "rg"'
        path.write_text(text.replace('"resourceGroupName": "rg"', long_int))
    elif mutate == "utf16":
        path.write_bytes(text.encode("utf-16"))
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("mutate", "code", "expected"),
    [
        ("deep", 2, "nested too deeply"),
        ("deep-inputs", 2, "nested more than 200 levels"),
        ("long-int", 2, "number too long"),
        ("utf16", 1, "MC101"),
    ],
)
def test_malformed_json_is_a_message_not_a_crash(
    tmp_path: Path, mutate: str, code: int, expected: str
) -> None:
    proc = run("scan", str(_export_with(tmp_path, mutate)))
    assert proc.returncode == code, proc.stderr
    assert expected in proc.stdout + proc.stderr
    assert_no_traceback(proc)


@pytest.mark.parametrize(
    ("name", "content", "code", "expected"),
    [
        ("maintcheck.toml", b"max-unavailable = nan\n", 2, "max-unavailable"),
        ("maintcheck.toml", '\ufeffselect = ["MC1"]\n'.encode(), 1, "MC101"),
        ("maintcheck.toml", 'select = ["MC1"]\n'.encode("utf-16"), 1, "MC101"),
        ("maintcheck.toml", b"\xff\x00\xfe", 2, "not UTF-8"),
        ("pyproject.toml", b'[tool]\nmaintcheck = "x"\n', 2, "$.tool.maintcheck: must be a table"),
        ("pyproject.toml", b"tool = 3\n", 2, "`tool` must be a table"),
    ],
)
def test_bad_config_files_are_exit_2_or_read(tmp_path: Path, name: str, content: bytes, code: int,
                                             expected: str) -> None:
    export = _export_with(tmp_path, "plain")
    (tmp_path / name).write_bytes(content)
    proc = run("scan", "export.json", cwd=tmp_path)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert expected in proc.stdout + proc.stderr
    assert_no_traceback(proc)
    assert export.exists()  # the scan read the export: only the config was at fault


@pytest.mark.parametrize("command", ["scan", "simulate", "plan", "fix"])
@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400"])
def test_timeout_must_be_finite(tmp_path: Path, value: str, command: str) -> None:
    proc = run(command, str(_export_with(tmp_path, "plain")), "--timeout", value)
    assert proc.returncode == 2 and "--timeout" in proc.stderr
    assert_no_traceback(proc)


# -- programs -------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; a killed orphan may linger as a zombie until init reaps it."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _pids(pidfile: Path) -> list[int]:
    return [int(p) for p in pidfile.read_text().split()]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir() or shutil.which("setsid") is None, reason="Linux only")
def test_timeout_kills_a_detached_grandchild(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    proc = run("scan", str(PROGRAMS / "detached_hang"), "--timeout", "3",
               env={"MAINTCHECK_TEST_PIDFILE": str(pidfile)})
    assert proc.returncode == 2 and "did not finish within 3 s" in proc.stderr
    worker, detached = _pids(pidfile)
    assert not _alive(worker) and not _alive(detached)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir() or shutil.which("setsid") is None, reason="Linux only")
def test_a_finished_program_keeps_its_result_and_leaves_nothing_running(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    proc = run("scan", str(PROGRAMS / "detached"), "--timeout", "60", "--format", "json",
               env={"MAINTCHECK_TEST_PIDFILE": str(pidfile)})
    assert proc.returncode == 1, proc.stderr
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]][:1] == ["MC101"]
    plain, detached = _pids(pidfile)
    assert not _alive(plain) and not _alive(detached)


@pytest.mark.slow
def test_a_flood_on_stderr_keeps_memory_bounded(tmp_path: Path) -> None:
    proc = run("scan", str(PROGRAMS / "noisy"), measured=True)
    assert proc.returncode == 2 and "raised SystemExit" in proc.stderr
    assert_no_traceback(proc)
    assert peak_rss_mb(proc) < 150  # the program wrote 200 MB; before #12 this was ~640 MB


def test_config_dates_and_binary_reach_the_program_as_strings() -> None:
    proc = run("scan", str(PROGRAMS / "dated"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["resources"] == 1


def test_the_scan_writes_no_bytecode_into_the_project(tmp_path: Path) -> None:
    project = tmp_path / "helper"
    shutil.copytree(ROOT / "tests" / "fixtures" / "programs" / "helper", project)
    proc = run("scan", str(project), "--stack", "only", "--fail-on", "never")
    assert proc.returncode in (0, 1), proc.stderr
    assert not list(project.rglob("__pycache__")) and not list(project.rglob("*.pyc"))


@pytest.mark.parametrize("command", ["scan", "simulate", "plan", "fix"])
def test_a_program_crash_is_shown_masked_and_escaped_by_every_command(tmp_path: Path, command: str) -> None:
    """The program's own traceback reaches stderr through the one redaction (fix printed it raw)."""
    (tmp_path / "Pulumi.yaml").write_text("name: crash\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        'raise ValueError("cannot connect: password=Hunter2Secret9 \\x1b[31m red")\n'
    )
    proc = run(command, str(tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "__main__.py" in proc.stderr and "password=***" in proc.stderr
    assert "Hunter2Secret9" not in proc.stdout + proc.stderr
    no_injection(proc.stderr)
    assert_no_traceback(proc)


def test_duplicate_urns_and_bad_project_names_are_refused_as_pulumi_does(tmp_path: Path) -> None:
    proc = run("scan", str(PROGRAMS / "duplicate"))
    assert proc.returncode == 2 and "duplicate resource URN" in proc.stderr
    project = tmp_path / "p"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: 'a::b'\nruntime: python\n")
    (project / "__main__.py").write_text("")
    proc = run("scan", str(project))
    assert proc.returncode == 2 and "is not one Pulumi accepts" in proc.stderr
    (project / "Pulumi.yaml").write_text("name: ab\nruntime: python\n")
    proc = run("scan", str(project), "--stack", "dev::x")
    assert proc.returncode == 2 and "not a stack name Pulumi accepts" in proc.stderr


@pytest.mark.slow
def test_a_yaml_alias_bomb_in_a_stack_file_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    project = tmp_path / "bomb"
    shutil.copytree(PROGRAMS / "dated", project)
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for new, old in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{new}: &{new} [{', '.join([f'*{old}'] * 9)}]")
    lines.append("config:\n  bomb:value: *i")
    (project / "Pulumi.dev.yaml").write_text("\n".join(lines) + "\n")
    proc = run("scan", str(project), measured=True)
    assert proc.returncode == 2 and "alias" in proc.stderr
    assert_no_traceback(proc)
    assert peak_rss_mb(proc) < 150


@pytest.mark.slow
def test_a_custom_data_gzip_bomb_is_not_inflated(tmp_path: Path) -> None:
    """512 MiB of zeros gzip to about 500 kB; only the first 10 MB are ever inflated."""
    stack = StackBuilder("dev")
    add_vm(stack, "bomb")
    stack.records[-1]["inputs"]["osProfile"] = {"customData": base64_text(_gzip_zeros(512))}
    export = stack.write(tmp_path / "export.json")
    proc = run("scan", str(export), "--format", "json", measured=True)
    assert proc.returncode == 1, proc.stderr
    skipped = json.loads(proc.stdout)["warnings"]
    assert any("inflates to more than 10 MB" in w for w in skipped), skipped
    assert peak_rss_mb(proc) < 150


def _gzip_zeros(mib: int) -> bytes:
    """gzip of ``mib`` MiB of zeros, made a MiB at a time (the test never holds them)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    return b"".join(packer.compress(chunk) for _ in range(mib)) + packer.flush()


def base64_text(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def test_a_script_over_the_cap_is_skipped_with_the_reason() -> None:
    from checker.rules.support.scripts import MAX_SCRIPT, decode_script

    bomb = base64_text(gzip.compress(b"\0" * (MAX_SCRIPT + 1)))
    assert decode_script(bomb, encoded=True) == (None, "it inflates to more than 10 MB")
    assert decode_script(b64("#!/bin/sh\n"), encoded=True) == ("#!/bin/sh\n", "")
    assert decode_script("\ud800 /mnt/x", encoded=False)[1] == "it is not text"


# -- the pre-commit hook in a mixed repository -------------------------------------------


def test_the_hook_skips_projects_it_cannot_scan_and_scans_the_rest(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests" / "fixtures" / "programs" / "app", tmp_path / "app")
    shutil.copytree(ROOT / "tests" / "fixtures" / "programs" / "ts_app", tmp_path / "web")
    shutil.copytree(ROOT / "tests" / "fixtures" / "programs" / "golang", tmp_path / "svc")
    shutil.copytree(PROGRAMS / "dated", tmp_path / "dated")
    (tmp_path / "dated" / "Pulumi.dev.yaml").rename(tmp_path / "dated" / "Pulumi.qa.yaml")
    files = ["app/__main__.py", "web/Pulumi.yaml", "svc/Pulumi.yaml", "dated/__main__.py"]
    proc = run("hook", *files, "--stack", "dev", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the app's findings; not exit 2 for the others
    assert "note: skipped web: " in proc.stderr and "node" in proc.stderr  # no node_modules
    assert "note: skipped svc: runtime 'go'" in proc.stderr
    assert "note: skipped dated: no stack dev" in proc.stderr
    assert json.loads(proc.stdout)["summary"]["inputs"] == ["app"]
    only_others = run("hook", "web/Pulumi.yaml", "dated/__main__.py", "--stack", "dev", cwd=tmp_path)
    assert only_others.returncode == 0 and "no project the hook can scan" in only_others.stdout


# -- policy-pack init -------------------------------------------------------------------------


@pytest.mark.parametrize("venv", ["#venv", "yes", ": x", "a b", "'q'", "venv"])
def test_policy_pack_init_writes_the_virtualenv_as_valid_yaml(tmp_path: Path, venv: str) -> None:
    import yaml

    proc = run("policy-pack", "init", str(tmp_path / "pack"), "--virtualenv", venv)
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load((tmp_path / "pack" / "PulumiPolicy.yaml").read_text())
    assert data["runtime"]["options"]["virtualenv"] == venv


@pytest.mark.parametrize(
    ("content", "expected"),
    [("[" * 100_000, "nested too deeply"), ('{"x": ' + "9" * 5000 + "}", "number too long")],
)
def test_a_malformed_baseline_is_a_message_not_a_crash(tmp_path: Path, content: str, expected: str) -> None:
    (tmp_path / "baseline.json").write_text(content)
    proc = run("scan", str(_export_with(tmp_path, "plain")), "--baseline", str(tmp_path / "baseline.json"))
    assert proc.returncode == 2 and expected in proc.stderr
    assert_no_traceback(proc)


@pytest.mark.parametrize("command", ["simulate", "plan"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_hostile_names_stay_escaped_in_simulate_and_plan(names_export: Path, command: str, fmt: str) -> None:
    proc = run(command, str(names_export), "--format", fmt)
    assert proc.returncode in (0, 1), proc.stderr
    assert_no_traceback(proc)
    no_injection(proc.stdout)
    no_injection(proc.stderr)
    if fmt == "json":
        json.loads(proc.stdout)
