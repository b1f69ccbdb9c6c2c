"""Pulumi projects on disk: ``Pulumi.yaml``, its stack files and the config a run sees.

Config is layered like the Pulumi CLI does it: the ``config:`` block of ``Pulumi.yaml``
(defaults of declared keys, plain values), overlaid by the stack file's ``config:``, overlaid
by ``--config KEY=VALUE``. Keys without a namespace get the project's, like
``pulumi config set``. What cannot be known offline (encrypted values, required keys nobody
set) gets a placeholder of the declared type and a warning naming the key.

Values are typed as Pulumi types them: a date (``key: 2025-06-01``) or ``!!binary`` is a
string, a ``!!set`` a list. Files are bounded: at most :data:`MAX_YAML_BYTES`, and at most
:data:`MAX_YAML_NODES` values once aliases are expanded (a YAML "billion laughs" alias bomb is
an error naming the file, not gigabytes of memory).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checker.discovery import PROJECT_FILES
from checker.errors import InputError

# What Pulumi accepts as a project or stack name (tokens.ValidateProjectName/StackName): no
# ``::``, ``/`` or spaces, which would make URNs ambiguous.
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
MAX_YAML_BYTES = 10 * 1024 * 1024
MAX_YAML_NODES = 1_000_000
_DECLARATION_KEYS = frozenset({"type", "default", "value", "description", "secret", "items"})
_PLACEHOLDERS: dict[str, Any] = {
    "string": "placeholder",
    "integer": 1,
    "boolean": False,
    "array": [],
    "object": {},
}


class _LineDict(dict[str, Any]):
    """A YAML mapping that remembers the line of each key."""

    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    """SafeLoader typed as Pulumi reads config: no timestamps (dates stay strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_text(loader: _Loader, node: yaml.Node) -> Any:
    """An explicit ``!!timestamp`` as its text, as Pulumi reads it."""
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _construct_binary(loader: _Loader, node: yaml.Node) -> Any:
    """``!!binary``: the decoded bytes as text (Pulumi config values are strings)."""
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        return base64.b64decode("".join(text.split())).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return text


def _construct_set(loader: _Loader, node: yaml.Node) -> Any:
    return [str(k) if isinstance(k, datetime.date) else k for k in loader.construct_mapping(node)]  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_Loader.add_constructor("tag:yaml.org,2002:binary", _construct_binary)
_Loader.add_constructor("tag:yaml.org,2002:set", _construct_set)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Any:
    data = _LineDict()
    data.lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[str(key)] = loader.construct_object(value_node, deep=True)
        data.lines[str(key)] = key_node.start_mark.line + 1


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def line_of(mapping: Any, key: str) -> int | None:
    lines = getattr(mapping, "lines", None)
    return lines.get(key) if isinstance(lines, dict) else None


def _where(path: Path, mapping: Any = None, key: str | None = None) -> str:
    line = line_of(mapping, key) if key is not None else None
    return f"{path}:{line}" if line else str(path)


def _expanded_size(value: Any, limit: int) -> int:
    """How many values ``value`` holds once YAML aliases are expanded (shared objects counted
    each time they are referenced), counting no further than just past ``limit``."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(item: Any) -> int:
        if not isinstance(item, (dict, list)):
            return 1
        key = id(item)
        if key in sizes:
            return sizes[key]
        if key in active:  # a recursive alias: endless once expanded
            return limit + 1
        active.add(key)
        total = 1
        for child in item.values() if isinstance(item, dict) else item:
            total += size(child)
            if total > limit:
                break
        active.discard(key)
        sizes[key] = total
        return total

    return size(value)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; any problem is an InputError naming the file and line."""
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise InputError(
                f"{path}: larger than {MAX_YAML_BYTES // (1024 * 1024)} MB; a Pulumi project or "
                "stack file is never this large."
            )
        from checker.textio import read_text

        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}.") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to read; fix the file.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(f"{where}: not valid YAML: {problem}; fix the file.") from None
    if _expanded_size(data, MAX_YAML_NODES) > MAX_YAML_NODES:
        raise InputError(
            f"{path}: holds more than {MAX_YAML_NODES:,} values once its YAML aliases are "
            "expanded (an alias bomb?); write the values out or remove the aliases."
        )
    return data


@dataclass(frozen=True)
class ConfigKey:
    """A key declared in Pulumi.yaml ``config:``."""

    key: str  # namespaced
    type: str | None
    default: Any
    has_default: bool
    secret: bool


@dataclass(frozen=True)
class Project:
    dir: Path  # as given
    file: Path
    name: str
    runtime: str
    virtualenv: str | None
    main: Path  # absolute path of the file to run
    stack_config_dir: Path
    config: tuple[ConfigKey, ...]


