"""GitHub Actions workflow commands: one annotation per active finding.

``::error file=infra/__main__.py,line=42,title=MC101 single-instance-vm::message`` (warning for
warnings, notice for info). Values are escaped the way the Actions runner unescapes them;
findings without a source line get a command without ``file``/``line``. Suppressed findings are
not annotated; the closing summary line counts them.
"""

from __future__ import annotations

from checker import escaping as esc
from checker.model import Finding, ScanResult, Severity
from checker.report.base import location, summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


escape_data = esc.workflow_data
escape_property = esc.workflow_property


def annotation(f: Finding) -> str:
    props: list[tuple[str, str]] = []
    loc = location(f)
    if loc is not None:
        props.append(("file", loc.file))
        if loc.line:
            props.append(("line", str(loc.line)))
    props.append(("title", f"{f.rule_id} {f.slug}"))
    where = "" if loc is not None else f" [{f.resource.urn}]"
    fixes = "\n".join(
        f"Fix: {fix.label}" for fix in f.fixes
    )
    message = f"{f.message}{where}\n{fixes}"
    head = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[f.severity]} {head}::{escape_data(message)}"


class GithubFormat:
    name = "github"

    def render(self, result: ScanResult) -> str:
        lines = [annotation(f) for f in result.findings if f.suppressed is None]
        lines.extend(f"maintcheck: warning: {escape_data(w)}" for w in result.warnings)
        # a warning or summary line never starts with ``::``: they begin with ``maintcheck:``
        lines.append(f"maintcheck: {summary_line(result)}")
        return "\n".join(lines) + "\n"
