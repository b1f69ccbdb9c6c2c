"""Pulumi YAML projects (``runtime: yaml``), read statically: no interpreter, no Pulumi CLI.

The program is the ``resources:``/``variables:`` of ``Main.yaml`` when the project (or its
``main:`` directory) has one, else of ``Pulumi.yaml``. Each stack is evaluated the way a mocked
run sees it (checker/sources/worker.py gives the ids, names and invoke answers, so a YAML
program reads like the same program in Python):

* ``${config}`` reads the stack's config (Pulumi.yaml defaults, the stack file, --config);
* ``${res.prop}`` / ``${res.id}`` / ``${res.name}`` read a resource's inputs, its mocked ARM
  id and name, and become a property dependency of the property they appear under; outputs
  only Azure computes are unknown, as in a preview;
* ``fn::invoke`` is answered like a program's invoke; ``fn::join``, ``fn::select``,
  ``fn::split``, ``fn::toBase64``, ``fn::fromBase64``, ``fn::toJSON``, ``fn::secret`` and
  ``fn::readFile`` are evaluated where their inputs are known (else unknown);
* the source line of a resource is the line of its key in the YAML file.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.azure import types as t
from checker.errors import InputError
from checker.inventory import Document
from checker.sources import worker
from checker.sources.base import LoadOptions
from checker.sources.program import CLIENT, OBJECT, SUBSCRIPTION, TENANT, Run, document, plan_runs
from checker.sources.pulumi_project import (
    Project,
    StackConfig,
    line_of,
    load_yaml,
    project_runtime,
    read_project,
)
from checker.values import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL

_INTERPOLATION = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_ACCESSOR = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\"([^\"]*)\"\]")
_NAME = re.compile(r"[A-Za-z_][\w-]*(?::[\w-]+)?")
_SECTIONS = ("resources", "variables")


class YamlProgramSource:
    name = "yaml"

    def claims(self, path: Path, data: Any) -> bool:
        return data is None and project_runtime(path) == "yaml"

    def load(self, path: Path, data: Any, options: LoadOptions) -> list[Document]:
        project = read_project(path)
        program_file = program_path(project)
        program = load_yaml(program_file)
        if not isinstance(program, Mapping):
            raise InputError(f"{program_file}: expected a mapping with `resources:`.")
        for section in _SECTIONS:
            if not isinstance(program.get(section) or {}, Mapping):
                raise InputError(
                    f"{program_file}:{line_of(program, section)}: `{section}` must be a mapping "
                    "of names."
                )
        runs, warnings = plan_runs(path, project, options, interpreter="")
        docs = []
        for run in runs:
            records = Evaluation(run, program_file, program).records()
            result = {"status": "ok", "resources": records, "missing_config": []}
            docs.append(document(run, result, warnings, "yaml"))
        return docs


def program_path(project: Project) -> Path:
    """``Main.yaml`` of the program directory when it exists, else Pulumi.yaml."""
    folder = project.main.parent if project.main.name == "__main__.py" else project.main
    main = folder / "Main.yaml"
    return main if main.is_file() else project.file


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def _is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def _unwrap(value: Any) -> Any:
    return value.get("value") if _is_secret(value) else value


@dataclass(frozen=True)
class _Resource:
    name: str
    type: str
    urn: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    record: dict[str, Any]


class Evaluation:
    """One stack of a YAML program: resources and variables evaluated on demand (in any
    order, as Pulumi YAML allows), each once."""

    def __init__(self, run: Run, file: Path, program: Mapping[str, Any]) -> None:
        self.run = run
        self.file = file
        self.rel = file.relative_to(run.project.dir).as_posix() if file.is_relative_to(
            run.project.dir
        ) else file.name
        self.specs: Mapping[str, Any] = program.get("resources") or {}
        self.variable_specs: Mapping[str, Any] = program.get("variables") or {}
        self.config = _config_names(run.project, run.config)
        self.resources: dict[str, _Resource] = {}
        self.variables: dict[str, Any] = {}
        self.pending: list[str] = []
        job = {
            "project": run.project.name,
            "stack": run.stack,
            "project_dir": str(run.project.dir.resolve()),
            "subscription": SUBSCRIPTION,
            "tenant": TENANT,
            "client": CLIENT,
            "object": OBJECT,
            "types_module": t.__file__,
        }
        self.job = job
        self.naming = worker.Naming(job)
        self.capture = worker.Capture(job)

    # -- errors ---------------------------------------------------------------------------

    def fail(self, where: tuple[Mapping[str, Any], str] | None, message: str) -> InputError:
        line = line_of(where[0], where[1]) if where else None
        place = f"{self.file}:{line}" if line else str(self.file)
        return InputError(f"{place}: {message}")

    # -- resources ------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        for name in self.specs:
            self.resource(str(name), None)
        for name in self.variable_specs:
            self.variable(str(name), None)
        return [res.record for res in self.resources.values()]

    def resource(self, name: str, where: tuple[Mapping[str, Any], str] | None) -> _Resource:
        if name in self.resources:
            return self.resources[name]
        if name in self.pending:
            cycle = " -> ".join([*self.pending[self.pending.index(name) :], name])
            raise self.fail(where, f"a cycle of references: {cycle}; Pulumi refuses it too.")
        spec = self.specs[name]
        if not isinstance(spec, Mapping) or not isinstance(spec.get("type"), str):
            raise self.fail(
                (self.specs, name),
                f"resource `{name}` needs a `type:` such as azure-native:compute:VirtualMachine.",
            )
        self.pending.append(name)
        try:
            made = self._make(name, spec)
        finally:
            self.pending.pop()
        self.resources[name] = made
        return made

    def _make(self, name: str, spec: Mapping[str, Any]) -> _Resource:
        type_token = str(spec["type"])
        options = spec.get("options") or {}
        if not isinstance(options, Mapping):
            raise self.fail((spec, "options"), f"`options` of resource `{name}` must be a mapping.")
        properties = spec.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise self.fail((spec, "properties"), f"`properties` of `{name}` must be a mapping.")
        inputs: dict[str, Any] = {}
        prop_deps: dict[str, list[str]] = {}
        all_deps: list[str] = []
        for key, value in properties.items():
            deps: list[str] = []
            inputs[str(key)] = self.value(value, deps, (properties, str(key)))
            prop_deps[str(key)] = list(dict.fromkeys(deps))
            all_deps.extend(deps)
        parent_urn = self._option_resource(options, "parent", all_deps)
        provider_urn = self._option_resource(options, "provider", all_deps)
        for dep in self._depends_on(options):
            all_deps.append(dep)
        qualified = type_token
        if parent_urn is not None:
            qualified = parent_urn.split("::")[2] + "$" + type_token  # the parent's own type chain
        urn = f"urn:pulumi:{self.run.stack}::{self.run.project.name}::{qualified}::{name}"
        plain = _plain(inputs)
        get = spec.get("get")
        if isinstance(get, Mapping) and get.get("id") is not None:
            res_id = self.value(get.get("id"), all_deps, (get, "id"))
        elif type_token.startswith("pulumi:providers:"):
            res_id = name + "-provider-id"
        elif type_token.startswith("azure-native"):
            res_id = self.naming.arm_id(type_token, name, plain)
        else:
            res_id = name + "-id"
        azure_name = self.naming.azure_name(type_token, name, plain)
        outputs = {"name": azure_name, **inputs, "id": res_id}
        self.capture.states[(self.naming.kind_of(type_token), azure_name)] = _plain(outputs)
        record: dict[str, Any] = {
            "urn": urn,
            "type": type_token,
            "custom": True,
            "id": res_id,
            "inputs": inputs,
            "outputs": outputs,
            "parent": parent_urn,
            "dependencies": list(dict.fromkeys(all_deps)),
            "propertyDependencies": prop_deps,
            "provider": f"{provider_urn}::{self.resources_by_urn(provider_urn)}" if provider_urn else None,
            "sourcePosition": f"project:///{self.rel}#{line_of(self.specs, name) or 0}",
        }
        return _Resource(name, type_token, urn, inputs, outputs, record)

    def resources_by_urn(self, urn: str) -> str:
        found = next((r for r in self.resources.values() if r.urn == urn), None)
        return str(found.outputs.get("id")) if found else "unknown"

    def _option_resource(self, options: Mapping[str, Any], key: str, deps: list[str]) -> str | None:
        value = options.get(key)
        if value is None:
            return None
        ref = self._reference(value, (options, key))
        if ref is None:
            raise self.fail((options, key), f"`{key}` must be a resource reference such as ${{name}}.")
        return ref.urn

    def _depends_on(self, options: Mapping[str, Any]) -> list[str]:
        value = options.get("dependsOn") or []
        items = value if isinstance(value, list) else [value]
        urns = []
        for item in items:
            ref = self._reference(item, (options, "dependsOn"))
            if ref is None:
                raise self.fail((options, "dependsOn"), "`dependsOn` lists resources as ${name}.")
            urns.append(ref.urn)
        return urns

    def _reference(self, value: Any, where: tuple[Mapping[str, Any], str]) -> _Resource | None:
        if not isinstance(value, str):
            return None
        match = re.fullmatch(r"\$\{([^}.\[]+)\}", value.strip())
        if not match or match[1] not in self.specs:
            return None
        return self.resource(match[1], where)

    # -- variables and expressions ---------------------------------------------------------

    def variable(self, name: str, where: tuple[Mapping[str, Any], str] | None) -> Any:
        if name in self.variables:
            return self.variables[name]
        key = f"variable:{name}"
        if key in self.pending:
            raise self.fail(where, f"variable `{name}` refers to itself.")
        self.pending.append(key)
        try:
            deps: list[str] = []
            value = self.value(self.variable_specs[name], deps, (self.variable_specs, name))
        finally:
            self.pending.pop()
        self.variables[name] = (value, deps)
        return self.variables[name]

    def value(self, node: Any, deps: list[str], where: tuple[Mapping[str, Any], str]) -> Any:
        if isinstance(node, str):
            return self.interpolate(node, deps, where)
        if isinstance(node, list):
            return [self.value(item, deps, where) for item in node]
        if isinstance(node, Mapping):
            functions = [k for k in node if str(k).startswith("fn::")]
            if functions and len(node) == 1:
                return self.function(str(functions[0]), node[functions[0]], deps, (node, functions[0]))
            return {str(k): self.value(v, deps, (node, str(k))) for k, v in node.items()}
        return node

    def interpolate(self, text: str, deps: list[str], where: tuple[Mapping[str, Any], str]) -> Any:
        matches = list(_INTERPOLATION.finditer(text))
        if not matches:
            return text
        if len(matches) == 1 and matches[0].group(1) is not None and matches[0].span() == (0, len(text)):
            return self.lookup(matches[0].group(1), deps, where)
        parts: list[str] = []
        last = 0
        secret = False
        for match in matches:
            parts.append(text[last : match.start()])
            last = match.end()
            if match.group(1) is None:  # $${ is a literal ${
                parts.append("${")
                continue
            found = self.lookup(match.group(1), deps, where)
            secret = secret or _is_secret(found)
            found = _unwrap(found)
            if found == UNKNOWN_SENTINEL or isinstance(found, (dict, list)):
                return UNKNOWN_SENTINEL
            parts.append(_text(found))
        parts.append(text[last:])
        joined = "".join(parts)
        return _secret(joined) if secret else joined

    def lookup(self, expression: str, deps: list[str], where: tuple[Mapping[str, Any], str]) -> Any:
        expression = expression.strip()
        head = _NAME.match(expression)
        if head is None:
            raise self.fail(where, f"`${{{expression}}}` is not a reference Pulumi YAML reads.")
        name, rest = head.group(0), expression[head.end() :]
        accessors = []
        for match in _ACCESSOR.finditer(rest):
            accessors.append(match.group(1) or match.group(3) or int(match.group(2)))
        if sum(len(m.group(0)) for m in _ACCESSOR.finditer(rest)) != len(rest):
            raise self.fail(where, f"`${{{expression}}}`: cannot read the property path {rest!r}.")
        if name == "pulumi" and accessors:
            builtins = {"stack": self.run.stack, "project": self.run.project.name,
                        "cwd": str(self.run.project.dir.resolve()), "organization": "organization"}
            return builtins.get(str(accessors[0]), UNKNOWN_SENTINEL)
        if name in self.specs:
            res = self.resource(name, where)
            deps.append(res.urn)
            if not accessors:
                return res.outputs.get("id")
            value: Any = res.outputs
        elif name in self.variable_specs:
            value, var_deps = self.variable(name, where)
            deps.extend(var_deps)
        elif name in self.config:
            value = self.config[name]
        else:
            raise self.fail(
                where,
                f"`${{{expression}}}`: no resource, variable or config key named `{name}`; declare "
                "config keys in Pulumi.yaml `config:` or set them in the stack file.",
            )
        return _walk(value, accessors)

    def function(self, name: str, arg: Any, deps: list[str], where: tuple[Mapping[str, Any], str]) -> Any:
        if name == "fn::invoke":
            return self.invoke(arg, deps, where)
        value = self.value(arg, deps, where)
        plain = _unwrap(value)
        known = not _has_unknown(plain)
        if name == "fn::secret":
            return _secret(plain)
        if name not in _FUNCTIONS or not known:
            return UNKNOWN_SENTINEL  # fn::fileAsset, fn::stringArchive...: not read here
        try:
            return _FUNCTIONS[name](plain, self.run.project.dir)
        except (TypeError, ValueError, IndexError, OSError, binascii.Error) as exc:
            raise self.fail(where, f"`{name}` cannot be evaluated: {exc}.") from None

    def invoke(self, arg: Any, deps: list[str], where: tuple[Mapping[str, Any], str]) -> Any:
        if not isinstance(arg, Mapping) or not isinstance(arg.get("function"), str):
            raise self.fail(where, "`fn::invoke` needs `function:` (a token) and `arguments:`.")
        args = self.value(arg.get("arguments") or {}, deps, (arg, "arguments"))
        token = str(arg["function"])
        answer = worker.answer_invoke(self.job, self.capture, self.naming, token, _plain(args))
        field = arg.get("return") or arg.get("Return")
        if isinstance(field, str):
            return answer.get(field, UNKNOWN_SENTINEL) if isinstance(answer, Mapping) else UNKNOWN_SENTINEL
        return answer


def _config_names(project: Project, config: StackConfig) -> dict[str, Any]:
    """Config as YAML programs name it: the project's keys by their short name, others in full
    (``azure-native:location``); declared types applied, secrets marked."""
    types = {d.key: d.type for d in project.config}
    out: dict[str, Any] = {}
    for key, value in config.values.items():
        typed = _typed(value, types.get(key))
        if key in config.secret_keys:
            typed = _secret(typed)
        out[key] = typed
        prefix = project.name + ":"
        if key.startswith(prefix):
            out[key[len(prefix) :]] = typed
    return out


def _typed(value: Any, kind: str | None) -> Any:
    if not isinstance(value, str) or kind in (None, "string"):
        return value
    try:
        if kind == "integer":
            return int(value)
        if kind == "boolean":
            return value.strip().lower() == "true"
        return json.loads(value)
    except ValueError:
        return value


def _walk(value: Any, accessors: list[str | int]) -> Any:
    secret = _is_secret(value)
    for step in accessors:
        value = _unwrap(value)
        if value == UNKNOWN_SENTINEL:
            return value
        in_list = isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
        in_map = isinstance(step, str) and isinstance(value, Mapping) and step in value
        if in_list or in_map:
            value = value[step]
        else:
            return UNKNOWN_SENTINEL  # an output only Azure computes: unknown, as in a preview
    return _secret(_unwrap(value)) if secret and not _is_secret(value) else value


def _has_unknown(value: Any) -> bool:
    if value == UNKNOWN_SENTINEL:
        return True
    if isinstance(value, Mapping):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """Secrets unwrapped (what a mock's inputs look like)."""
    if _is_secret(value):
        return _plain(value.get("value"))
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _join(arg: Any, _dir: Path) -> str:
    sep, items = arg
    return str(sep).join(_text(i) for i in items)


def _select(arg: Any, _dir: Path) -> Any:
    index, items = arg
    return items[int(index)]


def _split(arg: Any, _dir: Path) -> list[str]:
    sep, text = arg
    return str(text).split(str(sep))


def _read_file(arg: Any, folder: Path) -> str:
    return (folder / str(arg)).read_text("utf-8")


_FUNCTIONS = {
    "fn::join": _join,
    "fn::select": _select,
    "fn::split": _split,
    "fn::toBase64": lambda arg, _d: base64.b64encode(str(arg).encode()).decode(),
    "fn::fromBase64": lambda arg, _d: base64.b64decode(str(arg), validate=True).decode(),
    "fn::toJSON": lambda arg, _d: json.dumps(arg),
    "fn::readFile": _read_file,
}