def find_project_file(directory: Path) -> Path | None:
    for name in PROJECT_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def namespaced(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _text(data: Mapping[str, Any], key: str, file: Path, what: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{_where(file, data, key)}: `{key}` must be {what}.")
    return value.strip()


def _runtime(data: Mapping[str, Any], file: Path) -> tuple[str, str | None]:
    runtime = data.get("runtime")
    if isinstance(runtime, str) and runtime.strip():
        return runtime.strip(), None
    if isinstance(runtime, Mapping):
        name = _text(runtime, "name", file, "a runtime name such as python")
        options = runtime.get("options") or {}
        if not isinstance(options, Mapping):
            raise InputError(f"{_where(file, runtime, 'options')}: `runtime.options` must be a mapping.")
        venv = _text(options, "virtualenv", file, "a directory path") if options else None
        if not venv and options.get("toolchain") == "uv":
            venv = ".venv"  # uv's default, as Pulumi uses it
        if name:
            return name, venv
    raise InputError(
        f"{_where(file, data, 'runtime')}: `runtime` must be a name such as `python`, or "
        "`{name: python, options: {virtualenv: venv}}`."
    )


def _declarations(data: Mapping[str, Any], file: Path, project: str) -> tuple[ConfigKey, ...]:
    block = data.get("config")
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise InputError(f"{_where(file, data, 'config')}: `config` must be a mapping of keys.")
    keys = []
    for key, spec in block.items():
        full = namespaced(key, project)
        if isinstance(spec, Mapping) and _DECLARATION_KEYS.intersection(spec):
            has = "default" in spec or "value" in spec
            default = spec.get("default", spec.get("value"))
            kind = spec.get("type")
            if kind is not None and kind not in _PLACEHOLDERS:
                raise InputError(
                    f"{_where(file, block, key)}: config `{key}` has type {kind!r}; Pulumi "
                    "knows string, integer, boolean, array and object."
                )
            keys.append(ConfigKey(full, kind, default, has, bool(spec.get("secret"))))
        else:
            keys.append(ConfigKey(full, None, spec, True, False))
    return tuple(keys)


def read_project(directory: Path) -> Project:
    """Read ``Pulumi.yaml`` of ``directory`` (an InputError names the file and line)."""
    file = find_project_file(directory)
    if file is None:
        raise InputError(f"{directory}: no Pulumi.yaml; give a Pulumi project directory.")
    data = load_yaml(file)
    if not isinstance(data, Mapping):
        raise InputError(f"{file}: expected a mapping with `name` and `runtime`.")
    name = _text(data, "name", file, "the project name")
    if not name:
        raise InputError(f"{file}: no `name`; Pulumi.yaml needs `name: <project>`.")
    if not _NAME.fullmatch(name):
        raise InputError(
            f"{_where(file, data, 'name')}: project name {name[:100]!r} is not one Pulumi accepts: "
            "letters, digits, hyphens, underscores and periods only (at most 100)."
        )
    runtime, venv = _runtime(data, file)
    main_opt = _text(data, "main", file, "a path to the program")
    main = (directory / main_opt) if main_opt else directory
    if main.is_dir():
        main = main / "__main__.py"
    config_dir = _text(data, "stackConfigDir", file, "a directory path")
    return Project(
        dir=directory,
        file=file,
        name=name,
        runtime=runtime,
        virtualenv=venv,
        main=main.resolve(),
        stack_config_dir=directory / config_dir if config_dir else directory,
        config=_declarations(data, file, name),
    )


def project_runtime(directory: Path) -> str | None:
    """The ``runtime`` name of the project in ``directory``; None when there is no readable
    Pulumi.yaml (the Python program source then reports what is wrong with it)."""
    if find_project_file(directory) is None:
        return None
    try:
        return read_project(directory).runtime
    except InputError:
        return None


def stack_files(project: Project) -> dict[str, Path]:
    """Stack name -> its ``Pulumi.<stack>.yaml``, sorted by name."""
    found: dict[str, Path] = {}
    folder = project.stack_config_dir
    if not folder.is_dir():
        return found
    for suffix in (".yaml", ".yml"):
        for path in folder.glob(f"Pulumi.*{suffix}"):
            stack = path.name[len("Pulumi.") : -len(suffix)]
            if _NAME.fullmatch(stack) and path.is_file():
                found.setdefault(stack, path)
    return dict(sorted(found.items()))


def short_stack(name: str) -> str:
    """``org/project/dev`` -> ``dev`` (stack files are named by the short name)."""
    return name.rsplit("/", 1)[-1]


def choose_stacks(
    project: Project, requested: Sequence[str], *, overrides: bool = False
) -> tuple[list[str], list[str]]:
    """The stacks to run and any warnings, following ``--stack``; InputError when unclear.
    ``overrides``: ``--config`` values were given (the warning then says so)."""
    files = stack_files(project)
    listing = ", ".join(files) if files else "none"
    if requested:
        chosen = list(dict.fromkeys(short_stack(s) for s in requested))
        bad = [s for s in chosen if not _NAME.fullmatch(s)]
        if bad:
            raise InputError(
                f"--stack {bad[0][:100]!r}: not a stack name Pulumi accepts: letters, digits, "
                "hyphens, underscores and periods only (at most 100)."
            )
        if not files:  # a fresh clone: stack files are often not committed
            return chosen, [_no_stack_file(project, chosen, overrides)]
        missing = [s for s in chosen if s not in files]
        if missing:
            raise InputError(
                f"{project.dir}: no stack file for stack {', '.join(missing)} in "
                f"{project.stack_config_dir} (Pulumi.<stack>.yaml); stacks that exist: "
                f"{listing}. Give one of them with --stack NAME."
            )
        return chosen, []
    if len(files) == 1:
        return list(files), []
    if not files:
        return ["dev"], [_no_stack_file(project, ["dev"], overrides)]
    raise InputError(
        f"{project.dir}: several stacks ({listing}); choose which to scan with --stack NAME "
        "(repeat it to scan several)."
    )


def _no_stack_file(project: Project, stacks: Sequence[str], overrides: bool) -> str:
    ran = ", ".join(f"`{s}`" for s in stacks)
    return (
        f"{project.dir}: no stack file (Pulumi.<stack>.yaml) in {project.stack_config_dir}; "
        f"ran stack {ran} with the Pulumi.yaml config defaults"
        + (" and the --config values only." if overrides else " only.")
    )


@dataclass(frozen=True)
class StackConfig:
    """The config one program run sees: namespaced keys, the secret ones, and warnings."""

    values: Mapping[str, Any]
    secret_keys: tuple[str, ...]
    warnings: tuple[str, ...]

    def env(self) -> dict[str, str]:
        """``PULUMI_CONFIG`` / ``PULUMI_CONFIG_SECRET_KEYS`` as the Pulumi CLI sets them:
        every value a string, structured values as JSON."""
        encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.values.items()}
        return {
            "PULUMI_CONFIG": json.dumps(encoded, sort_keys=True),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(self.secret_keys)),
        }


