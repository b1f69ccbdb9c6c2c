"""``maintcheck fix`` from start to verdict, on scratch copies of the projects.

    load + engine.scan (the one pipeline) -> plan (fix per finding, edits, agreement)
    -> write the edits into the copies -> load + engine.scan the copies under mocks
    -> a finding still present: its edits are dropped and the rest proven again
    -> the proven files (and only those) are what the caller may write back

Nothing here prints; :mod:`checker.commands.fix` renders the :class:`FixReport`.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from checker import engine
from checker.config import Settings
from checker.errors import InputError
from checker.fix import config_edits
from checker.fix.edits import Unresolved, apply_edits, dotted, pointer
from checker.fix.plan import Candidate, Edit, Left, Resolver, agree, builders, choose, merged
from checker.fix.workspace import Workspace, workspaces, write_back
from checker.inventory import Document, Resource
from checker.model import Finding, Fix, ScanResult
from checker.redaction import safe_text
from checker.sources import load_all
from checker.sources.base import LoadOptions
from checker.sources.pulumi_project import find_project_file, read_project, stack_files
from checker.suppressions import FileLineReader
from checker.values import SECRET, is_credential_key, is_known, normalize


@dataclass(frozen=True)
class Fixed:
    """A finding the rescan no longer reports, with the edits that removed it."""

    finding: Finding
    fix: Fix
    edits: tuple[Edit, ...]
    notes: tuple[str, ...]  # operations left to the program, and what it gives now


@dataclass(frozen=True)
class FileChange:
    path: str  # as the user names it: the project path joined with the file
    before: str
    after: str


@dataclass(frozen=True)
class FixReport:
    fixed: tuple[Fixed, ...]
    left: tuple[Left, ...]
    changes: tuple[FileChange, ...]
    new_findings: tuple[Finding, ...]  # reported after the edits, not before
    warnings: tuple[str, ...]
    failed_rules: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """Nothing is left to fix: every finding was fixed and proven."""
        return not self.left and not self.new_findings and not self.failed_rules


def is_python_project(path: Path) -> bool:
    if not path.is_dir() or find_project_file(path) is None:
        return False
    try:
        return read_project(path).runtime == "python"
    except InputError:
        return False


def _open(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.suppressed is None]


def _identity(finding: Finding) -> tuple[str, str]:
    return (finding.rule_id, finding.resource.urn)


class _Projects:
    """The working copies, and the config context of each project's stacks."""

    def __init__(self, spaces: Mapping[Path, Workspace]):
        self.by_root = {str(path): space for path, space in spaces.items()}

    def context(self, root: str) -> Any:
        space = self.by_root[root]
        project = read_project(space.copy)
        files = stack_files(project)

        def for_stack(stack: str) -> config_edits.StackContext:
            return config_edits.StackContext(space.copy, project, stack, files.get(stack))

        return for_stack

    def text(self, root: str, rel: str) -> str:
        return self.by_root[root].original_text(rel)

    def as_original(self, documents: Iterable[Document]) -> list[Document]:
        """Documents read from the copies, as if read from the projects: the same roots and
        origins (so findings match and messages name the user's paths)."""
        copies = {str(space.copy): root for root, space in self.by_root.items()}
        out = []
        for doc in documents:
            root = copies.get(doc.root)
            if root is None:
                out.append(doc)
                continue
            copy = doc.root
            warnings = tuple(w.replace(copy, root) for w in doc.warnings)
            origin = doc.origin.replace(copy, root)
            out.append(dataclasses.replace(doc, root=root, origin=origin, warnings=warnings))
        return out


