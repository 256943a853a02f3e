"""The pure packages stay pure: no Flask, SQLAlchemy or models, a docstring each, and no binary float.

app/scoring (the engine) and app/spreadsheets (the import format) take plain data in and give plain data out,
so benchmarks and the command line can use them without a database.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE = {"app/scoring": (), "app/spreadsheets": ("app.reviews",), "reports": ("app",)}
# Points and millimetres on a page are measures, not money or scores: the documents may use floats for them.
FLOATS_ALLOWED = {"reports"}
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "app.models", "app.extensions")
MODULES = [(package, path) for package in PURE for path in sorted((ROOT / package).glob("*.py"))]


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
            if node.module == "app":
                names += [f"app.{a.name}" for a in node.names]
    return names


@pytest.mark.parametrize(("package", "path"), MODULES, ids=lambda v: v if isinstance(v, str) else v.name)
def test_module_is_pure(package: str, path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert ast.get_docstring(tree), f"{path.name} has no module docstring"
    forbidden = FORBIDDEN + PURE[package]
    bad = [n for n in _imports(tree) if any(n == f or n.startswith(f + ".") for f in forbidden)]
    assert bad == [], f"{package}/{path.name} imports {bad}"
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "float"]
    similarity = {id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == "cutoff"}
    floats = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)
              and id(n) not in similarity]  # difflib's similarity cutoff is not a point value
    if package not in FLOATS_ALLOWED:
        assert not calls and not floats, f"{package}/{path.name} uses binary float"
