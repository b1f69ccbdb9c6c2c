"""Values that come from ``pulumi.Config``: fixed in the stack's config file, or in the default.

A keyword argument whose value is ``config.get("key")`` (``get_int``, ``get_bool``,
``require``…, with a default as second argument or after ``or``), directly or through a
variable, is fixed where the value is set:

- the stack file (``Pulumi.<stack>.yaml`` in ``stackConfigDir``) sets the key: its value is
  replaced, nothing else of the file changes (comments, quoting, order are kept);
- ``Pulumi.yaml`` declares a default for every stack: the stack file gets its own value;
- nothing sets it and the code has a default: only that default applies, so it is edited;
- nothing sets it at all: the key is added to the stack file.

The YAML file is edited as text at the spans PyYAML's parser reports for the value (the
library the project already uses), so the file stays byte-for-byte the same elsewhere; the
result is parsed again to prove the key now holds the value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst
import yaml

from checker.cstlayout import callee_name
from checker.errors import InputError
from checker.fix.edits import CodeEdit, Unresolved, Walk, literal_value, value_code
from checker.sources.pulumi_project import Project, is_secure, namespaced, stack_config_block

# Config getters and the Python type each returns (None: any JSON value).
_METHODS: dict[str, tuple[type, ...] | None] = {
    "get": (str,),
    "require": (str,),
    "get_secret": (str,),
    "require_secret": (str,),
    "get_int": (int,),
    "require_int": (int,),
    "get_bool": (bool,),
    "require_bool": (bool,),
    "get_float": (int, float),
    "require_float": (int, float),
    "get_object": None,
    "require_object": None,
}


@dataclass(frozen=True)
class ConfigRead:
    """``config.get_int("webVmCount") or 2``: the key, the getter and the default expression."""

    key: str  # namespaced: project:key
    method: str
    default: cst.BaseExpression | None
    by_or: bool  # the default comes after ``or`` (a falsy value is replaced by it)
    line: int


@dataclass(frozen=True)
class StackEdit:
    """Set ``key`` to ``value`` in a stack config file."""

    file: str  # relative to the project root, e.g. stacks/Pulumi.dev.yaml
    key: str  # namespaced
    value: Any
    note: str

    @property
    def where(self) -> str:
        return self.file


@dataclass(frozen=True)
class StackContext:
    """What a config edit for one resource needs to know about its project and stack."""

    root: Path  # the project directory (edits happen in its copy)
    project: Project
    stack: str
    stack_file: Path | None  # absolute, inside root


def _config_object(walk: Walk, expr: cst.BaseExpression, project: str) -> str | None:
    """The namespace of a ``pulumi.Config(...)`` expression (or a variable holding one)."""
    call = walk.value_of(expr)
    if not isinstance(call, cst.Call) or callee_name(call) != "Config":
        return None
    if not call.args:
        return project
    ok, name = literal_value(walk.source, call.args[0].value)
    return name if ok and isinstance(name, str) else None


def config_read(walk: Walk, expr: cst.BaseExpression, project: str) -> ConfigRead | None:
    """The config read that ``expr`` is (directly or through a variable), or None."""
    value = walk.value_of(expr)
    if value is None:
        return None
    expr = value
    by_or = False
    default: cst.BaseExpression | None = None
    if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
        default, by_or, expr = expr.right, True, expr.left
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return None
    method = expr.func.attr.value
    if method not in _METHODS:
        return None
    namespace = _config_object(walk, expr.func.value, project)
    if namespace is None or not expr.args:
        return None
    ok, key = literal_value(walk.source, expr.args[0].value)
    if not ok or not isinstance(key, str):
        return None
    for index, arg in enumerate(expr.args[1:], start=1):
        if (arg.keyword is None and index == 1) or (
            arg.keyword is not None and arg.keyword.value == "default"
        ):
            if default is not None:
                raise Unresolved(f"config {key!r} has two defaults; edit it by hand")
            default = arg.value
    return ConfigRead(namespaced(key, namespace), method, default, by_or, walk.source.line(expr))


def _check_type(read: ConfigRead, value: Any) -> None:
    kinds = _METHODS[read.method]
    fits = kinds is None or (isinstance(value, kinds) and not (bool not in kinds and isinstance(value, bool)))
    if not fits:
        raise Unresolved(
            f"the value comes from config.{read.method}({read.key.split(':', 1)[1]!r}), which "
            f"cannot give {value!r}; edit the program by hand"
        )
    if read.by_or and not value:
        raise Unresolved(
            f"config {read.key!r} is read with `or`, which replaces the value {value!r} by its default"
        )


def edits_for(walk: Walk, expr: cst.BaseExpression, value: Any, ctx: StackContext) -> list[Any] | None:
    """The edits that make config-driven ``expr`` give ``value``; None when it is no config read."""
    read = config_read(walk, expr, ctx.project.name)
    if read is None:
        return None
    _check_type(read, value)
    current = _stack_value(ctx, read.key)
    declared = next((d for d in ctx.project.config if d.key == read.key), None)
    if declared is not None and declared.secret:
        raise Unresolved(f"config {read.key!r} is a secret; set it with `pulumi config set --secret`")
    stack_rel = _rel(ctx, ctx.stack_file) if ctx.stack_file is not None else None
    if current is not _UNSET:
        if current == value:
            return []
        assert stack_rel is not None
        return [StackEdit(stack_rel, read.key, value, f"stack {ctx.stack} had {current!r}")]
    if declared is not None and declared.has_default:
        if stack_rel is None:
            raise Unresolved(f"stack {ctx.stack} has no config file to set {read.key!r} in")
        return [
            StackEdit(
                stack_rel,
                read.key,
                value,
                f"Pulumi.yaml's default {declared.default!r} applies to stack {ctx.stack}; "
                "the stack file now sets its own",
            )
        ]
    if read.default is not None:
        ok, default = literal_value(walk.source, read.default)
        if not ok:
            raise Unresolved(
                f"the default of config {read.key!r} is computed: `{walk.source.short(read.default)}`"
            )
        if default == value:
            return []
        quote = read.default.quote[-1] if isinstance(read.default, cst.SimpleString) else '"'
        return [
            CodeEdit(
                walk.source.rel,
                read.default,
                "set",
                "",
                value_code(value, quote),
                walk.source.line(read.default),
                f"stack {ctx.stack} does not set config {read.key!r}, so only its default applies: "
                "edited the default",
            )
        ]
    if stack_rel is None:
        raise Unresolved(f"stack {ctx.stack} has no config file to set {read.key!r} in")
    return [StackEdit(stack_rel, read.key, value, f"stack {ctx.stack} does not set {read.key}")]


def _rel(ctx: StackContext, path: Path) -> str:
    return path.resolve().relative_to(ctx.root.resolve()).as_posix()


_UNSET: Any = object()


def _stack_value(ctx: StackContext, key: str) -> Any:
    """The value the stack file sets for ``key``, read as a program run reads it."""
    if ctx.stack_file is None or not ctx.stack_file.is_file():
        return _UNSET
    try:
        block, _uses_esc = stack_config_block(ctx.stack_file)
    except InputError as exc:
        raise Unresolved(str(exc)) from None
    for name, value in block.items():
        if namespaced(str(name), ctx.project.name) == key:
            if is_secure(value):
                raise Unresolved(
                    f"config {key!r} is encrypted in {_rel(ctx, ctx.stack_file)}; "
                    "set it with `pulumi config set --secret`"
                )
            return value
    return _UNSET


# --- editing the YAML text ----------------------------------------------------------------
def _scalar(value: Any, style: str | None) -> str:
    """``value`` as a YAML scalar in the quoting style the file used."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, str):
        text = value
    else:
        return json.dumps(value)  # a flow collection is valid YAML
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    if style == '"' or (isinstance(value, str) and yaml.safe_load(text) != value) or "\n" in text:
        return json.dumps(text)
    return text


