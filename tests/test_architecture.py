"""The import rules of docs/architecture.md, read from the source (every import, including
those inside functions): layers point one way, the pure parts import no framework, and
module-level imports form no cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("market", "valuation", "riskpool")
FRAMEWORKS = (
    *("flask", "flask_babel", "flask_login", "flask_limiter", "flask_wtf"),
    *("wtforms", "sqlmodel", "sqlalchemy", "alembic"),
)
LIBRARIES = ("valuation", "riskpool")

# What each layer of market/ may import from market/ (docs/architecture.md, "Arrows").
ALLOWED: dict[str, tuple[str, ...]] = {
    "market.domain": ("market.domain",),
    "market.text": ("market.domain", "market.text"),
    "market.models": ("market.domain", "market.models"),
    "market.services": (
        "market.domain",
        "market.text",
        "market.models",
        "market.services",
        "market.frame.db",
        "market.frame.extensions",
    ),
    "market.views": (
        "market.domain",
        "market.text",
        "market.models",
        "market.services",
        "market.views",
        "market.frame.db",
        "market.frame.extensions",
        "market.frame.i18n",
    ),
    "market.frame": (
        "market.domain",
        "market.text",
        "market.models",
        "market.services",
        "market.frame",
    ),
}
# Only the console script may load the CLI's helpers; only the factory loads them all.
CONSOLE_ONLY = ("market.frame.cli", "market.frame.seeding")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (or a package's name for `from pkg import name`)
    line: int
    top_level: bool  # runs when the module is imported (not in a function, not TYPE_CHECKING)

    def __str__(self) -> str:
        return f"{self.module} imports {self.target} (line {self.line})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def in_function_or_type_check(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return True
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[Import] = []
    for node in ast.walk(tree):
        top = not in_function_or_type_check(node, parents)
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno, top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if is_module(sub) else base
                found.append(Import(name, target, node.lineno, top))
    return found


ALL_IMPORTS = [imp for path in source_files() for imp in imports_of(path)]


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> str | None:
    return next((layer for layer in ALLOWED if under(module, layer)), None)


def test_the_rules_see_the_whole_tree() -> None:
    """Guard against a rule that passes because it reads nothing."""
    modules = {imp.module for imp in ALL_IMPORTS}
    assert {"market", "market.views.lending.routes", "valuation", "riskpool.scheme"} <= modules
    assert any(not imp.top_level for imp in ALL_IMPORTS)  # function-level imports are read


def test_layers_import_one_way() -> None:
    wrong = []
    for imp in ALL_IMPORTS:
        layer = layer_of(imp.module)
        if layer is None or not under(imp.target, "market"):
            continue
        if imp.module == "market.frame.cli" and imp.target == "market":
            continue  # the console script builds the app with the factory
        if not any(under(imp.target, allowed) for allowed in ALLOWED[layer]):
            wrong.append(f"{imp}: {layer} may import only {', '.join(ALLOWED[layer])}")
    assert not wrong, "\n".join(wrong)


def test_only_the_factory_imports_the_blueprints() -> None:
    wrong = [
        str(imp)
        for imp in ALL_IMPORTS
        if under(imp.target, "market.views")
        and imp.module != "market"
        and not under(imp.module, "market.views")
    ]
    assert not wrong, "only market/__init__.py may import market.views:\n" + "\n".join(wrong)


def test_only_the_console_script_loads_the_cli_and_the_demo_seeding() -> None:
    wrong = [
        str(imp)
        for imp in ALL_IMPORTS
        if any(under(imp.target, m) for m in CONSOLE_ONLY)
        and imp.module not in ("market", "market.frame.cli")
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("pure", ["market.domain", *LIBRARIES])
def test_pure_parts_import_no_framework(pure: str) -> None:
    forbidden = FRAMEWORKS + (("market",) if pure in LIBRARIES else ())
    wrong = [
        str(imp)
        for imp in ALL_IMPORTS
        if under(imp.module, pure) and any(under(imp.target, f) for f in forbidden)
    ]
    assert not wrong, f"{pure} must not import {', '.join(forbidden)}:\n" + "\n".join(wrong)


def test_module_level_imports_form_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for imp in ALL_IMPORTS:
        if imp.top_level and any(under(imp.target, p) for p in PACKAGES):
            graph.setdefault(imp.module, set()).add(imp.target)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that returns to its start, or None."""
    done: set[str] = set()
    for start in sorted(graph):
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, Iterator[str]]] = []
        if start in done:
            continue
        path.append(start)
        on_path.add(start)
        stack.append((start, iter(sorted(graph.get(start, ())))))
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                path.append(child)
                on_path.add(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"b"}}) is None
