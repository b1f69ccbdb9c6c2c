"""Pulumi Python projects, run offline in a subprocess under Pulumi mocks.

Each stack runs ``worker.py`` (a standalone script) with the project's own interpreter: the
project's virtualenv when Pulumi.yaml names one that exists, else the current interpreter. The
worker writes the resources the program registered as ResourceV3-like records, which become
RawResources here. Nothing of pulumi is imported in this process.

A run is bounded: the worker gets its own session and process group, and a marker in its
environment (``MAINTCHECK_RUN_ID``) that its descendants inherit. When it exits, or when
``--timeout`` runs out, every process it left behind is killed: its process group, and on
Linux any process that carries the marker, even one that moved to a session of its own
(``setsid``). The result counts from the moment the worker exits, whatever its children do.
Only the last :data:`MAX_STDERR` bytes of its stderr are kept, and it writes no ``.pyc`` into
the project (``PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import posixpath
import re
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from checker.azure import types as t
from checker.errors import InputError
from checker.inventory import Document, RawResource
from checker.redaction import safe_text, shorten
from checker.sources.base import LoadOptions
from checker.sources.pulumi_project import (
    Project,
    StackConfig,
    choose_stacks,
    find_project_file,
    read_project,
    resolve_config,
    stack_files,
)
from checker.sources.v3 import raw_resource
from checker.textio import MAX_DEPTH, nesting_depth
from checker.values import SECRET, normalize

WORKER = Path(__file__).with_name("worker.py")
RUNTIMES = ("python",)  # the Pulumi.yaml runtimes this source runs
# Placeholder ids that invokes such as getClientConfig return, and ARM ids are built from.
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "00000000-0000-0000-0000-000000000001"
CLIENT = "00000000-0000-0000-0000-000000000002"
OBJECT = "00000000-0000-0000-0000-000000000003"
MAX_STDERR = 256 * 1024  # bytes of a program's stderr kept (its last lines)
RUN_MARKER = "MAINTCHECK_RUN_ID"


@dataclass(frozen=True)
class Run:
    """One program run: a project, a stack and the config it sees."""

    path: Path  # the project directory as given
    project: Project
    stack: str
    config: StackConfig
    python: str
    timeout: float

    @property
    def label(self) -> str:
        return f"{self.path} (stack {self.stack})"

    def user_path(self, rel: str) -> str:
        """A project-relative path as the user can open it: ``examples/app/__main__.py``."""
        return posixpath.normpath(posixpath.join(PurePath(self.path).as_posix(), rel))


class ProgramSource:
    name = "program"

    def claims(self, path: Path, data: Any) -> bool:
        return data is None and find_project_file(path) is not None

    def load(self, path: Path, data: Any, options: LoadOptions) -> list[Document]:
        project = read_project(path)
        if project.runtime not in RUNTIMES:
            raise InputError(
                f"{project.file}: runtime `{project.runtime}`: maintcheck runs Python, "
                "TypeScript/JavaScript (nodejs) and YAML programs. Run `pulumi preview --json "
                "> preview.json` in the project and scan that file instead: `maintcheck scan preview.json`."
            )
        if not project.main.is_file():
            raise InputError(
                f"{project.file}: the program {project.main} does not exist; Pulumi runs "
                "`__main__.py` of the project directory, or of the directory `main:` names."
            )
        python, venv_warnings = interpreter(project)
        runs, warnings = plan_runs(path, project, options, python)
        return run_stacks(runs, (*warnings, *venv_warnings), execute)


def plan_runs(
    path: Path, project: Project, options: LoadOptions, interpreter: str
) -> tuple[list[Run], list[str]]:
    """One run per stack to scan (``--stack``), each with the config it sees, and warnings."""
    stacks, warnings = choose_stacks(project, options.stacks, overrides=bool(options.config))
    files = stack_files(project)
    runs = [
        Run(
            path=path,
            project=project,
            stack=stack,
            config=resolve_config(project, stack, files.get(stack), options.config),
            python=interpreter,
            timeout=options.timeout,
        )
        for stack in stacks
    ]
    return runs, warnings


def run_stacks(
    runs: Sequence[Run],
    notes: Sequence[str],
    execute: Callable[[Run, Sequence[str], Processes], Document],
) -> list[Document]:
    """``execute`` every run (one per stack), in parallel when there are several; the first
    failure stops the others."""
    live = Processes()
    if len(runs) == 1:
        return [execute(runs[0], notes, live)]
    workers = max(1, min(len(runs), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(execute, run, notes, live) for run in runs]
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
            for future in futures:
                error = future.exception() if future.done() else None
                if error is not None:
                    raise error
            return [future.result() for future in futures]
        except BaseException:  # one run failed, or Ctrl-C: stop the others now
            live.kill_all()
            raise


class Processes:
    """The worker processes of one load that are still running (to stop them together)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: dict[subprocess.Popen[bytes], str] = {}
        self._stopped = False

    def add(self, proc: subprocess.Popen[bytes], marker: str = "") -> None:
        with self._lock:
            self._procs[proc] = marker
            stopped = self._stopped
        if stopped:
            _kill(proc, marker)

    def discard(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.pop(proc, None)

    def kill_all(self) -> None:
        with self._lock:
            self._stopped = True
            procs = list(self._procs.items())
        for proc, marker in procs:
            _kill(proc, marker)


def interpreter(project: Project) -> tuple[str, list[str]]:
    """The project's virtualenv interpreter when it exists, else the current one."""
    if not project.virtualenv:
        return sys.executable, []
    venv = project.dir / project.virtualenv
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.is_file():
            return str(candidate.absolute()), []
    return sys.executable, [
        f"{project.file}: the virtualenv {project.virtualenv!r} does not exist; ran the program "
        f"with {sys.executable} instead (create it with `python -m venv {project.virtualenv}` "
        "and install the project's requirements into it)."
    ]


def _job(run: Run) -> dict[str, Any]:
    return {
        "project": run.project.name,
        "stack": run.stack,
        "project_dir": str(run.project.dir.resolve()),
        "main": str(run.project.main),
        "subscription": SUBSCRIPTION,
        "tenant": TENANT,
        "client": CLIENT,
        "object": OBJECT,
        "types_module": str(Path(t.__file__).resolve()),
    }


def _marked_processes(marker: str) -> list[int]:
    """Pids of the processes whose environment carries ``RUN_MARKER=marker`` (Linux /proc;
    an empty list elsewhere)."""
    needle = f"{RUN_MARKER}={marker}".encode()
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry))
    return found


