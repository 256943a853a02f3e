"""The engine stays pure: no Flask, SQLAlchemy or app.models import anywhere in app/scoring."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCORING = Path(__file__).resolve().parents[2] / "app" / "scoring"
FORBIDDEN = ("flask", "sqlalchemy", "app.models", "flask_sqlalchemy", "app.extensions")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
            if node.module == "app":
                names += [f"app.{a.name}" for a in node.names]
    return names


@pytest.mark.parametrize("path", sorted(SCORING.glob("*.py")), ids=lambda p: p.name)
def test_scoring_module_imports_nothing_impure(path: Path) -> None:
    bad = [n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == [], f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sorted(SCORING.glob("*.py")), ids=lambda p: p.name)
def test_scoring_module_opens_with_a_docstring(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.name} has no module docstring"


def test_scoring_never_uses_binary_float() -> None:
    for path in SCORING.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id == "float"]
        similarity = {id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == "cutoff"}
        floats = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)
                  and id(n) not in similarity]   # difflib's similarity cutoff is not a point value
        assert not calls and not floats, path.name
