"""bot/'s modules import one another without cycles, so each can be read, tested and loaded on
its own (the ack path loads only the few it needs)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every bot module `path` imports, at the top, inside functions or for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from bot.slack import memory_views` imports the module memory_views.
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in BOT.rglob("*.py")}
    modules = set(paths)
    graph = {name: _imports(path, modules) - {name} for name, path in paths.items()}
    # A package's __init__ runs before any of its modules: count that edge too.
    for name in modules:
        parent = name.rpartition(".")[0]
        if parent in modules:
            graph[name].add(parent)
    return graph


def test_no_module_in_bot_imports_itself_through_others():
    try:
        list(TopologicalSorter(import_graph()).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None


def test_the_check_sees_cross_package_imports():
    graph = import_graph()
    assert "bot.memory.schema" in graph["bot.memory.service"]
    assert "bot.slack.listeners" in graph["bot.wiring"]