def _kill(proc: subprocess.Popen[bytes], marker: str = "") -> None:
    """Kill the worker's process group and every process that carries its marker."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    for _ in range(3 if marker else 0):  # a process may fork while we look
        pids = _marked_processes(marker)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


class _Tail:
    """Reads a stream to its end on a thread, keeping only its last ``limit`` bytes."""

    def __init__(self, stream: Any, limit: int = MAX_STDERR) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._dropped = 0
        self._limit = limit
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        try:
            while chunk := stream.read1(65536):
                self._chunks.append(chunk)
                self._size += len(chunk)
                while self._size - len(self._chunks[0]) >= self._limit:
                    first = self._chunks.popleft()
                    self._size -= len(first)
                    self._dropped += len(first)
        except (OSError, ValueError):
            pass
        finally:
            stream.close()

    def text(self, wait: float) -> str:
        """The kept bytes as text, once the stream ends or ``wait`` seconds have passed."""
        self._thread.join(wait)
        data = b"".join(list(self._chunks))
        text = data.decode("utf-8", "replace")
        if self._dropped:
            text = text.split("\n", 1)[-1]  # from the first whole line on
            text = f"[{self._dropped:,} bytes of earlier output left out]\n{text}"
        return text


def _spawn(run: Run, command: Sequence[str], live: Processes) -> tuple[int, str]:
    """Run the worker; (exit code, stderr). InputError when it outlives the timeout."""
    # Config comes only from this run: no PULUMI_CONFIG* of the calling shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG")}
    env.update(run.config.env())
    marker = uuid.uuid4().hex
    env[RUN_MARKER] = marker
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the user's project
    proc = subprocess.Popen(
        list(command),
        cwd=run.project.dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    live.add(proc, marker)
    tail = _Tail(proc.stderr)
    try:
        proc.wait(timeout=run.timeout)
    except subprocess.TimeoutExpired:
        _kill(proc, marker)
        proc.wait()
        raise InputError(
            f"{run.label}: the program did not finish within {run.timeout:g} s and was "
            "stopped. Does it wait for input, the network or a loop? If it is only slow, "
            "give it more time with --timeout SECONDS."
        ) from None
    except BaseException:
        _kill(proc, marker)
        raise
    finally:
        live.discard(proc)
    _kill(proc, marker)  # whatever the program left running
    return proc.returncode, tail.text(wait=2.0)


def run_worker(
    run: Run, worker: Sequence[str], job: Mapping[str, Any], live: Processes | None = None
) -> Mapping[str, Any]:
    """Run ``worker + [JOB.json, RESULT.json]`` for one stack and read the result it wrote."""
    with tempfile.TemporaryDirectory(prefix="maintcheck-") as tmp:
        job_file, result_file = Path(tmp, "job.json"), Path(tmp, "result.json")
        job_file.write_text(json.dumps(job), "utf-8")
        try:
            code, err = _spawn(run, [*worker, str(job_file), str(result_file)], live or Processes())
        except OSError as exc:
            raise InputError(f"{run.label}: cannot start {worker[0]}: {exc.strerror}.") from None
        try:
            result = json.loads(result_file.read_text("utf-8"))
        except (OSError, ValueError, RecursionError):
            result = None
    if isinstance(result, Mapping) and nesting_depth(result) > MAX_DEPTH + 10:
        raise InputError(
            f"{run.label}: the program registered a value nested more than {MAX_DEPTH} levels "
            "deep; no Azure resource is shaped like that."
        )
    if not isinstance(result, Mapping):
        last = err.strip().splitlines()[-1:] if err.strip() else []
        detail = f"; its last words: {safe_text(last[0], 200)}" if last else ""
        raise InputError(
            f"{run.label}: the program ended without reporting its resources (exit code "
            f"{code}){detail}. Does it exit the process itself or crash the interpreter?"
        )
    return result


def execute(run: Run, notes: Sequence[str] = (), live: Processes | None = None) -> Document:
    """Run one stack of a program and read what it registered."""
    return document(run, run_worker(run, [run.python, str(WORKER)], _job(run), live), notes)


def document(
    run: Run, result: Mapping[str, Any], notes: Sequence[str], language: str = "python"
) -> Document:
    status = result.get("status")
    error = result.get("error") or {}
    if status == "no-pulumi":
        raise InputError(
            f"{run.label}: the interpreter {result.get('python') or run.python} cannot import "
            f"the Pulumi SDK ({error.get('message')}). {_install_hint(run)}"
        )
    missing = [str(k) for k in result.get("missing_config") or ()]
    if status == "error":
        echoed = [str(k) for k in result.get("echoed_invokes") or ()]
        raise InputError(_program_error(run, error, missing, echoed))
    warnings = [*notes, *run.config.warnings]
    warnings.extend(
        f"{run.label}: the program requires config `{key}`, which is not set; it ran with a "
        f"placeholder value (set it with --config {key}=VALUE or in the stack file)."
        for key in missing
    )
    incomplete = status == "apply-error"
    records = sorted(result.get("resources") or [], key=lambda r: str(r.get("urn")))
    resources = tuple(raw_resource(r) for r in records)
    _refuse_duplicate_urns(run, resources)
    if incomplete:
        guarded = result.get("apply_errors") or []
        if guarded:
            warnings.extend(_apply_warnings(run, guarded, len(records)))
        else:  # a failure the worker could not catch in a callback (or a worker that does not)
            warnings.append(_late_failure_warning(run, error, len(records)))
    secret = set(run.config.secret_keys)
    config = {
        k: SECRET if k in secret else normalize(v, k) for k, v in run.config.values.items()
    }
    return Document(
        origin=str(run.path),
        source_kind="program",
        project=run.project.name,
        stack=run.stack,
        resources=with_calls(run.path, resources),
        config=config,
        warnings=tuple(warnings),
        incomplete=incomplete,
        root=str(run.path),
        language=language,
    )


def _install_hint(run: Run) -> str:
    """Where the Pulumi SDK should go. Under pre-commit (it sets ``PRE_COMMIT``) the
    interpreter is the hook's own environment, which pre-commit builds: pip-installing into its
    cache would not last."""
    if os.environ.get("PRE_COMMIT") and not run.project.virtualenv:
        return (
            "Under pre-commit, give the hook the SDK in .pre-commit-config.yaml "
            "(`additional_dependencies: [pulumi, pulumi-azure-native]`), or name the project's "
            "virtualenv in Pulumi.yaml (`runtime: {name: python, options: {virtualenv: venv}}`)."
        )
    return (
        f"Install it there: `{run.python} -m pip install pulumi pulumi-azure-native` (or the "
        "project's requirements.txt)."
    )


def with_calls(root: Path, resources: tuple[RawResource, ...]) -> tuple[RawResource, ...]:
    """Each resource with the text of the constructor call at its recorded line of a Python
    file (read once per file), so fix snippets can be the user's own call."""
    from checker.source_calls import call_at, calls_in

    calls: dict[str, Any] = {}
    out = []
    for raw in resources:
        where = raw.source
        if where is None or not where.file.endswith(".py"):
            out.append(raw)
            continue
        if where.file not in calls:
            try:
                calls[where.file] = calls_in((root / where.file).read_text("utf-8"))
            except (OSError, UnicodeDecodeError):
                calls[where.file] = ()
        code = call_at(calls[where.file], where.line, raw.type.rsplit(":", 1)[-1])
        out.append(dataclasses.replace(raw, call_source=code) if code else raw)
    return tuple(out)


