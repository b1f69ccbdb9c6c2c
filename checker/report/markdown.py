"""Markdown report: the body of the sticky pull-request comment (see ``maintcheck comment``).

It starts with the hidden :data:`MARKER` that ``maintcheck comment`` finds the old comment by,
then a heading, counts by severity, a table of findings and, per finding, a collapsible block
with its fixes as Python snippets. GitHub rejects comments over 65,536 characters; the body is
kept under :data:`BUDGET` bytes of UTF-8 (so also under the limit in characters) by leaving out
whole fix blocks first, then whole table rows, and saying how many were left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from checker import escaping as esc
from checker.model import RECREATES, Finding, Fix, ScanResult, Severity
from checker.report.base import ReportOptions, counts, location

MARKER = "<!-- maintcheck-report -->"
ALL_CLEAR_MARKER = "<!-- maintcheck-all-clear -->"  # lets `comment` skip a needless new comment
GITHUB_LIMIT = 65_536
BUDGET = 60_000
MAX_WARNINGS = 30
_NOTICE_ROOM = 800  # the left-out notices, written after their sections are cut
_ICONS = {
    Severity.ERROR: ":x:",
    Severity.WARNING: ":warning:",
    Severity.INFO: ":information_source:",
}
_TABLE_HEAD = "| Severity | Rule | Resource | Location | Message |\n|---|---|---|---|---|\n"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def cell(text: str) -> str:
    """Text safe inside a table cell: one line, no HTML, no stray Markdown."""
    text = esc.block(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return "<br>".join(" ".join(line.split()) for line in text.splitlines())


def fenced(code: str, lang: str = "python") -> str:
    """A fenced code block whose fence is longer than any backtick run inside ``code``."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{code.rstrip()}\n{fence}\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def _where(f: Finding, options: ReportOptions) -> str:
    loc = location(f)
    if loc is None:
        return ""
    text = cell(f"{loc.file}:{loc.line}" if loc.line else loc.file)
    url = options.line_url(loc)
    return f"[{text}]({url})" if url else text


