"""Helpers that write fix snippets as valid pulumi-azure-native v3 Python code.

Snippets are self-contained: they import the SDK and spell out the resource group and
location they know from the resource's inputs, so a user can paste them and they compile.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Mapping, Sequence
from typing import Any

from checker.azure.classic import is_classic
from checker.inventory import Resource
from checker.values import is_known

IMPORT = "import pulumi_azure_native as azure_native\n"


def identifier(logical_name: str) -> str:
    """A Python variable name for a logical resource name: ``web-as`` -> ``web_as``. Always a
    valid identifier, whatever the name holds (Unicode digits, NUL, quotes, braces)."""
    name = re.sub(r"\W+", "_", logical_name).strip("_").lower() or "resource"
    if not name.isidentifier():
        name = re.sub(r"[^a-z0-9_]+", "_", name).strip("_") or "resource"
    if name[0].isdigit() or keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name = f"r_{name}"
    return name


def string(text: str) -> str:
    """A Python string literal for ``text``: ``repr``, which escapes quotes, backslashes, line
    breaks and every non-printable character. Names are only ever put into code this way."""
    return repr(text)


def literal(value: Any) -> str:
    """A Python literal for a JSON-like value (markers become ``...`` placeholders)."""
    if not is_known(value):
        return "..."
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(str(value))


def resource_group_arg(res: Resource) -> str:
    """``resource_group_name=...`` for a new resource beside ``res``."""
    rg = res.inputs.get("resourceGroupName")
    return f"resource_group_name={literal(rg) if isinstance(rg, str) else repr('my-rg')}"


def location_arg(res: Resource, location: Any) -> str:
    loc = location if isinstance(location, str) else res.inputs.get("location")
    return f"location={literal(loc)}" if isinstance(loc, str) else ""


def call(type_path: str, logical_name: str, *args: str, var: str | None = None) -> str:
    """``var = azure_native.<type_path>("name", arg, ...)`` laid out one argument a line."""
    lines = [f"{var or identifier(logical_name)} = azure_native.{type_path}("]
    lines.append(f"    {string(logical_name)},")
    lines.extend(f"    {a}," for a in args if a)
    lines.append(")")
    return "\n".join(lines)


@functools.lru_cache(maxsize=2048)
def snake(camel: str) -> str:
    """The Python keyword of a camelCase property: ``privateIPAddress`` -> ``private_ip_address``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", camel)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


# Properties whose keys are the user's own or free-form JSON (not SDK property names) and stay
# as they are: tags, an extension's settings.
FREE_FORM = frozenset({"tags", "settings", "protectedSettings"})


def py_value(value: Any) -> str:
    """A Python literal for an input value with snake_case keys, as the SDK's ``...ArgsDict``
    inputs take them (``{"vmSize": "x"}`` -> ``{'vm_size': 'x'}``); tags keep their keys."""
    if isinstance(value, dict):
        items = (f"{snake(k)!r}: {literal(v) if k in FREE_FORM else py_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(py_value(v) for v in value) + "]"
    return literal(value)


def kwarg(camel: str, value: Any) -> str:
    """``platformUpdateDomainCount``, 3 -> ``platform_update_domain_count=3``."""
    return f"{snake(camel)}={literal(value) if camel in FREE_FORM else py_value(value)}"


# Inputs a snippet never spells out: scripts may hold credentials, and the user has them.
OPAQUE = frozenset({"customData", "userData"})


