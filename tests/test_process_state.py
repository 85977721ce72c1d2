"""Nothing one server process keeps in memory may be something another process must see
(several gunicorn processes on several hosts, and ``annotate worker``s, share one database
and one Redis). Every per-process cache is listed, with why it is safe, in
``docs/production.md``; this test finds them in the code (memoising decorators, module- or
class-level mutable containers, ``global`` rebinding) and fails when one is not listed there,
or when the list names one that no longer exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "annotate"
DOC = ROOT / "docs" / "production.md"
MEMOISERS = {"cache", "lru_cache", "cached_property"}
EMPTY_CALLS = {"dict", "set", "list", "defaultdict", "OrderedDict", "WeakValueDictionary"}


def _memoised(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in MEMOISERS:
            return True
    return False


def _mutable(value: ast.expr | None) -> bool:
    """A container a process could fill as it runs (an empty literal or constructor, or a
    dict built by a comprehension is not: tables written out in full are constants)."""
    if isinstance(value, ast.Dict | ast.List | ast.Set):
        return not getattr(value, "keys", None) and not getattr(value, "elts", None)
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in EMPTY_CALLS
    return False


def _targets(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign) and _mutable(node.value):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and _mutable(node.value):
        return [node.target.id] if isinstance(node.target, ast.Name) else []
    return []


def process_state() -> set[str]:
    """``module:name`` (``module:Class.name`` for class attributes) of every per-process
    cache or registry in the package."""
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # (a CLI module's ``commands`` list is a constant, even empty)
            found.update(f"{module}:{name}" for name in _targets(node) if name != "commands")
            if isinstance(node, ast.ClassDef):
                for inner in node.body:
                    found.update(f"{module}:{node.name}.{name}" for name in _targets(inner))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _memoised(node):
                found.add(f"{module}:{node.name}")
            elif isinstance(node, ast.Global):
                found.update(f"{module}:{name}" for name in node.names)
    return found


def listed() -> set[str]:
    return set(re.findall(r"`(annotate[\w.]*:[\w.]+)`", DOC.read_text(encoding="utf-8")))


def test_every_per_process_cache_is_listed_with_why_it_is_safe():
    found = process_state()
    assert found - listed() == set(), "add these to docs/production.md, saying why each is safe"
    assert listed() - found == set(), "docs/production.md lists state the code no longer has"


def test_the_scan_finds_what_it_looks_for():
    found = process_state()
    assert {
        "annotate.services.labeling.progress:_remaining_cache",
        "annotate.services.jobs.base:Progress._memory",
        "annotate.services.training.gate:gate_statement",
        "annotate.services.labeling.tokens:_jieba",
    } <= found
