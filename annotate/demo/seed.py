"""The demo: a fresh database with seeded users, a published rulebook and realistic work."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from annotate.config import shipped_guidelines_dir
from annotate.database import db, utcnow
from annotate.demo.form_project import seed_form_project
from annotate.demo.guard import DEMO_MARKER
from annotate.demo.history import seed_history
from annotate.demo.predictions import seed_predictions
from annotate.demo.tasks import seed_task_projects
from annotate.demo.training import import_next_draft, seed_rulebook_and_training
from annotate.demo.work import add_submitted
from annotate.models import (
    Batch,
    Item,
    ProjectRole,
    TaskType,
    User,
)
from annotate.services.accounts.users import add_membership, create_user
from annotate.services.audit import record_event
from annotate.services.labeling.assignment import refresh_free_slots
from annotate.services.projects.projects import create_project
from annotate.services.projects.values import content_hash
from annotate.services.rulebooks.files import translation_files
from annotate.services.rulebooks.parsing import ParsedRulebook, parse_rulebook_file

DEMO_PASSWORD = "demo"
DEMO_USERS = ("admin", "manager", "reviewer", "ann1", "ann2", "ann3")
#: Simulated accuracy of each demo annotator against the true label.
DEMO_ACCURACY = {"ann1": 0.93, "ann2": 0.84, "ann3": 0.72}
SENTIMENTS = ("positive", "negative", "neutral", "mixed")
#: Steps :func:`seed_demo` reports (users and project, rulebook and training, items and
#: annotations, history and the next draft, the other task projects, predictions).
SEED_STEPS = 6

_PRODUCTS = [
    "kettle",
    "phone case",
    "desk lamp",
    "rice cooker",
    "pair of headphones",
    "backpack",
    "power bank",
    "air purifier",
    "running shoes",
    "tea set",
    "keyboard",
    "humidifier",
    "umbrella",
    "water bottle",
    "electric toothbrush",
]
_GOOD = [
    "works exactly as described",
    "arrived two days early",
    "feels really solid",
    "is the best purchase I made this year",
    "is quiet and easy to clean",
    "has a battery that lasts all week",
    "looks even better than the photos",
]
_BAD = [
    "stopped working after a week",
    "arrived with a cracked lid",
    "smells of plastic even after washing",
    "is much smaller than advertised",
    "has buttons that stick",
    "came without the charger",
    "is far too loud",
]
_NEUTRAL = [
    "arrived on Tuesday in a cardboard box",
    "comes in grey and blue",
    "weighs about 400 grams",
    "has a two-year warranty card inside",
    "was delivered by the usual courier",
    "uses a USB-C cable",
]


def _labels_named_in_chinese(primary: Path, parsed: ParsedRulebook) -> list[dict[str, object]]:
    """The rulebook's labels, each with the ``name_zh`` its Chinese translation gives it (the
    English primary text names them in English only), so a Chinese annotator's buttons and
    gold questions read 正面/负面/中性/混合."""
    names: dict[str, str] = {}
    for other in translation_files(primary):
        translated = parse_rulebook_file(other)
        if translated.language == "zh":
            names = {
                str(label["key"]): str(label.get("name_zh") or label.get("name") or "")
                for label in translated.front_matter.get("labels") or []
                if isinstance(label, dict) and "key" in label
            }
    return [
        {**label, "name_zh": label.get("name_zh") or names.get(str(label["key"]), "")}
        for label in parsed.front_matter["labels"]
    ]


def _review(rng: random.Random, sentiment: str) -> str:
    product = rng.choice(_PRODUCTS)
    if sentiment == "positive":
        closing = rng.choice(["Recommended!", "Very happy.", "Would buy again."])
        return f"The {product} {rng.choice(_GOOD)}. {closing}"
    if sentiment == "negative":
        closing = rng.choice(["Returning it.", "Disappointed.", "Avoid."])
        return f"The {product} {rng.choice(_BAD)}. {closing}"
    if sentiment == "neutral":
        return f"The {product} {rng.choice(_NEUTRAL)}."
    return f"The {product} {rng.choice(_GOOD)}, but it {rng.choice(_BAD).removeprefix('is ')}."


def _reset_schema() -> None:
    """Drop everything (tables and Alembic's version table) and migrate from scratch."""
    from flask_migrate import upgrade

    engine = db.engine
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (
        None,
        "",
        ":memory:",
    ):
        engine.dispose()
        Path(engine.url.database).unlink(missing_ok=True)
    else:
        meta = sa.MetaData()
        meta.reflect(bind=engine)
        meta.drop_all(bind=engine)
    upgrade()


def build_demo_database(
    *,
    fresh: bool = True,
    n_items: int = 300,
    seed: int = 20231115,
    guidelines: Path | None = None,
    progress: Callable[..., None] | None = None,
) -> str:
    """(Re)build the demo database and return a one-paragraph summary.

    With ``fresh`` False an existing seeded database is kept as it is. ``guidelines`` is the
    directory of rulebook sources (default: the shipped ones). ``progress(step,
    SEED_STEPS)`` follows the seeding.
    """
    from flask_migrate import upgrade

    if fresh:
        _reset_schema()
    else:
        upgrade()
        if db.session.scalar(sa.select(sa.func.count(User.id))):
            return "Kept the existing demo data."
    # The chain's first event marks the database as the demo's own (annotate.demo.guard).
    record_event(
        db.session,
        DEMO_MARKER,
        "database",
        details={"note": "seeded by annotate demo; annotate demo may wipe it"},
    )
    seed_demo(n_items=n_items, seed=seed, guidelines=guidelines, progress=progress)
    db.session.commit()
    return (
        f"Seeded users {', '.join(DEMO_USERS)} (password '{DEMO_PASSWORD}') and project "
        f"'demo' with {n_items} items."
    )


def seed_demo(
    *,
    n_items: int = 300,
    seed: int = 20231115,
    guidelines: Path | None = None,
    progress: Callable[..., None] | None = None,
) -> None:
    """Insert the demo users, project, rulebook and annotations (no commit).

    ``guidelines`` is the directory of rulebook sources (default: the shipped ones,
    :func:`annotate.config.shipped_guidelines_dir`); ``progress(step, SEED_STEPS)`` follows
    the steps.
    """
    step = progress or (lambda done, total=None: None)
    step(0, SEED_STEPS)
    rng = random.Random(seed)
    session = db.session
    users = {
        name: create_user(
            session,
            name,
            DEMO_PASSWORD,
            is_admin=name == "admin",
            display_name={
                "ann1": "Annotator One",
                "ann2": "Annotator Two",
                "ann3": "Annotator Three",
            }.get(name, name.title()),
        )
        for name in DEMO_USERS
    }
    admin = users["admin"]
    guidelines = guidelines if guidelines is not None else shipped_guidelines_dir()
    primary = guidelines / "sentiment" / "v1.0.0.md"
    parsed = parse_rulebook_file(primary)
    project = create_project(
        session,
        "demo",
        "Product-review sentiment (demo)",
        TaskType.single_label,
        labels=list(SENTIMENTS),
        actor=admin,
        redundancy_k=3,
        overlap_share=0.4,
        gold_rate=0.1,
        description="Label the sentiment of short product reviews.",
        training_cooldown_minutes=0,
    )  # so the demo can show a failed then a passed quiz
    for name, role in (
        ("manager", ProjectRole.manager),
        ("reviewer", ProjectRole.reviewer),
        ("ann1", ProjectRole.annotator),
        ("ann2", ProjectRole.annotator),
        ("ann3", ProjectRole.annotator),
    ):
        add_membership(session, users[name], project, role, actor=admin)
    project.label_schema = {"labels": _labels_named_in_chinese(primary, parsed)}
    project.error_types = ["wrong_label", "missed_rule", "ambiguous_item", "other"]
    step(1, SEED_STEPS)
    version = seed_rulebook_and_training(
        session, project, guidelines, users["manager"], [users[name] for name in DEMO_ACCURACY]
    )
    step(2, SEED_STEPS)
    batches = [
        Batch(
            project=project,
            name=f"reviews-2026-{n:02d}",
            source="demo generator",
            licence="CC0-1.0",
            imported_by_id=admin.id,
        )
        for n in (10, 11)
    ]
    session.add_all(batches)
    session.flush()
    _seed_items_and_annotations(
        rng, project.id, batches, version.id, {n: users[n].id for n in DEMO_ACCURACY}, n_items
    )
    refresh_free_slots(session, project)  # the seeding wrote the items' counts directly
    step(3, SEED_STEPS)
    seed_history(session, project, users, seed)
    import_next_draft(session, project, guidelines, users["manager"])
    step(4, SEED_STEPS)
    seed_task_projects(session, guidelines, users, seed=seed)
    seed_form_project(session, guidelines, users, seed=seed)
    step(5, SEED_STEPS)
    seed_predictions(session, project, users["manager"], seed)
    step(SEED_STEPS, SEED_STEPS)


def _seed_items_and_annotations(
    rng: random.Random,
    project_id: int,
    batches: list[Batch],
    version_id: int,
    annotator_ids: dict[str, int],
    n_items: int,
) -> None:
    session = db.session
    start = utcnow() - timedelta(days=14)
    names = list(annotator_ids)
    for index in range(n_items):
        truth = rng.choices(SENTIMENTS, weights=(40, 30, 18, 12))[0]
        payload = {"text": _review(rng, truth)}
        item = Item(
            project_id=project_id,
            batch_id=batches[0 if index < n_items // 2 else 1].id,
            external_id=f"review-{index + 1:04d}",
            payload=payload,
            content_hash=content_hash(payload),
            gold_answer=truth if rng.random() < 0.1 else None,
        )
        session.add(item)
        session.flush()
        if index >= n_items - 60:
            continue  # left for the annotators to do in the demo
        who = names if rng.random() < 0.4 else [names[index % len(names)]]
        for name in who:
            value = (
                truth
                if rng.random() < DEMO_ACCURACY[name]
                else rng.choice([s for s in SENTIMENTS if s != truth])
            )
            submitted = start + timedelta(minutes=7 * index + rng.randint(0, 300))
            duration = rng.randint(4000, 40000)
            add_submitted(
                session,
                item.id,
                annotator_ids[name],
                version_id,
                value,
                submitted,
                duration,
            )
        item.annotation_count = len(who)
    session.flush()
