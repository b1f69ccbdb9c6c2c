"""Fixes in the program's own language and provider: one post-step the engine applies to every
finding, after the rules (like suppressions).

Rules write each fix once, for azure-native: patch paths of azure-native camelCase properties
and a Python pulumi-azure-native snippet. Here, per finding's resource:

- a **classic azure provider** resource (``azure:...``) gets its patch paths written on its
  classic inputs (:func:`checker.azure.classic.classic_patch`, the inverse of the tables that
  shape it: ``/availabilitySet/id`` -> ``/availabilitySetId``, ``/zones`` -> ``/zone``); a path
  with no classic input keeps its azure-native name and the title says so. In a Python program
  (or a preview/export, whose language is unknown) the snippet uses ``pulumi_azure``.
- a resource of a **TypeScript/JavaScript** program gets a TypeScript (JavaScript for ``.js``
  files) snippet: its constructor with the changed arguments as an object literal (camelCase,
  as ``@pulumi/azure-native`` and ``@pulumi/azure`` name them) and the resource options
  (``replaceOnChanges``, ``deleteBeforeReplace``) the Python snippet asked for.
- a resource of a **Pulumi YAML** program gets a ``properties:``/``options:`` fragment.

Fixes that need new resources keep those in the Python snippet, commented out below the
resource's own change and labelled as Python: they are never translated by guesswork.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from checker import jsonpointer
from checker.azure import classic
from checker.inventory import Resource
from checker.model import Finding, Fix, PatchOp
from checker.rules.support.snippets import FREE_FORM, identifier, py_value, snake
from checker.source_calls import camel
from checker.values import is_known

NODEJS: Final = "nodejs"
YAML: Final = "yaml"

# A reference to a resource the fix creates, as rules write it into a patch value: "<web-as.id>".
_PLACEHOLDER = re.compile(r"^<([^<>\s]+)\.(\w+)>$")
_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def localize(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` with every fix written for its resource's program language and provider;
    findings on azure-native resources of Python programs (and of documents) are returned as
    they are."""
    out: list[Finding] = []
    for finding in findings:
        res = finding.resource
        is_classic = classic.classic_patch(res.type, ()) is not None
        if not is_classic and res.language not in (NODEJS, YAML):
            out.append(finding)
            continue
        fixes = tuple(_localized(fix, res, is_classic) for fix in finding.fixes)
        out.append(dataclasses.replace(finding, fixes=fixes))
    return out


def _localized(fix: Fix, res: Resource, is_classic: bool) -> Fix:
    patch = fix.patch
    missing: list[str] = []
    title = fix.title
    if is_classic:
        mapped = classic.classic_patch(res.type, tuple((op.op, op.path, op.value) for op in patch))
        if mapped is not None:
            patch = tuple(PatchOp(op, path, value) for op, path, value in mapped[0])
            missing = mapped[1]
        if missing:
            title += (
                f" (the classic azure provider has no argument for {', '.join(missing)}: kept as "
                "the azure-native path; set it as your provider version allows)"
            )
    replace_on = () if is_classic else fix.replace_on  # classic providers replace by themselves
    if res.language == NODEJS:
        snippet, lang = _typescript(res, fix, patch, missing, replace_on, is_classic), _ts_or_js(res)
    elif res.language == YAML:
        snippet, lang = _yaml(res, fix, patch, missing, replace_on), "yaml"
    else:
        snippet, lang = _python_classic(res, fix, patch, missing), "python"
    return dataclasses.replace(
        fix, title=title, patch=patch, snippet=snippet, native_paths=tuple(missing), snippet_language=lang
    )


# -- the changed arguments as a tree -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Set:
    value: Any


