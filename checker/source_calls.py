"""The user's own constructor call, read and edited with libcst.

A program source finds the call that constructs each resource at its recorded line
(:func:`calls_in`, :func:`call_at`) when it captures the program, and stores the call's text on
the resource; rules stay pure and only edit that text (:func:`edit`) to write a fix snippet
that is the user's call with just the fixed arguments changed - their variables (``rg.name``,
``subnet.id``), loops and other arguments kept.

libcst is imported only here, and only when a call is read or edited; the layout and options
helpers are shared with ``maintcheck fix`` (checker.cstlayout), so snippets and edits look alike.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Call:
    """One call in a source file: its lines, the called name's last part, and its text."""

    start: int
    end: int
    name: str
    code: str


def calls_in(source: str) -> tuple[Call, ...]:
    """Every call of the source whose callee is a name or attribute; () when it does not parse."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from checker.cstlayout import callee_name

    try:
        wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)  # ours alone: no copy
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return ()
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    found: list[Call] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            name = callee_name(node)
            if name:
                where = positions[node]
                found.append(Call(where.start.line, where.end.line, name, module.code_for_node(node)))

    wrapper.visit(Visitor())
    return tuple(found)


def call_at(calls: Sequence[Call], line: int, class_name: str) -> str | None:
    """The text of the innermost ``class_name(...)`` call spanning ``line``."""
    spanning = [c for c in calls if c.name == class_name and c.start <= line <= c.end]
    if not spanning:
        return None
    # as `maintcheck fix` finds it (checker.fix.edits.find_call): a call starting on the line,
    # else the tightest one around it
    return min(spanning, key=lambda c: (c.start != line, c.end - c.start)).code


def camel(snake_name: str) -> str:
    """An SDK keyword in camelCase, as dict-style arguments spell it: ``private_ip_address``
    -> ``privateIpAddress``."""
    head, *rest = snake_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _string_key(node: Any) -> str | None:
    import libcst as cst

    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _is_args(node: Any) -> bool:
    """An SDK arguments object (``...Args(...)``): only those take SDK keyword names; any other
    call inside the user's arguments may be their own helper."""
    from checker.cstlayout import callee_name

    return callee_name(node).endswith(("Args", "ArgsDict"))


def _set(node: Any, path: Path, value: Any, root: bool = False) -> Any:
    """``node`` with the value at ``path`` replaced (missing keys added as dict literals; ``-``
    appends to a list), or None when the path goes through something that is not a literal
    call, list or dict."""
    import libcst as cst

    from checker.cstlayout import append_item, kwarg

    key, rest = path[0], path[1:]
    if isinstance(node, cst.Call) and isinstance(key, str) and (root or _is_args(node)):
        args = list(node.args)
        for i, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == key:
                inner = value if not rest else _set(arg.value, rest, value)
                if inner is None:
                    return None
                args[i] = arg.with_changes(value=inner)
                return node.with_changes(args=args)
        new = kwarg(key, _nested(rest, value))
        return node.with_changes(args=append_item(args, new, node.whitespace_before_args))
    if isinstance(node, cst.List) and key == "-" and not rest:
        lead = node.lbracket.whitespace_after
        return node.with_changes(elements=append_item(list(node.elements), cst.Element(value), lead))
    if isinstance(node, cst.List) and isinstance(key, int) and 0 <= key < len(node.elements):
        elements = list(node.elements)
        inner = value if not rest else _set(elements[key].value, rest, value)
        if inner is None:
            return None
        elements[key] = elements[key].with_changes(value=inner)
        return node.with_changes(elements=elements)
    if isinstance(node, cst.Dict) and isinstance(key, str):
        entries: list[Any] = list(node.elements)
        for i, element in enumerate(entries):
            if isinstance(element, cst.DictElement) and _string_key(element.key) in (key, camel(key)):
                inner = value if not rest else _set(element.value, rest, value)
                if inner is None:
                    return None
                entries[i] = element.with_changes(value=inner)
                return node.with_changes(elements=entries)
        added = cst.DictElement(cst.SimpleString(repr(key)), _nested(rest, value))
        return node.with_changes(elements=append_item(entries, added, node.lbrace.whitespace_after))
    return None


def _nested(path: Path, value: Any) -> Any:
    """``value`` under the missing keys ``path`` as dict literals (``{'mode': 'Rolling'}``);
    an append (``-``) under a missing key is a one-element list."""
    import libcst as cst

    for key in reversed(path):
        if key == "-":
            value = cst.List([cst.Element(value)])
        else:
            value = cst.Dict([cst.DictElement(cst.SimpleString(repr(key)), value)])
    return value


def edit(code: str, edits: Sequence[tuple[Path, str]], replace_on: Sequence[str] = ()) -> str | None:
    """See :func:`_edit`; cached, since the VMs a loop builds share one call and one fix."""
    return _edit(code, tuple(edits), tuple(replace_on))


@functools.lru_cache(maxsize=1024)
def _parsed(expression: str) -> Any:
    """A parsed expression; libcst trees are immutable, so one parse serves every edit."""
    import libcst as cst

    return cst.parse_expression(expression)


@functools.lru_cache(maxsize=4096)
def _edit(
    code: str,
    edits: tuple[tuple[Path, str], ...],
    replace_on: tuple[str, ...],
) -> str | None:
    """The call ``code`` with each ``(path, python_expression)`` edit applied (paths of Python
    keyword names, list indexes and dict keys, e.g. ``("ip_configurations", 0,
    "private_ip_address")``) and, with ``replace_on``, resource options that ask for
    replacement, deleting first (as ``maintcheck fix`` writes them: checker.cstlayout); None
    when an edit cannot be placed in the user's code (the caller then writes the argument out
    itself)."""
    import libcst as cst

    from checker.cstlayout import with_replacement

    try:
        node: Any = _parsed(code)
        for path, expression in edits:
            node = _set(node, path, _parsed(expression), root=True) if node is not None else None
        if node is not None and replace_on:
            node = with_replacement(node, replace_on, "pulumi.ResourceOptions")
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    if not isinstance(node, cst.Call):
        return None
    return str(cst.Module([]).code_for_node(node))
