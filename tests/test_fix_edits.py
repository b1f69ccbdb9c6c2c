"""The edits `maintcheck fix` makes, on source text alone (no program run): libcst edits of
calls, dicts and helpers, replacement options, and stack-file edits that keep comments."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from checker.fix.config_edits import StackEdit, edit_stack_text
from checker.fix.edits import (
    CodeEdit,
    SourceFile,
    Unresolved,
    Walk,
    apply_edits,
    dotted,
    find_call,
    functions_of,
    pointer,
)


def edit(src: str, line: int, changes: list[tuple[str, str, Any]], opts: str = "") -> str:
    source = SourceFile.parse(Path("."), "main.py", textwrap.dedent(src))
    walk = Walk(source, functions_of(source.module), lambda *_: None)
    call = find_call(source, line, "AvailabilitySet")
    edits: list[Any] = []
    for op, path, value in changes:
        edits.extend(walk.resolve(call, pointer(path), op, value))
    if opts:
        edits.append(CodeEdit("main.py", call, "opts", opts, "", line))
    return apply_edits(source, edits)


def test_pointer_and_dotted_paths() -> None:
    assert pointer("/ipConfigurations/0/privateIPAddress") == ("ipConfigurations", 0, "privateIPAddress")
    assert dotted("/storageProfile/osDisk/diffDiskSettings") == "storageProfile.osDisk.diffDiskSettings"
    assert dotted("/ipConfigurations/0/x") == "ipConfigurations[0].x"


def test_replace_add_and_remove_keep_layout_and_comments() -> None:
    out = edit(
        """\
        import pulumi
        aset = compute.AvailabilitySet(
            "a",
            platform_update_domain_count=1,  # why 1?
            sku=compute.SkuArgs(name="Classic"),  # old
            platform_fault_domain_count=1,  # last
        )
        """,
        2,
        [
            ("replace", "/platformUpdateDomainCount", 5),
            ("replace", "/sku/name", "Aligned"),
            ("remove", "/platformFaultDomainCount", None),
            ("add", "/tags/team", "web"),
        ],
    )
    assert out == textwrap.dedent(
        """\
        import pulumi
        aset = compute.AvailabilitySet(
            "a",
            platform_update_domain_count=5,  # why 1?
            sku=compute.SkuArgs(name="Aligned"),  # old
            tags={"team": "web"},
        )
        """
    )


def test_replacement_options_are_added_or_merged_and_pulumi_imported() -> None:
    src = """\
    import pulumi_azure_native as azure_native
    a = azure_native.compute.AvailabilitySet("a", platform_update_domain_count=1)
    b = azure_native.compute.AvailabilitySet("b", opts=my_opts)
    """
    out = edit(src, 2, [("replace", "/platformUpdateDomainCount", 2)], opts="platformUpdateDomainCount")
    assert out.startswith("import pulumi\nimport pulumi_azure_native as azure_native\n")
    assert (
        'a = azure_native.compute.AvailabilitySet("a", platform_update_domain_count=2, '
        'opts=pulumi.ResourceOptions(replace_on_changes=["platformUpdateDomainCount"], '
        "delete_before_replace=True))\n"
    ) in out
    merged = edit(src, 3, [], opts="availabilitySet")
    assert (
        "opts=pulumi.ResourceOptions.merge(my_opts, pulumi.ResourceOptions("
        'replace_on_changes=["availabilitySet"], delete_before_replace=True))'
    ) in merged


def test_existing_resource_options_gain_the_missing_paths_once() -> None:
    src = """\
    import pulumi
    a = compute.AvailabilitySet(
        "a",
        opts=pulumi.ResourceOptions(protect=False, replace_on_changes=["sku"]),
    )
    """
    out = edit(src, 2, [], opts="sku,platformUpdateDomainCount")
    assert (
        'opts=pulumi.ResourceOptions(protect=False, replace_on_changes=["sku", '
        '"platformUpdateDomainCount"], delete_before_replace=True),'
    ) in out


def test_values_through_variables_and_helper_functions() -> None:
    src = """\
    COUNT = 1


    def sku():
        return compute.SkuArgs(name="Classic")


    a = compute.AvailabilitySet("a", platform_update_domain_count=COUNT, sku=sku())
    """
    out = edit(src, 8, [("replace", "/platformUpdateDomainCount", 3), ("replace", "/sku/name", "Aligned")])
    assert "COUNT = 1\n" in out  # the constant may be used elsewhere: the use site changes
    assert 'platform_update_domain_count=3, sku=sku())' in out
    assert 'return compute.SkuArgs(name="Aligned")' in out


@pytest.mark.parametrize(
    ("src", "reason"),
    [
        ("def make(count):\n    return compute.AvailabilitySet('a', platform_update_domain_count=count)\n",
         "parameter 'count' of make()"),
        ("a = compute.AvailabilitySet('a', platform_update_domain_count=int(f'{n}'))\n",
         "the value is computed by the program"),
        ("a = compute.AvailabilitySet('a', **extra)\n", "may come from `**extra`"),
        ("from lib import sku\na = compute.AvailabilitySet('a', sku=sku())\n",
         "comes from `sku()`, which is not a helper function of main.py"),
    ],
)
def test_what_cannot_be_edited_says_why(src: str, reason: str) -> None:
    line = 1 if src.startswith("a =") else 2
    path = "/sku/name" if "sku" in src else "/platformUpdateDomainCount"
    with pytest.raises(Unresolved, match=re.escape(reason)):
        edit(src, line, [("replace", path, 2)])


STACK = """\
# dev stack
config:
  azure-native:location: eastus   # the cheap region
  proj:alloc: 'Dynamic'            # quoted on purpose
  proj:count: 1
