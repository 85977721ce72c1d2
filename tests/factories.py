"""Factories for tests: a project with a published rulebook, qualified annotators, an imported
batch of items, annotations by N annotators — each a few inserts, not the whole demo.

``labelled_project`` builds the one dataset the quality and review tests need: the shipped
sentiment rulebook (v1.0.0, published with its training module), three annotators of known
accuracy, two batches, gold items and overlap. It is named like the demo (project ``demo``,
users ``manager``, ``reviewer``, ``ann1``… with password ``demo``) so a test reads the same
against either, at a fraction of the demo's cost (no task projects, no quiz attempts, no
legal module, no second draft, one flush per table).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

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
    Qualification,
    RulebookVersion,
    TaskType,
    User,
)
from annotate.services.accounts.users import add_membership, create_user
from annotate.services.labeling.assignment import overlap_bucket, refresh_free_slots
from annotate.services.projects.projects import create_project
from annotate.services.projects.values import content_hash
from annotate.services.rulebooks.parsing import (
    ParsedRulebook,
    parse_rulebook,
    parse_rulebook_file,
)
from annotate.services.rulebooks.quizzes import ParsedQuestion, ParsedQuiz
from annotate.services.rulebooks.versions import current_version, import_rulebook
from annotate.services.training.modules import create_module
from annotate.services.training.publishing import publish_with_training

#: The smallest valid rulebook: one clause, labels ``yes`` and ``no`` (those of the
#: ``make_project`` fixture, which publishing checks against).
MINIMAL = """---
id: demo
title: Demo
version: 1.0.0
kind: functional
task_type: single_label
labels: ["yes", "no"]
change_note: first
---
## Goal
g
## Data format
d
## Method
m
## Quality indicators
q
## Clauses
### R1.1 First rule
Text of the rule.

**Example:** something → `yes`