def _tree(patch: Iterable[PatchOp], skip: Iterable[str]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
    """(the set values as nested dicts keyed by path segment, the removed paths)."""
    left_out = set(skip)
    root: dict[str, Any] = {}
    removed: list[tuple[str, ...]] = []
    for op in patch:
        segments = jsonpointer.segments(op.path)
        if not segments or op.path in left_out:
            continue
        if op.op == "remove":
            removed.append(segments)
            continue
        node = root
        for segment in segments[:-1]:
            child = node.get(segment)
            if not isinstance(child, dict):
                child = node[segment] = {}
            node = child
        node[segments[-1]] = _Set(op.value)
    return root, removed


def _is_list(node: dict[str, Any]) -> bool:
    return bool(node) and all(jsonpointer.is_index(k) for k in node)


def _element(index: str) -> str:
    if index == "-":
        return "a new element, appended"
    return f"element {index} of your list: change these, keep its others"


_NO_ARGUMENT: Final = "azure-native property; the classic provider has no such argument"


def _where(res: Resource) -> str:
    return f" at {res.source}" if res.source is not None else ""


def _safe(text: str) -> str:
    """Text for a comment line: escaped so that no line break or separator ends the comment."""
    return json.dumps(text)[1:-1]


# -- TypeScript / JavaScript -------------------------------------------------------------------


def _ts_or_js(res: Resource) -> str:
    file = res.source.file if res.source is not None else ""
    return "javascript" if file.endswith((".js", ".cjs", ".mjs", ".jsx")) else "typescript"


def _ts_value(value: Any, indent: str = "") -> str:
    if isinstance(value, str):
        ref = _PLACEHOLDER.match(value)
        return f"{_camel_ident(ref.group(1))}.{ref.group(2)}" if ref else json.dumps(value)
    if not is_known(value):
        return "undefined /* your value */"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "undefined"
    if isinstance(value, int | float):
        return json.dumps(value)
    inner = indent + "    "
    if isinstance(value, list):
        if all(isinstance(v, str | int | float | bool) for v in value):
            return "[" + ", ".join(_ts_value(v) for v in value) + "]"
        return "[\n" + "".join(f"{inner}{_ts_value(v, inner)},\n" for v in value) + indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = "".join(f"{inner}{_ts_key(str(k))}: {_ts_value(v, inner)},\n" for k, v in value.items())
        return "{\n" + items + indent + "}"
    return json.dumps(str(value))


def _ts_key(key: str) -> str:
    """A key as TypeScript and YAML write it: bare when it is an identifier, else quoted."""
    return key if _KEY.match(key) else json.dumps(key)


def _camel_ident(name: str) -> str:
    return camel(identifier(name))


@dataclasses.dataclass(frozen=True)
class _Braces:
    """How a language with braces and brackets writes the tree of changed arguments."""

    name: Callable[[str, bool], str]  # (key, at the top level) -> "key: " / "key="
    value: Callable[[Any, str], str]  # (value, indent) -> code
    comment: str


def _braces(node: dict[str, Any], indent: str, style: _Braces, top: bool = False) -> list[str]:
    lines: list[str] = []
    inner = indent + "    "
    for key, child in node.items():
        name = style.name(key, top)
        if isinstance(child, _Set):
            lines.append(f"{indent}{name}{style.value(child.value, indent)},")
        elif _is_list(child):
            lines.append(f"{indent}{name}[")
            for index, item in child.items():
                lines.append(f"{inner}{style.comment} {_element(index)}")
                if isinstance(item, _Set):
                    lines.append(f"{inner}{style.value(item.value, inner)},")
                else:
                    lines += [f"{inner}{{", *_braces(item, inner + "    ", style), f"{inner}}},"]
            lines.append(f"{indent}],")
        else:
            lines += [f"{indent}{name}{{", *_braces(child, inner, style), f"{indent}}},"]
    return lines


_TS: Final = _Braces(lambda key, _top: f"{_ts_key(key)}: ", _ts_value, "//")


def _typescript(
    res: Resource, fix: Fix, patch: tuple[PatchOp, ...], missing: list[str],
    replace_on: tuple[str, ...], is_classic: bool,
) -> str:
    lang = _ts_or_js(res)
    tree, removed = _tree(patch, ())
    if not tree and not removed:
        return _kept_python(fix.snippet, f"in {_title(lang)} write the same arguments in camelCase", "#")
    package, var = ("@pulumi/azure", "azure") if is_classic else ("@pulumi/azure-native", "azure_native")
    if lang == "javascript":
        lines = [f"const {var} = require({json.dumps(package)});"]
    else:
        lines = [f"import * as {var} from {json.dumps(package)};"]
    ctor = f"new {var}.{_ts_class(res.type, is_classic)}"
    lines += [
        "",
        f"// {json.dumps(res.name)}{_safe(_where(res))}: in your {ctor}(...), change only these "
        "arguments; keep your other arguments as they are.",
    ]
    lines += [f"// delete `{'.'.join(path)}` from its arguments" for path in removed]
    lines += [f"// {_safe(path)}: {_NO_ARGUMENT}" for path in missing]
    lines.append(f"{ctor}({json.dumps(res.name)}, {{")
    lines += _braces(tree, "    ", _TS)
    lines.append("    // ...your other arguments, unchanged")
    if replace_on:
        listed = ", ".join(json.dumps(p) for p in replace_on)
        lines.append(f"}}, {{ replaceOnChanges: [{listed}], deleteBeforeReplace: true }});")
    else:
        lines.append("});")
    text = "\n".join(lines) + "\n"
    if fix.new_resources:
        advice = f"in {_title(lang)} write the same arguments in camelCase"
        return text + _commented_python(fix.snippet, advice, "//")
    return text + _notes(fix.snippet, "//")


_OWN_CALL_LINE: Final = "# Your call, with only the fixed arguments changed:"
# The azure-native snippet's header on a classic resource (checker.rules.support.snippets.rewrite),
# which the classic snippet says better itself.
_CLASSIC_HEADER: Final = re.compile(r"uses the classic azure provider \(|azure-native form below")


def _notes(snippet: str, mark: str) -> str:
    """The Python snippet's own comment lines (what the change costs, which other resources it
    touches), kept under the fragment in the target's comment syntax."""
    kept = [
        line[1:].rstrip()
        for line in snippet.splitlines()
        if line.startswith("#") and line.rstrip() != _OWN_CALL_LINE and not _CLASSIC_HEADER.search(line)
    ]
    if not kept:
        return ""
    body = "\n".join(f"{mark}{line}" for line in kept)
    return f"\n{mark} Notes of the pulumi-azure-native Python fix (Python spelling):\n{body}\n"


def _title(lang: str) -> str:
    return "JavaScript" if lang == "javascript" else "TypeScript"


def _ts_class(type_token: str, is_classic: bool) -> str:
    """``azure-native:compute/v20230301:VirtualMachine`` -> ``compute.v20230301.VirtualMachine``."""
    if is_classic:
        module, cls = classic.classic_class(type_token)
        return f"{module}.{cls}"
    _package, module, cls = [*type_token.split(":"), "", ""][:3]
    return f"{module.replace('/', '.')}.{cls}"


def _kept_python(snippet: str, advice: str, mark: str) -> str:
    return f"{mark} pulumi-azure-native Python; {advice}\n{snippet}"


def _commented_python(snippet: str, advice: str, mark: str) -> str:
    body = "\n".join(f"{mark} {line}".rstrip() for line in snippet.rstrip().splitlines())
    return f"\n{mark} The new resources this fix needs, in pulumi-azure-native Python; {advice}:\n{body}\n"


# -- Pulumi YAML -------------------------------------------------------------------------------


def _yaml_plain(value: Any) -> Any:
    """JSON-like data for YAML; a new resource's reference as ``${name.id}``."""
    if isinstance(value, str):
        ref = _PLACEHOLDER.match(value)
        return f"${{{ref.group(1)}.{ref.group(2)}}}" if ref else value
    if isinstance(value, list):
        return [_yaml_plain(i) for i in value]
    if isinstance(value, dict):
        return {str(k): _yaml_plain(i) for k, i in value.items()}
    return value if is_known(value) and (value is None or isinstance(value, bool | int | float)) else None


def _yaml_value(value: Any) -> str:
    """A YAML flow value (JSON is valid YAML)."""
    return json.dumps(_yaml_plain(value))


def _yaml_set(key: str, value: Any, indent: str) -> list[str]:
    """``key: value``; objects and lists of objects in block style under the key."""
    scalars = isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value)
    if isinstance(value, dict | list) and value and not scalars:
        import yaml

        block = yaml.safe_dump(_yaml_plain(value), default_flow_style=False, sort_keys=False, width=1 << 16)
        return [f"{indent}{_ts_key(key)}:", *(f"{indent}  {line}" for line in block.splitlines())]
    return [f"{indent}{_ts_key(key)}: {_yaml_value(value)}"]


