"""Settings: ``[tool.maintcheck]`` in ``pyproject.toml`` or a ``maintcheck.toml``, validated
with the JSON schema ``schemas/config.schema.json``, then narrowed by command-line options."""

from __future__ import annotations

import dataclasses
import datetime
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from checker.errors import InputError
from checker.model import RuleOptions, Severity
from checker.schemas import validate
from checker.textio import read_text

PLAN_WAIT_MINUTES: Final = 30  # maintcheck plan: minutes between steps, unless configured


@dataclass(frozen=True)
class Suppression:
    """Accept a rule's findings on matching resources, with a written reason."""

    rule: str
    resource: str
    reason: str = ""
    expires: datetime.date | None = None
    origin: str = ""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    options: RuleOptions = field(default_factory=RuleOptions)
    # Options of single rules, over ``options`` (the policy pack: each policy has its config).
    # The inventory is built with ``options.workload_tag``, so the rules judged together
    # share it.
    rule_options: Mapping[str, RuleOptions] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()
    fail_on: str | None = None
    origin: str | None = None
    # `maintcheck plan`: workload names tier by tier (first tier first), and the wait between steps.
    tiers: tuple[tuple[str, ...], ...] = ()
    plan_wait_minutes: int = PLAN_WAIT_MINUTES
    stack_groups: tuple[tuple[str, ...], ...] = ()  # stacks judged together (stack_groups.py)
    docs_url: str | None = None  # base of the rule pages reports link to
    exclude: tuple[str, ...] = ()  # directories never searched for projects


def _dates_as_text(table: Mapping[str, Any]) -> dict[str, Any]:
    """TOML has dates (``expires = 2027-06-30``); the schema sees them as ISO text."""
    out = dict(table)
    if isinstance(out.get("suppress"), list):
        out["suppress"] = [
            {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in item.items()}
            if isinstance(item, Mapping)
            else item
            for item in out["suppress"]
        ]
    return out


def _date(text: str, origin: str, index: int) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{origin}: invalid at $.suppress[{index}].expires: {text!r} is not a date; "
            "write it as YYYY-MM-DD, e.g. 2027-06-30."
        ) from None


def _known_rules(table: Mapping[str, Any], origin: str) -> None:
    """Rule IDs named in the config must exist: a typo would silently do nothing."""
    from checker.rules import RULES_BY_ID

    for rule_id in table.get("severity", {}):
        if rule_id not in RULES_BY_ID:
            raise InputError(
                f"{origin}: invalid at $.severity.{rule_id}: no rule {rule_id}; "
                "`maintcheck rules` lists them."
            )


def _known_keys(table: Mapping[str, Any], origin: str, path: Path) -> None:
    """A key the config does not have is most often a typo (``fail_on``) or a pyproject table
    in a ``maintcheck.toml``: say which, and what to write instead."""
    from checker.redaction import safe_text
    from checker.schemas import load_schema

    keys = load_schema("config")["properties"]
    unknown = [key for key in table if key not in keys]
    if not unknown:
        return
    if unknown == ["tool"] and path.name != "pyproject.toml":
        raise InputError(
            f"{origin}: invalid at $.tool: [tool.maintcheck] is read from pyproject.toml only; "
            f"in {path.name} write the keys at the top level (`fail-on = \"error\"`)."
        )
    raise InputError(
        f"{origin}: invalid at $: unknown key {safe_text(repr(unknown[0]), 80)}; the keys are: "
        f"{', '.join(sorted(keys))} (README, Configuration)."
    )


