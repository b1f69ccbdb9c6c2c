"""libcst edits of Python source that keep its layout: append or remove an item of a call's
arguments, a list or a dict in the style the items already have (one a line, trailing comma,
comments kept), and give a constructor call resource options that replace it.

Shared by ``maintcheck fix`` (checker.fix.edits), which edits the user's files, and the rule
snippets (checker.source_calls), which edit the text of the user's call, so both
look alike. Only those paths import it (libcst is not loaded at start-up).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import libcst as cst


def callee_name(call: cst.Call) -> str:
    """``network.NetworkInterface(...)`` -> ``NetworkInterface``."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _comma_ws(item: Any) -> Any:
    comma = getattr(item, "comma", None)
    return comma.whitespace_after if isinstance(comma, cst.Comma) else None


def _split(closing: Any, between: Any) -> tuple[Any, Any]:
    """Whitespace after the old last item (its own comment kept, then the items' indent) and
    after the new one (the closing bracket's line), from the old ``closing`` whitespace."""
    if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(between, cst.ParenthesizedWhitespace):
        own = closing.with_changes(indent=between.indent, last_line=between.last_line)
        return own, closing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return between, closing


def append_item(items: Sequence[Any], new: Any, opening: Any) -> list[Any]:
    """``items`` + ``new``, in the layout the items already have (one a line, trailing comma);
    a comment after the old last item stays on its line."""
    if not items:
        return [new]
    last = items[-1]
    between = _comma_ws(items[-2]) if len(items) > 1 else opening
    if between is None or (isinstance(between, cst.SimpleWhitespace) and not between.value):
        between = cst.SimpleWhitespace(" ")
    if isinstance(last.comma, cst.Comma):
        own, closing = _split(last.comma.whitespace_after, between)
        moved = last.with_changes(comma=last.comma.with_changes(whitespace_after=own))
        return [*items[:-1], moved, new.with_changes(comma=last.comma.with_changes(whitespace_after=closing))]
    if isinstance(last, cst.Arg) and isinstance(last.whitespace_after_arg, cst.ParenthesizedWhitespace):
        own, closing = _split(last.whitespace_after_arg, between)
        moved_arg = last.with_changes(
            comma=cst.Comma(whitespace_after=own), whitespace_after_arg=cst.SimpleWhitespace("")
        )
        return [*items[:-1], moved_arg, new.with_changes(whitespace_after_arg=closing)]
    return [*items[:-1], last.with_changes(comma=cst.Comma(whitespace_after=between)), new]


def remove_item(items: Sequence[Any], index: int) -> list[Any]:
    rest = [*items[:index], *items[index + 1 :]]
    if index == len(items) - 1 and rest:
        removed, prev = items[index], rest[-1]
        ws_prev, ws_removed = _comma_ws(prev), _comma_ws(removed)
        if isinstance(ws_prev, cst.ParenthesizedWhitespace) and isinstance(
            ws_removed, cst.ParenthesizedWhitespace
        ):
            comma = prev.comma.with_changes(
                whitespace_after=ws_prev.with_changes(
                    indent=ws_removed.indent, last_line=ws_removed.last_line
                )
            )
        else:
            comma = removed.comma
        changes: dict[str, Any] = {"comma": comma}
        if isinstance(prev, cst.Arg) and isinstance(removed, cst.Arg):
            changes["whitespace_after_arg"] = removed.whitespace_after_arg
        rest[-1] = prev.with_changes(**changes)
    return rest


def kwarg(name: str, code: str | cst.BaseExpression) -> cst.Arg:
    """``name=code``, from source text or an expression node."""
    return cst.Arg(
        value=cst.parse_expression(code) if isinstance(code, str) else code,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )


def dict_entry(name: str, code: str) -> cst.DictElement:
    return cst.DictElement(cst.parse_expression(json.dumps(name)), cst.parse_expression(code))


def options_call(options: str, paths: Sequence[str]) -> str:
    listed = ", ".join(json.dumps(p) for p in paths)
    return f"{options}(replace_on_changes=[{listed}], delete_before_replace=True)"


def with_replacement(call: cst.Call, paths: Sequence[str], options: str) -> cst.Call:
    """``call`` with ``opts`` that replace the resource when ``paths`` change (delete first)."""
    for index, arg in enumerate(call.args):
        if arg.keyword is None or arg.keyword.value != "opts":
            continue
        value = arg.value
        if isinstance(value, cst.Call) and callee_name(value) == "ResourceOptions":
            return call.with_changes(
                args=[
                    *call.args[:index],
                    arg.with_changes(value=_merge_options(value, paths)),
                    *call.args[index + 1 :],
                ]
            )
        merged = cst.parse_expression(
            f"{options}.merge({cst.Module([]).code_for_node(value)}, {options_call(options, paths)})"
        )
        return call.with_changes(
            args=[*call.args[:index], arg.with_changes(value=merged), *call.args[index + 1 :]]
        )
    return call.with_changes(
        args=append_item(call.args, kwarg("opts", options_call(options, paths)), call.whitespace_before_args)
    )


def _merge_options(options: cst.Call, paths: Sequence[str]) -> cst.Call:
    args = list(options.args)
    found = next((a for a in args if a.keyword is not None and a.keyword.value == "replace_on_changes"), None)
    if found is None:
        listed = ", ".join(json.dumps(p) for p in paths)
        args = append_item(args, kwarg("replace_on_changes", f"[{listed}]"), options.whitespace_before_args)
    elif isinstance(found.value, cst.List):
        have = {
            e.value.evaluated_value for e in found.value.elements if isinstance(e.value, cst.SimpleString)
        }
        elements = list(found.value.elements)
        for path in paths:
            if path not in have:
                elements = append_item(
                    elements,
                    cst.Element(cst.parse_expression(json.dumps(path))),
                    found.value.lbracket.whitespace_after,
                )
        args[args.index(found)] = found.with_changes(value=found.value.with_changes(elements=elements))
    else:
        code = cst.Module([]).code_for_node(found.value)
        listed = ", ".join(json.dumps(p) for p in paths)
        args[args.index(found)] = found.with_changes(value=cst.parse_expression(f"[*{code}, {listed}]"))
    if not any(a.keyword is not None and a.keyword.value == "delete_before_replace" for a in args):
        args = append_item(args, kwarg("delete_before_replace", "True"), options.whitespace_before_args)
    return options.with_changes(args=args)
