"""Model predictions as suggestions on the labeling screen (projects that turn them on).

Off by default: a pre-filled answer anchors people on the model's. When a project shows them,
the item's most recently imported prediction (``Item.suggestion``, written with the
predictions, so the screen's statement budget is unchanged) is pre-filled, and every
annotation made meanwhile records ``with_suggestions``
(:func:`annotate.services.labeling.annotations.submit_annotation`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annotate.models import Item, Project, TaskType


@dataclass(frozen=True)
class Suggestion:
    """The prediction shown pre-filled: its model version, value and score."""

    model: str
    version: str
    value: Any
    score: float | None

    def keys(self, task_type: TaskType) -> list[str]:
        """The answer options the value selects, as the screen's option keys (text)."""
        value = self.value
        if task_type == TaskType.pairwise:
            value = value.get("choice") if isinstance(value, dict) else None
        if task_type == TaskType.rating and isinstance(value, int | float):
            return [f"{value:g}"]
        if isinstance(value, list) and task_type == TaskType.multi_label:
            return [str(v) for v in value]
        return [] if value is None or isinstance(value, dict | list) else [str(value)]

    def text(self, task_type: TaskType) -> str:
        """The text pre-filled in a text box (free text; a pairwise reason)."""
        if task_type == TaskType.pairwise and isinstance(self.value, dict):
            return str(self.value.get("reason") or "")
        return str(self.value) if task_type == TaskType.text else ""

    def spans_json(self) -> str:
        """Span values as the span editor's hidden input holds them."""
        return json.dumps(self.value if isinstance(self.value, list) else [])


def suggestion_for(project: Project, item: Item) -> Suggestion | None:
    """The item's latest model prediction if ``project`` shows suggestions, else None."""
    found = item.suggestion
    if not project.show_predictions or not isinstance(found, dict):
        return None
    return Suggestion(
        str(found.get("model", "")),
        str(found.get("version", "")),
        found.get("value"),
        found.get("score"),
    )
