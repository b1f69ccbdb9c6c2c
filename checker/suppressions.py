"""Suppressions: accept a rule's finding on a resource, with a written reason.

Three ways, looked at in this order (the first that gives a reason wins):

1. an inline comment ``# maintcheck: ignore[MC201] reason`` (several IDs comma-separated; ``//``
   in TypeScript/JavaScript) on the line that constructs the resource, or in the block of
   comment lines directly above it;
2. the resource tag ``maintcheck-ignore`` = ``MC201: reason`` (several separated by ``;``);
3. ``suppress`` entries of the config file (rule ID or prefix, a glob over the logical name or
   URN, a reason, an optional ``expires`` date; an expired entry suppresses nothing).

A suppression without a reason still applies but gives a warning. Suppressed findings stay in
the result with ``Finding.suppressed`` set to the reason; reports count them and the exit code
ignores them. Rules never see any of this: it is a post-step of the engine.

Reading program files is I/O, so it is done by a :class:`LineReader` the front door passes in
(:class:`FileLineReader` for the CLI); without one, inline comments are not looked at.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from checker.config import Suppression
from checker.inventory import Resource
from checker.model import Finding

TAG = "maintcheck-ignore"
NO_REASON = "no reason given"

_RULE_ID = re.compile(r"^MC[0-9]{0,3}$")
_MARKER = re.compile(r"(?:#|//)\s*maintcheck\s*:", re.IGNORECASE)
_COMMENT = re.compile(
    r"(?:#|//)\s*maintcheck\s*:\s*ignore\s*\[(?P<ids>[^\]]*)\](?P<reason>[^#]*)", re.IGNORECASE
)
_INLINE_HELP = "write it as `# maintcheck: ignore[MC201] reason`"
_TAG_HELP = f"write the tag {TAG!r} as 'MC201: reason' (several separated by ';')"


@dataclass(frozen=True)
class Mark:
    """One suppression found on a resource: which rules, why, and where it was written."""

    rules: tuple[str, ...]
    reason: str
    where: str
    from_config: bool = False  # config entries were already warned about when reasonless

    def covers(self, rule_id: str) -> bool:
        return any(rule_id.startswith(prefix) for prefix in self.rules)


class LineReader(Protocol):
    """Reads the lines of the first of ``candidates`` that is a readable text file."""

    def read(self, candidates: Sequence[Path]) -> tuple[Path, tuple[str, ...]] | None: ...


class FileLineReader:
    """The CLI's :class:`LineReader`: reads each file once per scan."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[str, ...] | None] = {}

    def _lines(self, path: Path) -> tuple[str, ...] | None:
        if path not in self._cache:
            try:
                text = path.read_text("utf-8", errors="replace") if path.is_file() else None
            except OSError:
                text = None
            self._cache[path] = tuple(text.splitlines()) if text is not None else None
        return self._cache[path]

    def read(self, candidates: Sequence[Path]) -> tuple[Path, tuple[str, ...]] | None:
        for path in candidates:
            lines = self._lines(path)
            if lines is not None:
                return path, lines
        return None


# -- parsing ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)  # a pure function; the same IDs repeat on many resources
def _ids(text: str) -> tuple[str, ...] | None:
    """``"MC201, mc202"`` -> ``("MC201", "MC202")``; None when one is not a rule ID/prefix."""
    ids = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    if not ids or not all(_RULE_ID.match(i) for i in ids):
        return None
    return ids


def parse_comment(line: str, where: str) -> tuple[Mark | None, str | None]:
    """The suppression in a source line, and a warning when a ``maintcheck:`` comment there
    cannot be read."""
    if not _MARKER.search(line):
        return None, None
    match = _COMMENT.search(line)
    ids = _ids(match["ids"]) if match else None
    if match is None or ids is None:
        return None, f"{where}: cannot read the maintcheck comment; {_INLINE_HELP}."
    return Mark(ids, match["reason"].strip(), where), None


def parse_tag(value: object, where: str) -> tuple[list[Mark], list[str]]:
    """The suppressions in a ``maintcheck-ignore`` tag value: ``MC201: reason; MC104: why``."""
    if not isinstance(value, str):
        return [], []
    marks: list[Mark] = []
    warnings: list[str] = []
    for entry in (e.strip() for e in value.split(";")):
        if not entry:
            continue
        head, _sep, reason = entry.partition(":")
        ids = _ids(head)
        if ids is None:
            warnings.append(f"{where}: cannot read {entry!r}; {_TAG_HELP}.")
        else:
            marks.append(Mark(ids, reason.strip(), where))
    return marks, warnings


# -- where the marks are ---------------------------------------------------------------------


def source_candidates(res: Resource) -> tuple[Path, ...]:
    """Where the file of ``res``'s source position may be: under the program's root; for
    preview and export documents (root unknown), beside the document, then under the current
    directory."""
    if res.source is None or not res.source.file:
        return ()
    rel = Path(res.source.file)
    if res.root:
        return (Path(res.root) / rel,)
    beside = Path(res.origin).parent / rel
    return tuple(dict.fromkeys((beside, rel)))


def _comment_lines(lines: Sequence[str], line: int) -> list[int]:
    """The constructing line (1-based) and the comment-only lines directly above it."""
    if not 1 <= line <= len(lines):
        return []
    numbers = [line]
    above = line - 1
    while above >= 1 and lines[above - 1].lstrip().startswith(("#", "//")):
        numbers.append(above)
        above -= 1
    return numbers


