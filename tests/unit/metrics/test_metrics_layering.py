"""annotate.metrics is pure: no Flask, SQLAlchemy, WTForms, click or other annotate modules."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "annotate" / "metrics"
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "wtforms", "flask_wtf", "click")
# lazy_loader: the package __init__ loads its names on first use (start-up time);
# pyarrow: the columnar CSV reader of annotate agreement (metrics/columnar.py).
ALLOWED_THIRD_PARTY = ("numpy", "scipy", "sklearn", "krippendorff", "lazy_loader", "pyarrow")


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: stays inside annotate.metrics
                continue
            found.append((node.module or "", node.lineno))
    return found


def test_metrics_package_exists():
    assert (PACKAGE / "__init__.py").is_file()


def test_metrics_imports_nothing_impure():
    problems = []
    for path in sorted(PACKAGE.glob("*.py")):
        for name, line in _imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN or name.startswith("flask"):
                problems.append(f"{path.name}:{line} imports {name}")
            elif top == "annotate" and not (
                name == "annotate.metrics" or name.startswith("annotate.metrics.")
            ):
                problems.append(f"{path.name}:{line} imports {name}")
    assert not problems, "\n".join(problems)


def test_metrics_third_party_imports_are_the_allowed_ones():
    import sys

    stdlib = sys.stdlib_module_names
    for path in sorted(PACKAGE.glob("*.py")):
        for name, line in _imports(path):
            top = name.split(".")[0]
            assert (
                top in stdlib
                or top in ALLOWED_THIRD_PARTY
                or top == "annotate"
                or top == "__future__"
            ), f"{path.name}:{line} imports {name}"
