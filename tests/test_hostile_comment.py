"""Hostile input to `maintcheck comment`: bad tokens and URLs, a lying API, endless pages.

Every case runs the real command against the loopback fake GitHub of ``test_github_comment``
and must end with exit 0 or a clear exit 2: never an internal error, never a credential in
the output, never a request it should not send.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import cli
from tests.test_github_comment import (
    PAGE,
    PR,
    TOKEN,
    FakeGitHub,
    Reply,
    _comment,
    _report,
    github,  # noqa: F401 - the loopback GitHub fixture
)

URL_PASSWORD = "UrlPassw0rdLeak"


@pytest.fixture
def gh(github: FakeGitHub) -> FakeGitHub:  # noqa: F811 - the imported fixture, by name
    return github


def _assert_clean(output: str) -> None:
    assert "internal error" not in output and "Traceback" not in output, output
    assert TOKEN not in output and URL_PASSWORD not in output, output
    assert "\x1b" not in output
    assert not any(line.lstrip().startswith("::") for line in output.splitlines()), output


def test_a_token_with_a_line_break_is_refused_and_never_printed(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    report = str(_report(tmp_path, ["web"]))
    for bad in (f"{TOKEN}\nx", f"{TOKEN[:8]} {TOKEN[8:]}", f"{TOKEN}\x1b[2J"):
        result = runner.invoke(
            cli,
            ["comment", "--report", report, "--pr", "7"],
            env={"GITHUB_TOKEN": bad, "GITHUB_REPOSITORY": "octo/app",
                 "GITHUB_API_URL": gh.url + gh.prefix},
        )
        assert result.exit_code == 2 and "GITHUB_TOKEN holds characters" in result.output
        _assert_clean(result.output)
        assert TOKEN[8:] not in result.output
    assert gh.seen == []


@pytest.mark.parametrize(
    "url",
    [
        f"https://user:{URL_PASSWORD}@api.example.com",
        "http://[::1",
        "https://api.example.com:notaport",
        "https://api.example.com/api?token=x",
        "https://",
        "api.gh.com",
        "https://api.example.com/\n::error ::x",
    ],
)
def test_a_malformed_or_credentialed_api_url_is_exit_2_without_the_credential(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path, url: str
) -> None:
    result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])), "--pr", "7",
                      "--api-url", url)
    assert result.exit_code == 2, result.output
    assert "--api-url" in result.output
    _assert_clean(result.output)
    assert gh.seen == []


@pytest.mark.parametrize("repo", ["../..", "octo/..", "octo/.", "../app", "-x/app", "a/b/c"])
def test_a_repository_that_is_not_owner_slash_name_is_refused(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path, repo: str
) -> None:
    result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])), "--pr", "7",
                      "--repo", repo)
    assert result.exit_code == 2 and "is not OWNER/REPO" in result.output
    assert gh.seen == []


@pytest.mark.parametrize("bad_id", ["12abc", None, True, -3, 1.5, "1" * 5000])
def test_a_comment_id_that_is_not_a_number_is_exit_2(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path, bad_id: object
) -> None:
    report = _report(tmp_path, ["web"])
    gh.add(report.read_text("utf-8").replace("web", "old"))
    gh.comments[PR][-1]["id"] = bad_id
    result = _comment(runner, gh, "--report", str(report), "--pr", "7")
    assert result.exit_code == 2 and "not a number" in result.output, result.output
    _assert_clean(result.output)
    assert [m for m, _ in gh.requests()] == ["GET"]


def test_a_huge_retry_after_is_an_error_at_once(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    for header in ("9" * 5000, "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"):
        gh.fail[("GET", PAGE)] = [Reply(429, {"message": "slow down"}, {"Retry-After": header})]
        result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])), "--pr", "7")
        assert result.exit_code == 2 and "rate limit" in result.output, result.output
        _assert_clean(result.output)
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9" * 400}
    gh.fail[("GET", PAGE)] = [Reply(403, {"message": "API rate limit exceeded"}, reset)]
    result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])), "--pr", "7")
    assert result.exit_code == 2 and "rate limit" in result.output
    _assert_clean(result.output)


def test_an_endless_next_link_stops_after_a_bounded_number_of_pages(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    endless = FakeGitHub.page

    def page(self: FakeGitHub, path: str, number: int, query: dict[str, list[str]]) -> Reply:
        reply = endless(self, path, number, query)
        n = int(query.get("page", ["1"])[0])
        reply.headers["Link"] = f'<{self.url}{self.prefix}{path}?per_page=2&page={n + 1}>; rel="next"'
        return reply

    gh.page = page.__get__(gh)  # type: ignore[method-assign]
    result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])), "--pr", "7")
    assert result.exit_code == 2 and "next page after 50 pages" in result.output
    assert len(gh.seen) == 50


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"pull_request": {"number": True}}, "no pull-request number"),
        ({"pull_request": {"number": 0}}, "no pull-request number"),
        ({"issue": {"number": "7", "pull_request": {}}}, "no pull-request number"),
        (b"\xff\xfe{}", "not UTF-8 JSON"),
        (b"[" * 100_000, "GITHUB_EVENT_PATH"),
    ],
)
def test_a_bad_event_payload_is_exit_2_and_posts_nothing(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path, event: object, expected: str
) -> None:
    path = tmp_path / "event.json"
    path.write_bytes(event if isinstance(event, bytes) else json.dumps(event).encode())
    result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])),
                      GITHUB_EVENT_PATH=str(path))
    assert result.exit_code == 2 and expected in result.output, result.output
    _assert_clean(result.output)
    assert gh.seen == []


def test_api_messages_and_urls_are_escaped_for_the_log(
    gh: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    gh.fail[("POST", PAGE)] = [
        Reply(422, {"message": "bad\n::error ::injected\x1b]0;title\x07 Authorization: Bearer abcdef123"})
    ]
    result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])), "--pr", "7")
    assert result.exit_code == 2
    _assert_clean(result.output)
    assert "abcdef123" not in result.output
    gh.add("<!-- maintcheck-report -->\nold")
    gh.comments[PR][-1]["html_url"] = "javascript:alert(1)\n::error ::x"
    result = _comment(runner, gh, "--report", str(_report(tmp_path, ["web"])), "--pr", "7")
    assert result.exit_code == 0 and "updated the comment" in result.output
    assert "javascript" not in result.output
