"""Every reason a figure can be undefined for reads in Chinese on Chinese pages: each literal
``"undefined: …"`` in the quality services and each ``reason="…"`` of ``annotate/metrics``
has an entry in :data:`annotate.messages.REASONS` (pages show reasons through it)."""

from __future__ import annotations

import ast
from pathlib import Path

from annotate.messages import REASONS

ROOT = Path(__file__).resolve().parents[1] / "annotate"


def _literal_reasons() -> set[str]:
    found: set[str] = set()
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "metrics").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if text.startswith("undefined: ") and not text.endswith(": "):
                    found.add(text.removeprefix("undefined: "))
            if isinstance(node, ast.keyword) and node.arg == "reason":
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
    return found


def test_every_literal_reason_has_a_translation():
    reasons = _literal_reasons()
    assert "no reviews yet" in reasons  # the scan finds them
    assert sorted(reasons - set(REASONS) - {""}) == []  # "" : no reason (defined)
