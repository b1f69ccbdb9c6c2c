"""Run one Pulumi Python program under mocks and write what it registered as JSON.

maintcheck runs this file *by path* with the project's own interpreter:

    <python> worker.py JOB.json RESULT.json

so it imports only the standard library, pulumi (and protobuf, which pulumi brings) and
whatever the program imports -- never the ``checker`` package, which that interpreter may not
have. It must work with any pulumi 3.x SDK. JOB.json (written by checker/sources/program.py):

    {"project": str, "stack": str, "project_dir": abs path, "main": abs path of the file to run,
     "subscription": str, "tenant": str, "client": str, "object": str,
     "types_module": abs path of checker/azure/types.py (loaded by path: see load_types)}

Config arrives in the environment (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS). RESULT.json:

    {"status": "ok" | "error" | "apply-error" | "no-pulumi",
     "resources": [ResourceV3-like records], "error": {...} | null, "pulumi": version,
     "apply_errors": [{...}, ...], "missing_config": [full keys given a placeholder],
     "echoed_invokes": [invoke tokens answered with their arguments only]}

The program runs as a preview (``preview=True``): outputs the mocks do not return, i.e. those
Azure computes and a StackReference's outputs, reach it as unknown. An exception inside an
``apply`` callback is recorded in ``apply_errors`` and its result is unknown, so it never stops
the capture of registrations still in flight.
"""

from __future__ import annotations

import functools
import json
import os
import runpy
import sys
import traceback
from typing import Any

JSON = Any  # JSON-like data: dicts, lists, strings, numbers
_STACK_TYPE = "pulumi:pulumi:Stack"


def load_types(path: str) -> Any:
    """maintcheck's ``checker/azure/types.py`` (type tokens, kinds, ARM types), loaded by path:
    the project's interpreter may not have maintcheck installed, and that module needs only
    the standard library."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("maintcheck_azure_types", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _plural(text: str) -> str:
    if text.endswith(("s", "x")):
        return text + "es"
    if text.endswith("y") and not text.endswith(("ay", "ey", "oy")):
        return text[:-1] + "ies"
    return text + "s"


def _segment(kind: str | None, arm_type: str) -> str:
    """The ARM type segment in Azure's usual case (``virtualMachines``) when it can be derived
    from the kind, else as the (lower-case) table has it."""
    if kind:
        camel = _plural(_lower_first(kind.partition(":")[2]))
        if camel.lower() == arm_type:
            return camel
    return arm_type


class Naming:
    """ARM ids and Azure names of mocked resources, from maintcheck's own type tables."""

    def __init__(self, job: dict[str, JSON]) -> None:
        self.sub = str(job["subscription"])
        types = load_types(str(job["types_module"]))
        self.kind_of = types.kind_of
        self.arm_types: dict[str, str] = dict(types.ARM_TYPES)
        self.name_props: dict[str, str] = dict(types.NAME_PROPERTIES)
        self.kind_of_arm = {arm: kind for kind, arm in self.arm_types.items()}

    def azure_name(self, type_token: str, logical: str, inputs: dict[str, JSON]) -> str:
        prop = self.name_props.get(self.kind_of(type_token))
        value = inputs.get(prop) if prop else None
        return str(value) if isinstance(value, str) and value else logical

    def _segments(
        self, type_token: str, inputs: dict[str, JSON], name: str
    ) -> tuple[str, list[tuple[str, str]]]:
        """[(ARM type segment, name), ...] for the part of the id after ``providers/NS/``."""
        kind = self.kind_of(type_token)
        module, _, short = kind.partition(":")
        namespace = "Microsoft." + module[:1].upper() + module[1:]
        arm = self.arm_types.get(kind)
        if not arm:
            return namespace, [(_plural(_lower_first(short)), name)]
        arm_namespace, _, path = arm.partition("/")
        if arm_namespace != namespace.lower():
            namespace = arm_namespace
        types = path.split("/")
        segs: list[tuple[str, str]] = []
        for depth, arm_type in enumerate(types[:-1]):
            parent_kind = self.kind_of_arm.get(arm_namespace + "/" + "/".join(types[: depth + 1]))
            prop = self.name_props.get(parent_kind) if parent_kind else None
            value = inputs.get(prop) if prop else None
            segs.append((_segment(parent_kind, arm_type), value if isinstance(value, str) else "parent"))
        segs.append((_segment(kind, types[-1]), name))
        return namespace, segs

    def arm_id(self, type_token: str, logical: str, inputs: dict[str, JSON]) -> str:
        name = self.azure_name(type_token, logical, inputs)
        base = "/subscriptions/" + self.sub
        if self.kind_of(type_token) == "resources:ResourceGroup":
            return base + "/resourceGroups/" + name
        namespace, segs = self._segments(type_token, inputs, name)
        group = inputs.get("resourceGroupName")
        if isinstance(group, str) and group:
            base += "/resourceGroups/" + group
        tail = "/".join(seg + "/" + value for seg, value in segs)
        return base + "/providers/" + namespace + "/" + tail