def _render(
    candidates: Sequence[Candidate], resolver: Resolver, projects: _Projects
) -> tuple[dict[tuple[str, str], str], dict[int, str]]:
    """New texts per (root, file), and the candidates whose file could not be edited."""
    texts: dict[tuple[str, str], str] = {}
    failed: dict[int, str] = {}
    roots = sorted({c.site[0] for c in candidates})
    for root in roots:
        mine = [c for c in candidates if c.site[0] == root]
        code, stack = merged(e for c in mine for e in c.edits)
        space = projects.by_root[root]
        for rel, edits in code.items():
            source = resolver.sources[(root, rel)]
            try:
                text = apply_edits(source, edits)
                ast.parse(text)
            except (SyntaxError, ValueError, Exception) as exc:  # never write a file that does not parse
                _fail(
                    mine,
                    candidates,
                    failed,
                    rel,
                    f"{rel}: the edit would not parse ({type(exc).__name__}); edit it by hand",
                )
                continue
            texts[(root, rel)] = text
        for rel, stack_edits in stack.items():
            project = read_project(space.copy)
            try:
                texts[(root, rel)] = config_edits.edit_stack_text(
                    space.original_text(rel), project.name, stack_edits, rel
                )
            except Unresolved as exc:
                _fail(mine, candidates, failed, rel, str(exc))
    return texts, failed


def _fail(
    mine: Sequence[Candidate], every: Sequence[Candidate], failed: dict[int, str], rel: str, reason: str
) -> None:
    for cand in mine:
        if any(e.file == rel for e in cand.edits):
            failed[every.index(cand)] = reason


def _value_at(doc_resources: Mapping[str, Any], urn: str, path: str) -> str:
    raw = doc_resources.get(urn)
    value: Any = raw.inputs if raw is not None else None
    key = ""
    for seg in pointer(path):
        if isinstance(seg, int) and isinstance(value, list) and seg < len(value):
            value = value[seg]
        elif isinstance(seg, str) and isinstance(value, Mapping):
            value, key = value.get(seg), seg
        else:
            return "nothing"
    value = normalize(value, key)
    if value is None:
        return "nothing"
    if value is SECRET or is_credential_key(key):
        return "a secret value"
    return (
        repr(value) if is_known(value) and isinstance(value, str | int | float | bool) else "a computed value"
    )


def _notes(cand: Candidate, documents: Iterable[Document]) -> tuple[str, ...]:
    if not cand.left:
        return ()
    resources = {r.urn: r for doc in documents for r in doc.resources}
    notes = []
    for op in cand.fix.patch:
        if any(reason.startswith(dotted(op.path) + ":") for reason in cand.left):
            now = _value_at(resources, cand.finding.resource.urn, op.path)
            wanted = repr(op.value) if op.op != "remove" else "nothing"
            notes.append(
                f"{dotted(op.path)} is left to the program; it now gives {now} (the fix proposed {wanted})"
            )
    return tuple(notes)


_STILL = "the rescan still reports it after the edit, so the edit was dropped"


def _may_cause(cand: Candidate, fresh: Finding) -> bool:
    """Whether ``cand``'s edits may have made ``fresh`` (a finding new after the edits) fire:
    it set config of the same stack, or edited the file that builds the resource."""
    res = fresh.resource
    if res.root != cand.site[0]:
        return False
    for edit in cand.edits:
        if isinstance(edit, config_edits.StackEdit) and res.stack == cand.finding.resource.stack:
            return True
        if (
            not isinstance(edit, config_edits.StackEdit)
            and res.source is not None
            and res.source.file == edit.file
        ):
            return True
    return False