secretsprovider: passphrase
"""


def test_stack_file_values_change_in_place_with_quotes_and_comments_kept() -> None:
    out = edit_stack_text(
        STACK,
        "proj",
        [StackEdit("s.yaml", "proj:alloc", "Static", ""), StackEdit("s.yaml", "proj:count", 2, "")],
        "s.yaml",
    )
    expected = STACK.replace("'Dynamic'            #", "'Static'             #")
    assert out == expected.replace("count: 1", "count: 2")


def test_a_key_the_stack_does_not_set_is_added_to_its_config_block() -> None:
    out = edit_stack_text(STACK, "proj", [StackEdit("s.yaml", "proj:zone", "1", "")], "s.yaml")
    assert out == STACK.replace("  proj:count: 1\n", "  proj:count: 1\n  proj:zone: \"1\"\n")


def test_an_encrypted_or_nested_value_is_not_edited() -> None:
    text = "config:\n  proj:alloc:\n    secure: AAAB\n"
    with pytest.raises(Unresolved, match="not a plain value"):
        edit_stack_text(text, "proj", [StackEdit("s.yaml", "proj:alloc", "Static", "")], "s.yaml")


def test_an_sdk_enum_member_is_a_constant_replaced_where_it_is_used() -> None:
    """``network.IPAllocationMethod.DYNAMIC`` (azure-py-webserver in pulumi/examples writes its
    NIC so) is a constant, not a computed value: the fix replaces it; a member that already
    names the wanted value is left alone."""
    src = """\
        import pulumi
        aset = compute.AvailabilitySet(
            "a",
            sku=compute.SkuArgs(name=compute.AvailabilitySetSkuTypes.CLASSIC),
            platform_fault_domain_count=2,
        )
        """
    out = edit(src, 2, [("replace", "/sku/name", "Aligned")])
    assert 'sku=compute.SkuArgs(name="Aligned"),' in out
    same = src.replace("CLASSIC", "ALIGNED")
    assert edit(same, 2, [("replace", "/sku/name", "Aligned")]) == textwrap.dedent(same)
    computed = src.replace("compute.AvailabilitySetSkuTypes.CLASSIC", "settings.sku_name")
    with pytest.raises(Unresolved, match="computed by the program"):
        edit(computed, 2, [("replace", "/sku/name", "Aligned")])


def test_written_values_keep_the_keys_of_free_form_properties() -> None:
    """An extension's settings and tags are read by their own keys: MC107's health extension
    written by `maintcheck fix` must say ``requestPath``, not ``request_path``."""
    from checker.fix.edits import value_code
    from checker.fix_language import _python_path

    code = value_code({"extensionProfile": {"settings": {"requestPath": "/health"},
                                            "tags": {"CostCenter": "x"}}})
    assert code == ('{"extension_profile": {"settings": {"requestPath": "/health"}, '
                    '"tags": {"CostCenter": "x"}}}')
    assert _python_path(["tags", "CostCenter"]) == ("tags", "CostCenter")
    assert _python_path(["ipConfigurations", "0", "privateIPAddress"]) == (
        "ip_configurations", 0, "private_ip_address")


def test_json_pointers_decode_escaped_keys_everywhere_they_are_read() -> None:
    from checker import jsonpointer

    assert jsonpointer.segments("/tags/a~1b/~0x") == ("tags", "a/b", "~x")
    assert jsonpointer.join(("tags", "a/b", "~x")) == "/tags/a~1b/~0x"
    assert jsonpointer.get({"a/b": [1, {"c": 2}]}, "/a~1b/1/c") == 2
    assert jsonpointer.get({"a": [1]}, "/a/3") is None
    assert pointer("/tags/a~1b/0") == ("tags", "a/b", 0)
