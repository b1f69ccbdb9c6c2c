"""Edits of a Pulumi Python program with libcst: formatting and comments are kept.

A fix's patch operation (``/ipConfigurations/0/privateIPAllocationMethod`` = ``Static``) is
followed from the resource's constructor call at its recorded source line, through keyword
arguments (camelCase -> the SDK's snake_case), nested ``…Args(...)`` calls, dicts, lists,
variables assigned once, and helper functions that return the value, down to the expression
that holds the value. A literal there is changed in place; a missing argument is added; a value
read from ``pulumi.Config`` becomes a config edit (:mod:`checker.fix.config_edits`); anything
the program computes (an f-string, an ``apply``, a condition, a helper's parameter) cannot be
edited and says why.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, ParentNodeProvider, PositionProvider

from checker import jsonpointer
from checker.cstlayout import (
    append_item,
    callee_name,
    dict_entry,
    kwarg,
    remove_item,
    with_replacement,
)
from checker.rules.support.snippets import FREE_FORM, snake

Segment = str | int


def pointer(path: str) -> tuple[Segment, ...]:
    """``/ipConfigurations/0/privateIPAddress`` -> ``("ipConfigurations", 0, "privateIPAddress")``."""
    return tuple(int(p) if p.isdigit() else p for p in jsonpointer.segments(path))


def dotted(path: str) -> str:
    """The engine property path Pulumi's ``replace_on_changes`` takes: ``storageProfile.osDisk``."""
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in pointer(path)).replace(".[", "[")


class Unresolved(Exception):
    """A patch operation that cannot be turned into an edit; the message says why."""


@dataclass(frozen=True, eq=False)
class CodeEdit:
    """One change of a Python file: ``set`` an expression, ``add``/``remove`` an argument or
    dict entry of the container ``node``, or add replacement options (``opts``) to a call."""

    file: str  # relative to the project
    node: cst.CSTNode
    kind: str  # "set" | "add" | "remove" | "opts"
    name: str  # keyword or key for add/remove; the property path for opts
    code: str  # the new expression ("" for remove and opts)
    line: int
    note: str = ""

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.file, id(self.node), self.kind, self.name)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class SourceFile:
    """A parsed program file with the positions and parents of its nodes."""

    rel: str
    path: Path
    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]
    parents: Mapping[cst.CSTNode, cst.CSTNode]

    @classmethod
    def parse(cls, root: Path, rel: str, text: str) -> SourceFile:
        path = root / rel
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            raise Unresolved(f"{rel}:{exc.raw_line}: libcst cannot parse the file ({exc.message})") from None
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        return cls(rel, path, module, wrapper.resolve(PositionProvider), wrapper.resolve(ParentNodeProvider))

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def short(self, node: cst.CSTNode) -> str:
        text = " ".join(self.code(node).split())
        return text if len(text) <= 60 else text[:57] + "..."


def find_call(source: SourceFile, line: int, class_name: str) -> cst.Call:
    """The constructor call of ``class_name`` that the recorded ``line`` points at."""
    best: tuple[int, int, cst.Call] | None = None
    for node, where in source.positions.items():
        if not isinstance(node, cst.Call) or callee_name(node) != class_name:
            continue
        if not where.start.line <= line <= where.end.line:
            continue
        rank = (0 if where.start.line == line else 1, where.end.line - where.start.line)
        if best is None or rank < best[:2]:
            best = (*rank, node)
    if best is None:
        raise Unresolved(f"{source.rel}:{line}: no call of {class_name}(...) on this line")
    return best[2]


