"""Fixes on classic-provider (pulumi-azure) resources: the provider already replaces on the
properties Azure cannot change in place, so snippets ask for no replace_on_changes, and
MC105's fix recreates the set (the classic provider replaces on `managed`)."""

from __future__ import annotations

from pathlib import Path

from checker.config import Settings
from checker.engine import run_rules
from checker.inventory import Inventory
from checker.sources import load_path
from checker.sources.base import LoadOptions

FIX = Path(__file__).parent / "fixtures"


def _findings(path: Path, *rules: str) -> dict[tuple[str, str], list[object]]:
    found, _ = run_rules(Inventory.build(load_path(path, LoadOptions())), Settings(select=rules))
    out: dict[tuple[str, str], list[object]] = {}
    for f in found:
        out.setdefault((f.rule_id, f.resource.name), []).append(f)
    return out


def test_classic_set_fixes_recreate_without_replace_on_changes() -> None:
    by = _findings(FIX / "documents" / "export-classic-azure.json", "MC105")
    (finding,) = by[("MC105", "legacy-as")]
    (fix,) = finding.fixes  # type: ignore[attr-defined]
    assert fix.replacement is True and "classic provider replaces the set on managed" in fix.title
    assert "replace_on_changes=" not in fix.snippet and "classic azure provider" in fix.snippet


def test_classic_vm_fixes_recreate_without_replace_on_changes() -> None:
    by = _findings(FIX / "programs" / "yaml_classic", "MC101", "MC211")
    for key in (("MC101", "lonely"), ("MC211", "lonely")):
        (finding,) = by[key]
        for fix in finding.fixes:  # type: ignore[attr-defined]
            assert "replace_on_changes=" not in fix.snippet, (key, fix.title)
            compile(fix.snippet, "<classic>", "exec")
        assert any("classic azure provider" in fix.snippet for fix in finding.fixes)  # type: ignore[attr-defined]