def fully_known(value: Any) -> bool:
    """True when the value holds no UNKNOWN or SECRET (and no script, see ``OPAQUE``)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float:  # most values
        return True
    if isinstance(value, Mapping):
        return all(k not in OPAQUE and fully_known(v) for k, v in value.items())
    if isinstance(value, list):
        return all(fully_known(v) for v in value)
    return is_known(value)


def replace_opts(replace_on: tuple[str, ...], delete_first: bool = True) -> str:
    """``opts=pulumi.ResourceOptions(replace_on_changes=[...], delete_before_replace=True)``:
    Pulumi replaces the resource when one of the camelCase engine property paths changes,
    instead of attempting an update Azure refuses (``PropertyChangeNotAllowed``); deleting
    first frees the NIC and disks the new VM keeps and the Azure name it reuses."""
    props = ", ".join(repr(p) for p in replace_on)
    after = ", delete_before_replace=True" if delete_first else ""
    return f"opts=pulumi.ResourceOptions(replace_on_changes=[{props}]{after})"


def rewrite(
    res: Resource,
    type_path: str,
    location: Any,
    changes: dict[str, Any],
    *,
    replace_on: tuple[str, ...] = (),
    drop: frozenset[str] = frozenset(),
    header: str = "",
    code: Mapping[str, str] | None = None,
    nested: Sequence[tuple[tuple[str | int, ...], str]] = (),
) -> str:
    """``res`` written out again as ``azure_native.<type_path>(...)`` with ``changes`` (camelCase
    inputs), its other known inputs kept and the unknown ones named in a ``# keep`` comment.
    ``replace_on`` names changed properties Azure cannot update in place and the provider does
    not replace on: the snippet then asks Pulumi to replace the resource (see
    :func:`replace_opts`). ``code`` gives Python expressions for inputs (camelCase) that are
    written as they are instead of as literals."""
    if is_classic(res.type):
        # The classic provider already replaces on the properties Azure cannot change in place
        # (availability_set_id, zone, custom_data, diff_disk_settings, domain counts, managed).
        header = (header + "\n" if header else "") + (
            f"# {res.name!r} uses the classic azure provider ({res.type}), which already replaces it "
            "when these change:\n# no replace_on_changes needed; write the change with its "
            "argument names (the azure-native form below shows what to set)."
        )
        replace_on = ()
    lines = ["import pulumi"] if replace_on else []
    lines.append(IMPORT)
    if header:
        lines.append(header)
    own = _own_call(res, changes, code, nested, replace_on)
    if own is not None:
        return "\n".join(lines) + "\n# Your call, with only the fixed arguments changed:\n" + own
    written = dict(code or {})
    inputs = {k: v for k, v in res.inputs.items() if k not in drop}
    inputs.update(changes)
    for key in written:
        inputs.setdefault(key, None)
    args = [resource_group_arg(res), location_arg(res, location)]
    unknown: list[str] = []  # named in a comment: not known offline
    for key, value in inputs.items():
        if key in written:
            args.append(f"{snake(key)}={written[key]}")
        elif key in ("resourceGroupName", "location"):
            continue
        elif fully_known(value):
            args.append(kwarg(key, value))
        else:
            unknown.append(snake(key))
    if replace_on:
        args.append(replace_opts(replace_on))
    text = call(type_path, res.name, *args)
    if unknown:
        text = text[:-1] + f"    # keep {', '.join(unknown)} as in your program\n)"
    return "\n".join(lines) + "\n" + text


def _own_call(
    res: Resource,
    changes: Mapping[str, Any],
    code: Mapping[str, str] | None,
    nested: Sequence[tuple[tuple[str | int, ...], str]],
    replace_on: tuple[str, ...],
) -> str | None:
    """The user's own constructor call (``res.call_source``, read from the program at its
    recorded line) with the changes edited in; None without source or when an edit does not
    fit the user's code. ``nested`` edits go inside the user's own arguments (a list element's
    keyword) and take the place of ``code`` for the same argument when they fit."""
    if res.call_source is None or is_classic(res.type):
        return None  # a classic call has other argument names: the form below says what to set
    from checker import source_calls as source_call

    top = [((snake(k),), literal(v) if k in FREE_FORM else py_value(v)) for k, v in changes.items()]
    if nested:
        covered = {path[0] for path, _ in nested}
        rest = [edit for edit in top if edit[0][0] not in covered]
        found = source_call.edit(res.call_source, [*rest, *nested], replace_on)
        if found is not None:
            return found
    top += [((snake(k),), v) for k, v in (code or {}).items()]
    if nested and not top:
        return None  # the change does not fit the user's code: write the call out instead
    return source_call.edit(res.call_source, top, replace_on)


def availability_set(
    aset: Resource, location: Any, changes: dict[str, Any], replace_on: tuple[str, ...] = ()
) -> str:
    """The availability set ``aset`` written out again with ``changes``; membership is declared
    on the VMs, so ``virtualMachines`` is left out (see :func:`rewrite`)."""
    return rewrite(
        aset, "compute.AvailabilitySet", location, changes,
        replace_on=replace_on, drop=frozenset({"virtualMachines"}),
    )


def members_recreated(group: Resource, members: tuple[Resource, ...]) -> str:
    """Comment lines for a set that is recreated: every member VM is recreated with it (a VM
    cannot change sets in place, and Azure will not delete a set that still has VMs), so each
    needs ``replace_on_changes=["availabilitySet"]`` and ``delete_before_replace`` (it keeps its
    NIC and disks)."""
    opts = replace_opts(("availabilitySet",))
    if members and all(is_classic(vm.type) for vm in members):
        return (
            f"# Recreating {group.name!r} recreates every VM in it (new VMs: temp and ephemeral "
            "disks are lost,\n# dynamic addresses may change); the classic provider replaces "
            "them on availability_set_id by itself."
        )
    lines = [
        f"# Recreating {group.name!r} recreates every VM in it (new VMs: temp and ephemeral disks",
        "# are lost, dynamic addresses may change). Give each of them, in your program:",
    ]
    lines.extend(f"#   compute.VirtualMachine({vm.name!r}, ..., {opts})" for vm in members)
    if not members:
        lines.append(f"#   compute.VirtualMachine(..., {opts})")
    return "\n".join(lines)
