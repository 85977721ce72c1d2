"""The order in which the labeling screen shows a pairwise item's two responses.

Each assignment shows them in a seeded random order: ``swapped`` (``response_b`` first) is a
bit of the BLAKE2b hash of the assignment's id, the same on every render of the lease and at
its submit, half the assignments each way. The screen labels the first response shown "A";
the answer is mapped back to the item's own orientation before it is stored, and the
annotation records ``swapped``, so the position-bias rate counts the position shown
(:func:`annotate.metrics.taskwise.position_counts`) and the content stays comparable across
annotators. The API shows nothing: it takes answers in the item's own orientation and records
no order (``swapped`` is None).
"""

from __future__ import annotations

import hashlib
from typing import Any

from annotate.models import Project, TaskType

_SWAP = {"A": "B", "B": "A"}


def shown_swapped(project: Project, assignment_id: int) -> bool | None:
    """Whether assignment ``assignment_id`` shows ``response_b`` first (None: not pairwise)."""
    if project.task_type != TaskType.pairwise:
        return None
    digest = hashlib.blake2b(f"pairwise-order:{assignment_id}".encode(), digest_size=1).digest()
    return bool(digest[0] & 1)


def swap_choice(value: Any, swapped: bool | None) -> Any:
    """A pairwise value (``{"choice": …}`` or a bare choice) with A and B exchanged when
    ``swapped``: from the shown orientation to the item's, and back (it is its own inverse)."""
    if not swapped:
        return value
    if isinstance(value, dict) and "choice" in value:
        return {**value, "choice": _SWAP.get(value["choice"], value["choice"])}
    if isinstance(value, str):
        return _SWAP.get(value, value)
    return value


def shown_payload(payload: dict[str, Any], swapped: bool | None) -> dict[str, Any]:
    """The item's payload as shown: the two responses exchanged when ``swapped``."""
    if not swapped:
        return payload
    return {
        **payload,
        "response_a": payload.get("response_b"),
        "response_b": payload.get("response_a"),
    }
