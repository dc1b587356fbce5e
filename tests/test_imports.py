"""The shape of the house, checked: ``analysis`` never imports Streamlit or the demo generator, and no two modules
import each other (at the top of a module) in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _project_modules() -> dict[str, Path]:
    folders = ("analysis", "pages", "ui", "data")
    return {_module_name(p): p for folder in folders for p in (REPO_ROOT / folder).rglob("*.py")}


def test_analysis_imports_neither_streamlit_nor_the_demo():
    for path in (REPO_ROOT / "analysis").rglob("*.py"):
        imported = _imports(path, top_level_only=False)
        assert not any(m == "streamlit" or m.startswith("streamlit.") for m in imported), path
        assert not any(m == "data" or m.startswith("data.") for m in imported), path


def test_no_import_circle_between_modules():
    modules = _project_modules()
    graph = {name: {m for m in _imports(path, top_level_only=True) if m in modules and m != name}
             for name, path in modules.items()}

    cleared: set[str] = set()  # modules whose every import chain is known to end

    def visit(name: str, trail: list[str]) -> None:
        for nxt in graph[name] - cleared:
            assert nxt not in trail, "import circle: " + " -> ".join(trail[trail.index(nxt):] + [nxt])
            visit(nxt, trail + [nxt])
        cleared.add(name)

    for name in graph:
        visit(name, [name])
