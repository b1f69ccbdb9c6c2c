"""Escaping of input strings for each place maintcheck writes them (its *sinks*).

Names, stacks, paths, messages and evidence come from the user's documents and programs, so
they may hold anything: terminal escape sequences (``\\x1b]0;…\\a``, ``\\x1b[2J``), line breaks
followed by GitHub workflow commands (``\\n::error …``), bidi overrides, NUL or lone surrogates
(``\\ud800``, which cannot even be written as UTF-8). Every report format passes each such
string through the helper of its sink:

- :func:`inline`: one-line text (a name, a message) for a terminal, a log, SARIF or XML text:
  every control or invisible formatting character is shown as its escape (``\\x1b``,
  ``\\u202e``), so the string stays on its line and cannot drive the terminal.
- :func:`block`: the same for multi-line text (snippets, a program's traceback): keeps line
  breaks and tabs.
- :func:`no_commands`: a whole output written to stdout/stderr, line by line: a line that
  would start a GitHub Actions workflow command (``::…``, after any leading spaces, as the
  runner trims them) or carries a legacy ``##[…]`` command has its colon or hash escaped.
- :func:`workflow_data` / :func:`workflow_property`: values inside a workflow command, escaped as
  the Actions runner unescapes them.
- :func:`json_text`: a JSON document whose strings may hold lone surrogates: those become
  ``\\udXXX`` escapes (valid JSON) instead of making the UTF-8 write fail; ``##[`` is escaped.

Markdown and XML add their own syntax escaping on top (``report.markdown.cell``; ElementTree).
"""

from __future__ import annotations

import html as _html
import re
from typing import Final

# C0 controls, DEL, C1 controls, zero-width and bidi formatting characters, line/paragraph
# separators, the BOM, interlinear annotations, and lone surrogates.
_OTHER_UNSAFE: Final = (
    "\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff"
)
_INLINE: Final = re.compile(f"[\x00-\x1f{_OTHER_UNSAFE}]")
_BLOCK: Final = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHER_UNSAFE}]")  # keeps \t and \n
# What json.dumps(ensure_ascii=False) leaves raw that must not be: C1 controls, invisible and
# bidi formatting characters, lone surrogates (C0 controls it escapes itself).
_JSON_UNSAFE: Final = re.compile(f"[{_OTHER_UNSAFE}]")
# The ASCII characters :func:`block` keeps: printable ones, tab and line feed.
_BLOCK_SAFE_ASCII: Final = bytes(range(0x20, 0x7F)) + b"\t\n"
_WORKFLOW_PREFIX: Final = re.compile(r"##\[")  # (re finds it in 12 MB twice as fast as `in`)
# A workflow command at the start of a line (the runner trims leading white space first), or
# the legacy form anywhere in the line.
_COMMAND_START: Final = re.compile(r"^(\s*):(?=:)", re.MULTILINE)
_LEGACY_COMMAND: Final = re.compile(r"#(?=#\[)")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inline(text: str) -> str:
    """``text`` on one line with every control/formatting character shown as its escape."""
    # Printable text holds none of them (each is in a category isprintable() excludes: Cc, Cf,
    # Cs, Zl, Zp), and the test is much cheaper than the substitution (0.02 s per 15,000 names).
    return text if text.isprintable() else _INLINE.sub(_escape_char, text)


def block(text: str) -> str:
    """Like :func:`inline`, but line feeds and tabs are kept (multi-line text)."""
    if text.isascii():  # most text: deleting every safe byte in C leaves nothing
        safe = not text.encode("ascii").translate(None, _BLOCK_SAFE_ASCII)
    else:  # (isprintable() is False for any line feed: the substitution then decides)
        safe = text.isprintable()
    return text if safe else _BLOCK.sub(_escape_char, text)


def no_commands(text: str) -> str:
    """``text`` with no line that a GitHub Actions runner would take for a workflow command."""
    if "::" not in text and "##[" not in text:  # neither form can match: most text
        return text
    text = _COMMAND_START.sub(r"\1\\x3a", text)
    return _LEGACY_COMMAND.sub(r"\\x23", text)


def terminal(text: str) -> str:
    """Multi-line text for a terminal or a CI log: :func:`block`, then :func:`no_commands`."""
    return no_commands(block(text))


def workflow_data(text: str) -> str:
    """A workflow command's message (after ``::``): ``%``, CR and LF percent-encoded as the
    runner unescapes them; any other control character shown as its escape."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return inline(text)


def workflow_property(text: str) -> str:
    """A workflow command property value (``file=``, ``title=``): also ``:`` and ``,``."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def json_text(text: str) -> str:
    """A serialised JSON document with lone surrogates, C1 controls and invisible or bidi
    formatting characters written as ``\\uXXXX`` escapes, and
    the legacy workflow-command prefix ``##[`` (which a runner finds anywhere in a line)
    written ``#\\u0023[``: the same data, as JSON decodes both."""
    if not text.isascii():  # ensure_ascii output (the JSON report) never holds them raw
        text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return text.replace("##[", "#\\u0023[") if _WORKFLOW_PREFIX.search(text) else text


def html_text(text: str, *, lines: bool = False) -> str:
    """Text or an attribute value for HTML: :func:`inline` (with ``lines``, :func:`block`,
    which keeps line feeds and tabs), then HTML-escaped, quotes included."""
    return _html.escape(block(text) if lines else inline(text), quote=True)


def xml(text: str) -> str:
    """Text for an XML attribute or element: XML 1.0 cannot carry control characters or lone
    surrogates at all, even escaped, so they are shown as escapes (line feeds and tabs kept)."""
    return block(text)