def _from_table(table: Mapping[str, Any], origin: str, path: Path) -> Settings:
    table = _dates_as_text(table)
    _known_keys(table, origin, path)
    validate(table, "config", origin)
    _known_rules(table, origin)
    options, problems = RuleOptions.from_mapping(table)
    if problems:  # the schema rejects these first; kept so the two can never disagree silently
        raise InputError(f"{origin}: {problems[0]}")
    suppressions = tuple(
        Suppression(
            rule=item["rule"],
            resource=item["resource"],
            reason=item.get("reason", ""),
            expires=_date(item["expires"], origin, index) if "expires" in item else None,
            origin=origin,
        )
        for index, item in enumerate(table.get("suppress", ()))
    )
    return Settings(
        select=tuple(table.get("select", ())),
        ignore=tuple(table.get("ignore", ())),
        severities={k: Severity.parse(v) for k, v in table.get("severity", {}).items()},
        options=options,
        suppressions=suppressions,
        fail_on=table.get("fail-on"),
        origin=origin,
        tiers=tuple(
            (tier,) if isinstance(tier, str) else tuple(tier) for tier in table.get("tiers", ())
        ),
        plan_wait_minutes=table.get("plan-wait-minutes", PLAN_WAIT_MINUTES),
        stack_groups=_stack_groups(table.get("stack-groups", ()), origin),
        docs_url=table.get("docs-url"),
        exclude=tuple(table.get("exclude", ())),
    )


def _stack_groups(groups: list[list[str]], origin: str) -> tuple[tuple[str, ...], ...]:
    """Each stack may be in one group only: two groups would judge it twice."""
    seen: dict[str, int] = {}
    for index, group in enumerate(groups):
        for stack in group:
            if stack in seen and seen[stack] != index:
                raise InputError(
                    f"{origin}: invalid at $.stack-groups[{index}]: stack {stack!r} is already "
                    f"in group {seen[stack]}; put each stack in one group."
                )
            seen[stack] = index
    return tuple(tuple(group) for group in groups)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file, in UTF-8 (a byte-order mark allowed) or UTF-16 with one, as Windows
    editors write them; TOML floats ``nan``/``inf`` are read as written and the schema
    rejects them where a number is expected."""
    try:
        text = read_text(path)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 (or UTF-16 with a byte-order mark); save it as UTF-8.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}. Fix the file's syntax.") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to read; fix the file.") from None


def tool_table(data: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    """``[tool.maintcheck]`` of a pyproject.toml (None when absent); InputError when ``tool``
    or ``tool.maintcheck`` is not a table."""
    tool = data.get("tool", {})
    if not isinstance(tool, Mapping):
        raise InputError(f"{path}: invalid at $.tool: `tool` must be a table ([tool.maintcheck]).")
    table = tool.get("maintcheck")
    if table is not None and not isinstance(table, Mapping):
        raise InputError(
            f"{path}: invalid at $.tool.maintcheck: must be a table, e.g. `[tool.maintcheck]` "
            f"with `select = [\"MC1\"]`, not {type(table).__name__} {_shown(table)}."
        )
    return table


def _shown(value: Any) -> str:
    from checker.redaction import describe

    return describe(value)


def load_file(path: Path) -> Settings:
    """Settings from an explicit file: ``maintcheck.toml`` (top level) or ``pyproject.toml``."""
    data = read_toml(path)
    if path.name == "pyproject.toml":
        table = tool_table(data, path) or {}
        return _from_table(table, f"{path} [tool.maintcheck]", path)
    return _from_table(data, str(path), path)


def discover(directories: list[Path]) -> Settings:
    """The first ``maintcheck.toml``, or ``pyproject.toml`` with ``[tool.maintcheck]``, found in
    ``directories`` (in order); defaults when there is none."""
    for directory in directories:
        candidate = directory / "maintcheck.toml"
        if candidate.is_file():
            return load_file(candidate)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and tool_table(read_toml(pyproject), pyproject) is not None:
            return load_file(pyproject)
    return Settings()


def narrowed(settings: Settings, select: tuple[str, ...], ignore: tuple[str, ...]) -> Settings:
    """Command-line ``--select``/``--ignore`` replace/extend the file's lists."""
    return dataclasses.replace(
        settings,
        select=select or settings.select,
        ignore=settings.ignore + ignore,
    )
