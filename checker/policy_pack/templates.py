"""The files of a pack directory, rendered from the ``*.tmpl`` files beside this module.

The repository's ``policies/`` is this rendering with :data:`CHECKOUT_REQUIREMENT` (a test
compares them byte for byte); ``maintcheck policy-pack init`` renders it for an installed
maintcheck, naming the source maintcheck itself was installed from
(:func:`installed_requirement`). Regenerate ``policies/`` with::

    maintcheck policy-pack init policies --force --requirement '-e ..[policy]'
"""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from string import Template
from typing import Any, Final
from urllib.parse import unquote, urlparse

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


def requirement_from(direct_url: str | None, version: str, extra: str = "policy") -> str:
    """The requirements line that installs maintcheck again the way it was installed, from
    its PEP 610 ``direct_url.json`` (None: from an index): a VCS URL at the installed commit,
    an editable checkout (``-e PATH[extra]``), a local directory or wheel, an archive URL, or
    else the same version from the index."""
    name = f"maintcheck[{extra}]"
    data: Any = None
    if direct_url:
        try:
            data = json.loads(direct_url)
        except json.JSONDecodeError:
            data = None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return f"{name}=={version}"
    url: str = data["url"]
    subdirectory = f"#subdirectory={data['subdirectory']}" if data.get("subdirectory") else ""
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs"):
        rev = vcs.get("commit_id") or vcs.get("requested_revision")
        at = f"@{rev}" if rev else ""
        return f"{name} @ {vcs['vcs']}+{url}{at}{subdirectory}"
    dir_info = data.get("dir_info")
    if isinstance(dir_info, dict) and dir_info.get("editable") and url.startswith("file://"):
        return f"-e {unquote(urlparse(url).path)}[{extra}]"
    return f"{name} @ {url}{subdirectory}"


def installed_requirement(extra: str = "policy") -> str:
    """The requirement that installs the running maintcheck from where it came from."""
    # A checkout's own maintcheck.egg-info can shadow the installed metadata when Python runs
    # from the checkout: the installed one is the one that records where it came from.
    found = list(metadata.distributions(name="maintcheck"))
    if not found:  # running from a source tree that is not installed
        return f"maintcheck[{extra}]=={__version__}"
    recorded = [d for d in found if d.read_text("direct_url.json")]
    dist = (recorded or found)[0]
    return requirement_from(dist.read_text("direct_url.json"), dist.version, extra)


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly ``text``: plain when it is a
    simple path (``venv``), else double-quoted (``"#venv"``, ``"yes"``, ``": x"``)."""
    import json

    import yaml

    simple = re.fullmatch(r"[A-Za-z0-9_./~-][A-Za-z0-9_./~ -]*", text) and not text.endswith(" ")
    if simple and yaml.safe_load(text) == text:
        return text
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def render(requirement: str, virtualenv: str = "venv") -> dict[str, str]:
    """Every file of a pack directory, by name."""
    values = {
        "version": __version__,
        "requirement": requirement,
        "virtualenv": yaml_scalar(virtualenv),
    }
    package = resources.files(__package__ or "checker.policy_pack")
    return {
        name: Template(package.joinpath(template).read_text("utf-8")).substitute(values)
        for name, template in FILES.items()
    }
