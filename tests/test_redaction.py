"""redaction.mask: credential-shaped values masked, the words of ordinary messages kept."""

from __future__ import annotations

import pytest

from checker.redaction import MASK, mask


@pytest.mark.parametrize(
    "text",
    [
        "privateKey: abc123def",
        "private_key=abc123def",
        "adminPassword: abc123def",
        "--account-key abc123def",
        "DB_PASS=abc123def",
    ],
)
def test_credential_values_are_masked(text: str) -> None:
    assert "abc123def" not in mask(text) and MASK in mask(text)


def test_a_private_address_is_not_a_secret() -> None:
    """MC201's messages and program warnings name privateIPAddress values: keep them readable."""
    assert mask("privateIPAddress: 10.0.0.4") == "privateIPAddress: 10.0.0.4"
    assert mask("privateIPAllocationMethod=Dynamic") == "privateIPAllocationMethod=Dynamic"
