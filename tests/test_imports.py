"""The shape of the house, checked: ``analysis`` never imports Streamlit or the demo generator, and no chain of imports
between the project's modules goes round in a circle, at any depth. Every import is read, those inside functions
too: an import put inside a function to dodge a circle at load time still makes one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str) -> set[str]:
    """Every module a source file imports, wherever the import statement is (module, function or class body)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _project_modules() -> dict[str, Path]:
    folders = ("analysis", "pages", "ui", "data")
    return {_module_name(p): p for folder in folders for p in (REPO_ROOT / folder).rglob("*.py")}


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """The first import circle found in ``graph`` (module -> modules it imports), as a path that ends where it began;
    None when there is none. A depth-first search: a module met again on the current path closes a circle."""
    cleared: set[str] = set()  # modules whose every import chain is known to end

    def visit(name: str, trail: list[str]) -> list[str] | None:
        for nxt in sorted(graph.get(name, set()) - cleared):
            if nxt in trail:
                return trail[trail.index(nxt):] + [nxt]
            found = visit(nxt, trail + [nxt])
            if found:
                return found
        cleared.add(name)
        return None

    for name in sorted(graph):
        found = visit(name, [name])
        if found:
            return found
    return None


def _graph() -> dict[str, set[str]]:
    modules = _project_modules()
    return {name: {m for m in _imports(path.read_text(encoding="utf-8")) if m in modules and m != name}
            for name, path in modules.items()}


def test_analysis_imports_neither_streamlit_nor_the_demo():
    for path in (REPO_ROOT / "analysis").rglob("*.py"):
        imported = _imports(path.read_text(encoding="utf-8"))
        assert not any(m == "streamlit" or m.startswith("streamlit.") for m in imported), path
        assert not any(m == "data" or m.startswith("data.") for m in imported), path


def test_no_import_circle_between_modules_at_any_depth():
    circle = _circle(_graph())
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_imports_inside_functions_are_read():
    source = "import a\n\ndef f():\n    from b import c\n\nclass K:\n    def g(self):\n        import d.e\n"
    assert _imports(source) == {"a", "b", "b.c", "d.e"}


@pytest.mark.parametrize("graph,expected", [
    ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": {"d"}, "d": {"b"}}, ["b", "c", "d", "b"]),  # three deep, not through the start
    ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, None),  # a diamond is not a circle
])
def test_the_circle_check_finds_circles_at_any_depth(graph, expected):
    assert _circle(graph) == expected
