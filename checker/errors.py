"""The one exception type that front doors turn into a clear message and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: the message names the file, JSON path or program line, and what to do."""
