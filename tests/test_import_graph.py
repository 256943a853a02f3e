"""No import cycle inside app/: no module reaches itself again through what it imports, function-local imports
included (grimp reads those too: an import moved into a function hides a circle, it does not end it).

The checker is tried on a throwaway package with a circle first, so a graph that always looked clean cannot pass.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import grimp
import pytest


def import_cycles(package: str) -> list[list[str]]:
    """The import cycles among `package`'s own modules: the strongly connected components of its import graph that
    hold more than one module (or a module importing itself), each sorted, largest first."""
    graph = grimp.build_graph(package, include_external_packages=False, cache_dir=None)
    imports = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in imports:  # Tarjan's algorithm, without recursion: the graph may be deep
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            module, child = work.pop()
            if child == 0:
                index[module] = low[module] = len(index)
                stack.append(module)
                on_stack.add(module)
            for position in range(child, len(imports[module])):
                target = imports[module][position]
                if target not in index:
                    work.append((module, position + 1))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1 or module in imports[module]:
                        found.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
    return sorted(found, key=lambda c: (-len(c), c))


def test_the_checker_finds_a_cycle_even_through_a_function_local_import(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "knotted"
    package.mkdir()
    files = {
        "__init__.py": "",
        "a.py": "from knotted import b\n",
        "b.py": "def later():\n    from knotted import c  # the circle hides in a function\n    return c\n",
        "c.py": "import knotted.a\n",
        "d.py": "from knotted import a\n",  # imports into the circle, is not part of it
        "e.py": "from knotted import e\n",  # a module importing itself
    }
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert import_cycles("knotted") == [["knotted.a", "knotted.b", "knotted.c"], ["knotted.e"]]


def test_app_has_no_import_cycle() -> None:
    cycles = import_cycles("app")
    assert not cycles, "import cycles in app/ (each line one circle of modules):\n" + "\n".join(
        "  " + ", ".join(cycle) for cycle in cycles)
