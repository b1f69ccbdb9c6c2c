"""Keep one sticky maintcheck comment on a GitHub pull request, through the REST API.

The comment is found by the hidden marker the Markdown report starts with
(:data:`checker.report.markdown.MARKER`), across every page of the PR's comments, and updated
in place; without one a new comment is created. 5xx answers, network failures and rate limits
(403/429 with ``Retry-After`` or ``X-RateLimit-Reset``) are retried with bounded waits; 401,
403 and 404 become a :class:`GitHubError` that says what to check. The token goes only into
the ``Authorization`` header of requests to the API's own origin; it is never printed.

A POST that fails with a 5xx may still have created the comment, so it is not simply resent:
the whole find-then-update-or-create step is repeated, and finds the comment if it exists.

Only the standard library is used (``urllib.request``); sleeping and the clock are injectable.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from checker import __version__
from checker.errors import InputError
from checker.report.markdown import ALL_CLEAR_MARKER, GITHUB_LIMIT, MARKER

DEFAULT_API_URL = "https://api.github.com"
# GitHub owner names: letters, digits and single hyphens; repository names: letters, digits,
# ``.``, ``-`` and ``_`` (but not ``.`` or ``..``).
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$")
MAX_PAGES = 50  # 5,000 comments at 100 a page: a pull request has never had more
MAX_WAIT_HEADER = 24 * 3600.0  # what a Retry-After or X-RateLimit-Reset can ask for, at most
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubError(InputError):
    """The API refused or could not be reached; the message says what to check."""


class TransientError(GitHubError):
    """A failure worth trying again that :meth:`GitHubClient.request` did not retry itself
    (a 5xx or network failure on a POST, which may have taken effect)."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    def message(self) -> str:
        """GitHub's ``message`` and ``errors`` from an error body ("" when absent)."""
        data = self.json()
        if not isinstance(data, dict):
            return ""
        text = str(data.get("message", ""))
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            parts = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            text += " (" + "; ".join(parts) + ")"
        return text


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` tries; waits double from ``base`` and never exceed ``max_wait``
    seconds (a rate limit that lifts later than that is an error, not a long sleep)."""

    attempts: int = 5
    base: float = 1.0
    max_wait: float = 60.0

    def backoff(self, attempt: int) -> float:
        return min(self.base * 2.0 ** (attempt - 1), self.max_wait)


@dataclass(frozen=True)
class Outcome:
    action: str  # "created" | "updated" | "unchanged" | "skipped"
    comment_id: int | None
    url: str | None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only within one origin, so the token never travels elsewhere."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class GitHubClient:
    """A small GitHub REST client: JSON in and out, bounded retries, clear errors."""

    api_url: str
    token: str
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time
    policy: RetryPolicy = RetryPolicy()
    timeout: float = 30.0
    notify: Callable[[str], None] = _quiet
    _opener: urllib.request.OpenerDirector = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_url", check_api_url(self.api_url))
        object.__setattr__(self, "_opener", urllib.request.build_opener(_SameOriginRedirects()))

    def _send(self, method: str, url: str, payload: Any) -> Response:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("User-Agent", f"maintcheck/{__version__}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return Response(resp.status, _lower(resp.headers), resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, _lower(exc.headers), exc.read())

    def scrub(self, text: str) -> str:
        """``text`` with the token blanked out, should any message ever echo it."""
        return text.replace(self.token, "***") if self.token else text

    def wait(self, seconds: float, why: str, attempt: int) -> None:
        """Announce and sleep before try ``attempt + 1``."""
        self.notify(
            self.scrub(
                f"{why}; retrying in {seconds:.0f}s "
                f"(attempt {attempt + 1} of {self.policy.attempts})"
            )
        )
        self.sleep(seconds)

    def _rate_limit_wait(self, resp: Response) -> float | None:
        """Seconds to wait when ``resp`` is a rate limit, else None."""
        if resp.status not in (403, 429):
            return None
        retry_after = resp.headers.get("retry-after")
        if retry_after:
            return _retry_after_seconds(retry_after, self.now())
        reset = resp.headers.get("x-ratelimit-reset", "")
        if resp.headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            if len(reset) > 12:
                return MAX_WAIT_HEADER
            return min(max(0.0, int(reset) - self.now()) + 1.0, MAX_WAIT_HEADER)
        if resp.status == 429 or "rate limit" in resp.message().lower():
            return 60.0  # GitHub: wait at least a minute on a secondary limit without headers
        return None

    def request(self, method: str, url: str, payload: Any = None) -> Response:
        """Send; retry 5xx and network failures (not for POST) and rate limits; raise a
        :class:`GitHubError` for any other 4xx."""
        url = url if url.startswith(("http://", "https://")) else self.api_url + url
        if _origin(url) != _origin(self.api_url):
            raise GitHubError(f"refusing to send the token to {urlsplit(url).netloc}: "
                              "it is not the GITHUB_API_URL host")
        safe = method != "POST"
        attempts = self.policy.attempts
        for attempt in range(1, attempts + 1):
            backoff = self.policy.backoff(attempt)
            try:
                resp = self._send(method, url, payload)
            except (urllib.error.URLError, OSError) as exc:
                why = f"cannot reach {self.api_url}: {getattr(exc, 'reason', exc)}"
                if not safe:
                    raise TransientError(self.scrub(why)) from None
                if attempt == attempts:
                    raise GitHubError(self.scrub(f"{why}; check GITHUB_API_URL and the network.")
                                      ) from None
                self.wait(backoff, why, attempt)
                continue
            if resp.status < 400:
                return resp
            wait = self._rate_limit_wait(resp)
            if wait is not None:
                if wait > self.policy.max_wait or attempt == attempts:
                    raise GitHubError(self._rate_limited(resp, wait))
                self.wait(max(wait, backoff), f"GitHub rate limit ({resp.status})", attempt)
                continue
            if resp.status >= 500 and not safe:
                raise TransientError(self._explain(method, url, resp))
            if resp.status >= 500 and attempt < attempts:
                self.wait(backoff, f"GitHub answered {resp.status}", attempt)
                continue
            raise GitHubError(self._explain(method, url, resp))
        raise AssertionError("unreachable")  # pragma: no cover

    def _rate_limited(self, resp: Response, wait: float) -> str:
        when = time.strftime("%H:%M:%S UTC", time.gmtime(self.now() + wait))
        said = resp.message() or "rate limited"
        return self.scrub(
            f"GitHub rate limit ({resp.status}: {said}); it lifts at about {when}. "
            "Run the job again later."
        )

    def _explain(self, method: str, url: str, resp: Response) -> str:
        hint = _HINTS.get(resp.status) or (
            "GitHub is having trouble; run the job again later." if resp.status >= 500
            else "see GitHub's message."
        )
        said = resp.message() or "no message"
        path = urlsplit(url).path
        return self.scrub(f"GitHub answered {resp.status} to {method} {path} ({said}): {hint}")

    def pages(self, path: str) -> list[Any]:
        """Every item of a paginated list, following ``Link: rel="next"`` for at most
        :data:`MAX_PAGES` pages."""
        items: list[Any] = []
        url: str | None = path
        seen: set[str] = set()
        while url is not None and url not in seen:
            if len(seen) >= MAX_PAGES:
                raise GitHubError(
                    f"GitHub kept answering GET {urlsplit(path).path} with a next page after "
                    f"{MAX_PAGES} pages; check GITHUB_API_URL."
                )
            seen.add(url)
            resp = self.request("GET", url)
            data = resp.json()
            if not isinstance(data, list):
                raise GitHubError(f"GitHub answered GET {urlsplit(url).path} with something "
                                  "that is not a list; check GITHUB_API_URL.")
            items.extend(data)
            url = next_link(resp.headers.get("link", ""))
        return items


_HINTS = {
    401: "GITHUB_TOKEN was not accepted: check that it is set to a valid, unexpired token "
    "(in a workflow: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}).",
    403: "the token may not write pull-request comments: give the job `permissions: "
    "pull-requests: write` (a fine-grained token needs Pull requests: write). Pull requests "
    "from forks get a read-only GITHUB_TOKEN.",
    404: "check GITHUB_REPOSITORY (owner/repo), the pull-request number and GITHUB_API_URL; "
    "a token that cannot see a private repository gets 404 too.",
    422: "GitHub rejected the comment; write it with `maintcheck scan --format markdown`, "
    "which keeps it under GitHub's size limit.",
}


