"""Design rules the code keeps, checked on its source: data is frozen dataclasses."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "checker"
# Mutable on purpose, each for one run: the fixer's cache of parsed program files.
MUTABLE = {"fix/plan.py:Resolver"}


def _frozen(decorator: ast.expr) -> bool | None:
    """None when ``decorator`` is not ``@dataclass``; else whether it says frozen=True."""
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    if name != "dataclass":
        return None
    keywords = call.keywords if call is not None else []
    return any(k.arg == "frozen" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in keywords)


def test_dataclasses_are_frozen() -> None:
    mutable = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and any(_frozen(d) is False for d in node.decorator_list):
                mutable.add(f"{path.relative_to(PACKAGE).as_posix()}:{node.name}")
    assert mutable == MUTABLE