def _yaml_tree(node: dict[str, Any], indent: str) -> list[str]:
    lines: list[str] = []
    for key, child in node.items():
        if isinstance(child, _Set):
            lines += _yaml_set(key, child.value, indent)
        elif _is_list(child):
            lines.append(f"{indent}{_ts_key(key)}:")
            for index, item in child.items():
                lines.append(f"{indent}  # {_element(index)}")
                if isinstance(item, _Set):
                    lines.append(f"{indent}  - {_yaml_value(item.value)}")
                else:
                    inner = _yaml_tree(item, indent + "    ")
                    if inner and not inner[0].lstrip().startswith("#"):
                        inner[0] = f"{indent}  - {inner[0].lstrip()}"
                    else:
                        inner.insert(0, f"{indent}  -")
                    lines += inner
        else:
            lines += [f"{indent}{_ts_key(key)}:", *_yaml_tree(child, indent + "  ")]
    return lines


def _yaml(
    res: Resource, fix: Fix, patch: tuple[PatchOp, ...], missing: list[str], replace_on: tuple[str, ...]
) -> str:
    tree, removed = _tree(patch, ())
    if not tree and not removed:
        return _kept_python(fix.snippet, "in Pulumi YAML write the same properties in camelCase", "#")
    lines = [
        f"# {json.dumps(res.name)}{_safe(_where(res))}: change only these properties and "
        "options; keep its type and other properties as they are.",
    ]
    lines += [f"# delete `{'.'.join(path)}` from its properties" for path in removed]
    lines += [f"# {_safe(path)}: {_NO_ARGUMENT}" for path in missing]
    if tree or replace_on:
        lines += ["resources:", f"  {json.dumps(res.name)}:"]
    if tree:
        lines += ["    properties:", *_yaml_tree(tree, "      ")]
    if replace_on:
        lines += [
            "    options:",
            f"      replaceOnChanges: [{', '.join(json.dumps(p) for p in replace_on)}]",
            "      deleteBeforeReplace: true",
        ]
    text = "\n".join(lines) + "\n"
    if fix.new_resources:
        advice = "in Pulumi YAML write the same properties in camelCase"
        return text + _commented_python(fix.snippet, advice, "#")
    return text + _notes(fix.snippet, "#")