def row(f: Finding, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    res = f.resource
    sev = f"{_ICONS[f.severity]} {f.severity}"
    url = options.rule_url(f.rule_id)
    rule = f"[{f.rule_id}]({url}) {cell(f.slug)}" if url else f"{f.rule_id} {cell(f.slug)}"
    resource = f"{cell(res.name)} ({cell(res.stack or '?')})"
    return f"| {sev} | {rule} | {resource} | {_where(f, options)} | {cell(f.message)} |\n"


def _fix_block(fix: Fix) -> str:
    recreate = f" *{RECREATES}*" if fix.replacement else ""
    out = f"**{cell(fix.title)}**{recreate}\n\n"
    if fix.command:
        out += f"Apply it with `{fix.command}` (Python programs; proven by a rescan).\n\n"
    if fix.snippet:
        out += fenced(esc.block(fix.snippet), fix.snippet_language) + "\n"
    return out


def details(f: Finding) -> str:
    res = f.resource
    summary = html.escape(esc.inline(f"{f.rule_id} on {res.name} ({res.stack or '?'}): how to fix"))
    summary = " ".join(summary.split())
    body = "".join(_fix_block(fix) for fix in f.fixes)
    evidence = f"Evidence: {cell(f.evidence)}\n\n" if f.evidence else ""
    return f"<details><summary>{summary}</summary>\n\n{evidence}{body}</details>\n\n"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _counts_line(result: ScanResult) -> str:
    c = counts(result)
    parts = [f"{_ICONS[Severity.parse(sev)]} {_plural(n, sev)}" for sev, n in c.items()]
    suppressed = sum(1 for f in result.findings if f.suppressed is not None)
    parts.append(f"{suppressed} suppressed")
    parts.append(f"{_plural(result.resource_count, 'resource')} scanned")
    return " · ".join(parts) + "\n\n"


def _warnings_section(result: ScanResult) -> str:
    if not result.warnings and not result.incomplete:
        return ""
    shown = result.warnings[:MAX_WARNINGS]
    lines = [f"- {cell(w)}\n" for w in shown]
    if len(result.warnings) > len(shown):
        lines.append(f"- … and {len(result.warnings) - len(shown)} more\n")
    note = "The scan may be incomplete.\n\n" if result.incomplete else ""
    return (
        f"<details><summary>{_plural(len(result.warnings), 'warning')}</summary>\n\n"
        f"{note}{''.join(lines)}\n</details>\n\n"
    )


def _take(parts: Sequence[str], room: int) -> tuple[list[str], int]:
    """The longest prefix of ``parts`` that fits in ``room`` bytes, and the room left."""
    taken: list[str] = []
    for part in parts:
        size = _size(part)
        if size > room:
            break
        taken.append(part)
        room -= size
    return taken, room


def _left_out(what: str) -> str:
    return (
        f"> [!NOTE]\n> {what} left out: GitHub limits comments to "
        f"{GITHUB_LIMIT:,} characters. Run `maintcheck scan` for the full report.\n\n"
    )


def _findings_sections(
    active: Sequence[Finding], room: int, options: ReportOptions
) -> tuple[str, int]:
    """The table, then fix blocks. When not every row fits, rows get two thirds of the room
    so that the first findings still show their fixes."""
    all_rows = [row(f, options) for f in active]
    room -= _size(_TABLE_HEAD)
    row_room = room if sum(map(_size, all_rows)) <= room else room * 2 // 3
    rows, left = _take(all_rows, row_room)
    room -= row_room - left
    out = _TABLE_HEAD + "".join(rows) + "\n"
    if len(rows) < len(active):
        out += _left_out(_plural(len(active) - len(rows), "more finding"))
    fixes_head = "### Fixes\n\n"
    blocks, room = _take([details(f) for f in active[: len(rows)]], room - _size(fixes_head))
    if blocks:
        out += fixes_head + "".join(blocks)
    if len(blocks) < len(active):
        out += _left_out(f"The fixes of {_plural(len(active) - len(blocks), 'finding')}")
    return out, room


def _suppressed_section(found: Sequence[Finding], room: int) -> str:
    if not found:
        return ""
    head = (
        f"<details><summary>{_plural(len(found), 'suppressed finding')}</summary>\n\n"
        "| Rule | Resource | Reason |\n|---|---|---|\n"
    )
    foot = "\n</details>\n\n"
    rows, _ = _take(
        [
            f"| {f.rule_id} | {cell(f.resource.name)} ({cell(f.resource.stack or '?')}) | "
            f"{cell(f.suppressed or '')} |\n"
            for f in found
        ],
        room - _size(head) - _size(foot),
    )
    more = f"\n{len(found) - len(rows)} more not shown.\n" if len(rows) < len(found) else ""
    return head + "".join(rows) + more + foot


def render_markdown(
    result: ScanResult, budget: int = BUDGET, options: ReportOptions | None = None
) -> str:
    """The comment body; ``budget`` (bytes of UTF-8) is the most it may take. Rule IDs link
    to their pages, locations to the file's line when ``options`` know the commit."""
    options = options or ReportOptions()
    active = sorted(
        (f for f in result.findings if f.suppressed is None), key=lambda f: -f.severity
    )
    suppressed = [f for f in result.findings if f.suppressed is not None]
    head = f"{MARKER}\n## maintcheck: Azure planned-maintenance readiness\n\n"
    head += _counts_line(result)
    warnings = _warnings_section(result)
    room = budget - _size(head) - _size(warnings) - _NOTICE_ROOM
    if active:
        body, room = _findings_sections(active, room, options)
    else:
        body = f"{ALL_CLEAR_MARKER}\n:white_check_mark: **All clear**: no finding needs attention.\n\n"
    return esc.no_commands(head + body + _suppressed_section(suppressed, room) + warnings)


class MarkdownFormat:
    name = "markdown"

    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()

    def render(self, result: ScanResult) -> str:
        return render_markdown(result, options=self.options)