**Counter-example:** other → not `yes`
"""

SENTIMENTS = ("positive", "negative", "neutral", "mixed")
#: Accuracy of each annotator of ``labelled_project`` against the true label.
ACCURACY = {"ann1": 0.93, "ann2": 0.84, "ann3": 0.72}


def free_slots_out_of_step(session: Session) -> list[tuple[str, int, bool]]:
    """Items whose ``has_free_slot`` is not exactly "taken slots below the item's target" (k
    for gold and overlap items, else 1), read from the database: it must never drift, or
    an item is never handed out again (or the claim walks past it in vain)."""
    rows = session.execute(
        sa.select(
            Item.id,
            Item.external_id,
            Item.annotation_count,
            Item.has_free_slot,
            Item.gold_answer.is_not(None),
            Item.attention_answer.is_not(None),
            Project.redundancy_k,
            Project.overlap_share,
        ).join(Project, Project.id == Item.project_id)
    ).all()
    wrong = []
    for item_id, external_id, count, free, gold, attention, k, share in rows:
        overlap = gold or overlap_bucket(item_id) < round(share * 1000)
        target = 10**9 if attention else k if overlap else 1
        if bool(free) != (count < target):
            wrong.append((external_id, count, bool(free)))
    return wrong


def small_quiz(parsed: ParsedRulebook, n: int = 3) -> ParsedQuiz:
    """A quiz of ``n`` questions on the first clause of ``parsed`` (answer: the first
    choice), enough for a version annotators must re-train for."""
    clause = parsed.clauses[0].key if parsed.clauses else "R1.1"
    return ParsedQuiz(
        rulebook=str(parsed.front_matter["id"]),
        version=parsed.version,
        pass_mark=None,
        questions=[
            ParsedQuestion(f"q{i}", clause, f"Question {i}?", ["right", "wrong"], 0, "Why.")
            for i in range(1, n + 1)
        ],
    )


def import_with_quiz(
    session: Session, project: Project, text: str, *, actor: User | None = None
) -> RulebookVersion:
    """Import ``text`` as a draft with a :func:`small_quiz` as its training module."""
    parsed = parse_rulebook(text)
    version = import_rulebook(session, project, parsed, actor=actor)
    create_module(session, version, small_quiz(parsed))
    return version


def publish_rulebook(
    session: Session, project: Project, text: str = MINIMAL, *, actor: User | None = None
) -> RulebookVersion:
    """Import ``text`` as a draft with a small quiz and publish it (which completes its
    training module)."""
    return publish_with_training(
        session, import_with_quiz(session, project, text, actor=actor), actor=actor
    )


def qualify(
    session: Session,
    project: Project,
    users: Iterable[User],
    version: RulebookVersion,
    *,
    days: int = 30,
) -> None:
    """Give ``users`` a valid qualification for ``version`` (as a passed quiz would)."""
    now = utcnow()
    session.add_all(
        Qualification(
            user_id=user.id,
            project_id=project.id,
            rulebook_version_id=version.id,
            granted_at=now,
            expires_at=now + timedelta(days=days),
        )
        for user in users
    )
    session.flush()


def import_batch(
    session: Session,
    project: Project,
    name: str = "b1",
    *,
    n_items: int = 10,
    gold: Mapping[int, Any] | Iterable[int] = (),
    payload: Callable[[int], dict] | None = None,
    **batch: Any,
) -> Batch:
    """A batch of ``n_items`` items ``<name>-<n>``; ``gold`` is a set of indexes (gold answer
    ``"yes"``) or a mapping index → gold answer. Flushed, not committed."""
    answers = gold if isinstance(gold, Mapping) else dict.fromkeys(gold, "yes")
    record = Batch(project_id=project.id, name=name, **batch)
    session.add(record)
    session.flush()
    for n in range(n_items):
        body = dict(payload(n)) if payload else {"text": f"item {name} {n}"}
        session.add(
            Item(
                project_id=project.id,
                batch_id=record.id,
                external_id=f"{name}-{n}",
                payload=body,
                content_hash=content_hash(body),
                gold_answer=answers.get(n),
            )
        )
    session.flush()
    return record


def make_ready(db, project, users, *, n_items=10, gold=(), batch_name="b1", payload=None):
    """Publish a rulebook, qualify ``users`` and add ``n_items`` items (committed)."""
    version = current_version(db.session, project)
    if version is None:
        version = publish_rulebook(db.session, project)
    qualify(db.session, project, users, version)
    batch = import_batch(
        db.session, project, batch_name, n_items=n_items, gold=gold, payload=payload
    )
    db.session.commit()
    return version, batch


def annotate_items(
    session: Session,
    items: list[Item],
    annotators: Mapping[User, float],
    version: RulebookVersion,
    truths: Mapping[int, str],
    *,
    rng: random.Random,
    overlap: float = 0.4,
    labels: tuple[str, ...] = SENTIMENTS,
) -> list[Annotation]:
    """Submitted annotations of ``items``: an item goes to every annotator with probability
    ``overlap``, else to one in turn; each is right (``truths[item.id]``) with the
    annotator's accuracy. Assignments, counts and free slots follow. Flushed."""
    start = utcnow() - timedelta(days=14)
    people = list(annotators)
    work = []
    for index, item in enumerate(items):
        who = people if rng.random() < overlap else [people[index % len(people)]]
        for user in who:
            truth = truths[item.id]
            value = (
                truth
                if rng.random() < annotators[user]
                else rng.choice([label for label in labels if label != truth])
            )
            submitted = start + timedelta(minutes=7 * index + rng.randint(0, 300))
            duration = timedelta(milliseconds=rng.randint(4000, 40000))
            work.append((item, user, value, submitted, duration))
        item.annotation_count = len(who)
    assignments = [
        Assignment(
            item_id=item.id,
            annotator_id=user.id,
            status=AssignmentStatus.submitted,
            leased_at=at - took,
            lease_expires_at=at + timedelta(minutes=30),
        )
        for item, user, _, at, took in work
    ]
    session.add_all(assignments)
    session.flush()
    annotations = [
        Annotation(
            item_id=item.id,
            annotator_id=user.id,
            assignment_id=a.id,
            rulebook_version_id=version.id,
            value=value,
            source=AnnotationSource.web,
            started_at=at - took,
            submitted_at=at,
            duration_ms=took // timedelta(milliseconds=1),
        )
        for a, (item, user, value, at, took) in zip(assignments, work, strict=True)
    ]
    session.add_all(annotations)
    session.flush()
    return annotations


