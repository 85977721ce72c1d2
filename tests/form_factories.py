"""A ``form`` project (the "RLHF preference (full)" form) with items and seeded answers.

Each annotator answers every question; with probability ``accuracy[name]`` an answer is the
item's true one (the gold answers of gold items), else another value the question allows.
Quality per question can then be checked against known truths. Flushed, not committed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    AnnotationSource,
    Assignment,
    AssignmentStatus,
    Batch,
    Item,
    Project,
    ProjectRole,
    TaskType,
    User,
)
from annotate.services.accounts.users import create_user
from annotate.services.projects.projects import create_project
from annotate.services.projects.questions import Question, questions_of
from annotate.services.projects.rlhf_form import rlhf_full_schema
from annotate.services.projects.values import content_hash, normalise_value
from tests.factories import make_ready, publish_rulebook

TEXT_A = "我叫张三，电话13800000000。这个回答很有帮助。"
TEXT_B = "This response is short."


def form_payload(n: int) -> dict[str, str]:
    return {"prompt": f"问题 {n}：如何学习？", "response_a": TEXT_A, "response_b": TEXT_B}


def random_answer(question: Question, rng: random.Random) -> Any:
    """A valid answer to ``question`` (before conditions)."""
    if question.type == TaskType.pairwise:
        return {"choice": rng.choice(["A", "B", "tie", "both_bad"])}
    if question.type == TaskType.single_label:
        return rng.choice([label["key"] for label in question.labels])
    if question.type == TaskType.multi_label:
        keys = [label["key"] for label in question.labels]
        return sorted(rng.sample(keys, rng.randint(1, 2)), key=keys.index)
    if question.type == TaskType.rating:
        scale = question.schema["scale"]
        return rng.randint(scale["min"], scale["max"])
    if question.type == TaskType.span:
        return [{"start": 0, "end": 2, "label": "PI"}] if rng.random() < 0.5 else []
    return rng.choice(["A 更完整", "B 更准确", "都一般"])


def true_answers(project: Project, rng: random.Random) -> dict[str, Any]:
    """A complete, valid set of answers (conditions respected)."""
    answers: dict[str, Any] = {}
    for question in questions_of(project):
        if question.visible(answers):
            answers[question.key] = random_answer(question, rng)
    return answers


def noisy(project: Project, truth: dict[str, Any], accuracy: float, rng: random.Random) -> dict:
    """``truth`` with each answer replaced by a random one with probability 1 - accuracy,
    then re-conditioned (questions no longer asked dropped, newly asked ones answered)."""
    out: dict[str, Any] = {}
    for question in questions_of(project):
        if not question.visible(out):
            continue
        if question.key in truth and rng.random() < accuracy:
            out[question.key] = truth[question.key]
        else:
            out[question.key] = random_answer(question, rng)
    return out


def form_project(
    session: Session,
    *,
    slug: str = "rlhf",
    n_items: int = 30,
    accuracy: Mapping[str, float] | None = None,
    gold_every: int = 5,
    seed: int = 15,
    version_id: int | None = None,
) -> tuple[Project, list[Item], dict[int, dict[str, Any]]]:
    """The RLHF form project, ``n_items`` items (every ``gold_every``-th gold, with its true
    answers) and every annotator's answers; returns the project, items and truths."""
    rng = random.Random(seed)
    accuracy = accuracy or {"fa1": 0.95, "fa2": 0.85, "fa3": 0.6}
    project = create_project(
        session, slug, "RLHF full", TaskType.form, label_schema=rlhf_full_schema()
    )
    users: dict[str, User] = {
        name: create_user(session, name, "pw-long-enough") for name in accuracy
    }
    batch = Batch(project_id=project.id, name=f"{slug}-b1")
    session.add(batch)
    session.flush()
    items, truths = [], {}
    for n in range(n_items):
        payload = form_payload(n)
        truth = true_answers(project, rng)
        normal, problems = normalise_value(project, truth, payload)
        assert not problems, problems
        item = Item(
            project_id=project.id,
            batch_id=batch.id,
            external_id=f"{slug}-{n}",
            payload=payload,
            content_hash=content_hash(payload),
            gold_answer=normal if gold_every and n % gold_every == 0 else None,
        )
        session.add(item)
        items.append((item, normal))
    session.flush()
    start = utcnow() - timedelta(days=2)
    for index, (item, truth) in enumerate(items):
        truths[item.id] = truth
        for name, user in users.items():
            value, problems = normalise_value(
                project, noisy(project, truth, accuracy[name], rng), item.payload
            )
            assert not problems, problems
            at = start + timedelta(minutes=3 * index)
            assignment = Assignment(
                item_id=item.id,
                annotator_id=user.id,
                status=AssignmentStatus.submitted,
                leased_at=at - timedelta(seconds=30),
                lease_expires_at=at + timedelta(minutes=30),
            )
            session.add(assignment)
            session.flush()
            session.add(
                Annotation(
                    item_id=item.id,
                    annotator_id=user.id,
                    assignment_id=assignment.id,
                    rulebook_version_id=version_id,
                    value=value,
                    source=AnnotationSource.web,
                    started_at=at - timedelta(seconds=30),
                    submitted_at=at,
                    duration_ms=30_000,
                )
            )
        item.annotation_count = len(users)
    session.flush()
    return project, [item for item, _ in items], truths


def ready_form(db, make_project, make_user, slug, usernames, rulebook, n_items):
    """An RLHF form project ready to label (one annotation per item, no overlap or gold): the
    rulebook published, ``usernames`` qualified annotators, ``n_items`` form items. Committed."""
    project = make_project(
        slug,
        "form",
        labels=None,
        label_schema=rlhf_full_schema(),
        redundancy_k=1,
        overlap_share=0.0,
        gold_rate=0.0,
    )
    users = [make_user(name, project=project, roles=[ProjectRole.annotator]) for name in usernames]
    publish_rulebook(db.session, project, rulebook)
    make_ready(db, project, users, n_items=n_items, payload=form_payload)
    return project, users