def stack_config_block(stack_file: Path) -> tuple[Mapping[str, Any], bool]:
    """The ``config:`` block of a stack file, and whether it imports ESC environments."""
    data = load_yaml(stack_file)
    if data is None:
        return {}, False
    if not isinstance(data, Mapping):
        raise InputError(f"{stack_file}: expected a mapping with a `config:` block.")
    block = data.get("config") or {}
    if not isinstance(block, Mapping):
        raise InputError(f"{_where(stack_file, data, 'config')}: `config` must be a mapping.")
    return block, bool(data.get("environment"))


def is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def resolve_config(
    project: Project,
    stack: str,
    stack_file: Path | None,
    overrides: Sequence[tuple[str, str]] = (),
) -> StackConfig:
    decls = {d.key: d for d in project.config}
    values: dict[str, Any] = {d.key: d.default for d in project.config if d.has_default}
    secret = {d.key for d in project.config if d.secret}
    warnings: list[str] = []
    if stack_file is not None:
        block, uses_esc = stack_config_block(stack_file)
        for key, value in block.items():
            values[namespaced(key, project.name)] = value
        if uses_esc:
            warnings.append(
                f"{stack_file}: the stack imports ESC environments; their values are not "
                "available offline (pass them with --config KEY=VALUE)."
            )
    for key, value in overrides:
        values[namespaced(key, project.name)] = value
    where = f"{project.dir} (stack {stack})"

    def flag(key: str) -> str:
        short = key.removeprefix(f"{project.name}:")
        return short if ":" not in short else key

    for key in sorted(values):
        if is_secure(values[key]):
            decl = decls.get(key)
            values[key] = _PLACEHOLDERS.get(decl.type or "string", "placeholder") if decl else "placeholder"
            secret.add(key)
            warnings.append(
                f"{where}: config `{key}` is encrypted; the program ran with a placeholder "
                f"value (give a value with --config {flag(key)}=VALUE if it matters)."
            )
    missing = sorted(k for k in decls if k not in values)
    for key in missing:
        values[key] = _PLACEHOLDERS.get(decls[key].type or "string", "placeholder")
        warnings.append(
            f"{where}: required config `{key}` is not set; the program ran with the "
            f"placeholder {json.dumps(values[key])} (set it with --config {flag(key)}=VALUE)."
        )
    return StackConfig(dict(sorted(values.items())), tuple(sorted(secret)), tuple(warnings))
