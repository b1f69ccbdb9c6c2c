"""Normalisation of raw values: unknowns, secrets, credentials, numbers."""

from __future__ import annotations

from checker.values import SECRET, SIG_KEY, UNKNOWN, get_path, normalize, redact

TYPED_UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
TYPED_UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"


def test_unknown_sentinels_become_one_marker() -> None:
    raw = {
        "a": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "b": TYPED_UNKNOWN_NUMBER,
        "c": [TYPED_UNKNOWN_OBJECT],
    }
    assert normalize(raw) == {"a": UNKNOWN, "b": UNKNOWN, "c": [UNKNOWN]}


def test_secret_signatures_and_credential_keys_become_secret() -> None:
    raw = {
        "customData": {SIG_KEY: "1b47061264138c4ac30d75fd1eb44270", "plaintext": "x"},
        "adminPassword": "hunter2",
        "connectionString": "Server=x;Password=y",
        "storageAccountKey": "k",
        "sasToken": "t",
        "clientSecretValue": "s",
        "shown": "[secret]",
        "computerName": "web-0",
    }
    out = normalize(raw)
    assert out["computerName"] == "web-0"
    assert all(out[k] is SECRET for k in raw if k != "computerName")


def test_integral_floats_become_ints_and_paths_propagate_unknown() -> None:
    out = normalize({"n": 5.0, "f": 0.5, "p": {"q": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}})
    assert out["n"] == 5 and isinstance(out["n"], int) and out["f"] == 0.5
    assert get_path(out, "p.q.r") is UNKNOWN
    assert get_path(out, "missing.x", "d") == "d"


def test_redact_makes_markers_printable() -> None:
    assert redact({"a": [SECRET, UNKNOWN]}) == {"a": ["<secret>", "<unknown>"]}