def _plain(value: JSON) -> JSON:
    """Inputs as the mocks see them -> JSON-safe data (assets and the like as strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def child_ids(parent_id: str, inputs: dict[str, JSON]) -> dict[str, JSON]:
    """Inline child resources (a vnet's ``subnets``, a NIC's ``ipConfigurations``) with the ids
    Azure gives them: the parent's id, the collection and the child's name
    (``.../virtualNetworks/vnet/subnets/default``), as programs read them back from outputs."""
    found: dict[str, JSON] = {}
    for key, value in inputs.items():
        if not isinstance(value, list) or not value:
            continue
        if not all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value):
            continue
        found[key] = [{"id": f"{parent_id}/{key}/{v['name']}", **v} if "id" not in v else v
                      for v in value]
    return found


class Capture:
    """Every resource the program registers, with engine-like URNs."""

    def __init__(self, job: dict[str, JSON]) -> None:
        self.job = job
        self.project_dir = os.path.realpath(job["project_dir"])
        self.records: list[dict[str, JSON]] = []
        self.urns: dict[str, str] = {}  # mock URN -> engine URN
        self.qualified: dict[str, str] = {}  # engine URN -> qualified type
        # (canonical kind, azure name) -> the outputs given to the program
        self.states: dict[tuple[str, str], dict[str, JSON]] = {}
        self.echoed: set[str] = set()  # invoke tokens answered with their arguments only

    def engine_urn(self, mock_parent: str, type_token: str, name: str) -> tuple[str, str | None]:
        parent = self.urns.get(mock_parent)
        qualified = type_token
        if parent is not None and parent in self.qualified:
            qualified = self.qualified[parent] + "$" + type_token
        urn = f"urn:pulumi:{self.job['stack']}::{self.job['project']}::{qualified}::{name}"
        self.qualified[urn] = qualified
        return urn, parent

    def _map_urn(self, urn: str) -> str:
        return self.urns.get(urn, urn)

    def _provider(self, ref: str) -> str | None:
        if not ref:
            return None
        head, sep, tail = ref.rpartition("::")
        if sep and head in self.urns:
            return self.urns[head] + "::" + tail
        return ref

    def source_position(self, request: Any) -> str | None:
        """The constructor call in the user's project: the SDK's ``sourcePosition``, else
        the first frame of the request's stack trace inside the project (e.g. the line that
        calls ``Resource.get`` or a component library installed elsewhere)."""
        positions = []
        if _has_field(request, "sourcePosition"):
            positions.append(request.sourcePosition)
        if _has_field(request, "stackTrace"):
            positions.extend(frame.pc for frame in request.stackTrace.frames)
        for pos in positions:
            rel = self._project_path(pos.uri) if pos.uri and pos.line else None
            if rel is not None:
                return f"project:///{rel}#{int(pos.line)}"
        return None

    def _project_path(self, uri: str) -> str | None:
        """A file URI -> its path relative to the project, or None outside the project."""
        path = _uri_to_path(uri)
        if path is None:
            return None
        real = os.path.realpath(path)
        rel = os.path.relpath(real, self.project_dir)
        if rel.startswith(os.pardir) or _is_library(real):
            return None
        return rel.replace(os.sep, "/")

    def record(
        self, request: Any, mock_urn: str, res_id: str, extra: dict[str, JSON], custom: bool
    ) -> None:
        from google.protobuf import json_format

        urn, parent = self.engine_urn(request.parent, request.type, request.name)
        self.urns[mock_urn] = urn
        # RegisterResourceRequest carries inputs in `object`, ReadResourceRequest in `properties`.
        field = "object" if _has_field(request, "object") else "properties"
        inputs = json_format.MessageToDict(getattr(request, field)) if _has_field(request, field) else {}
        prop_deps = {}
        for key, deps in getattr(request, "propertyDependencies", {}).items():
            prop_deps[key] = [self._map_urn(u) for u in deps.urns]
        record = {
            "urn": urn,
            "type": request.type,
            "custom": custom,
            "inputs": inputs,
            "parent": parent,
            "dependencies": [self._map_urn(u) for u in request.dependencies],
            "propertyDependencies": prop_deps,
            "provider": self._provider(request.provider),
        }
        if custom:
            record["id"] = res_id
            outputs = dict(inputs)
            outputs.update(extra)
            record["outputs"] = outputs
        position = self.source_position(request)
        if position:
            record["sourcePosition"] = position
        self.records.append(record)


def _is_library(path: str) -> bool:
    """True for installed packages, even inside the project (``venv/lib/.../site-packages``)."""
    return os.sep + "site-packages" + os.sep in path or os.sep + "dist-packages" + os.sep in path


def _has_field(message: Any, name: str) -> bool:
    try:
        return bool(message.HasField(name))
    except ValueError:  # no such field in this SDK's protos
        return False


def _uri_to_path(uri: str) -> str | None:
    from urllib.parse import unquote, urlparse
    from urllib.request import url2pathname

    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return url2pathname(unquote(parsed.path))


def build_mocks(job: dict[str, JSON], capture: Capture, naming: Naming) -> tuple[Any, Any]:
    from pulumi.runtime import mocks as pm

    class Mocks(pm.Mocks):  # type: ignore[misc]
        def new_resource(self, args: Any) -> tuple[str, dict[str, JSON]]:
            inputs = dict(args.inputs or {})
            if args.typ.startswith("pulumi:providers:"):
                return args.name + "-provider-id", inputs
            if getattr(args, "resource_id", None):
                res_id = args.resource_id
            elif args.typ.startswith("azure-native"):
                res_id = naming.arm_id(args.typ, args.name, inputs)
            else:
                res_id = args.name + "-id"
            name = naming.azure_name(args.typ, args.name, inputs)
            outputs = dict(inputs)
            outputs.setdefault("name", name)
            outputs["id"] = res_id
            if args.typ.startswith("azure-native"):
                outputs.update(child_ids(res_id, inputs))
            capture.states[(naming.kind_of(args.typ), name)] = outputs
            return res_id, outputs

        def call(self, args: Any) -> dict[str, JSON]:
            return answer_invoke(job, capture, naming, args.token, dict(args.args or {}))

    class Monitor(pm.MockMonitor):  # type: ignore[misc]
        def RegisterResource(self, request: Any) -> Any:
            response = super().RegisterResource(request)
            if request.type != _STACK_TYPE:
                extra = {"id": response.id}
                state = getattr(self, "resources", {}).get(response.urn)
                if state is not None and isinstance(state.state, dict):
                    extra["name"] = _plain(state.state.get("name"))
                capture.record(request, response.urn, response.id, extra, bool(request.custom))
            return response

        def ReadResource(self, request: Any) -> Any:
            response = super().ReadResource(request)
            capture.record(request, response.urn, request.id, {"id": request.id}, True)
            return response

    return Mocks(), Monitor


def answer_invoke(
    job: dict[str, JSON], capture: Capture, naming: Naming, token: str, args: dict[str, JSON]
) -> dict[str, JSON]:
    """What an invoke returns under mocks: placeholder client config ids; for ``get*`` of a
    resource the program declares, that resource's state; for ``get*`` of a resource outside
    the program, the real function's shape (its arguments, ``name`` and an ARM ``id``), leaving
    out what is not known offline (``location``...): never a guess."""
    kind = naming.kind_of(token)
    if kind == "authorization:getClientConfig":
        return {
            "subscriptionId": job["subscription"],
            "tenantId": job["tenant"],
            "clientId": job["client"],
            "objectId": job["object"],
        }
    module, _, func = kind.partition(":")
    if not (module and func.startswith("get") and len(func) > 3 and kind != token):
        capture.echoed.add(token)
        return args
    target = module + ":" + func[3:]
    name = _invoked_name(naming, target, args)
    if name is None:
        capture.echoed.add(token)
        return args
    if (target, name) in capture.states:
        return dict(capture.states[(target, name)])
    answer = dict(args)
    answer["name"] = name
    answer["id"] = naming.arm_id(token.rpartition(":")[0] + ":" + func[3:], name, args)
    return answer


def _invoked_name(naming: Naming, target: str, args: dict[str, JSON]) -> str | None:
    """The name of the resource a ``get*`` invoke looks up: its ``…Name`` argument (the one
    maintcheck's tables name, else ``<type>Name``, else the only ``…Name`` argument that is not
    the resource group's)."""
    short = target.partition(":")[2]
    candidates = [naming.name_props.get(target), _lower_first(short) + "Name"]
    others = [k for k in args if k.endswith("Name") and k != "resourceGroupName"]
    if len(others) == 1:
        candidates.append(others[0])
    for prop in candidates:
        value = args.get(prop) if prop else None
        if isinstance(value, str) and value:
            return value
    return None


def _user_frames(tb: Any, project_dir: str) -> list[dict[str, JSON]]:
    """The frames of ``tb`` in the user's project (not the SDK, not this worker)."""
    here = os.path.realpath(__file__)
    frames = []
    for frame in traceback.extract_tb(tb):
        if not os.path.isabs(frame.filename):  # <frozen runpy>, <string>
            continue
        path = os.path.realpath(frame.filename)
        if path == here or not path.startswith(project_dir + os.sep):
            continue
        if _is_library(path):
            continue
        rel = os.path.relpath(path, project_dir).replace(os.sep, "/")
        frames.append({"file": rel, "line": frame.lineno, "name": frame.name,
                       "code": (frame.line or "").strip()})
    return frames


def _describe(exc: BaseException, project_dir: str) -> dict[str, JSON]:
    detail: dict[str, JSON] = {
        "type": type(exc).__name__,
        "message": str(exc),
        "frames": _user_frames(exc.__traceback__, project_dir),
    }
    if isinstance(exc, ImportError) and getattr(exc, "name", None):
        detail["module"] = exc.name
    return detail


def _sdk_version(pulumi: Any) -> str:
    try:
        from importlib.metadata import version

        return version("pulumi")
    except Exception:  # only informative
        return str(getattr(pulumi, "__version__", ""))


# Values a required key that nobody set gets, by ``Config.require*`` method.
_MISSING_PLACEHOLDERS: dict[str, JSON] = {
    "": "placeholder",
    "_bool": False,
    "_int": 1,
    "_float": 1.0,
    "_object": {},
}


def placeholder_missing_config(pulumi: Any, missing: list[str]) -> None:
    """Make ``Config.require*`` answer a key that nobody set with a placeholder, noting the
    key in ``missing``: programs rarely declare in Pulumi.yaml every key they require, and a
    scan should still see their resources (the source warns about each key)."""
    config_class = pulumi.Config
    for suffix, value in _MISSING_PLACEHOLDERS.items():
        for secret in (False, True):
            name = f"require{'_secret' if secret else ''}{suffix}"
            original = getattr(config_class, name, None)
            if original is None:
                continue

            def patched(self: Any, key: str, *args: Any, _original: Any = original,
                        _value: JSON = value, _secret: bool = secret, **kwargs: Any) -> Any:
                try:
                    return _original(self, key, *args, **kwargs)
                except pulumi.ConfigMissingError:
                    full_key = self.full_key(key)
                    if full_key not in missing:
                        missing.append(full_key)
                    return pulumi.Output.secret(_value) if _secret else _value

            setattr(config_class, name, patched)


def _caller_in_project(project_dir: str) -> dict[str, JSON] | None:
    """The innermost frame of the current call stack in the user's project, as _user_frames
    describes frames (cheap: it walks frame objects, no source is read unless one is found)."""
    import linecache

    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        rel = _project_relative(filename, project_dir)
        if rel is not None:
            code = linecache.getline(filename, frame.f_lineno).strip()
            return {"file": rel, "line": frame.f_lineno, "name": frame.f_code.co_name, "code": code}
        frame = frame.f_back  # type: ignore[assignment]
    return None


@functools.lru_cache(maxsize=4096)
def _project_relative(filename: str, project_dir: str) -> str | None:
    """``filename`` relative to the project when it is the user's own file, else None."""
    if not os.path.isabs(filename):
        return None
    path = os.path.realpath(filename)
    if path == os.path.realpath(__file__) or not path.startswith(project_dir + os.sep):
        return None
    if _is_library(path):
        return None
    return os.path.relpath(path, project_dir).replace(os.sep, "/")


def guard_applies(pulumi: Any, errors: list[dict[str, JSON]], project_dir: str) -> None:
    """Make an exception inside an ``apply`` callback a recorded error whose result is
    unknown, instead of a fault that ends the run: under mocks a callback can meet a value
    that Azure would fill in (None here), and the registrations still in flight must be
    captured all the same. Resources that take the result as input register with it unknown."""
    import asyncio

    output_class = pulumi.Output
    original = output_class.apply

    async def _known(value: Any) -> Any:
        return value

    def unknown() -> Any:
        return output_class(set(), asyncio.ensure_future(_known(None)),
                            asyncio.ensure_future(_known(False)))

    def apply(self: Any, func: Any, *args: Any, **kwargs: Any) -> Any:
        created = _caller_in_project(project_dir)

        def guarded(value: Any) -> Any:
            try:
                return func(value)
            except Exception as exc:  # the program's callback: record it, go on unknown
                detail = _describe(exc, project_dir)
                if not detail["frames"] and created is not None:
                    # A callback of the SDK's (``output[0]``, ``Output.concat``): the line
                    # that made the output is the user's.
                    detail["frames"] = [created]
                errors.append(detail)
                return unknown()

        return original(self, guarded, *args, **kwargs)

    output_class.apply = apply


def drain_registrations(sync_await: Any, pstack: Any, seconds: float = 20.0) -> None:
    """After a failure once the body had finished, let the registrations still in flight
    finish, so the failure costs none of them. Each round awaits at least one outstanding RPC;
    the SDK's internals differ between versions, so this is best effort, and bounded in time
    (what is still pending then is left out, and the report already says it may be incomplete)."""
    import asyncio
    import time

    try:
        from pulumi.runtime.settings import _get_rpc_manager
    except ImportError:
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        manager = _get_rpc_manager()
        manager.unhandled_exception = None
        manager.exception_traceback = None
        try:
            sync_await(asyncio.wait_for(pstack.wait_for_rpcs(), deadline - time.monotonic()))
            return
        except asyncio.TimeoutError:  # noqa: UP041 - a builtin alias only from Python 3.11
            return
        except Exception:  # another failing RPC: it is done, go on with the rest
            continue
        except BaseException:
            return


def run(job: dict[str, JSON]) -> dict[str, JSON]:
    import pulumi
    from pulumi.runtime import mocks as pm
    from pulumi.runtime import stack as pstack
    from pulumi.runtime.sync_await import _sync_await

    naming = Naming(job)
    capture = Capture(job)
    missing_config: list[str] = []
    placeholder_missing_config(pulumi, missing_config)
    apply_errors: list[dict[str, JSON]] = []
    guard_applies(pulumi, apply_errors, capture.project_dir)
    mocks, monitor_class = build_mocks(job, capture, naming)
    monitor = monitor_class(mocks)
    # As a preview: outputs the mocks do not return (those only Azure computes, a stack
    # reference's outputs) are unknown, so callbacks on them do not run.
    try:
        pm.set_mocks(mocks, project=job["project"], stack=job["stack"], preview=True,
                     monitor=monitor)
    except TypeError:  # an older SDK without the monitor argument
        pm.MockMonitor = monitor_class
        pm.set_mocks(mocks, project=job["project"], stack=job["stack"], preview=True)

    main = job["main"]
    main_dir = os.path.dirname(main)
    os.chdir(job["project_dir"])
    for entry in (job["project_dir"], main_dir):
        if entry not in sys.path[:2]:
            sys.path.insert(0, entry)
    state = {"body_done": False}

    def body() -> None:
        runpy.run_path(main, run_name="__main__")
        state["body_done"] = True

    result: dict[str, JSON] = {"status": "ok", "error": None, "pulumi": _sdk_version(pulumi)}
    try:
        _sync_await(pstack.run_pulumi_func(body))
    except BaseException as exc:  # the program's own failure: report it, never crash
        if isinstance(exc, SystemExit) and exc.code in (None, 0) and state["body_done"]:
            pass
        else:
            result["status"] = "apply-error" if state["body_done"] else "error"
            result["error"] = _describe(exc, capture.project_dir)
            if state["body_done"]:
                drain_registrations(_sync_await, pstack)
    if apply_errors and result["status"] == "ok":
        result["status"] = "apply-error"
        result["error"] = apply_errors[0]
    result["apply_errors"] = apply_errors
    result["echoed_invokes"] = sorted(capture.echoed)
    result["resources"] = capture.records
    result["missing_config"] = list(missing_config)
    return result


def main(argv: list[str]) -> None:
    with open(argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    try:
        import pulumi  # noqa: F401
        from google.protobuf import json_format  # noqa: F401
    except ImportError as exc:
        result = {"status": "no-pulumi", "error": {"type": "ImportError", "message": str(exc),
                  "module": getattr(exc, "name", None), "frames": []}, "resources": []}
    else:
        result = run(job)
    result["python"] = sys.executable
    with open(argv[2], "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # leave at once: the SDK's gRPC threads must not keep the process alive


if __name__ == "__main__":
    main(sys.argv)