def labelled_project(
    session: Session,
    *,
    slug: str = "demo",
    n_items: int = 120,
    n_unlabelled: int = 60,
    seed: int = 8,
    accuracy: Mapping[str, float] = ACCURACY,
    password: str = "demo",
) -> Project:
    """A sentiment project ready for quality reports and review (committed).

    Users ``admin``, ``manager``, ``reviewer`` and the annotators of ``accuracy`` (qualified
    on the published sentiment rulebook v1.0.0); batches ``reviews-2026-10`` and
    ``reviews-2026-11`` (half the items each, about 10 % gold); all but the last
    ``n_unlabelled`` items annotated, 40 % of them by every annotator.

    With the default seed (for 120 and 150 items) ``ann1`` is right on more gold items than
    ``ann3``, and no annotator has five gold answers yet (tests of gold accuracy and
    supervision thresholds rely on both, as they did on the demo's data).
    """
    rng = random.Random(seed)
    names = ("admin", "manager", "reviewer", *accuracy)
    users = {name: create_user(session, name, password, is_admin=name == "admin") for name in names}
    admin, manager = users["admin"], users["manager"]
    project = create_project(
        session,
        slug,
        "Product-review sentiment",
        TaskType.single_label,
        labels=list(SENTIMENTS),
        actor=admin,
        redundancy_k=3,
        overlap_share=0.4,
        gold_rate=0.1,
        description="Label the sentiment of short product reviews.",
        training_cooldown_minutes=0,
    )
    roles = {"manager": ProjectRole.manager, "reviewer": ProjectRole.reviewer}
    for name in names[1:]:
        add_membership(
            session, users[name], project, roles.get(name, ProjectRole.annotator), actor=admin
        )
    guidelines = Path(current_app.config["GUIDELINES_DIR"])
    parsed = parse_rulebook_file(guidelines / "sentiment" / "v1.0.0.md")
    project.label_schema = {"labels": parsed.front_matter["labels"]}
    project.error_types = ["wrong_label", "missed_rule", "ambiguous_item", "other"]
    draft = import_rulebook(session, project, parsed, actor=manager)
    create_module(session, draft, small_quiz(parsed))  # a version to re-train for needs a quiz
    version = publish_with_training(session, draft, actor=manager)
    annotators = [users[name] for name in accuracy]
    qualify(session, project, annotators, version, days=365)
    truths = [rng.choices(SENTIMENTS, weights=(40, 30, 18, 12))[0] for _ in range(n_items)]
    gold = {n: truth for n, truth in enumerate(truths) if rng.random() < 0.1}
    half = n_items // 2
    batches = [
        import_batch(
            session,
            project,
            name,
            n_items=size,
            source="demo generator",
            licence="CC0-1.0",
            imported_by_id=admin.id,
            gold={n: gold[n + offset] for n in range(size) if n + offset in gold},
            payload=lambda n, o=offset: {"text": f"review {n + o + 1}"},
        )
        for name, offset, size in (
            ("reviews-2026-10", 0, half),
            ("reviews-2026-11", half, n_items - half),
        )
    ]
    items = session.scalars(
        sa.select(Item).where(Item.batch_id.in_([b.id for b in batches])).order_by(Item.id)
    ).all()
    truth_of = {item.id: truth for item, truth in zip(items, truths, strict=True)}
    annotate_items(
        session,
        list(items[: n_items - n_unlabelled]),
        {users[name]: share for name, share in accuracy.items()},
        version,
        truth_of,
        rng=rng,
    )
    refresh_free_slots(session, project)
    session.commit()
    return project
