"""Azure location names as users write them ("East US", "eastus", "EastUS")."""

from __future__ import annotations


def normalize_location(value: str) -> str:
    """Canonical lower-case location name: ``"West Europe"`` -> ``"westeurope"``."""
    return "".join(value.split()).lower()