def next_link(header: str) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header."""
    for part in header.split(","):
        m = _NEXT.search(part)
        if m:
            return m.group(1)
    return None


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers.items() if headers else ())}


def _retry_after_seconds(value: str, now: float) -> float:
    """Seconds a ``Retry-After`` asks for (seconds or an HTTP date), at most a day."""
    value = value.strip()
    if value.isdigit():
        return float(value) if len(value) < 9 else MAX_WAIT_HEADER
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return 60.0
    return min(max(0.0, when.timestamp() - now), MAX_WAIT_HEADER)


def check_api_url(url: str) -> str:
    """``url`` when it is a plain http(s) API root (no credentials, query or fragment); the
    error never repeats a credential the URL holds."""
    shown = "the URL"
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises for a port that is not a number
        shown = repr(parts._replace(netloc=parts.hostname or "").geturl()) if parts.hostname else shown
        ok = (
            parts.scheme.lower() in ("http", "https")
            and bool(parts.hostname)
            and not parts.username
            and not parts.password
            and not parts.query
            and not parts.fragment
            and not any(ord(c) < 0x21 or ord(c) > 0x7E for c in url.strip())
        )
    except ValueError:
        ok = False
    if not ok:
        raise GitHubError(
            f"GITHUB_API_URL / --api-url {shown} is not an http(s) URL without user, password, "
            "query or fragment; for GitHub Enterprise it looks like https://HOST/api/v3."
        )
    return url.strip().rstrip("/")


def _positive_int(value: Any) -> int | None:
    """``value`` when it is a JSON integer above zero (not ``true``, not ``"12abc"``)."""
    return value if type(value) is int and value > 0 else None


# -- the sticky comment -------------------------------------------------------------------


def check_repository(repo: str | None) -> str:
    if not repo or not _REPO.match(repo):
        shown = repr(repo[:100]) if repo else "(not set)"
        raise GitHubError(
            f"GITHUB_REPOSITORY {shown} is not OWNER/REPO; set it or pass --repo owner/name."
        )
    return repo


def check_body(body: str, origin: str) -> str:
    """``body`` when it is a maintcheck Markdown report GitHub will accept."""
    if not body.lstrip().startswith(MARKER):
        raise GitHubError(
            f"{origin}: not a maintcheck Markdown report (it does not start with {MARKER}); "
            "write it with `maintcheck scan --format markdown --output FILE`."
        )
    if len(body) > GITHUB_LIMIT:
        raise GitHubError(
            f"{origin}: {len(body):,} characters, over GitHub's {GITHUB_LIMIT:,}; write it "
            "with `maintcheck scan --format markdown`, which truncates it."
        )
    return body


def find_comment(client: GitHubClient, repo: str, pr: int) -> dict[str, Any] | None:
    """The oldest comment on the pull request whose body starts with the marker."""
    for item in client.pages(f"/repos/{repo}/issues/{pr}/comments?per_page=100"):
        if isinstance(item, dict) and str(item.get("body") or "").lstrip().startswith(MARKER):
            return item
    return None


def _html_url(data: Any) -> str | None:
    """The comment's web address, when the API gave a plain http(s) URL."""
    url = data.get("html_url") if isinstance(data, dict) else None
    if not isinstance(url, str) or len(url) > 2000:
        return None
    if not re.fullmatch(r"https?://[\x21-\x7e]+", url):
        return None
    return url


