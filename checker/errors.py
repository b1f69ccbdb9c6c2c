"""The one exception type that front doors turn into a clear message and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: the message names the file, JSON path or program line, and what to do."""


# Exit codes of every command: no finding at or above --fail-on, findings, bad input or error.
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
