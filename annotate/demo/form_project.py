"""The demo's "RLHF preference (full)" project: the thirteen-question form, a published
rulebook whose clauses name the questions they govern, items with seeded answers.

Each of ``ann1``–``ann3`` answers the first items (ann1 most reliably, ann3 least, and the
harmlessness ratings noisier than the preference, so quality per question differs); the rest
are left for the demo's annotators. Every seeded answer passes the same check a submit does.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from annotate.database import Session, utcnow
from annotate.demo.work import add_submitted
from annotate.models import (
    Batch,
    Item,
    Project,
    ProjectRole,
    Qualification,
    RulebookKind,
    TaskType,
    User,
)
from annotate.services.accounts.users import add_membership
from annotate.services.labeling.assignment import refresh_free_slots
from annotate.services.projects.projects import create_project
from annotate.services.projects.questions import Question, questions_of
from annotate.services.projects.rlhf_form import rlhf_full_schema
from annotate.services.projects.values import content_hash, normalise_value
from annotate.services.training.publishing import import_path, publish_with_training

from .tasks import _FACTS

#: How often each annotator gives the true answer: (preference and the rest, harmlessness).
ACCURACY = {"ann1": (0.95, 0.85), "ann2": (0.85, 0.7), "ann3": (0.7, 0.5)}
_PHONE = "我叫李明，电话 13912345678。"
_REASONS = ("A 更准确", "B 更准确", "两个都有错误", "A 更完整", "B 更完整")


def _payload(index: int, rng: random.Random) -> tuple[dict[str, str], bool]:
    prompt, good, bad = _FACTS[index % len(_FACTS)]
    good_first = rng.random() < 0.5
    if index % 5 == 3:  # some responses leak a (made-up) phone number
        bad = f"{_PHONE}{bad}"
    return {
        "prompt": prompt,
        "response_a": good if good_first else bad,
        "response_b": bad if good_first else good,
    }, good_first


def _truth(payload: dict[str, str], good_first: bool, index: int) -> dict[str, Any]:
    better, worse = ("a", "b") if good_first else ("b", "a")
    harmful = index % 7 == 2
    truth: dict[str, Any] = {
        "preference": {"choice": better.upper()},
        "strength": ("slightly", "better", "much")[index % 3],
        f"helpful_{better}": 5,
        f"truthful_{better}": 5,
        f"harmless_{better}": 5,
        f"helpful_{worse}": 2,
        f"truthful_{worse}": 1,
        f"harmless_{worse}": 2 if harmful else 5,
        "reason": f"{better.upper()} 更准确",
    }
    if harmful:
        truth[f"risk_{worse}"] = ["a4_rights"]
    for side in ("a", "b"):
        text = payload[f"response_{side}"]
        if _PHONE in text:
            start = text.index("139")
            truth[f"pi_{side}"] = [{"start": start, "end": start + 11, "label": "PI"}]
    return truth


def _other(question: Question, rng: random.Random) -> Any:
    if question.type == TaskType.rating:
        return rng.randint(1, 5)
    if question.type == TaskType.pairwise:
        return {"choice": rng.choice(["A", "B", "tie", "both_bad"])}
    if question.type == TaskType.multi_label:
        return [rng.choice(question.labels)["key"]]
    if question.type == TaskType.text:
        return rng.choice(_REASONS)
    if question.type == TaskType.span:
        return []
    return rng.choice(question.labels)["key"]


def _answers(
    project: Project, truth: dict[str, Any], name: str, rng: random.Random
) -> dict[str, Any]:
    """``truth`` as annotator ``name`` answers it (conditions respected)."""
    usual, harmless = ACCURACY[name]
    out: dict[str, Any] = {}
    for question in questions_of(project):
        if not question.visible(out):
            continue
        right = harmless if question.key.startswith(("harmless", "risk")) else usual
        if question.key in truth and rng.random() < right:
            out[question.key] = truth[question.key]
        elif question.required or rng.random() < 0.3:
            out[question.key] = _other(question, rng)
    return out


def seed_form_project(
    session: Session,
    guidelines: Path,
    users: dict[str, User],
    *,
    seed: int = 20231115,
    n_items: int = 24,
    n_answered: int = 16,
) -> Project:
    """Add the "RLHF preference (full)" demo project (no commit)."""
    rng = random.Random(seed + 15)
    admin, manager = users["admin"], users["manager"]
    project = create_project(
        session,
        "rlhf-full",
        "RLHF preference (full form demo)",
        TaskType.form,
        label_schema=rlhf_full_schema(),
        rulebook_kind=RulebookKind.security,
        actor=admin,
        description="Compare two responses and rate each one, question by question.",
        redundancy_k=3,
        overlap_share=0.5,
        gold_rate=0.1,
    )
    for username, role in (
        ("manager", ProjectRole.manager),
        ("reviewer", ProjectRole.reviewer),
        *((name, ProjectRole.annotator) for name in ACCURACY),
    ):
        add_membership(session, users[username], project, role, actor=admin)
    drafts = import_path(session, guidelines / "rlhf-full" / "v1.0.0.md", project, actor=manager)
    version = publish_with_training(session, drafts.versions[0], actor=manager)
    now = utcnow()
    session.add_all(
        Qualification(
            user_id=users[name].id,
            project_id=project.id,
            rulebook_version_id=version.id,
            granted_at=now,
            expires_at=now + timedelta(days=365),
        )
        for name in ACCURACY
    )
    batch = Batch(
        project_id=project.id,
        name="rlhf-full-2026-12",
        source="demo generator",
        licence="CC0-1.0",
        imported_by_id=admin.id,
    )
    session.add(batch)
    session.flush()
    start = now - timedelta(days=3)
    for index in range(n_items):
        payload, good_first = _payload(index, rng)
        truth, problems = normalise_value(project, _truth(payload, good_first, index), payload)
        if problems:
            raise ValueError(problems)
        item = Item(
            project_id=project.id,
            batch_id=batch.id,
            external_id=f"rlhf-full-{index + 1:03d}",
            payload=payload,
            content_hash=content_hash(payload),
            gold_answer=truth if index % 8 == 0 else None,
        )
        session.add(item)
        session.flush()
        if index >= n_answered:
            continue  # left for the annotators to do in the demo
        for name in ACCURACY:
            value, problems = normalise_value(project, _answers(project, truth, name, rng), payload)
            if problems:
                raise ValueError(problems)
            submitted = start + timedelta(minutes=11 * index + rng.randint(0, 200))
            duration = timedelta(seconds=rng.randint(40, 150))
            add_submitted(
                session,
                item.id,
                users[name].id,
                version.id,
                value,
                submitted,
                int(duration.total_seconds() * 1000),
            )
        item.annotation_count = len(ACCURACY)
    session.flush()
    refresh_free_slots(session, project)
    return project
