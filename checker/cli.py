"""The ``maintcheck`` command line: thin Click commands over the engine."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from checker import __version__
from checker.commands.comment import comment as comment_command
from checker.commands.fix import fix as fix_command
from checker.commands.hook import hook_command
from checker.commands.init import init_command
from checker.commands.plan import plan as plan_command
from checker.commands.policy_pack import policy_pack as policy_pack_command
from checker.commands.scan import scan_command as scan
from checker.commands.simulate import simulate as simulate_command
from checker.errors import EXIT_ERROR


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="maintcheck")
def cli() -> None:
    """Check that the Azure VMs a Pulumi program declares survive Azure planned maintenance.

    maintcheck reads a Pulumi project (Python or TypeScript/JavaScript run offline under
    mocks, YAML read), a `pulumi preview --json` file or a `pulumi stack export` file, and
    reports every way its VMs are not ready:
    single instances, too few update domains, dynamic IPs, temp-disk data, missing region
    pairs, and more; each finding comes with a concrete fix.

    \b
    Examples:
      maintcheck scan . --stack dev
      maintcheck scan              (every project here, by stack groups)
      maintcheck scan . --stack prod-eastus --stack prod-westus
      pulumi preview --json > preview.json && maintcheck scan preview.json
      maintcheck fix . --stack dev --diff   (the fixes it can apply, proven by a rescan)
      maintcheck simulate . --stack dev     (the maintenance waves of each workload)
      maintcheck plan . --stack prod-eastus --stack prod-westus   (a self-service runbook)
      maintcheck explain MC103
      maintcheck init              (config, pre-commit hook and GitHub workflow)
    """


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--write-docs", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Write one Markdown page per rule to DIR (the repository's docs/rules).")
def rules(fmt: str, write_docs: Path | None) -> None:
    """List every rule: ID, slug, default severity and title."""
    from checker.rules import ALL_RULES

    if write_docs is not None:
        from checker.rule_docs import write_pages

        written = write_pages(write_docs, ALL_RULES)
        click.echo(f"Wrote {len(written)} pages to {write_docs}.")
        return
    if fmt == "json":
        rows = [
            {"id": r.id, "slug": r.slug, "severity": str(r.severity), "title": r.title}
            for r in ALL_RULES
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for r in ALL_RULES:
        click.echo(f"{r.id}  {r.slug:<40} {r.severity!s:<8} {r.title}")


@cli.command()
@click.argument("rule_id", metavar="RULE")
def explain(rule_id: str) -> None:
    """Explain a rule: what it checks, why it matters, an example and the fix.

    RULE is an ID (MC103) or a slug (too-few-update-domains).
    """
    from checker.rules import ALL_RULES

    wanted = rule_id.strip()
    for r in ALL_RULES:
        if wanted.upper() == r.id or wanted.lower() == r.slug:
            click.echo(f"{r.help_text()}\nDocs: {_docs_url(r.id)}")
            return
    raise click.BadParameter(
        f"{rule_id!r} is not a rule; `maintcheck rules` lists them.", param_hint="RULE"
    )


def _docs_url(rule_id: str) -> str:
    """The rule's page: under the configured ``docs-url`` of the current directory's config,
    else the repository's."""
    from checker.config import discover
    from checker.errors import InputError
    from checker.rule_docs import DOCS_URL

    try:
        base = discover([Path.cwd()]).docs_url or DOCS_URL
    except InputError:
        base = DOCS_URL
    return f"{base.rstrip('/')}/{rule_id}.md"


cli.add_command(scan)
cli.add_command(init_command)
cli.add_command(hook_command())
cli.add_command(policy_pack_command)
cli.add_command(comment_command)
cli.add_command(simulate_command)
cli.add_command(plan_command)
cli.add_command(fix_command)


def main() -> None:
    """Console entry point: no traceback of ours ever reaches the user."""
    try:
        cli()
    except KeyboardInterrupt:
        click.echo("maintcheck: interrupted", err=True)
        sys.exit(130)
    except RecursionError:
        click.echo("maintcheck: error: an input is nested too deeply to read.", err=True)
        sys.exit(EXIT_ERROR)
    except MemoryError:
        click.echo("maintcheck: error: out of memory reading the input.", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # pragma: no cover - a bug of ours; say so plainly
        from checker.redaction import for_log, safe_text

        detail = safe_text(str(exc), 200)
        click.echo(
            for_log(
                f"maintcheck: internal error: {type(exc).__name__}: {detail}\n"
                "Please report it with the input that caused it."
            ),
            err=True,
        )
        sys.exit(EXIT_ERROR)


def run() -> NoReturn:
    """The ``maintcheck`` command: :func:`main`, then an exit without the interpreter's
    teardown. A large scan ends holding about a million objects (the inventory, findings and
    the report), which the interpreter would free one by one on the way out: about 0.08 s of
    a 5,000-VM scan, as long as writing its report. Like mypy, the process exits once its
    output is flushed and its ``atexit`` handlers (coverage, say) have run. Programs that
    embed maintcheck call :func:`main` (or the Click group ``cli``), which raises
    ``SystemExit`` as usual."""
    try:
        main()
    except SystemExit as exc:  # what main always ends with; exit while it still holds the frames
        _exit_now(exc.code)
    _exit_now(0)


def _exit_now(code: object) -> NoReturn:
    """Exit as the interpreter exits on ``SystemExit(code)``, less its teardown: a code that is
    not a number is printed to stderr as it is (status 1); ``atexit`` handlers run, then the
    standard streams are flushed (a handler may still write), and a flush that fails makes
    the status 120. Unlike the interpreter, a failed flush prints nothing (no traceback)."""
    if code is not None and not isinstance(code, int):
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"{code}\n")
    status = code if isinstance(code, int) else (0 if code is None else 1)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is None or getattr(stream, "closed", False):
            continue  # the interpreter skips a closed stream too
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it
            status = 120  # what the interpreter exits with when a flush fails at exit
    os._exit(status)
