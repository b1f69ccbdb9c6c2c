"""Redaction: what maintcheck may say about text that can hold credentials.

By design, not by pattern list alone:

- Evidence from boot scripts (MC212) is built from two facts only: the *command's verb* (the
  program a line runs, ``mkdir``, ``Set-Content``) and the *path* that matched (the temp-disk
  path). No argument, assignment, header, URL or heredoc/``write_files`` content is ever
  quoted, so a credential on the line cannot reach any output (:func:`script_evidence`).
- Other free text that must be shown (a value a schema rejects, a program's stderr, an HTTP
  error) goes through :func:`mask`: values after credential-like flags, secret-looking
  ``KEY=VALUE`` / ``key: value`` / ``"key": "value"`` pairs, URL userinfo and query strings,
  ``Authorization``-style header values, ``Pwd=…;`` connection-string parts become ``***``; and
  through :func:`shorten`, so a 3 MB value is never echoed back in full.
- Values under credential-like keys and Pulumi secrets never leave the engine as text
  (:mod:`checker.values`); :func:`describe` shows a rejected value by its shape, with those
  masked.

Every report format and the policy pack show findings built from these, so there is one
redaction for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from checker.values import SECRET, SIG_KEY, UNKNOWN, is_credential_key

MASK: Final = "***"
MAX_TEXT: Final = 300
MAX_PATH: Final = 120

# A word that names a credential: password, passwd, pwd, secret, token, key, sig, sas, auth...
# (not "private" alone: privateIPAddress, an address every MC201 message names, is no secret;
# privateKey still matches through "key").
_SECRET_WORD: Final = (
    r"[\w.-]*(?:password|passwd|passphrase|pwd|pass|secret|token|key|sig|sas|auth|credential|"
    r"cred|apikey|api-key)[\w.-]*"
)
_SECRET_WORD_RE: Final = re.compile(rf"(?i)^{_SECRET_WORD}$")
# Credential shapes in free text; the named group ``s`` is what gets masked.
_CREDENTIALS: Final = tuple(
    re.compile(pattern)
    for pattern in (
        # Authorization: Bearer xyz / x-api-key: xyz / Cookie: ... (header values, whole)
        r"(?i)\b(?:authorization|proxy-authorization|cookie|set-cookie|x-[\w-]*(?:key|token|auth)[\w-]*)"
        r"\s*:\s*(?P<s>[^\"'\r\n]+)",
        # "password": "xyz" (JSON), password: "xyz" (YAML), PASSWORD=xyz, --password=xyz; not a
        # GitHub Actions expression (`TOKEN: ${{ secrets.TOKEN }}` names a secret, holds none),
        # nor the placeholder of what to type (`--config dbPassword=VALUE`)
        rf"(?i){_SECRET_WORD}[\"']?\s*[=:]\s*(?!\$\{{\{{|(?-i:VALUE)\b)(?P<s>\"[^\"]*\"?|'[^']*'?|[^\s;,&\"'}}]+)",
        # --password xyz, -AccountKey xyz, -P xyz (sqlcmd), -p xyz
        rf"(?i)(?:^|\s)-{{1,2}}{_SECRET_WORD}\s+(?P<s>\"[^\"]*\"?|'[^']*'?|\S+)",
        r"(?:^|\s)-[Pp]\s+(?P<s>\"[^\"]*\"?|'[^']*'?|\S+)",
        # Bearer xyz / Basic xyz / token ghp_xyz (a header value quoted in an error)
        r"(?i)\b(?:bearer|basic)\s+(?P<s>[\w.~+/=-]{6,})",
        r"(?i)\btoken\s+(?P<s>(?=\S*[\d_])[\w.~+/=-]{8,})",
        # scheme://user:password@host
        r"://[^\s:/@]*:(?P<s>[^\s@/]+)@",
        # curl -u user:password, echo "admin:pw" | chpasswd, user:pw lines (.pgpass, htpasswd)
        r"(?:^|\s)(?:-u|--user)\s+[\"']?[^\s:\"']+:(?P<s>[^\s\"']+)",
        r"(?P<s>[^\s\"'|]+:[^\s\"'|]+)[\"']?\s*\|\s*(?:sudo\s+)?chpasswd",
        r"(?:^|\s)-p(?P<s>[^\s-]\S*)",  # mysql -pPASSWORD
        r"sshpass\s+-p\s*(?P<s>\S+)",
        r"echo\s+(?P<s>'[^']*'|\"[^\"]*\"|\S+)\s*\|\s*sudo\s+-S",  # echo PASSWORD | sudo -S
        # htpasswd -b file user password; net user name password /add
        r"(?i)htpasswd\s+(?:-\w+\s+)*\S+\s+\S+\s+(?P<s>\S+)",
        r"(?i)net\s+user\s+\S+\s+(?P<s>[^\s/]\S*)",
        # ConvertTo-SecureString "pw" -AsPlainText
        r"(?i)ConvertTo-SecureString\s+(?:-String\s+)?(?P<s>\"[^\"]*\"|'[^']*'|\S+)",
        # a .pgpass line host:port:db:user:password
        r"^[^\s:]+:\d+:[^\s:]+:[^\s:]+:(?P<s>\S+)$",
        # Pwd=…; AccountKey=…; SharedAccessSignature=… in connection strings
        r"(?i)(?:pwd|password|accountkey|sharedaccesskey|sharedaccesssignature)=(?!(?-i:VALUE)\b)"
        r"(?P<s>[^;\s\"']+)",
    )
)
_QUERY: Final = re.compile(r"(\w+://[^\s?'\"#]+)\?[^\s'\"#]*")
_LEADING_NOISE: Final = re.compile(r"^(?:[-*]\s+|\[\s*|[\"'`]|\$\(|\(|\{)+")
_ASSIGNMENT: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*\s*")
_VERB: Final = re.compile(r"[A-Za-z_./][\w./+-]{0,39}")
_WRAPPERS: Final = frozenset({"sudo", "exec", "nohup", "time", "env", "then", "do", "else", "if", "&&", "-"})


def _masked(match: re.Match[str]) -> str:
    head, tail = match.start("s") - match.start(), match.end("s") - match.start()
    return f"{match[0][:head]}{MASK}{match[0][tail:]}"


def mask(text: str) -> str:
    """``text`` with every credential-shaped value replaced by ``***``, line by line."""
    return "\n".join(_mask_line(line) for line in text.split("\n"))


def _mask_line(line: str) -> str:
    line = _QUERY.sub(rf"\1?{MASK}", line)
    for pattern in _CREDENTIALS:
        line = pattern.sub(_masked, line)
    return line


def for_log(text: str) -> str:
    """A message for stderr or a CI log: credential-shaped values masked, control characters
    escaped, and no line that a CI runner would take for a workflow command."""
    from checker.escaping import terminal

    return terminal(mask(text))


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def safe_text(text: str, limit: int = MAX_TEXT) -> str:
    """Free text that may hold credentials, fit to show: masked, then shortened (only a
    prefix is masked, so a huge value costs no more than a short one)."""
    head = mask(text[: limit * 2])
    if len(text) <= limit * 2 and len(head) <= limit:
        return head
    return f"{head[:limit]}… ({len(text):,} characters in all)"


def is_secret_word(word: str) -> bool:
    """Does ``word`` name a credential (``DB_PASS``, ``--account-key``, ``x-api-key``)?"""
    return bool(_SECRET_WORD_RE.match(word.lstrip("-"))) or is_credential_key(word)


def verb(line: str) -> str | None:
    """The program a script line runs (``mkdir`` in ``sudo mkdir -p /mnt/x``), or None when the
    line runs nothing recognisable (an assignment, YAML data, a heredoc line). Never a word that
    names a credential."""
    rest = line.strip()
    for _ in range(8):
        rest = _LEADING_NOISE.sub("", rest).lstrip()
        assignment = _ASSIGNMENT.match(rest)
        if assignment:
            rest = rest[assignment.end() :]
            continue
        word = _VERB.match(rest)
        if word is None:
            return None
        token = word.group(0)
        after = rest[word.end() :]
        if after[:1] not in ("", " ", "\t", ",", "]", ";", "\"", "'"):
            return None  # ``key:``, ``a=b``, ``user:pw``: data, not a command
        if token in _WRAPPERS:
            rest = after.strip()
            continue
        return None if is_secret_word(token) else token
    return None


def safe_path(path: str) -> str:
    """A matched path, fit to show: no query string, no credential-shaped part, not too long."""
    path = path.split("?", 1)[0]
    path = _mask_line(path)
    return shorten(path, MAX_PATH)


def script_evidence(where: str, path: str, command: str | None = None) -> str:
    """``customData, line 2: echo … /mnt/app/.env``: where, the verb, and the path only."""
    shown = safe_path(path)
    what = f"{command} … {shown}" if command else f"uses {shown}"
    return f"{where}: {what}"


def describe(value: Any, limit: int = 200) -> str:
    """A value rejected by a schema, shown by its shape: secrets and values under credential
    keys masked, long text shortened (``{'sig': ..., 'plaintext': '***'}``)."""
    return shorten(repr(_redacted(value, 0)), limit)


def _redacted(value: Any, depth: int) -> Any:
    if value is SECRET or value is UNKNOWN:
        return value
    if depth > 3:
        return ...
    if isinstance(value, Mapping):
        if SIG_KEY in value:
            return SECRET
        return {
            k: MASK if isinstance(k, str) and is_secret_word(k) else _redacted(v, depth + 1)
            for k, v in list(value.items())[:8]
        }
    if isinstance(value, list):
        return [_redacted(v, depth + 1) for v in value[:8]]
    if isinstance(value, str):
        if len(value) <= 40:
            return mask(value)
        return f"{mask(value[:200])[:40]}… ({len(value):,} characters)"
    return value
