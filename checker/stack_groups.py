"""Stack groups: the stacks of one project that are judged together in one scan.

A region pair lives in two stacks (``prod-eastus`` and ``prod-westus``), and MC301/MC302 can
only see the pair when both are in one scan; ``dev`` scanned with them would add a third
"region" to every workload. Config ``stack-groups = [["prod-eastus", "prod-westus"], ["dev"]]``
names the groups; without it, stacks whose names are equal once a region name (with its
separator) is removed form a group, and every other stack is scanned alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from checker.azure.regions import region_pairs

_PARTS = re.compile(r"([-_.])")


def _regions() -> frozenset[str]:
    pairs = region_pairs()
    return frozenset(pairs.partners) | pairs.unpaired | pairs.restricted


def without_region(stack: str, regions: frozenset[str]) -> str:
    """``prod-eastus`` -> ``prod``; ``eastus-prod`` -> ``prod``; ``dev`` -> ``dev``."""
    parts = _PARTS.split(stack)  # words at even indexes, separators between them
    words = parts[0::2]
    kept = [i for i, word in enumerate(words) if word.lower() not in regions]
    if len(kept) == len(words) or not kept:
        return stack
    out = words[kept[0]]
    for i in kept[1:]:
        out += parts[2 * i - 1] + words[i]
    return out


def groups(
    stacks: Iterable[str], configured: Sequence[Sequence[str]] = ()
) -> list[tuple[str, ...]]:
    """The groups of ``stacks`` (each a tuple in the stacks' order), in order of their first
    stack. ``configured`` groups win; a stack they do not name is scanned alone. Without
    configured groups, stacks are grouped by their name without its region."""
    names = list(dict.fromkeys(stacks))
    if configured:
        group_of = {stack: i for i, group in enumerate(configured) for stack in group}
        keys = [("group", group_of[s]) if s in group_of else ("alone", s) for s in names]
    else:
        regions = _regions()
        keys = [("name", without_region(s, regions)) for s in names]
    found: dict[tuple[str, object], list[str]] = {}
    for stack, key in zip(names, keys, strict=True):
        found.setdefault(key, []).append(stack)
    return [tuple(group) for group in found.values()]
