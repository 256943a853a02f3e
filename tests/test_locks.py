"""The three locks (requirements.txt, requirements-dev.txt, requirements-bench.txt): the runtime lock holds every
package the app imports, and only the app's; each pin carries its hashes; a package two locks share is the same
release in both. Whether the stock pip installs them from the index is checked by `make check-locks` (.ci/run), which
needs the network; this needs none."""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements.txt", "requirements-dev.txt", "requirements-bench.txt")
# Imported by code the app does not call yet: the columnar engine, which the benchmarks and tests drive (its
# packages are in the dev lock). Any other module of app/ or reports/ that imports a package outside the runtime
# lock fails here.
NOT_CALLED_BY_THE_APP = {"app/scoring/vector.py": {"numpy", "pandas"}}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """Each requirement of a lock: its normalized name → (version, number of hashes)."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    found: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=\S)", text):
        first = block.split("\n", 1)[0]
        if not first or first.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]+\])?==([^\s\\;]+)\s*\\?", first.strip())
        assert match, f"{lock}: not pinned with ==: {first!r}"
        found[normalized(match[1])] = (match[3], block.count("--hash=sha256:"))
    return found


def imported_packages(path: Path) -> set[str]:
    """The top-level names a file imports from outside this project and the standard library, function-local
    imports included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in {"app", "reports", "config", "wsgi"}}


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_is_pinned_with_its_hashes(lock):
    found = pins(lock)
    assert len(found) > 10
    assert [name for name, (_version, hashes) in found.items() if hashes == 0] == []


def test_a_package_two_locks_share_is_the_same_release():
    runtime, dev, bench = (pins(lock) for lock in LOCKS)
    for upper, lower in ((dev, runtime), (bench, runtime), (bench, dev)):
        assert {n: v for n, (v, _h) in upper.items() if n in lower and lower[n][0] != v} == {}


def test_the_runtime_lock_holds_what_the_app_imports_and_not_the_tests_tools():
    runtime = pins("requirements.txt")
    distributions = importlib.metadata.packages_distributions()
    sources = [*sorted((ROOT / "app").rglob("*.py")), *sorted((ROOT / "reports").rglob("*.py")),
               ROOT / "config.py", ROOT / "wsgi.py"]
    missing = {}
    for path in sources:
        where = path.relative_to(ROOT).as_posix()
        for name in imported_packages(path) - NOT_CALLED_BY_THE_APP.get(where, set()):
            if not any(normalized(d) in runtime for d in distributions.get(name, [name])):
                missing.setdefault(where, set()).add(name)
    assert missing == {}
    for tool in ("pytest", "hypothesis", "playwright", "pypdf", "pypdfium2", "weasyprint", "pip-tools", "bandit",
                 "pandas", "numpy"):
        assert tool not in runtime, f"{tool} is not for a county's server"
    assert "weasyprint" in pins("requirements-bench.txt") and "weasyprint" not in pins("requirements-dev.txt")


def test_the_checker_sees_a_function_local_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import os\n\ndef f():\n    import pandas.api\n    from yaml import safe_load\n", encoding="utf-8")
    assert imported_packages(source) == {"pandas", "yaml"}
