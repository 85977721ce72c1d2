"""The annotate package has no import cycles, and its layers point one way.

Every module's imports are read with ``ast`` — function-local ones included (an import moved
into a function to dodge a cycle is still a cycle), ``if TYPE_CHECKING:`` blocks excluded (type
annotations between models may refer to each other). An import names the module it reads
from: ``from annotate.services.labeling import assignment`` is an edge to
``annotate.services.labeling.assignment``, ``from annotate.models import Item`` one to
``annotate.models``. The packages above a module, which Python also initialises, are not
edges (a package's ``__init__`` importing its children would otherwise be a cycle).

A cycle is a strongly connected component of more than one module; the test lists each with
the imports (file:line) that close it. The purity of ``annotate.metrics`` (no Flask,
SQLAlchemy or other annotate modules) is checked in ``tests/unit/metrics/test_metrics_layering.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "annotate"

#: Cycles tolerated (none: keep it so).
ALLOWED_CYCLES: tuple[frozenset[str], ...] = ()

#: (importer, imported): no module under the first prefix imports one under the second.
FORBIDDEN = (
    # Publishing a version with its training module is orchestrated in
    # services/training/publishing.py, one level above both.
    ("annotate.services.rulebooks", "annotate.services.training"),
    ("annotate.services", "annotate.views"),
    ("annotate.services", "annotate.cli"),
    ("annotate.models", "annotate.services"),
)

Edges = dict[str, dict[str, list[str]]]


def module_names(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name → file of every module of ``package``."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[tuple[str, int]]:
    """The dotted names ``tree`` imports (``from a import b`` gives ``a.b``, which the caller
    resolves to a module), anywhere in it except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                yield from imported_names(ast.Module([child], []), module, is_package)
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join(here + ([base] if base else []))
            yield from ((f"{base}.{alias.name}", node.lineno) for alias in node.names)
        else:
            yield from imported_names(node, module, is_package)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(modules: dict[str, Path], root: Path = ROOT) -> Edges:
    """module → imported module of ``modules`` → where (``file:line`` under ``root``)."""
    graph: Edges = {name: {} for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for imported, line in imported_names(tree, name, path.name == "__init__.py"):
            target = _resolve(imported, modules)
            where = f"{path.relative_to(root)}:{line}"
            if target is not None and target != name and where not in graph[name].get(target, ()):
                graph[name].setdefault(target, []).append(where)
    return graph


def cycles(graph: Edges) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe(component: list[str], graph: Edges) -> str:
    lines = [" ↔ ".join(component)]
    for source in component:
        for target, where in sorted(graph[source].items()):
            if target in component:
                lines.append(f"    {source} → {target}  ({', '.join(where)})")
    return "\n".join(lines)


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_no_import_cycles():
    graph = import_graph(module_names())
    new = [
        component
        for component in cycles(graph)
        if not any(set(component) <= allowed for allowed in ALLOWED_CYCLES)
    ]
    assert not new, "import cycles:\n" + "\n".join(describe(c, graph) for c in new)


def test_allowed_cycles_still_exist():
    """An allowed cycle that is gone must leave the allow-list, so it cannot come back."""
    found = cycles(import_graph(module_names()))
    stale = [
        sorted(allowed)
        for allowed in ALLOWED_CYCLES
        if not any(set(component) <= allowed for component in found)
    ]
    assert not stale, f"no longer cycles, remove from ALLOWED_CYCLES: {stale}"


def test_layers_point_one_way():
    graph = import_graph(module_names())
    wrong = [
        f"{source} → {target}  ({', '.join(where)})"
        for source, targets in sorted(graph.items())
        for target, where in sorted(targets.items())
        for importer, imported in FORBIDDEN
        if _under(source, importer) and _under(target, imported)
    ]
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_the_parser_sees_local_imports_and_skips_type_checking(tmp_path):
    """The checks above are only as good as the parser: a cycle closed inside a function is
    found, one closed only under ``if TYPE_CHECKING:`` is not."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import f\n")
    (package / "b.py").write_text("def f():\n    from pkg import a\n    return a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nimport pkg.d\nif TYPE_CHECKING:\n    import pkg.a\n"
    )
    (package / "d.py").write_text(
        "if TYPE_CHECKING:\n    from pkg.c import X\nelse:\n    from . import a\n"
    )
    modules = module_names(package)
    graph = import_graph(modules, tmp_path)
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
    assert set(graph["pkg.d"]) == {"pkg.a"}