def _upsert_once(
    client: GitHubClient, repo: str, pr: int, body: str, post_all_clear: bool
) -> Outcome:
    old = find_comment(client, repo, pr)
    if old is not None:
        cid = _positive_int(old.get("id"))
        if cid is None:
            raise GitHubError(
                f"GitHub listed the maintcheck comment with an id that is not a number "
                f"({str(old.get('id'))[:40]!r}); check GITHUB_API_URL."
            )
        if old.get("body") == body:
            return Outcome("unchanged", cid, _html_url(old))
        resp = client.request("PATCH", f"/repos/{repo}/issues/comments/{cid}", {"body": body})
        return Outcome("updated", cid, _html_url(resp.json()) or _html_url(old))
    if ALL_CLEAR_MARKER in body and not post_all_clear:
        return Outcome("skipped", None, None)
    data = client.request("POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body}).json()
    new_id = _positive_int(data.get("id")) if isinstance(data, dict) else None
    return Outcome("created", new_id, _html_url(data))


def upsert_comment(
    client: GitHubClient, repo: str, pr: int, body: str, *, post_all_clear: bool = False
) -> Outcome:
    """Update the sticky comment, or create it. An all-clear body does not start a new
    comment (there is nothing to say on a pull request that never had findings) unless
    ``post_all_clear``."""
    repo = check_repository(repo)
    attempts = client.policy.attempts
    for attempt in range(1, attempts + 1):
        try:
            return _upsert_once(client, repo, pr, body, post_all_clear)
        except TransientError as exc:
            if attempt == attempts:
                raise GitHubError(str(exc)) from None
            client.wait(client.policy.backoff(attempt), str(exc), attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def pr_from_event(path: str) -> int | None:
    """The pull-request number in a GitHub Actions event payload (``GITHUB_EVENT_PATH``):
    ``pull_request.number``, or ``issue.number`` for a comment event on a pull request."""
    try:
        with open(path, encoding="utf-8") as fh:
            event = json.load(fh)
    except OSError as exc:
        raise GitHubError(f"GITHUB_EVENT_PATH {path}: cannot read it ({exc.strerror}).") from None
    except json.JSONDecodeError as exc:
        raise GitHubError(
            f"GITHUB_EVENT_PATH {path}: not JSON ({exc.msg} at line {exc.lineno})."
        ) from None
    except UnicodeDecodeError:
        raise GitHubError(f"GITHUB_EVENT_PATH {path}: not UTF-8 JSON.") from None
    except (ValueError, RecursionError):
        raise GitHubError(f"GITHUB_EVENT_PATH {path}: not an event payload GitHub writes.") from None
    if not isinstance(event, dict):
        return None
    pull = event.get("pull_request")
    if isinstance(pull, dict) and _positive_int(pull.get("number")):
        return int(pull["number"])
    issue = event.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue and _positive_int(issue.get("number")):
        return int(issue["number"])
    return None
