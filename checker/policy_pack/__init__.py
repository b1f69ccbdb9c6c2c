"""The Pulumi policy pack ``maintenance-readiness``: maintcheck's rules as Pulumi policies.

A pack directory (``policies/`` in this repository, or one written by ``maintcheck
policy-pack init``) holds ``PulumiPolicy.yaml``, ``requirements.txt`` and a ``__main__.py``
that only calls :func:`PolicyPack`. Everything else lives here, in the installed package:

* ``policies``  one ``StackValidationPolicy`` per rule of ``checker.rules.ALL_RULES``;
* ``analysis``  the engine's findings as violations (pure; no pulumi import);
* ``server``    the gRPC analyzer that runs the engine once per ``AnalyzeStack``;
* ``templates`` the pack directory's files, rendered for a checkout or for an install.

This module imports no pulumi package itself, so ``maintcheck`` starts fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from checker.rules.base import Rule

PACK_NAME: Final = "maintenance-readiness"
DESCRIPTION: Final = (
    "maintcheck: are the Azure VMs of this stack ready for Azure planned maintenance? "
    "One policy per maintcheck rule, each violation with its fix."
)


def PolicyPack(  # named after, and used like, pulumi_policy.PolicyPack
    name: str = PACK_NAME, rules: Sequence[Rule] | None = None
) -> None:
    """Serve the pack to the Pulumi engine (prints the port, then blocks), with a policy for
    every rule in ``rules`` (default: the whole catalog)."""
    from checker import __version__
    from checker.policy_pack.policies import rule_policies
    from checker.policy_pack.server import serve
    from checker.rules import ALL_RULES

    serve(name, __version__, rule_policies(ALL_RULES if rules is None else rules), DESCRIPTION)
