"""One publication per rulebook at a time: publishers racing on one rulebook behave as if they
had published one after the other.

Threaded, so PostgreSQL only (see tests/services/review/test_decision_races.py); the
sequential refusals they rely on are tested in test_rulebooks_lifecycle.py on both databases.
"""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, RulebookVersion, User, VersionStatus
from annotate.services.errors import Conflict
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.versions import import_rulebook
from annotate.services.training.publishing import publish_with_training
from tests.factories import MINIMAL, publish_rulebook
from tests.services.review.test_decision_races import at_once, postgres  # noqa: F401

pytestmark = pytest.mark.truncate

THREADS = 6


@pytest.fixture
def drafts(postgres, make_project, make_user):  # noqa: F811
    """Project ``pub`` with 1.0.0 published and drafts 1.1.0 and 1.2.0; a manager."""
    db = postgres
    project = make_project("pub")
    manager = make_user("boss")
    publish_rulebook(db.session, project)
    ids = []
    for version in ("1.1.0", "1.2.0"):
        text = MINIMAL.replace("version: 1.0.0", f"version: {version}")
        ids.append(import_rulebook(db.session, project, parse_rulebook(text)).id)
    db.session.commit()
    return db, manager.id, ids


def _publish(version_ids: list[int], manager_id: int):
    def work(app, index: int, go):
        from annotate.database import db

        session = db.session
        version = session.get(RulebookVersion, version_ids[index % len(version_ids)])
        actor = session.get(User, manager_id)
        go()
        try:
            publish_with_training(session, version, actor=actor)
            session.commit()
        except Conflict as error:
            session.rollback()
            return ("refused", str(error))
        return ("published", version.version)

    return work


def _publications(db) -> list[tuple[str, object]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(RulebookVersion)
        .where(RulebookVersion.status == VersionStatus.published)
        .order_by(RulebookVersion.published_at, RulebookVersion.id)
    )
    return [(v.version, v.published_at) for v in rows]


def test_one_draft_published_at_once_is_published_once(drafts):
    db, manager_id, (draft, _) = drafts
    results = at_once(THREADS, _publish([draft], manager_id))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Counter(kind for kind, _ in results) == {"published": 1, "refused": THREADS - 1}
    assert all(
        "published versions never change" in text for kind, text in results if kind == "refused"
    )
    events = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "rulebook.publish", AuditEvent.subject_id == str(draft)
        )
    )
    assert events == 1
    assert [v for v, _ in _publications(db)] == ["1.0.0", "1.1.0"]


def test_two_drafts_racing_never_publish_an_older_after_a_newer(drafts):
    db, manager_id, ids = drafts
    results = at_once(THREADS, _publish(ids, manager_id))
    assert not [r for r in results if isinstance(r, BaseException)], results
    published = [v for v, _ in _publications(db)]
    # Either order of the two is a sequential history: 1.1.0 then 1.2.0 (both published), or
    # 1.2.0 first (1.1.0 then refused as older). Never 1.2.0 followed by 1.1.0.
    assert published in (["1.0.0", "1.1.0", "1.2.0"], ["1.0.0", "1.2.0"]), published
    assert Counter(kind for kind, _ in results)["published"] == len(published) - 1
    versions = db.session.scalars(
        sa.select(RulebookVersion).where(RulebookVersion.version == "1.2.0")
    ).one()
    assert versions.requires_retraining is False  # a minor bump on top of 1.x
