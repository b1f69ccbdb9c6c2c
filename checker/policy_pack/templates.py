"""The files of a pack directory, rendered from the ``*.tmpl`` files beside this module.

The repository's ``policies/`` is this rendering with :data:`CHECKOUT_REQUIREMENT` (a test
compares them byte for byte); ``maintcheck policy-pack init`` renders it for an installed
maintcheck. Regenerate ``policies/`` with::

    maintcheck policy-pack init policies --force --requirement '-e ..[policy]'
"""

from __future__ import annotations

from importlib import resources
from string import Template
from typing import Final

from checker import __version__

# pack file -> template file
FILES: Final = {
    "PulumiPolicy.yaml": "PulumiPolicy.yaml.tmpl",
    "__main__.py": "__main__.py.tmpl",
    "requirements.txt": "requirements.txt.tmpl",
    ".gitignore": "gitignore.tmpl",
}
# A checkout's pack installs the checkout itself (pip runs in the pack directory).
CHECKOUT_REQUIREMENT: Final = "-e ..[policy]"


def installed_requirement() -> str:
    """The requirement that installs the running maintcheck's version from the index."""
    return f"maintcheck[policy]=={__version__}"


def render(requirement: str, virtualenv: str = "venv") -> dict[str, str]:
    """Every file of a pack directory, by name."""
    values = {"version": __version__, "requirement": requirement, "virtualenv": virtualenv}
    package = resources.files(__package__ or "checker.policy_pack")
    return {
        name: Template(package.joinpath(template).read_text("utf-8")).substitute(values)
        for name, template in FILES.items()
    }
