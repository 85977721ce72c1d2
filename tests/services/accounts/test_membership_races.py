"""Concurrent membership changes (PostgreSQL; skipped on the one-connection SQLite): two
managers removing each other at once leave one manager; the same role granted at once is
recorded once; annotator and reviewer granted at once under role separation: one wins."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from annotate.database import db as _db
from annotate.models import Membership, Project, ProjectRole, User
from annotate.services.accounts.memberships import grant_role, revoke_role
from annotate.services.errors import DomainError
from tests.services.review.test_decision_races import at_once

pytestmark = pytest.mark.truncate
THREADS = 6


@pytest.fixture
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL (ANNOTATE_TEST_DATABASE_URL)")
    return db


def _race(action):
    """Run ``action(session, index)`` in THREADS threads at once; return outcome names."""

    def work(app, index, go):
        session = _db.session
        project = session.scalar(sa.select(Project).where(Project.slug == "race"))
        go()
        try:
            result = action(session, project, index)
            session.commit()
            return "ok" if result is not False else "same"
        except DomainError as error:
            session.rollback()
            return type(error).__name__

    results = at_once(THREADS, work)
    assert not [r for r in results if isinstance(r, BaseException)], results
    return Counter(results)


def _user(session, name):
    return session.scalar(sa.select(User).where(User.username == name))


def _count(db, role):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Membership.id)).where(Membership.role == role))


def test_managers_removing_each_other_at_once_leave_one(postgres, make_project, make_user):
    project = make_project("race")
    for n in range(2):
        make_user(f"m{n}", project=project, roles=[ProjectRole.manager])
    outcomes = _race(lambda s, p, i: revoke_role(s, _user(s, f"m{i % 2}"), p, ProjectRole.manager))
    assert outcomes["ok"] == 1, outcomes
    assert _count(postgres, ProjectRole.manager) == 1


def test_one_role_granted_at_once_is_recorded_once(postgres, make_project, make_user):
    make_project("race")
    make_user("pat")
    outcomes = _race(lambda s, p, i: grant_role(s, _user(s, "pat"), p, ProjectRole.annotator)[1])
    assert outcomes == {"ok": 1, "same": THREADS - 1}, outcomes
    assert _count(postgres, ProjectRole.annotator) == 1


def test_separated_roles_granted_at_once_one_wins(postgres, make_project, make_user):
    make_project("race")
    make_user("pat")
    roles = (ProjectRole.annotator, ProjectRole.reviewer)
    outcomes = _race(lambda s, p, i: grant_role(s, _user(s, "pat"), p, roles[i % 2])[1])
    assert _count(postgres, ProjectRole.annotator) + _count(postgres, ProjectRole.reviewer) == 1
    assert outcomes["Conflict"] >= THREADS // 2 - 1, outcomes