def run(
    paths: Sequence[Path],
    settings: Settings,
    options: LoadOptions,
    *,
    unsafe: bool,
    write: bool,
    select: Sequence[str] = (),
) -> FixReport:
    """Fix what can be fixed in ``paths`` (only the findings of rules ``select`` names, when
    given); write the proven edits when ``write``. Every rule the settings select judges the
    edited program, so an edit that makes another rule fire is reported."""
    targets = list(dict.fromkeys(paths))
    documents = load_all(targets, options)
    before = engine.scan(documents, settings, reader=FileLineReader())
    editable = [p for p in targets if is_python_project(p)]
    with workspaces(editable) as spaces:
        projects = _Projects(spaces)
        contexts = {root: projects.context(root) for root in projects.by_root}
        inventory = before.inventory
        assert inventory is not None  # engine.scan always sets it

        def members(group: Resource) -> Sequence[Resource]:
            found = inventory.get(group.urn)
            return inventory.members(found) if found is not None else ()

        resolver = Resolver(contexts, projects.text, members)
        left: list[Left] = []
        candidates: list[Candidate] = []
        for finding in _open(before):
            if select and not any(finding.rule_id.startswith(prefix) for prefix in select):
                continue
            choice = choose(finding, unsafe)
            if isinstance(choice, Left):
                left.append(choice)
            elif finding.resource.root not in projects.by_root:
                left.append(
                    Left(
                        finding,
                        choice,
                        "not-python",
                        "only Python programs are edited; apply the snippet by hand",
                    )
                )
            else:
                resolved = resolver.resolve(finding, choice)
                (candidates if isinstance(resolved, Candidate) else left).append(resolved)  # type: ignore[arg-type]
        built = builders(documents)
        names = {f.resource.urn: f"{f.resource.name} (stack {f.resource.stack})" for f in before.findings}
        kept, dropped = agree(candidates, built, names)
        left.extend(dropped)
        after, after_docs = before, documents
        texts: dict[tuple[str, str], str] = {}
        touched: set[tuple[str, str]] = set()
        while kept:
            texts, failed = _render(kept, resolver, projects)
            if failed:
                left.extend(
                    Left(kept[i].finding, kept[i].fix, "manual", r, kept[i].edits)
                    for i, r in sorted(failed.items())
                )
                kept = [c for i, c in enumerate(kept) if i not in failed]
                kept, dropped = agree(kept, built, names)
                left.extend(dropped)
                continue
            for root, space in projects.by_root.items():  # back to the originals, then this attempt
                space.reset({rel: space.original_text(rel) for (r, rel) in touched if r == root})
                space.reset({rel: text for (r, rel), text in texts.items() if r == root})
            touched.update(texts)
            try:
                after_docs = projects.as_original(
                    load_all(
                        [projects.by_root[str(p)].copy if str(p) in projects.by_root else p for p in targets],
                        options,
                    )
                )
            except InputError as exc:
                first = safe_text(str(exc).splitlines()[0])  # the program's words: may hold secrets
                reason = f"the edited program failed to run ({first}); the edits were not written"
                left.extend(Left(c.finding, c.fix, "still-present", reason, c.edits) for c in kept)
                kept, texts, after, after_docs = [], {}, before, documents
                break
            after = engine.scan(after_docs, settings, reader=FileLineReader())
            present = {_identity(f) for f in _open(after)}
            failing = {id(c): _STILL for c in kept if _identity(c.finding) in present}
            known = {_identity(f) for f in before.findings}
            for fresh in (f for f in _open(after) if _identity(f) not in known):
                for cand in kept:
                    if id(cand) not in failing and _may_cause(cand, fresh):
                        failing[id(cand)] = (
                            f"the edit made {fresh.rule_id} fire on {fresh.resource.name!r} "
                            f"({fresh.message}), so it was dropped"
                        )
            if not failing:
                break
            left.extend(
                Left(c.finding, c.fix, "still-present", "; ".join([failing[id(c)], *c.left]), c.edits)
                for c in kept
                if id(c) in failing
            )
            kept = [c for c in kept if id(c) not in failing]
            kept, dropped = agree(kept, built, names)
            left.extend(dropped)
            after, after_docs, texts = before, documents, {}
        fixed = tuple(Fixed(c.finding, c.fix, c.edits, _notes(c, after_docs)) for c in kept)
        known = {_identity(f) for f in before.findings}
        new = tuple(f for f in _open(after) if _identity(f) not in known) if kept else ()
        changes = []
        for (root, rel), text in sorted(texts.items()):
            space = projects.by_root[root]
            old = space.original_text(rel)
            if old != text:
                changes.append(FileChange(PurePosixPath(Path(root).as_posix(), rel).as_posix(), old, text))
        if write:
            for root, space in projects.by_root.items():
                write_back(space, {rel: text for (r, rel), text in texts.items() if r == root})
    left.sort(key=lambda item: item.finding.sort_key())
    warnings = tuple(dict.fromkeys([*before.warnings, *(after.warnings if kept else ())]))
    return FixReport(
        fixed=fixed,
        left=tuple(left),
        changes=tuple(changes),
        new_findings=new,
        warnings=warnings,
        failed_rules=tuple(o.error_message for o in (after if kept else before).failed_rules),
    )
