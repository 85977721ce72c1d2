"""Twenty annotators claim and submit at once on PostgreSQL: no item exceeds k, nothing is lost.

SQLite serialises writers, so the race this guards against only exists on a server database;
the test is skipped (with the reason) unless ``ANNOTATE_TEST_DATABASE_URL`` is PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from annotate import create_app
from annotate.config import TestConfig
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Item,
    Project,
    ProjectRole,
    User,
)
from annotate.services.audit_checks import verify_chain, verify_content
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next, item_target
from annotate.services.labeling.recording import skip_item
from tests.factories import free_slots_out_of_step, make_ready

#: Real commits: the threads read and write through their own connections.
pytestmark = pytest.mark.truncate

THREADS = 20


@pytest.fixture
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "concurrency test needs PostgreSQL: set ANNOTATE_TEST_DATABASE_URL="
            "postgresql://… (SQLite serialises writers, so there is no race to test)"
        )
    return db


def test_twenty_threads_never_exceed_k_and_lose_nothing(postgres, make_project, make_user):
    db = postgres
    project = make_project(
        "race", redundancy_k=3, overlap_share=0.5, gold_rate=0.1, lease_minutes=30
    )
    users = [
        make_user(f"racer{n:02d}", project=project, roles=[ProjectRole.annotator])
        for n in range(THREADS)
    ]
    make_ready(db, project, users, n_items=60, gold=range(0, 60, 10))
    project_id, user_ids = project.id, [u.id for u in users]
    submitted: dict[int, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS, timeout=60)
    # Its own app, so its own engine with a pool large enough for every thread at once.
    race_app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_size": THREADS + 2,
                "max_overflow": 0,
                "pool_timeout": 60,
            },
        }
    )

    def work(user_id: int) -> None:
        mine: list[int] = []
        try:
            with race_app.app_context():
                session = db.session
                user = session.get(User, user_id)
                target = session.get(Project, project_id)
                start.wait()
                n = 0
                while (claim := claim_next(session, user, target)) is not None:
                    session.commit()
                    n += 1
                    if n % 7 == 0:  # some items are given back and must be redone by others
                        skip_item(session, claim.assignment.id, user, target, "unsure")
                    else:
                        submit_annotation(session, claim.assignment.id, user, target, "yes")
                        mine.append(claim.assignment.item_id)
                    session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        submitted[user_id] = mine

    threads = [threading.Thread(target=work, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with race_app.app_context():
        db.engine.dispose()
    assert not errors, errors
    db.session.expire_all()
    annotations = db.session.execute(sa.select(Annotation.item_id, Annotation.annotator_id)).all()
    pairs = Counter(annotations)
    assert all(count == 1 for count in pairs.values()), "someone annotated an item twice"
    assert sorted(annotations) == sorted(
        (item, uid) for uid, items in submitted.items() for item in items
    ), "an annotation was lost or invented"
    # Every submission is an audit event, appended by twenty writers at once: one chain.
    chain = verify_chain(db.session)
    assert chain.broken_at is None, chain
    submits = sa.select(sa.func.count()).where(AuditEvent.action == "annotation.submit")
    assert db.session.scalar(submits) == len(annotations)
    assert verify_content(db.session) == (len(annotations), [])
    per_item = Counter(item for item, _ in annotations)
    for item in db.session.scalars(sa.select(Item)):
        assert per_item[item.id] <= item_target(project, item) <= project.redundancy_k
        assert item.annotation_count == per_item[item.id], "a slot leaked"
    assert free_slots_out_of_step(db.session) == []
    # A thread stops when nothing is free at that instant (others may give items back later);
    # one sequential pass finishes the work, which proves no slot was lost in the race.
    for user in users:
        while (claim := claim_next(db.session, user, project)) is not None:
            submit_annotation(db.session, claim.assignment.id, user, project, "yes")
            db.session.commit()
    per_item = Counter(db.session.scalars(sa.select(Annotation.item_id)))
    for item in db.session.scalars(sa.select(Item)):
        assert per_item[item.id] == item_target(project, item), "an item was left unfinished"
    assert not db.session.scalar(
        sa.select(sa.func.count(Assignment.id)).where(Assignment.status == AssignmentStatus.leased)
    )
    assert free_slots_out_of_step(db.session) == []
