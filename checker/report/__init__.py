"""Every report format, in one table."""

from __future__ import annotations

from checker.report.base import Format
from checker.report.github import GithubFormat
from checker.report.json import JsonFormat
from checker.report.junit import JunitFormat
from checker.report.markdown import MarkdownFormat
from checker.report.sarif import SarifFormat
from checker.report.text import TextFormat

ALL_FORMATS: tuple[Format, ...] = (
    TextFormat(),
    JsonFormat(),
    SarifFormat(),
    MarkdownFormat(),
    GithubFormat(),
    JunitFormat(),
)
FORMATS_BY_NAME: dict[str, Format] = {fmt.name: fmt for fmt in ALL_FORMATS}
