"""Quiz attempts are counted against the limit and the cool-down under a lock on the user.

Six quiz forms posted at once with a limit of 3 and one attempt used: exactly 2 are accepted
(PostgreSQL, real threads; skipped on the in-memory SQLite test database, which is one
connection). The sequential refusals run on both databases.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import AuditEvent, ProjectRole, TrainingAttempt, TrainingModule, User
from annotate.services.errors import Conflict
from annotate.services.training.attempts import submit_attempt
from annotate.services.training.modules import module_for_version
from tests.services.review.test_decision_races import at_once
from tests.services.training.test_training import WRONG, _version

#: Real threads on their own connections: commit for real, not in a rolled-back SAVEPOINT.
pytestmark = pytest.mark.truncate

FORMS = 6


@pytest.fixture
def learner(db, make_project, make_user):
    """A learner with one failed attempt of a module allowing three."""

    def _learner(cooldown: int):
        project = make_project("quiz", training_attempt_limit=3, training_cooldown_minutes=cooldown)
        user = make_user("learner", project=project, roles=[ProjectRole.annotator])
        module = module_for_version(db.session, _version(db, project))
        db.session.commit()
        return user, module

    return _learner


def _attempt(session, user, module, *, minutes_ago: int = 5, now=None):
    now = now or utcnow()
    return submit_attempt(
        session,
        user,
        module,
        WRONG,
        token=uuid.uuid4().hex,
        started_at=now - timedelta(minutes=minutes_ago),
        now=now,
    )


def _race(user_id: int, module_id: int) -> Counter:
    def post(app, index: int, go):
        from annotate.database import db

        session = db.session
        user, module = session.get(User, user_id), session.get(TrainingModule, module_id)
        assert module.questions
        go()
        try:
            _attempt(session, user, module)
            session.commit()
        except Conflict:
            session.rollback()
            return "refused"
        return "accepted"

    results = at_once(FORMS, post)
    assert not [r for r in results if isinstance(r, BaseException)], results
    return Counter(results)


def _postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "concurrency test needs PostgreSQL: set ANNOTATE_TEST_DATABASE_URL="
            "postgresql://… (the in-memory SQLite test database is one connection, "
            "so there is no race to test)"
        )


def test_six_forms_at_once_take_exactly_the_attempts_left(db, learner):
    _postgres(db)
    user, module = learner(cooldown=0)
    _attempt(db.session, user, module, now=utcnow() - timedelta(minutes=1))
    db.session.commit()
    assert _race(user.id, module.id) == {"accepted": 2, "refused": 4}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(TrainingAttempt.id))) == 3
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "training.attempt")
        )
        == 3
    )


def test_six_forms_at_once_respect_the_cooldown(db, learner):
    _postgres(db)
    user, module = learner(cooldown=60)
    assert _race(user.id, module.id) == {"accepted": 1, "refused": 5}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(TrainingAttempt.id))) == 1


def test_sequential_attempts_past_the_limit_are_refused(db, learner):
    user, module = learner(cooldown=0)
    t0 = utcnow() - timedelta(minutes=10)
    for n in range(3):
        _attempt(db.session, user, module, now=t0 + timedelta(minutes=n))
        db.session.commit()
    with pytest.raises(Conflict, match="used all 3 attempts"):
        _attempt(db.session, user, module)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(TrainingAttempt.id))) == 3
