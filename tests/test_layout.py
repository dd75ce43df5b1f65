"""The package's shape, read from its imports: the core stands alone, nothing goes in circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "coach"

#: The core: what a routine, a plan and a session are. It runs with no
#: speech engine, no pins and no command line.
CORE = (
    "coach.routine",
    "coach.loader",
    "coach.yamltree",
    "coach.plan",
    "coach.session",
    "coach.checkin",
    "coach.menu",
    "coach.carryon",
    "coach.runtime",
    "coach.events",
    "coach.clock",
    "coach.gestures",
    "coach.phrases",
    "coach.tones",
    "coach.voice",
    "coach.errors",
    "coach.library",
    "coach.reminders",
    "coach.adherence",
)
#: What the core may never reach for.
ADAPTERS = ("coach.speech", "coach.hardware", "coach.cli", "coach.history")
#: The modes and what runs them: adapters are driven by them, never the other way.
ENGINE = (
    "coach.session",
    "coach.checkin",
    "coach.menu",
    "coach.carryon",
    "coach.runtime",
    "coach.device",
    "coach.rig",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Every coach module and the coach modules it imports, at any depth of its code."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: the package uses absolute imports only"
                base = node.module or ""
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
        graph[module_name(path)] = {m for m in found if m == "coach" or m.startswith("coach.")}
    return {name: {m for m in deps if m in graph and m != name} for name, deps in graph.items()}


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


GRAPH = imports()


def test_the_graph_sees_the_package() -> None:
    assert "coach.session" in GRAPH["coach.rig"]
    assert "coach.runtime" in GRAPH["coach.session"]
    assert "coach.speech.setup" in GRAPH["coach.device"]


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_no_adapter(module: str) -> None:
    assert module in GRAPH
    reached = sorted(m for m in GRAPH[module] if within(m, ADAPTERS))
    assert reached == [], f"{module} imports {reached}"


def test_hardware_imports_nothing_of_the_engine() -> None:
    for module, deps in GRAPH.items():
        if within(module, ("coach.hardware",)):
            reached = sorted(m for m in deps if within(m, ENGINE))
            assert reached == [], f"{module} imports {reached}"


def test_no_import_cycles() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for dep in sorted(GRAPH[module]):
            # A package's __init__ is imported with each of its modules; only real edges count.
            if not module.startswith(dep + "."):
                visit(dep, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_the_command_line_is_the_only_user_of_click_outside_the_settings_table() -> None:
    for module in ("coach.doctor", "coach.service", "coach.preview", "coach.device", "coach.rig"):
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(n == "click" or n.startswith("click.") for n in names), module