SourceKey = tuple[str, str, str]


def _read_source(
    res: Resource, reader: LineReader, files: dict[SourceKey, tuple[Path, tuple[str, ...]] | None]
) -> tuple[Path, tuple[str, ...]] | None:
    """The file of ``res``'s source position, looked up once per file and document."""
    assert res.source is not None
    key = (res.root, "" if res.root else res.origin, res.source.file)
    if key not in files:
        files[key] = reader.read(source_candidates(res))
    return files[key]


def inline_marks(
    res: Resource,
    reader: LineReader | None,
    files: dict[SourceKey, tuple[Path, tuple[str, ...]] | None] | None = None,
) -> tuple[list[Mark], list[str]]:
    if reader is None or res.source is None or not res.source.line:
        return [], []
    found = _read_source(res, reader, {} if files is None else files)
    if found is None:
        return [], []
    path, lines = found
    marks: list[Mark] = []
    warnings: list[str] = []
    for number in _comment_lines(lines, res.source.line):
        mark, warning = parse_comment(lines[number - 1], f"{path.as_posix()}:{number}")
        if mark is not None:
            marks.append(mark)
        if warning is not None:
            warnings.append(warning)
    return marks, warnings


def tag_marks(res: Resource) -> tuple[list[Mark], list[str]]:
    for key, value in res.tags.items():
        if key.lower() == TAG:
            return parse_tag(value, f"tag {TAG!r} of {res.name!r} ({res.stack})")
    return [], []


# -- config entries --------------------------------------------------------------------------


def _describe(entry: Suppression) -> str:
    origin = f" in {entry.origin}" if entry.origin else ""
    return f"suppression of {entry.rule} for {entry.resource!r}{origin}"


def active_config(
    entries: Iterable[Suppression], today: datetime.date
) -> tuple[list[Suppression], list[str]]:
    """The config entries in force today, and warnings for expired and reasonless ones."""
    active: list[Suppression] = []
    warnings: list[str] = []
    for entry in entries:
        if entry.expires is not None and entry.expires < today:
            warnings.append(
                f"{_describe(entry)} expired on {entry.expires.isoformat()} and no longer "
                "applies; fix the findings, or renew it with a new date and reason."
            )
            continue
        if not entry.reason.strip():
            warnings.append(f"{_describe(entry)} has no reason; add `reason = \"...\"`.")
        active.append(entry)
    return active, warnings


@dataclass(frozen=True)
class _Entry:
    """A config entry in force, its glob compiled once per scan."""

    suppression: Suppression
    glob: re.Pattern[str]

    @classmethod
    def of(cls, entry: Suppression) -> _Entry:
        return cls(entry, re.compile(fnmatch.translate(entry.resource)))

    def matches(self, res: Resource) -> bool:
        return bool(self.glob.match(res.name) or self.glob.match(res.urn))

    def mark(self) -> Mark:
        entry = self.suppression
        return Mark((entry.rule,), entry.reason.strip(), _describe(entry), from_config=True)


# -- applying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """What one call of :func:`apply_suppressions` looks things up in."""

    reader: LineReader | None
    entries: tuple[_Entry, ...]
    files: dict[SourceKey, tuple[Path, tuple[str, ...]] | None]
    marks: dict[Resource, tuple[list[Mark], list[str]]]

    def marks_of(self, res: Resource) -> tuple[list[Mark], list[str]]:
        """Every suppression on ``res`` in the order inline, tag, config; and warnings."""
        if res not in self.marks:
            inline, inline_warn = inline_marks(res, self.reader, self.files)
            tagged, tag_warn = tag_marks(res)
            config = [e.mark() for e in self.entries if e.matches(res)]
            self.marks[res] = (inline + tagged + config, inline_warn + tag_warn)
        return self.marks[res]


def _apply(finding: Finding, marks: Sequence[Mark]) -> tuple[Finding, str | None]:
    """``finding`` marked suppressed by the first covering mark with a reason (else the first
    covering one), and a warning when that one has no reason."""
    covering = [m for m in marks if m.covers(finding.rule_id)]
    if not covering:
        return finding, None
    chosen = next((m for m in covering if m.reason), covering[0])
    warning = None
    if not chosen.reason and not chosen.from_config:
        warning = (
            f"{chosen.where}: suppression of {finding.rule_id} on {finding.resource.name!r} "
            "has no reason; write one after the rule IDs."
        )
    marked = dataclasses.replace(
        finding, suppressed=chosen.reason or NO_REASON, suppressed_in_source=not chosen.from_config
    )
    return marked, warning


def apply_suppressions(
    findings: Sequence[Finding],
    config: Sequence[Suppression],
    today: datetime.date,
    reader: LineReader | None = None,
) -> tuple[list[Finding], list[str]]:
    """Mark suppressed findings (order kept) and say what needs the user's attention."""
    active, warnings = active_config(config, today)
    scope = _Scope(reader, tuple(_Entry.of(e) for e in active), {}, {})
    out: list[Finding] = []
    for finding in findings:
        marks, mark_warnings = scope.marks_of(finding.resource)
        warnings.extend(mark_warnings)
        marked, warning = _apply(finding, marks)
        out.append(marked)
        if warning is not None:
            warnings.append(warning)
    return out, warnings
