"""The rules package stays pure: no Flask, no database session, nothing above layer 0."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "enquiry" / "rules"
FORBIDDEN = ("flask", "flask_babel", "flask_sqlalchemy", "enquiry.extensions", "enquiry.domain")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(RULES.glob("*.py")), ids=lambda path: path.name)
def test_a_rules_module_imports_no_flask_and_no_session(path: Path) -> None:
    bad = {
        name
        for name in imported(path)
        if any(name == root or name.startswith(f"{root}.") for root in FORBIDDEN)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"
