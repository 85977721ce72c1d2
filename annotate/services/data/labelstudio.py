"""Label Studio task JSON: read its annotation results into our values and write them back.

Only the shapes this product uses are understood: ``choices`` (single/multi label, pairwise
choices), ``rating``/``number``, ``labels`` (spans), ``textarea`` (free text, pairwise reason)
and ``pairwise`` (left/right). Anything else is reported, never guessed.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from annotate.models import TaskType

#: The control and object names written into exported results.
FROM_NAME = "label"
TO_NAME = "text"


def annotator_key(completed_by: Any) -> tuple[str, str]:
    """Return ``(username, display name)`` for a Label Studio ``completed_by`` value.

    E-mail addresses are personal information: they are hashed, never stored.
    """
    if isinstance(completed_by, dict):
        if completed_by.get("username") and re.fullmatch(
            r"[A-Za-z0-9_.-]{1,60}", str(completed_by["username"])
        ):
            name = str(completed_by["username"])
            return (name if name.startswith("ls-") else f"ls-{name}"), name
        if completed_by.get("id") is not None:
            completed_by = completed_by["id"]
        elif completed_by.get("email"):
            digest = hashlib.sha256(str(completed_by["email"]).encode()).hexdigest()[:12]
            return f"ls-{digest}", f"Label Studio annotator {digest}"
        else:
            completed_by = "unknown"
    text = re.sub(r"[^A-Za-z0-9_.-]", "_", str(completed_by))[:60]
    return f"ls-{text}", f"Label Studio annotator {text}"


def parse_time(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp as aware UTC (naive values are taken as UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def value_from_results(task_type: TaskType, results: Any) -> tuple[Any, str | None]:
    """Convert a Label Studio ``result`` list into a raw value for ``task_type``.

    Returns ``(value, problem)``; the value still goes through the schema check.
    """
    if not isinstance(results, list):
        return None, "result: must be a list"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        if isinstance(result, dict) and isinstance(result.get("value"), dict):
            by_type.setdefault(str(result.get("type")), []).append(result["value"])
    choices = [c for v in by_type.get("choices", []) for c in v.get("choices", [])]
    texts = [t for v in by_type.get("textarea", []) for t in v.get("text", [])]
    if task_type == TaskType.single_label:
        return (
            (choices[0], None)
            if len(choices) == 1
            else (None, "result: expected exactly one choice")
        )
    if task_type == TaskType.multi_label:
        return (choices, None) if choices else (None, "result: no choices")
    if task_type == TaskType.rating:
        for kind, key in (("rating", "rating"), ("number", "number")):
            if by_type.get(kind):
                return by_type[kind][0].get(key), None
        return (choices[0], None) if choices else (None, "result: no rating")
    if task_type == TaskType.text:
        return ("\n".join(map(str, texts)), None) if texts else (None, "result: no text")
    if task_type == TaskType.pairwise:
        choice = None
        if by_type.get("pairwise"):
            sides: dict[Any, str] = {"left": "A", "right": "B"}
            choice = sides.get(by_type["pairwise"][0].get("selected"))
        elif choices:
            choice = choices[0]
        if choice is None:
            return None, "result: no pairwise choice"
        return {"choice": choice, "reason": "\n".join(map(str, texts))}, None
    spans = []
    for value in by_type.get("labels", []):
        labels = value.get("labels") or [None]
        spans.append({"start": value.get("start"), "end": value.get("end"), "label": labels[0]})
    return spans, None


def results_from_value(task_type: TaskType, value: Any) -> list[dict[str, Any]]:
    """Write one of our values as a Label Studio ``result`` list."""

    def result(kind: str, body: dict[str, Any], n: int = 0) -> dict[str, Any]:
        return {
            "id": f"r{n}",
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": kind,
            "value": body,
        }

    if task_type == TaskType.single_label:
        return [result("choices", {"choices": [value]})]
    if task_type == TaskType.multi_label:
        return [result("choices", {"choices": list(value)})]
    if task_type == TaskType.rating:
        return [result("rating", {"rating": value})]
    if task_type == TaskType.text:
        return [result("textarea", {"text": [value]})]
    if task_type == TaskType.pairwise:
        out = [result("choices", {"choices": [value["choice"]]})]
        if value.get("reason"):
            out.append(
                {**result("textarea", {"text": [value["reason"]]}, 1), "from_name": "reason"}
            )
        return out
    return [
        result("labels", {"start": s["start"], "end": s["end"], "labels": [s["label"]]}, n)
        for n, s in enumerate(value)
    ]
