"""Gold quiz questions of a form project: each targets one question of the form (issue 15).

A one-question project's gold quiz question asks for an item's label. In a form project a
gold item fixes the answers to some questions; a quiz question then shows the item and asks
one of them — a question with choices (single label, pairwise, a rating of at most ten
values) whose gold answer the item holds. Its key is ``gold-<item id>-<question key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Item, Project, QuizQuestion, TaskType, TrainingModule
from annotate.services.projects.questions import Question, form_fields, questions_of


def _choices(question: Question) -> list[tuple[str, str, str]]:
    """``(key, English name, Chinese name)`` of the answers a quiz may offer (none: the
    question is not asked in quizzes)."""
    if question.type in (TaskType.single_label, TaskType.pairwise):
        return [
            (
                str(label["key"]),
                str(label.get("name") or label["key"]),
                str(label.get("name_zh") or label.get("name") or label["key"]),
            )
            for label in question.labels
        ]
    if question.type == TaskType.rating:
        scale = question.schema.get("scale") or {}
        low, high, step = scale.get("min", 1), scale.get("max", 5), scale.get("step", 1) or 1
        values = [low + i * step for i in range(int((high - low) / step) + 1)]
        return [(f"{v:g}", f"{v:g}", f"{v:g}") for v in values] if len(values) <= 10 else []
    return []


def _gold_key(question: Question, gold: Any) -> str | None:
    """The gold answer to ``question`` as a choice key (None: the gold does not fix it)."""
    answer = gold.get(question.key) if isinstance(gold, Mapping) else None
    if isinstance(answer, Mapping):
        answer = answer.get("choice")
    if answer is None:
        return None
    return f"{answer:g}" if isinstance(answer, int | float) else str(answer)


def form_gold_pairs(
    session: Session, module: TrainingModule | None, project: Project
) -> list[tuple[Item, Question]]:
    """(gold item, question) pairs that could become quiz questions of ``module``."""
    used = {q.key for q in module.questions} if module else set()
    asked = [q for q in questions_of(project) if _choices(q)]
    out = []
    for item in session.scalars(
        sa.select(Item)
        .where(
            Item.project_id == project.id,
            Item.gold_answer.is_not(None),
            Item.quarantined.is_(False),
        )
        .order_by(Item.id)
    ):
        for question in asked:
            key = _gold_key(question, item.gold_answer)
            if key in [c[0] for c in _choices(question)] and quiz_key(item, question) not in used:
                out.append((item, question))
    return out


def quiz_key(item: Item, question: Question) -> str:
    return f"gold-{item.id}-{question.key}"[:64]


def form_gold_question(
    project: Project, item: Item, question: Question, position: int
) -> QuizQuestion:
    """The quiz question asking ``question`` of gold ``item``, in both languages."""
    choices = _choices(question)
    keys = [c[0] for c in choices]
    gold = _gold_key(question, item.gold_answer)
    assert gold in keys
    payload = item.payload if isinstance(item.payload, Mapping) else {}
    fields = form_fields(project) or list(payload)
    shown = "\n".join(f"{f}: {payload[f]}" for f in fields if f in payload)
    wording: dict[str, dict[str, Any]] = {}
    for lang, column, intro in (
        ("en", 1, "This is a gold item: the project's agreed answer to “{q}” is “{a}”."),
        ("zh", 2, "这是一个金标准条目：项目约定“{q}”的答案是“{a}”。"),
    ):
        title = question.title(lang)
        names = [c[column] for c in choices]
        wording[lang] = {
            "prompt": f"{shown}\n\n{title}",
            "choices": names,
            "explanation": intro.format(q=title, a=names[keys.index(gold)]),
        }
    return QuizQuestion(
        key=quiz_key(item, question),
        prompt=wording["en"]["prompt"],
        choices=keys,
        answer=keys.index(gold),
        gold_item_id=item.id,
        clause_key=None,
        explanation=wording["en"]["explanation"],
        position=position,
        translations=wording,
    )
