"""``maintcheck fix``: apply the findings' fixes to a Pulumi Python program, like ``ruff --fix``.

The work is :func:`checker.fix.apply.run` (libcst is imported only there); this module reads
the options, prints the diff and a verdict per finding, and sets the exit code: 0 when nothing
is left to fix, 1 when findings remain (or, with ``--diff``, when there is something to fix),
2 on bad input.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from checker.commands.scanning import config_pairs, scan_options, settings_for
from checker.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputError

if TYPE_CHECKING:
    from checker.fix.apply import FileChange, FixReport
    from checker.fix.plan import Edit, Left


def _diff(change: FileChange) -> str:
    lines = difflib.unified_diff(
        change.before.splitlines(keepends=True),
        change.after.splitlines(keepends=True),
        fromfile=f"a/{change.path}",
        tofile=f"b/{change.path}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _counts(change: FileChange) -> tuple[int, int]:
    added = removed = 0
    for line in _diff(change).splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def _clean(text: str) -> str:
    """Text for the terminal or a CI log, escaped as the other reports escape it (control and
    bidi characters shown as escapes, no workflow command). Not masked: findings, fixes and
    snippets come from the engine already redacted, and a diff shows the user's own lines."""
    from checker.escaping import terminal

    return terminal(text)


def _subject(finding: object) -> str:
    from checker.model import Finding
    from checker.report.base import location

    assert isinstance(finding, Finding)
    loc = location(finding)
    at = f", {loc.file}:{loc.line}" if loc and loc.line else ""
    res = finding.resource
    return f"{finding.rule_id} {res.name} (stack {res.stack}){at}"


def _edit_line(edit: Edit) -> str:
    from checker.fix.config_edits import StackEdit

    if isinstance(edit, StackEdit):
        return f"{edit.file}: {edit.key} = {edit.value!r} ({edit.note})"
    what = {
        "set": f"set to {edit.code}",
        "add": f"add {edit.name}={edit.code}",
        "remove": f"remove {edit.name}",
        "opts": f"replace_on_changes={edit.name.split(',')}, delete_before_replace=True",
    }[edit.kind]
    note = f" ({edit.note})" if edit.note else ""
    return f"{edit.file}:{edit.line}: {what}{note}"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


_LABELS = {  # status -> (what one line says, what the summary counts)
    "unsafe": ("needs --unsafe-fixes", "need --unsafe-fixes"),
    "new-resources": ("needs new resources", "need new resources"),
    "manual": ("by hand", "to fix by hand"),
    "not-python": ("by hand", "to fix by hand"),
    "still-present": ("not fixed", "not removed by their edit"),
}


def _left(item: Left) -> list[str]:
    lines = [f"left ({_LABELS[item.status][0]}): {_clean(_subject(item.finding))}: {_clean(item.reason)}"]
    if item.fix is not None:
        lines.append(f"  fix: {_clean(item.fix.label)}")
        if item.status != "unsafe" and item.fix.snippet:
            lines.append(_indent(_clean(item.fix.snippet), "      "))
    return lines


def render(report: FixReport, *, diff: bool) -> str:
    out: list[str] = []
    for change in report.changes:
        if diff:
            out.append(_clean(_diff(change)).rstrip("\n"))
        else:
            added, removed = _counts(change)
            out.append(f"fixed {change.path} (+{added} -{removed})")
    if out:
        out.append("")
    verb = "would fix" if diff else "fixed"
    proof = "a rescan of the edited copy under mocks" if diff else "a rescan under mocks"
    for item in report.fixed:
        out.append(f"{verb}: {_clean(_subject(item.finding))}: {_clean(item.fix.label)}")
        out.extend(f"  edit: {_clean(line)}" for line in dict.fromkeys(_edit_line(e) for e in item.edits))
        out.extend(f"  note: {_clean(n)}" for n in item.notes)
        out.append(
            f"  proven by {proof}: {item.finding.rule_id} is gone from {_clean(item.finding.resource.name)}"
        )
    for rest in report.left:
        out.extend(_left(rest))
    for finding in report.new_findings:
        out.append(f"new after the edits: {_clean(_subject(finding))}: {_clean(finding.message)}")
    kinds: dict[str, int] = {}
    for rest in report.left:
        label = _LABELS[rest.status][1]
        kinds[label] = kinds.get(label, 0) + 1
    detail = ", ".join(f"{n} {label}" for label, n in sorted(kinds.items()))
    left = f"{len(report.left)} left" + (f" ({detail})" if detail else "")
    out.append(f"maintcheck fix: {len(report.fixed)} {verb}, proven by a rescan; {left}.")
    return "\n".join(out) + "\n"


@click.command("fix")
@scan_options
@click.option("--select", metavar="IDS", help="Only fix these rules, e.g. MC201,MC2.")
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the unified diff and write nothing (exit 1 when there is something to fix).",
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also apply fixes that recreate a resource (with replace_on_changes).",
)
def fix(
    paths: tuple[Path, ...],
    stacks: tuple[str, ...],
    config: tuple[str, ...],
    config_file: Path | None,
    timeout: float,
    select: str | None,
    show_diff: bool,
    unsafe_fixes: bool,
) -> None:
    """Apply the fixes of the findings to Pulumi Python programs, and prove them.

    Edits keyword arguments of your constructor calls with libcst (formatting and comments
    kept), or the stack config file when a value comes from pulumi.Config, then runs the
    program again under mocks: a fix whose finding is still reported is dropped. Fixes that
    recreate a resource need --unsafe-fixes; fixes that need new resources, and inputs that
    are not Python programs, get the snippet to apply by hand. Without PATHS, every Pulumi
    project under the current directory.

    Exit status: 0 when nothing is left to fix, 1 when findings remain (with --diff: when
    there is something to fix), 2 on bad input.

    \b
    Examples:
      maintcheck fix . --stack dev --diff
      maintcheck fix . --stack dev --unsafe-fixes --select MC2
    """
    from checker.commands.scan import ids as _ids
    from checker.commands.scan import projects_here
    from checker.redaction import for_log
    from checker.sources.base import LoadOptions

    try:
        chosen = _ids(select)
        settings = settings_for(paths, config_file)
        targets = list(paths) or projects_here(settings)  # as `maintcheck scan` finds them
        try:
            from checker.fix.apply import run
        except ImportError as exc:
            raise InputError(
                f"`maintcheck fix` needs {exc.name or 'libcst'}, which is not installed: "
                "`pip install --upgrade maintcheck` installs it."
            ) from None
        report = run(
            targets,
            settings,
            LoadOptions(stacks=stacks, config=config_pairs(config), timeout=timeout),
            unsafe=unsafe_fixes,
            write=not show_diff,
            select=chosen,
        )
    except InputError as exc:
        click.echo(for_log(f"maintcheck: error: {exc}"), err=True)
        sys.exit(EXIT_ERROR)
    for warning in report.warnings:
        click.echo(for_log(f"maintcheck: warning: {warning}"), err=True)
    click.echo(render(report, diff=show_diff), nl=False)
    if report.failed_rules:
        for message in report.failed_rules:
            click.echo(for_log(f"maintcheck: error: {message}"), err=True)
        sys.exit(EXIT_ERROR)
    if show_diff:
        sys.exit(EXIT_FINDINGS if report.changes or not report.clean else EXIT_OK)
    sys.exit(EXIT_OK if report.clean else EXIT_FINDINGS)
