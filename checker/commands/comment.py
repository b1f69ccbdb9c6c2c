"""``maintcheck comment``: post the Markdown report as one sticky pull-request comment.

Thin: reads the report and the GitHub Actions environment, then hands over to
:mod:`checker.github_comment` (imported when the command runs, to keep start-up lean).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from checker.errors import EXIT_ERROR

# What a GitHub token is made of: printable ASCII without spaces.
_TOKEN = re.compile(r"[\x21-\x7e]{1,1000}")


def _read_report(report: str) -> tuple[str, str]:
    """(body, name) of ``--report``; ``-`` reads standard input."""
    from checker.github_comment import GitHubError

    if report == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(report).read_text("utf-8"), report
    except OSError as exc:
        raise GitHubError(f"{report}: cannot read the report ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise GitHubError(f"{report}: not UTF-8 text; is it the Markdown report?") from None
    except ValueError as exc:  # a path with a NUL byte
        raise GitHubError(f"{report!r}: not a file name ({exc}).") from None


def _pr_number(pr: int | None) -> int:
    from checker.github_comment import GitHubError, pr_from_event

    if pr is not None:
        return pr
    event = os.environ.get("GITHUB_EVENT_PATH")
    number = pr_from_event(event) if event else None
    if number is None:
        raise GitHubError(
            "no pull-request number: pass --pr N, or run on a `pull_request` event "
            "(GITHUB_EVENT_PATH then names it)."
        )
    return number


@click.command("comment")
@click.option("--report", "report", required=True, metavar="FILE",
              help="The Markdown report from `maintcheck scan --format markdown --output FILE` "
                   "(`-` reads standard input).")
@click.option("--pr", type=click.IntRange(min=1), default=None, metavar="N",
              help="Pull-request number.  [default: pull_request.number of GITHUB_EVENT_PATH]")
@click.option("--repo", envvar="GITHUB_REPOSITORY", metavar="OWNER/REPO",
              help="Repository.  [default: $GITHUB_REPOSITORY]")
@click.option("--api-url", envvar="GITHUB_API_URL", default=None, metavar="URL",
              help="REST API root; $GITHUB_API_URL on GitHub Enterprise.  "
                   "[default: https://api.github.com]")
@click.option("--post-all-clear", is_flag=True,
              help="Create a comment even when the report is all clear and none exists yet.")
def comment(
    report: str, pr: int | None, repo: str | None, api_url: str | None, post_all_clear: bool
) -> None:
    """Create or update one sticky maintcheck comment on a GitHub pull request.

    The token comes from the GITHUB_TOKEN environment variable only (never an option, so it
    stays out of process lists and logs). The comment is found by the hidden marker the
    Markdown report starts with, and updated on every push; when the findings are gone it
    becomes an "all clear". A pull request that never had findings gets no comment unless
    --post-all-clear.

    \b
    Example (GitHub Actions, job with `permissions: pull-requests: write`):
      maintcheck scan . --stack dev --format markdown --output maintcheck.md --fail-on never
      maintcheck comment --report maintcheck.md

    Exit status: 0 when the comment is in place, 2 when it could not be posted.
    """
    from checker.github_comment import (
        DEFAULT_API_URL,
        GitHubClient,
        GitHubError,
        check_body,
        upsert_comment,
    )
    from checker.redaction import for_log

    def notify(message: str) -> None:
        click.echo(for_log(f"maintcheck: {message}"), err=True)

    token = ""
    try:
        token = os.environ.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise GitHubError(
                "GITHUB_TOKEN is not set: in a workflow add "
                "`env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the step."
            )
        if not _TOKEN.fullmatch(token):
            raise GitHubError(
                "GITHUB_TOKEN holds characters no token has (a space, a line break or a "
                "control character); set it to the token alone."
            )
        body, name = _read_report(report)
        check_body(body, name)
        number = _pr_number(pr)
        client = GitHubClient(api_url or DEFAULT_API_URL, token, notify=notify)
        outcome = upsert_comment(client, repo or "", number, body, post_all_clear=post_all_clear)
    except GitHubError as exc:
        text = str(exc).replace(token, "***") if token else str(exc)
        click.echo(for_log(f"maintcheck: error: {text}"), err=True)
        sys.exit(EXIT_ERROR)
    if outcome.action == "skipped":
        click.echo(f"maintcheck: all clear on pull request #{number}; no comment needed.")
    else:
        where = f": {outcome.url}" if outcome.url else ""
        click.echo(for_log(f"maintcheck: {outcome.action} the comment on pull request #{number}{where}"))