def literal_value(source: SourceFile, node: cst.BaseExpression) -> tuple[bool, Any]:
    """(True, value) when ``node`` is a plain Python literal, or a member of an SDK enum
    (``network.IPAllocationMethod.DYNAMIC``: an :class:`EnumMember`, a constant too)."""
    member = _enum_member(node)
    if member is not None:
        return True, member
    try:
        return True, ast.literal_eval(source.code(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


@dataclass(frozen=True)
class EnumMember:
    """A member of an SDK enum, by name (``DYNAMIC``). The SDKs name a member after its value
    (``STANDARD_LRS`` is ``"Standard_LRS"``, ``DYNAMIC`` is ``"Dynamic"``), so it equals the
    strings that match it but for case and underscores."""

    name: str

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EnumMember):
            return self.name == other.name
        return isinstance(other, str) and _folded(other) == _folded(self.name)

    def __hash__(self) -> int:
        return hash(_folded(self.name))


def _folded(text: str) -> str:
    return text.replace("_", "").replace("-", "").lower()


_MEMBER = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _enum_member(node: cst.BaseExpression) -> EnumMember | None:
    """``<module>.<EnumClass>.<MEMBER>`` (the class in CapWords, the member in capitals)."""
    if not isinstance(node, cst.Attribute) or not _MEMBER.match(node.attr.value):
        return None
    owner = node.value
    cls = owner.attr.value if isinstance(owner, cst.Attribute) else getattr(owner, "value", "")
    if not isinstance(cls, str) or not cls[:1].isupper() or _MEMBER.match(cls):
        return None
    return EnumMember(node.attr.value)


_PLAIN = re.compile(r"^[\x20-\x7e]*$")


def value_code(value: Any, quote: str = '"', *, free: bool = False) -> str:
    """Python source for a JSON-like value, dict keys in the SDK's snake_case except under
    the free-form properties whose keys are the user's own (tags, an extension's settings:
    ``snippets.FREE_FORM``), or everywhere with ``free``."""
    if isinstance(value, str):
        if quote == "'" and _PLAIN.match(value) and "'" not in value and "\\" not in value:
            return f"'{value}'"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(value_code(v, quote, free=free) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{value_code(str(k) if free else snake(str(k)), quote)}: "
            f"{value_code(v, quote, free=free or k in FREE_FORM)}"
            for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    raise Unresolved(f"no Python literal for {value!r}")


def nested_value(rest: Sequence[Segment], value: Any) -> Any:
    """The value of a missing argument that ``rest`` reaches into: ``(name,)``, x -> ``{name: x}``."""
    for seg in reversed(rest):
        if not isinstance(seg, str) or seg == "-":
            raise Unresolved("the path goes through a list the program does not write")
        value = {seg: value}
    return value


def _quote_of(node: cst.CSTNode) -> str:
    if isinstance(node, cst.SimpleString):
        return node.quote[-1]
    return '"'


def _keyword_matches(name: str, seg: str) -> bool:
    return name in (snake(seg), seg) or name.rstrip("_") == snake(seg)


def dict_key(source: SourceFile, element: cst.BaseDictElement) -> str | None:
    if isinstance(element, cst.DictElement):
        ok, key = literal_value(source, element.key)
        return key if ok and isinstance(key, str) else None
    return None


# A config read the walk met: (the expression, the expression that holds the default or None).
ConfigHook = Callable[["Walk", cst.BaseExpression, Any], list[Any] | None]


class Walk:
    """Follows one patch operation from a constructor call to the node it changes."""

    def __init__(self, source: SourceFile, functions: Mapping[str, cst.FunctionDef], config: ConfigHook):
        self.source = source
        self.functions = functions
        self.config = config

    # --- names ------------------------------------------------------------------------
    def scope_of(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        current: cst.CSTNode | None = self.source.parents.get(node)
        while current is not None:
            if isinstance(current, cst.FunctionDef):
                return current
            current = self.source.parents.get(current)
        return None

    def binding(self, name: cst.Name) -> cst.BaseExpression:
        """The value assigned once to ``name`` in its function, else at module level."""
        scope = self.scope_of(name)
        while True:
            if scope is not None and name.value in _params(scope):
                raise Unresolved(
                    f"the value is parameter {name.value!r} of {scope.name.value}() "
                    f"({self.source.rel}:{self.source.line(scope)}); its callers decide it"
                )
            values, other = _assignments(scope.body if scope is not None else self.source.module, name.value)
            if len(values) == 1 and not other:
                return values[0]
            if values or other:
                how = (
                    "assigned in several places" if len(values) > 1 else "bound by a loop, an import or a def"
                )
                raise Unresolved(f"{name.value!r} is {how}; edit it by hand")
            if scope is None:
                raise Unresolved(f"{name.value!r} is not assigned in {self.source.rel}")
            scope = self.scope_of(scope)

    def value_of(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """``expr``, or the value bound to it when it is a name; None when that binding cannot
        be followed (see :meth:`binding`)."""
        if not isinstance(expr, cst.Name):
            return expr
        try:
            return self.binding(expr)
        except Unresolved:
            return None

    def returns(self, call: cst.Call) -> list[cst.BaseExpression] | None:
        """The values a local helper function called here returns, or None if not one."""
        if not isinstance(call.func, cst.Name) or call.func.value not in self.functions:
            return None
        func = self.functions[call.func.value]
        found: list[cst.BaseExpression] = []
        for node in _walk_body(func.body):
            if isinstance(node, cst.Return):
                if node.value is None:
                    raise Unresolved(f"{func.name.value}() returns nothing on one path")
                found.append(node.value)
        if not found:
            raise Unresolved(f"{func.name.value}() has no return")
        return found

    # --- the walk ---------------------------------------------------------------------
    def resolve(self, expr: cst.BaseExpression, segs: Sequence[Segment], op: str, value: Any) -> list[Any]:
        """The edits that make ``expr`` at path ``segs`` hold ``value`` (``op`` add/replace)
        or lose it (``remove``); [] when it already does. Raises :class:`Unresolved`."""
        if isinstance(expr, cst.Name) and expr.value not in ("True", "False", "None"):
            if not segs and op != "remove":
                hooked = self.config(self, expr, value)
                if hooked is not None:
                    return hooked
                bound = self.binding(expr)
                if isinstance(bound, cst.Name):
                    return self.resolve(bound, segs, op, value)
                ok, current = literal_value(self.source, bound)
                if ok:  # a constant: change the value where it is used, not the constant
                    return [] if current == value else [self._set(expr, value)]
                raise Unresolved(self._computed(bound, expr.value))
            return self.resolve(self.binding(expr), segs, op, value)
        if not segs:
            return self._leaf(expr, value)
        if isinstance(expr, cst.Call):
            helper = self.returns(expr)
            if helper is not None:
                edits: list[Any] = []
                for returned in helper:
                    edits.extend(self.resolve(returned, segs, op, value))
                return edits
            name = callee_name(expr)
            if not (name[:1].isupper() or name == "dict"):  # not an SDK class (…Args) nor dict()
                raise Unresolved(
                    f"the value comes from `{self.source.short(expr)}`, which is not a helper "
                    f"function of {self.source.rel}; edit it by hand"
                )
            return self._in_call(expr, segs, op, value)
        if isinstance(expr, cst.Dict):
            return self._in_dict(expr, segs, op, value)
        if isinstance(expr, cst.List | cst.Tuple):
            return self._in_list(expr, segs, op, value)
        raise Unresolved(self._computed(expr))

    def _computed(self, expr: cst.BaseExpression, via: str | None = None) -> str:
        where = f"{self.source.rel}:{self.source.line(expr)}"
        name = f" (through {via!r})" if via else ""
        return f"the value is computed by the program{name}: `{self.source.short(expr)}` at {where}"

    def _leaf(self, expr: cst.BaseExpression, value: Any) -> list[Any]:
        hooked = self.config(self, expr, value)
        if hooked is not None:
            return hooked
        ok, current = literal_value(self.source, expr)
        if not ok:
            raise Unresolved(self._computed(expr))
        return [] if current == value else [self._set(expr, value)]

    def _set(self, expr: cst.BaseExpression, value: Any, note: str = "") -> CodeEdit:
        code = value_code(value, _quote_of(expr))
        return CodeEdit(self.source.rel, expr, "set", "", code, self.source.line(expr), note)

    def _add(self, container: cst.CSTNode, name: str, rest: Sequence[Segment], value: Any) -> CodeEdit:
        code = value_code(nested_value(rest, value))
        return CodeEdit(self.source.rel, container, "add", name, code, self.source.line(container))

    def _in_call(self, call: cst.Call, segs: Sequence[Segment], op: str, value: Any) -> list[Any]:
        seg, rest = segs[0], segs[1:]
        if not isinstance(seg, str):
            raise Unresolved(f"`{self.source.short(call)}` is a call, not a list")
        for arg in call.args:
            if arg.keyword is not None and _keyword_matches(arg.keyword.value, seg):
                if not rest and op == "remove":
                    return [
                        CodeEdit(
                            self.source.rel, call, "remove", arg.keyword.value, "", self.source.line(arg)
                        )
                    ]
                return self.resolve(arg.value, rest, op, value)
        if any(arg.star == "**" for arg in call.args):
            spread = next(self.source.short(a) for a in call.args if a.star == "**")
            raise Unresolved(f"`{snake(seg)}` may come from `{spread}` of {self.source.short(call)}")
        if op == "remove":
            return []
        return [self._add(call, snake(seg), rest, value)]

    def _in_dict(self, node: cst.Dict, segs: Sequence[Segment], op: str, value: Any) -> list[Any]:
        seg, rest = segs[0], segs[1:]
        if not isinstance(seg, str):
            raise Unresolved(f"`{self.source.short(node)}` is a dict, not a list")
        for element in node.elements:
            key = dict_key(self.source, element)
            if key is not None and _keyword_matches(key, seg) and isinstance(element, cst.DictElement):
                if not rest and op == "remove":
                    return [CodeEdit(self.source.rel, node, "remove", key, "", self.source.line(element))]
                return self.resolve(element.value, rest, op, value)
        if any(not isinstance(e, cst.DictElement) or dict_key(self.source, e) is None for e in node.elements):
            raise Unresolved(
                f"`{snake(seg)}` may come from a spread or computed key of {self.source.short(node)}"
            )
        if op == "remove":
            return []
        return [self._add(node, snake(seg), rest, value)]

    def _in_list(self, node: cst.List | cst.Tuple, segs: Sequence[Segment], op: str, value: Any) -> list[Any]:
        seg, rest = segs[0], segs[1:]
        if not isinstance(seg, int):
            raise Unresolved(f"`{self.source.short(node)}` is a list, not an object")
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            raise Unresolved(f"the list `{self.source.short(node)}` is spread from another value")
        if seg >= len(node.elements):
            raise Unresolved(f"the list `{self.source.short(node)}` has no item {seg}")
        if not rest and op == "remove":
            raise Unresolved("removing a list item is not done automatically")
        return self.resolve(node.elements[seg].value, rest, op, value)


def _params(func: cst.FunctionDef) -> set[str]:
    p = func.params
    names = {x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)}
    for star in (p.star_arg, p.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


def _walk_body(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """Every node of a body, not entering nested functions, classes or lambdas."""
    stack = list(reversed(node.children))
    while stack:  # depth first, in source order
        current = stack.pop()
        yield current
        if not isinstance(current, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            stack.extend(reversed(current.children))


def _assignments(body: cst.CSTNode, name: str) -> tuple[list[cst.BaseExpression], bool]:
    """Values assigned to ``name`` by ``name = value`` in ``body``, and whether it is also bound
    another way (augmented assignment, a loop, a with, an import, several targets)."""
    values: list[cst.BaseExpression] = []
    other = False
    for node in _walk_body(body):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    if len(node.targets) == 1:
                        values.append(node.value)
                    else:
                        other = True
                elif _binds(target.target, name):
                    other = True
        elif isinstance(node, cst.AnnAssign) and _binds(node.target, name):
            if node.value is None:
                continue
            values.append(node.value)
        elif (isinstance(node, cst.AugAssign | cst.For | cst.CompFor) and _binds(node.target, name)) or (
            isinstance(node, cst.FunctionDef | cst.ClassDef) and node.name.value == name
        ):
            other = True
    return values, other


def _binds(target: cst.CSTNode, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, cst.Tuple | cst.List):
        return any(_binds(e.value, name) for e in target.elements)
    return False


def functions_of(module: cst.Module) -> dict[str, cst.FunctionDef]:
    """Module-level helper functions by name (a name defined twice is left out)."""
    found: dict[str, cst.FunctionDef] = {}
    twice: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            if stmt.name.value in found:
                twice.add(stmt.name.value)
            found[stmt.name.value] = stmt
    return {k: v for k, v in found.items() if k not in twice}


# --- applying edits ---------------------------------------------------------------------
class _Apply(cst.CSTTransformer):
    def __init__(self, edits: Iterable[CodeEdit], options: str):
        super().__init__()
        self.options = options
        self.by_node: dict[int, list[CodeEdit]] = {}
        for edit in edits:
            self.by_node.setdefault(id(edit.node), []).append(edit)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        node = updated_node
        for edit in self.by_node.get(id(original_node), ()):
            node = self._one(node, edit)
        return node

    def _one(self, node: cst.CSTNode, edit: CodeEdit) -> cst.CSTNode:
        if edit.kind == "set":
            new = cst.parse_expression(edit.code)
            lpar, rpar = getattr(node, "lpar", ()), getattr(node, "rpar", ())
            return new.with_changes(lpar=lpar, rpar=rpar) if lpar else new
        if edit.kind == "opts" and isinstance(node, cst.Call):
            return with_replacement(node, edit.name.split(","), self.options)
        if isinstance(node, cst.Call):
            if edit.kind == "add":
                return node.with_changes(
                    args=append_item(node.args, kwarg(edit.name, edit.code), node.whitespace_before_args)
                )
            index = next(
                i for i, a in enumerate(node.args) if a.keyword is not None and a.keyword.value == edit.name
            )
            return node.with_changes(args=remove_item(node.args, index))
        if isinstance(node, cst.Dict):
            if edit.kind == "add":
                return node.with_changes(
                    elements=append_item(
                        node.elements, dict_entry(edit.name, edit.code), node.lbrace.whitespace_after
                    )
                )
            index = next(
                i
                for i, e in enumerate(node.elements)
                if isinstance(e, cst.DictElement)
                and isinstance(e.key, cst.SimpleString)
                and e.key.evaluated_value == edit.name
            )
            return node.with_changes(elements=remove_item(node.elements, index))
        raise AssertionError(f"cannot apply {edit.kind} to {type(node).__name__}")


def _options_name(module: cst.Module) -> tuple[str, bool]:
    """How this module spells ``pulumi.ResourceOptions``, and whether ``import pulumi`` must be added."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if cst.Module([]).code_for_node(alias.name) == "pulumi":
                        asname = alias.asname.name if alias.asname else None
                        return (
                            f"{asname.value}.ResourceOptions"
                            if isinstance(asname, cst.Name)
                            else "pulumi.ResourceOptions"
                        ), False
            if (
                isinstance(small, cst.ImportFrom)
                and isinstance(small.module, cst.Name)
                and small.module.value == "pulumi"
                and not isinstance(small.names, cst.ImportStar)
            ):
                for alias in small.names:
                    if (
                        isinstance(alias.name, cst.Name)
                        and alias.name.value == "ResourceOptions"
                        and not alias.asname
                    ):
                        return "ResourceOptions", False
    return "pulumi.ResourceOptions", True


def _add_import(module: cst.Module) -> cst.Module:
    body = list(module.body)
    index = 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body
        ):
            if any(
                isinstance(s, cst.ImportFrom)
                and isinstance(s.module, cst.Name)
                and s.module.value == "__future__"
                for s in stmt.body
            ):
                index = i + 1
                continue
            index = i
            break
    line = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name("pulumi"))])])
    return module.with_changes(body=[*body[:index], line, *body[index:]])


def apply_edits(source: SourceFile, edits: Sequence[CodeEdit]) -> str:
    """The file's new text with ``edits`` applied (all of them nodes of ``source``)."""
    options, needs_import = _options_name(source.module)
    module = source.module.visit(_Apply(edits, options))
    assert isinstance(module, cst.Module)
    if needs_import and any(e.kind == "opts" for e in edits):
        module = _add_import(module)
    return module.code
