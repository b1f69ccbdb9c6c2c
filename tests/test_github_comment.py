"""`maintcheck comment` against a loopback server that behaves like the GitHub REST API:
pagination, update vs create, auth and permission errors, rate limits and 5xx retries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner, Result

from checker.cli import cli
from checker.config import Settings
from checker.engine import scan
from checker.github_comment import (
    GitHubClient,
    GitHubError,
    RetryPolicy,
    next_link,
    upsert_comment,
)
from checker.report.markdown import MARKER, render_markdown
from checker.rule_docs import DOCS_URL
from tests.builders import StackBuilder

TOKEN = "ghs_TopSecretToken1234567890"
REPO = "octo/app"
PR = 7
VM = "azure-native:compute:VirtualMachine"


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    apply: bool = False  # carry the request out anyway (a 5xx after the write happened)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    body: Any


class FakeGitHub:
    """Issue comments of one repository, paged ``page_size`` at a time, with scripted
    failures: ``fail[(METHOD, path)]`` is a list of replies given before the real one."""

    def __init__(self, prefix: str = "", page_size: int = 2) -> None:
        self.prefix = prefix
        self.page_size = page_size
        self.comments: dict[int, list[dict[str, Any]]] = {PR: []}
        self.next_id = 1000
        self.fail: dict[tuple[str, str], list[Reply]] = {}
        self.seen: list[Seen] = []
        self.url = ""
        self.link_host: str | None = None  # write `next` links to another host

    def add(self, body: str, pr: int = PR) -> int:
        self.next_id += 1
        self.comments.setdefault(pr, []).append(
            {"id": self.next_id, "body": body, "user": {"login": "someone"},
             "html_url": f"https://github.com/{REPO}/pull/{pr}#issuecomment-{self.next_id}"}
        )
        return self.next_id

    def requests(self) -> list[tuple[str, str]]:
        return [(s.method, s.path) for s in self.seen]

    def handle(self, method: str, raw_path: str, auth: str | None, body: Any) -> Reply:
        parts = urlsplit(raw_path)
        path = parts.path[len(self.prefix):] if parts.path.startswith(self.prefix) else "?"
        query = parse_qs(parts.query)
        self.seen.append(Seen(method, path, query, auth, body))
        scripted = self.fail.get((method, path))
        reply = scripted.pop(0) if scripted else None
        if reply is not None and not reply.apply:
            return reply
        real = self.route(method, path, query, auth, body)
        return reply if reply is not None else real

    def route(self, method: str, path: str, query: dict[str, list[str]], auth: str | None,
              body: Any) -> Reply:
        if auth != f"Bearer {TOKEN}":
            return Reply(401, {"message": "Bad credentials",
                               "documentation_url": "https://docs.github.com/rest"})
        segs = path.strip("/").split("/")
        if segs[:3] != ["repos", *REPO.split("/")]:
            return Reply(404, {"message": "Not Found"})
        rest = segs[3:]
        if rest[:1] == ["issues"] and len(rest) == 3 and rest[2] == "comments":
            number = int(rest[1])
            if number not in self.comments:
                return Reply(404, {"message": "Not Found"})
            if method == "GET":
                return self.page(path, number, query)
            if method == "POST":
                cid = self.add(body["body"], number)
                return Reply(201, self.comments[number][-1] | {"id": cid})
        if rest[:2] == ["issues", "comments"] and len(rest) == 3 and method == "PATCH":
            for comments in self.comments.values():
                for c in comments:
                    if c["id"] == int(rest[2]):
                        c["body"] = body["body"]
                        return Reply(200, c)
            return Reply(404, {"message": "Not Found"})
        return Reply(404, {"message": "Not Found"})

    def page(self, path: str, number: int, query: dict[str, list[str]]) -> Reply:
        per_page = min(int(query.get("per_page", ["30"])[0]), self.page_size)
        page = int(query.get("page", ["1"])[0])
        items = self.comments[number]
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            base = f"http://{self.link_host}" if self.link_host else self.url
            link = f"{base}{self.prefix}{path}?per_page={per_page}&page={page + 1}"
            last = -(-len(items) // per_page)
            headers["Link"] = (
                f'<{link}>; rel="next", '
                f'<{self.url}{self.prefix}{path}?per_page={per_page}&page={last}>; rel="last"'
            )
        return Reply(200, chunk, headers)


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            reply = fake.handle(self.command, self.path, self.headers.get("Authorization"), body)
            data = json.dumps(reply.body).encode() if reply.body is not None else b""
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    fake = FakeGitHub(prefix="/api/v3")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def _report(tmp_path: Path, names: list[str]) -> Path:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    for name in names:
        s.add(VM, name, {"resourceGroupName": "rg"}, line=3)
    path = tmp_path / f"report-{len(names)}.md"
    path.write_text(render_markdown(scan([s.document()], Settings(select=("MC101",)))), "utf-8")
    return path


def _env(fake: FakeGitHub, **extra: str | None) -> dict[str, str | None]:
    env: dict[str, str | None] = {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": fake.url + fake.prefix,
        "GITHUB_EVENT_PATH": None,
    }
    env.update(extra)
    return env


def _comment(runner: CliRunner, fake: FakeGitHub, *args: str, **env: str | None) -> Result:
    result = runner.invoke(cli, ["comment", *args], env=_env(fake, **env))
    assert TOKEN not in result.output
    return result


def _client(fake: FakeGitHub, sleeps: list[float], now: float = 1_000_000.0) -> GitHubClient:
    return GitHubClient(fake.url + fake.prefix, TOKEN, sleep=sleeps.append, now=lambda: now)


PAGE = f"/repos/{REPO}/issues/{PR}/comments"


# --- create and update ---------------------------------------------------------------------


def test_creates_the_comment_after_reading_every_page(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    for i in range(5):
        github.add(f"an unrelated comment {i}")
    report = _report(tmp_path, ["web"])
    result = _comment(runner, github, "--report", str(report), "--pr", str(PR))
    assert result.exit_code == 0, result.output
    assert github.requests() == [("GET", PAGE)] * 3 + [("POST", PAGE)]
    assert [s.query.get("page") for s in github.seen[:3]] == [None, ["2"], ["3"]]
    assert all(s.authorization == f"Bearer {TOKEN}" for s in github.seen)
    assert github.seen[-1].body == {"body": report.read_text("utf-8")}
    assert len(github.comments[PR]) == 6
    assert "created the comment on pull request #7: https://github.com/octo/app/pull/7#issuecomment-" \
        in result.stdout


def test_updates_the_marker_comment_found_on_a_later_page(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    for i in range(4):
        github.add(f"chatter {i}")
    old = github.add(f"{MARKER}\nold findings")
    github.add("after it")
    report = _report(tmp_path, ["web", "api"])
    result = _comment(runner, github, "--report", str(report), "--pr", str(PR))
    assert result.exit_code == 0, result.output
    assert github.requests() == [("GET", PAGE)] * 3 + [
        ("PATCH", f"/repos/{REPO}/issues/comments/{old}")
    ]
    assert github.seen[-1].body == {"body": report.read_text("utf-8")}
    assert len(github.comments[PR]) == 6
    assert "updated the comment" in result.stdout


def test_all_clear_replaces_findings_and_is_not_posted_fresh(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    clear = _report(tmp_path, [])
    assert "All clear" in clear.read_text("utf-8")
    fresh = _comment(runner, github, "--report", str(clear), "--pr", str(PR))
    assert fresh.exit_code == 0 and "no comment needed" in fresh.stdout
    assert github.requests() == [("GET", PAGE)]
    forced = _comment(runner, github, "--report", str(clear), "--pr", str(PR), "--post-all-clear")
    assert forced.exit_code == 0 and github.requests()[-1] == ("POST", PAGE)

    github.comments[PR].clear()
    cid = github.add(_report(tmp_path, ["web"]).read_text("utf-8"))
    result = _comment(runner, github, "--report", str(clear), "--pr", str(PR))
    assert result.exit_code == 0
    assert github.requests()[-1] == ("PATCH", f"/repos/{REPO}/issues/comments/{cid}")
    assert "All clear" in github.comments[PR][0]["body"]


def test_unchanged_comment_is_left_alone(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    report = _report(tmp_path, ["web"])
    github.add(report.read_text("utf-8"))
    result = _comment(runner, github, "--report", str(report), "--pr", str(PR))
    assert result.exit_code == 0 and "unchanged" in result.stdout
    assert github.requests() == [("GET", PAGE)]


def test_pr_number_from_the_event_payload(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": PR}}))
    report = _report(tmp_path, ["web"])
    result = _comment(runner, github, "--report", str(report), GITHUB_EVENT_PATH=str(event))
    assert result.exit_code == 0, result.output
    assert github.requests()[-1] == ("POST", PAGE)

    push = tmp_path / "push.json"
    push.write_text(json.dumps({"ref": "refs/heads/main"}))
    missing = _comment(runner, github, "--report", str(report), GITHUB_EVENT_PATH=str(push))
    assert missing.exit_code == 2 and "pass --pr N" in missing.output


def test_end_to_end_from_scan_to_comment(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add(VM, "web", {"resourceGroupName": "rg"}, line=3)
    export = s.write(tmp_path / "export.json")
    md = tmp_path / "maintcheck.md"
    scan = runner.invoke(cli, ["scan", str(export), "--format", "markdown", "--output", str(md),
                               "--fail-on", "never"])
    assert scan.exit_code == 0, scan.output
    result = _comment(runner, github, "--report", str(md), "--pr", str(PR))
    assert result.exit_code == 0, result.output
    posted = github.comments[PR][0]["body"]
    assert posted.startswith(MARKER)
    assert f"| :x: error | [MC101]({DOCS_URL}/MC101.md) single-instance-vm | web (dev)" in posted


def test_report_from_stdin_and_pr_from_an_issue_comment_event(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"number": PR, "pull_request": {"url": "x"}}}))
    body = _report(tmp_path, ["web"]).read_text("utf-8")
    result = runner.invoke(cli, ["comment", "--report", "-"], input=body,
                           env=_env(github, GITHUB_EVENT_PATH=str(event)))
    assert result.exit_code == 0, result.output
    assert github.comments[PR][0]["body"] == body


# --- errors --------------------------------------------------------------------------------


def test_401_names_the_token_and_never_prints_it(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    report = _report(tmp_path, ["web"])
    result = _comment(runner, github, "--report", str(report), "--pr", str(PR),
                      GITHUB_TOKEN="ghs_wrong-token-value")
    assert result.exit_code == 2
    assert "401" in result.output and "Bad credentials" in result.output
    assert "GITHUB_TOKEN was not accepted" in result.output
    assert "ghs_wrong-token-value" not in result.output
    assert "Traceback" not in result.output
    assert github.requests() == [("GET", PAGE)]  # no retry of a 401


def test_403_without_rate_limit_explains_permissions(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    github.fail[("POST", PAGE)] = [Reply(403, {"message": "Resource not accessible by integration"})]
    result = _comment(runner, github, "--report", str(_report(tmp_path, ["web"])), "--pr", "7")
    assert result.exit_code == 2
    assert "Resource not accessible by integration" in result.output
    assert "pull-requests: write" in result.output
    assert github.requests() == [("GET", PAGE), ("POST", PAGE)]


def test_404_names_repository_and_pr(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    report = str(_report(tmp_path, ["web"]))
    result = _comment(runner, github, "--report", report, "--pr", "99")
    assert result.exit_code == 2
    assert "404" in result.output and "GITHUB_REPOSITORY" in result.output
    wrong_repo = _comment(runner, github, "--report", report, "--pr", "7",
                          GITHUB_REPOSITORY="octo/other")
    assert wrong_repo.exit_code == 2 and "404" in wrong_repo.output


def test_an_error_message_that_echoes_the_token_is_scrubbed(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    github.fail[("POST", PAGE)] = [Reply(422, {"message": f"Validation Failed for {TOKEN}"})]
    result = _comment(runner, github, "--report", str(_report(tmp_path, ["web"])), "--pr", "7")
    assert result.exit_code == 2
    assert "Validation Failed for ***" in result.output


@pytest.mark.parametrize(
    ("env", "content", "expected"),
    [
        # the workflow line to add, as written (an expression is no credential to mask)
        ({"GITHUB_TOKEN": None}, None,
         "GITHUB_TOKEN is not set: in a workflow add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`"),
        ({"GITHUB_REPOSITORY": "not a repo"}, None, "is not OWNER/REPO"),
        ({"GITHUB_API_URL": "ftp://example.com"}, None, "not an http(s) URL"),
        ({}, '{"version": "2.1.0"}', "not a maintcheck Markdown report"),
    ],
)
def test_bad_setup_is_exit_2_with_what_to_do(
    github: FakeGitHub, runner: CliRunner, tmp_path: Path,
    env: dict[str, str | None], content: str | None, expected: str,
) -> None:
    report = _report(tmp_path, ["web"])
    if content is not None:
        report.write_text(content)
    result = _comment(runner, github, "--report", str(report), "--pr", "7", **env)
    assert result.exit_code == 2 and expected in result.output, result.output
    assert github.seen == []


def test_missing_report_file(github: FakeGitHub, runner: CliRunner, tmp_path: Path) -> None:
    result = _comment(runner, github, "--report", str(tmp_path / "nope.md"), "--pr", "7")
    assert result.exit_code == 2 and "nope.md: cannot read the report" in result.output


# --- retries (client level: sleeping is injected, nothing waits) ---------------------------


def test_403_rate_limit_waits_until_reset_then_succeeds(github: FakeGitHub) -> None:
    now = 1_000_000.0
    github.fail[("GET", PAGE)] = [
        Reply(403, {"message": "API rate limit exceeded"},
              {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 20)})
    ]
    sleeps: list[float] = []
    outcome = upsert_comment(_client(github, sleeps, now), REPO, PR, f"{MARKER}\nbody")
    assert outcome.action == "created"
    assert sleeps == [21.0]
    assert github.requests() == [("GET", PAGE), ("GET", PAGE), ("POST", PAGE)]


def test_429_retry_after_is_honoured(github: FakeGitHub) -> None:
    github.fail[("POST", PAGE)] = [Reply(429, {"message": "slow down"}, {"Retry-After": "3"})]
    sleeps: list[float] = []
    outcome = upsert_comment(_client(github, sleeps), REPO, PR, f"{MARKER}\nbody")
    assert outcome.action == "created" and sleeps == [3.0]
    assert github.requests() == [("GET", PAGE), ("POST", PAGE), ("POST", PAGE)]
    assert len(github.comments[PR]) == 1


def test_rate_limit_beyond_the_bound_fails_without_sleeping(github: FakeGitHub) -> None:
    now = 1_000_000.0
    github.fail[("GET", PAGE)] = [
        Reply(403, {"message": "API rate limit exceeded"},
              {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 3600)})
    ]
    sleeps: list[float] = []
    with pytest.raises(GitHubError, match="lifts at about"):
        upsert_comment(_client(github, sleeps, now), REPO, PR, f"{MARKER}\nbody")
    assert sleeps == []


def test_500_then_success_on_get_and_patch(github: FakeGitHub) -> None:
    cid = github.add(f"{MARKER}\nold")
    patch = f"/repos/{REPO}/issues/comments/{cid}"
    github.fail[("GET", PAGE)] = [Reply(500, {"message": "Server Error"})]
    github.fail[("PATCH", patch)] = [Reply(502, None), Reply(503, None)]
    sleeps: list[float] = []
    outcome = upsert_comment(_client(github, sleeps), REPO, PR, f"{MARKER}\nnew")
    assert outcome.action == "updated" and outcome.comment_id == cid
    assert sleeps == [1.0, 1.0, 2.0]
    assert github.requests() == [("GET", PAGE)] * 2 + [("PATCH", patch)] * 3
    assert github.comments[PR][0]["body"] == f"{MARKER}\nnew"


def test_failed_post_that_took_effect_does_not_duplicate_the_comment(github: FakeGitHub) -> None:
    github.fail[("POST", PAGE)] = [Reply(502, None, apply=True)]
    sleeps: list[float] = []
    outcome = upsert_comment(_client(github, sleeps), REPO, PR, f"{MARKER}\nbody")
    assert outcome.action == "unchanged"
    assert github.requests() == [("GET", PAGE), ("POST", PAGE), ("GET", PAGE)]
    assert len(github.comments[PR]) == 1 and sleeps == [1.0]


def test_persistent_5xx_gives_up_after_bounded_attempts(github: FakeGitHub) -> None:
    github.fail[("GET", PAGE)] = [Reply(503, {"message": "Unavailable"})] * 10
    sleeps: list[float] = []
    client = GitHubClient(github.url + github.prefix, TOKEN, sleep=sleeps.append,
                          policy=RetryPolicy(attempts=4, base=0.5, max_wait=1.5))
    with pytest.raises(GitHubError, match=r"503 to GET .*run the job again later"):
        upsert_comment(client, REPO, PR, f"{MARKER}\nbody")
    assert sleeps == [0.5, 1.0, 1.5]
    assert len(github.seen) == 4


def test_unreachable_api_is_retried_then_reported(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps: list[float] = []
    client = GitHubClient(f"http://127.0.0.1:{port}", TOKEN, sleep=sleeps.append)
    with pytest.raises(GitHubError, match=r"cannot reach .*check GITHUB_API_URL"):
        upsert_comment(client, REPO, PR, f"{MARKER}\nbody")
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_next_link_to_another_host_is_refused(github: FakeGitHub) -> None:
    for i in range(3):
        github.add(f"c{i}")
    github.link_host = "evil.example"
    with pytest.raises(GitHubError, match=r"refusing to send the token to evil\.example"):
        upsert_comment(_client(github, []), REPO, PR, f"{MARKER}\nbody")
    assert len(github.seen) == 1


def test_next_link_parsing() -> None:
    header = (
        '<https://api.github.com/repositories/1/issues/7/comments?page=1>; rel="prev", '
        '<https://api.github.com/repositories/1/issues/7/comments?page=3>; rel="next", '
        '<https://api.github.com/repositories/1/issues/7/comments?page=9>; rel="last"'
    )
    assert next_link(header) == "https://api.github.com/repositories/1/issues/7/comments?page=3"
    assert next_link('<https://x/?page=9>; rel="last"') is None
    assert next_link("") is None