# -- Python, classic provider ------------------------------------------------------------------

CLASSIC_IMPORT: Final = "import pulumi_azure as azure\n"


def _py_value(value: Any) -> str:
    if isinstance(value, str):
        ref = _PLACEHOLDER.match(value)
        if ref:
            return f"{identifier(ref.group(1))}.{ref.group(2)}"
    return py_value(value)


_PY: Final = _Braces(
    lambda key, top: f"{snake(key)}=" if top else f"{snake(key)!r}: ",
    lambda value, _indent: _py_value(value),
    "#",
)


def _python_classic(res: Resource, fix: Fix, patch: tuple[PatchOp, ...], missing: list[str]) -> str:
    tree, removed = _tree(patch, missing)
    if not tree and not removed:
        return fix.snippet
    module, cls = classic.classic_class(res.type)
    lines = [
        CLASSIC_IMPORT,
        f"# {res.name!r}{_safe(_where(res))} (classic azure provider): change only these arguments, "
        "keep your others as they are.",
    ]
    if fix.replacement:
        lines.append("# The classic provider already replaces it when they change: no replace_on_changes.")
    lines += [f"# delete `{'.'.join(snake(p) for p in path)}` from its arguments" for path in removed]
    lines += [f"# {_safe(path)}: {_NO_ARGUMENT}" for path in missing]
    own = _own_call(res, patch, missing) if not removed else None
    if own is not None:
        lines += ["# Your call, with only the fixed arguments changed:", own]
    else:
        lines.append(f"{identifier(res.name)} = azure.{module}.{cls}(")
        lines.append(f"    {res.name!r},")
        lines += _braces(tree, "    ", _PY, top=True)
        lines += ["    # keep your other arguments as they are", ")"]
    text = "\n".join(lines) + "\n"
    if fix.new_resources:
        return text + (
            "\n# The new resources this fix needs, in pulumi-azure-native (they may live beside "
            "classic resources):\n" + fix.snippet
        )
    return text + _notes(fix.snippet, "#")


def _python_path(segments: Sequence[str]) -> tuple[str | int, ...]:
    """A patch path as Python keywords: snake_case, list indexes as ints, and the keys below a
    free-form property (tags, settings: ``snippets.FREE_FORM``) as the user wrote them."""
    out: list[str | int] = []
    free = False
    for seg in segments:
        if seg.isdigit():
            out.append(int(seg))
        else:
            out.append(seg if free or seg == "-" else snake(seg))
            free = free or seg in FREE_FORM
    return tuple(out)


def _own_call(res: Resource, patch: tuple[PatchOp, ...], missing: list[str]) -> str | None:
    """The user's own classic constructor call with the changes edited in (checker.rules.support
    .source_call, as for azure-native snippets); None without source or when an edit does not fit."""
    if res.call_source is None:
        return None
    from checker import source_calls as source_call

    edits: list[tuple[source_call.Path, str]] = []
    for op in patch:
        if op.path in missing:
            continue
        path = _python_path(jsonpointer.segments(op.path))
        edits.append((path, _py_value(op.value)))
    return source_call.edit(res.call_source, edits) if edits else None