def _frames(run: Run, error: Mapping[str, Any]) -> list[str]:
    lines = []
    for frame in error.get("frames") or []:
        lines.append(
            f'  File "{run.user_path(str(frame.get("file")))}", line {frame.get("line")}, '
            f"in {frame.get('name')}"
        )
        if frame.get("code"):
            lines.append(f"    {frame['code']}")
    return lines


def _requirement_files_naming(project_dir: Path, module: str) -> list[str]:
    """The project's requirement files that name the top-level package of ``module`` (a
    distribution name compares with ``-``, ``_`` and ``.`` alike, case-insensitively)."""
    top = re.sub(r"[-_.]+", "-", module.split(".")[0]).lower()
    wanted = {top, re.sub(r"[-_.]+", "-", module).lower(), "py" + top, "python-" + top}
    names = []
    for name in ("requirements.txt", "requirements-dev.txt", "pyproject.toml", "setup.cfg", "Pipfile"):
        try:
            text = (project_dir / name).read_text("utf-8", "replace")
        except OSError:
            continue
        words = {w.lower() for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", text)}
        found = {re.sub(r"[-_.]+", "-", w) for w in words}
        if found & wanted or any(w.startswith(top + "-") for w in found):
            names.append(name)
    return names


def _placeholder_note(message: str, missing: Sequence[str]) -> str | None:
    """When a program fails on a value maintcheck made up for a required config key that
    nobody set, say so and name the key(s): the program is not at fault."""
    if not missing:
        return None
    keys = ", ".join(f"`{k}`" for k in missing)
    flags = " ".join(f"--config {k}=VALUE" for k in missing)
    if "placeholder" in message:
        return (
            f"note: 'placeholder' is the value maintcheck supplied for required config {keys}, "
            f"which nobody set; set a real value ({flags}, or in the stack file) and scan again."
        )
    return (
        f"note: maintcheck supplied placeholder values for required config {keys}, which "
        f"nobody set; if the error comes from one of them, set it ({flags}, or in the stack "
        "file) and scan again."
    )


def _program_error(
    run: Run, error: Mapping[str, Any], missing: Sequence[str] = (), echoed: Sequence[str] = ()
) -> str:
    kind = str(error.get("type") or "Exception")
    message = shorten(str(error.get("message") or ""), 2000)
    note = _placeholder_note(message, missing)
    module = error.get("module")
    if kind == "ModuleNotFoundError" and module:
        venv = run.project.virtualenv
        where = (
            f"the project's virtualenv {venv!r}" if venv else f"the interpreter {run.python}"
        )
        listed = _requirement_files_naming(run.project.dir, str(module))
        if listed:
            hint = (
                f"hint: the program imports {module!r}, which {where} does not have. Install the "
                f"project's requirements there (`pip install -r {listed[0]}`), or set "
                "`runtime.options.virtualenv` in Pulumi.yaml to a virtualenv that has them."
            )
        else:
            hint = (
                f"hint: the program imports {module!r}, which {where} does not have and which "
                "no requirements file of the project (requirements.txt, pyproject.toml) seems "
                "to name: add the package that provides it to the requirements and install it "
                "there, or remove the import if the program does not need it."
            )
        head = f"{run.label}: the program needs module {module!r}, which is not installed."
    else:
        head = f"{run.label}: the program raised {kind}: {message}"
        if kind == "ConfigMissingError":
            hint = (
                "hint: set the missing config key in the stack file or with "
                "--config KEY=VALUE, or declare it in Pulumi.yaml `config:`."
            )
        elif note is not None:
            hint = note
        elif echoed:
            calls = ", ".join(f"`{token}`" for token in echoed[:3])
            hint = (
                f"hint: the program calls {calls}, whose results maintcheck cannot know offline "
                "(it answers with the call's arguments only). If the error comes from such a "
                "result, scan the program's `pulumi preview --json` output instead; otherwise "
                "fix the line above, or check the stack config it reads (--config KEY=VALUE)."
            )
        else:
            hint = (
                "hint: the program fails before Azure is ever called (it would fail in "
                "`pulumi preview` too); fix the line above, or check the stack config it "
                "reads (--config KEY=VALUE)."
            )
    return "\n".join([head, *_frames(run, error), hint])


def _refuse_duplicate_urns(run: Run, resources: Sequence[RawResource]) -> None:
    """Two registrations with one URN: Pulumi refuses the program, so maintcheck does too."""
    seen: dict[str, RawResource] = {}
    for res in resources:
        first = seen.setdefault(res.urn, res)
        if first is res:
            continue
        pair = sorted((first, res), key=lambda r: (r.source is None, str(r.source or "")))
        lines = " and ".join(
            run.user_path(str(r.source)) if r.source else "an unknown line" for r in pair
        )
        name = res.urn.rsplit("::", 1)[-1]
        raise InputError(
            f"{run.label}: two resources have the same URN {res.urn}, registered at {lines}. "
            f"Pulumi refuses such a program (duplicate resource URN); give each {name!r} a "
            "unique name, e.g. with the loop index or the zone in it."
        )


def _where(run: Run, error: Mapping[str, Any]) -> str:
    frames = error.get("frames") or []
    if not frames:
        return ""
    last = frames[-1]
    return f" at {run.user_path(str(last.get('file')))}:{last.get('line')}"


def _late_failure_warning(run: Run, error: Mapping[str, Any], count: int) -> str:
    return (
        f"{run.label}: an `apply` callback or a registration raised {error.get('type')}: "
        f"{error.get('message')}{_where(run, error)} after the program body had finished; the "
        f"scan uses the {count} resources registered by then and may be incomplete."
    )


def _apply_warnings(run: Run, errors: Sequence[Mapping[str, Any]], count: int) -> list[str]:
    """One warning per distinct callback error (a callback inside a loop fails once per item)."""
    warnings: dict[str, int] = {}
    for error in errors:
        key = f"{error.get('type')}: {error.get('message')}{_where(run, error)}"
        warnings[key] = warnings.get(key, 0) + 1
    return [
        f"{run.label}: an `apply` callback raised {key}"
        + (f" ({times} times)" if times > 1 else "")
        + f"; its result was taken as unknown and the scan goes on with the {count} resources "
        "the program registered, so it may be incomplete (values computed from that result are "
        "not judged)."
        for key, times in warnings.items()
    ]