def _config_node(root: yaml.Node | None) -> yaml.MappingNode | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "config":
            return value if isinstance(value, yaml.MappingNode) else None
    return None


def edit_stack_text(text: str, project: str, edits: Sequence[StackEdit], file: str) -> str:
    """``text`` of a stack file with every edit applied; the result is checked by parsing it."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise Unresolved(f"{file}: not valid YAML ({exc}); fix it first") from None
    block = _config_node(root)
    if (
        root is not None
        and block is None
        and any(isinstance(k, yaml.ScalarNode) and k.value == "config" for k, _ in getattr(root, "value", []))
    ):
        raise Unresolved(f"{file}: `config:` is not a block mapping; edit it by hand")
    spans: list[tuple[int, int, str]] = []
    added: list[str] = []
    for edit in edits:
        node = None
        if block is not None:
            for key, value in block.value:
                if isinstance(key, yaml.ScalarNode) and namespaced(key.value, project) == edit.key:
                    node = value
        if node is None:
            added.append(f"{edit.key}: {_scalar(edit.value, None)}")
        elif isinstance(node, yaml.ScalarNode) and node.style in (None, "'", '"'):
            spans.append((node.start_mark.index, node.end_mark.index, _scalar(edit.value, node.style)))
        else:
            raise Unresolved(f"{file}: config {edit.key!r} is not a plain value; edit it by hand")
    out = text
    for start, end, new in sorted(spans, reverse=True):
        out = out[:start] + new + _aligned(out[end:], len(new) - (end - start))
    if added:
        out = _insert(out, text, block, added)
    _prove(out, project, edits, file)
    return out


def _aligned(after: str, grown: int) -> str:
    """The rest of the line after a replaced value, its trailing comment kept in its column."""
    spaces = len(after) - len(after.lstrip(" "))
    if after[spaces : spaces + 1] != "#" or grown == 0:
        return after
    return " " * max(1, spaces - grown) + after[spaces:]


def _insert(out: str, original: str, block: yaml.MappingNode | None, lines: Sequence[str]) -> str:
    if block is None or not block.value or block.flow_style:
        if block is not None and block.value:
            raise Unresolved("`config:` is written in flow style; edit it by hand")
        body = "".join(f"  {line}\n" for line in lines)
        sep = "" if not out or out.endswith("\n") else "\n"
        if block is not None:  # `config: {}` or `config:` with nothing under it
            raise Unresolved("`config:` is empty; add the key by hand")
        return f"{out}{sep}config:\n{body}"
    indent = " " * block.value[0][0].start_mark.column
    last_value = block.value[-1][1]
    # Insert after the line the last entry ends on (edits before it only changed spans on
    # earlier or the same lines, so count lines rather than offsets).
    end_line = last_value.end_mark.line + (0 if last_value.end_mark.column else -1)
    rows = out.splitlines(keepends=True)
    if rows and not rows[-1].endswith("\n"):
        rows[-1] += "\n"
    new = [f"{indent}{line}\n" for line in lines]
    return "".join([*rows[: end_line + 1], *new, *rows[end_line + 1 :]])


def _prove(text: str, project: str, edits: Sequence[StackEdit], file: str) -> None:
    data = yaml.safe_load(text) or {}
    block = data.get("config") if isinstance(data, Mapping) else None
    got = {namespaced(str(k), project): v for k, v in (block or {}).items()}
    for edit in edits:
        if got.get(edit.key) != edit.value:
            raise Unresolved(f"{file}: editing {edit.key!r} did not give {edit.value!r}; edit it by hand")
