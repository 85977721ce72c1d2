"""Votes: the form a value is voted on, the majority vote of an item's annotations, and the
per-question majority of a project with several questions (dataset export consensus)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from annotate.metrics import majority_vote, wilson_interval
from annotate.models import Project, TaskType
from annotate.services.projects.questions import questions_of

#: Task types with no consensus of the whole value (a ``form`` project's is per question).
NO_CONSENSUS = (TaskType.text, TaskType.span, TaskType.form)


def consensus_key(task_type: TaskType, value: Any) -> Any:
    """The hashable form a value is voted on (None: this value takes no part in a vote)."""
    if task_type == TaskType.pairwise:
        return value.get("choice") if isinstance(value, dict) else None
    if task_type == TaskType.multi_label:
        return json.dumps(value) if isinstance(value, list) else None
    if task_type in NO_CONSENSUS:
        return None
    return value


def share_interval(task_type: TaskType, label: Any, values: Sequence[Any]) -> tuple[Any, Any]:
    """The 95 % Wilson score interval of the share of ``values`` (those taking part in a
    vote) that give the consensus ``label``; ``(None, None)`` without a label or a vote."""
    want = consensus_key(task_type, label)
    keys = [k for v in values if (k := consensus_key(task_type, v)) is not None]
    ci = wilson_interval(sum(k == want for k in keys), len(keys)) if label is not None else None
    return ci if ci is not None else (None, None)


def consensus_value(task_type: TaskType, key: Any) -> Any:
    """Turn a voted key back into a value of the task type."""
    if key is None:
        return None
    if task_type == TaskType.pairwise:
        return {"choice": key}
    if task_type == TaskType.multi_label:
        return json.loads(key)
    return key


def majority(
    task_type: TaskType, annotations: dict[int, list[tuple[int, Any]]]
) -> dict[int, tuple[Any, float, list[Any] | None]]:
    """Each item's majority key, its share of the votes and the tied keys (as values)."""
    items, raters, keys = [], [], []
    for item_id, rows in annotations.items():
        for annotator_id, value in rows:
            key = consensus_key(task_type, value)
            if key is not None:
                items.append(item_id)
                raters.append(annotator_id)
                keys.append(key)
    if not items:
        return {}
    vote = majority_vote(items, raters, keys)
    out = {}
    for item_id, support in vote.support.items():
        tied = vote.ties.get(item_id)
        out[item_id] = (
            vote.labels[item_id],
            support,
            [consensus_value(task_type, t) for t in tied] if tied else None,
        )
    return out


def rounded(confidence: Any) -> Any:
    """A share (or a question → share mapping) rounded to six places."""
    if isinstance(confidence, dict):
        return {k: round(v, 6) for k, v in confidence.items()}
    return round(confidence, 6)


class FormConsensus:
    """The majority answer of each question of a ``form`` project (questions with no
    consensus of their own — free text, spans — left out): ``(answers, shares, ties)`` with
    one entry per question that has votes."""

    def __init__(self, project: Project) -> None:
        self.questions = [q for q in questions_of(project) if q.type not in NO_CONSENSUS]

    def consensus(self, item_id: int, annotations: Sequence[Any]) -> tuple[Any, Any, Any]:
        answers: dict[str, Any] = {}
        shares: dict[str, float] = {}
        ties: dict[str, list[Any]] = {}
        for question in self.questions:
            votes = [
                (a.annotator_id, a.value[question.key])
                for a in annotations
                if isinstance(a.value, dict) and question.key in a.value
            ]
            found = majority(question.type, {item_id: votes}).get(item_id)
            if found is None:
                continue
            key, share, tied = found
            answers[question.key] = consensus_value(question.type, key)
            shares[question.key] = share
            if tied:
                ties[question.key] = tied
        if not answers:
            return None, None, None
        return answers, shares, ties or None
