"""The html format: a self-contained page of the scan, with the maintenance-wave picture."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from checker import report
from checker.commands.scan import merged
from checker.config import Settings
from checker.engine import scan
from tests.builders import StackBuilder

VM = "azure-native:compute:VirtualMachine"
REPO = Path(__file__).resolve().parents[1]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.chips: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "g" and "vm" in (values.get("class") or "").split():
            self.chips.append(values.get("data-name") or "")
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def test_page_lists_every_finding_and_places_every_vm() -> None:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    hostile = "web<script>alert(1)</script>"
    s.add(VM, hostile, {"resourceGroupName": "rg"}, line=4)
    s.add(VM, "db-1", {"resourceGroupName": "rg"}, line=9)
    result = scan([s.document()], Settings())
    page = _parse(report.get("html").render(result))
    assert page.tags[0] == "html" and "table" in page.tags and "svg" in page.tags
    assert not page.external  # self-contained: no script, no external resource
    text = "".join(page.text)
    assert text.count("single-instance-vm") == 2  # each MC101 finding has its row
    assert hostile in text  # shown as text, not markup
    assert sorted(page.chips) == sorted([hostile, "db-1"])  # every VM placed in the grid
    assert "Planned maintenance waves" in text


def test_one_scan_writes_html_beside_the_other_formats(tmp_path: Path) -> None:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add(VM, "lonely", {"resourceGroupName": "rg"})
    export = s.write(tmp_path / "export.json")
    page, data = tmp_path / "report.html", tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "checker", "scan", str(export), "--format", f"html:{page}",
         "--format", f"json:{data}"],
        capture_output=True, text=True, check=False, cwd=REPO,
    )
    assert run.returncode == 1, run.stderr
    assert "Wrote" in run.stdout and page.is_file() and data.is_file()
    assert "lonely" in "".join(_parse(page.read_text("utf-8")).text)


def test_scans_reported_together_each_get_their_wave_picture() -> None:
    """Stack groups are scanned apart and reported as one: the page draws each group's fleet
    under its stacks' names (before, a merged result kept no inventory and drew none)."""
    results = []
    for stack, names in (("dev", ["dev-vm"]), ("prod", ["web-0", "web-1"])):
        s = StackBuilder(stack, config={"azure-native:location": "eastus"})
        for name in names:
            s.add(VM, name, {"resourceGroupName": "rg"})
        results.append(scan([s.document()], Settings()))
    page = _parse(report.get("html").render(merged(results)))
    text = "\n".join(page.text)
    assert text.count("Planned maintenance waves") == 1
    assert text.index("Stack dev") < text.index("Stack prod")
    assert sorted(page.chips) == ["dev-vm", "web-0", "web-1"]
    assert page.tags.count("svg") == 2


def test_a_single_scan_draws_one_untitled_picture() -> None:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add(VM, "vm", {"resourceGroupName": "rg"})
    page = _parse(report.get("html").render(merged([scan([s.document()], Settings())])))
    assert page.tags.count("svg") == 1 and "h3" not in page.tags
