"""Published rulebook versions never change: every service path and direct ORM path that
would change one is refused, and the stored sha256 is that of the published text."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from annotate.models import Clause, RulebookVersion, VersionStatus
from annotate.services.errors import Conflict
from annotate.services.rulebooks.guard import PublishedVersionImmutable
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.versions import (
    import_rulebook,
    new_draft_from,
    publish_version,
    update_draft,
)
from tests.factories import MINIMAL


@pytest.fixture
def published(db, make_project):
    project = make_project("imm")
    version = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    publish_version(db.session, version)
    db.session.commit()
    return version


def _state(db, version_id):
    db.session.rollback()
    version = db.session.get(RulebookVersion, version_id)
    return (
        version.status,
        version.body,
        version.sha256,
        [(c.key, c.title, c.text) for c in version.clauses],
    )


def test_published_version_carries_sha256_of_its_text(published):
    assert published.status == VersionStatus.published
    assert published.sha256 == hashlib.sha256(published.body.encode()).hexdigest()


@pytest.mark.parametrize(
    "change",
    [
        "body",
        "title",
        "sha256",
        "status_back_to_draft",
        "delete_version",
        "clause_text",
        "clause_delete",
        "clause_remove_from_collection",
        "clause_add",
        "clause_move",
        "bulk_update_version",
        "bulk_update_clause",
        "bulk_delete_clause",
    ],
)
def test_every_orm_path_is_refused(db, published, make_project, change):
    before = _state(db, published.id)
    version = db.session.get(RulebookVersion, published.id)
    clause = version.clauses[0]
    with pytest.raises(PublishedVersionImmutable):
        if change == "body":
            version.body += "\nsneaky"
        elif change == "title":
            version.title = "Other"
        elif change == "sha256":
            version.sha256 = "0" * 64
        elif change == "status_back_to_draft":
            db.session.expire(version)
            version.status = VersionStatus.draft
            version.body = "changed"
        elif change == "delete_version":
            db.session.delete(version)
        elif change == "clause_text":
            clause.text = "different rule"
        elif change == "clause_delete":
            db.session.delete(clause)
        elif change == "clause_remove_from_collection":
            version.clauses.remove(clause)
        elif change == "clause_add":
            db.session.add(Clause(version_id=version.id, key="R9.9", title="x", text="y"))
        elif change == "clause_move":
            draft = import_rulebook(
                db.session,
                version.rulebook.project,
                parse_rulebook(MINIMAL.replace("1.0.0", "1.1.0")),
            )
            draft.clauses[0].version_id = version.id
            draft.clauses[0].key = "R7.7"
        elif change == "bulk_update_version":
            db.session.execute(sa.update(RulebookVersion).values(title="x"))
        elif change == "bulk_update_clause":
            db.session.execute(sa.update(Clause).values(text="x"))
        elif change == "bulk_delete_clause":
            db.session.execute(sa.delete(Clause))
        db.session.flush()
    assert _state(db, published.id) == before


def test_every_service_path_is_refused(db, published):
    before = _state(db, published.id)
    version = db.session.get(RulebookVersion, published.id)
    with pytest.raises(Conflict, match="never change"):
        update_draft(db.session, version, MINIMAL.replace("Text of the rule.", "Changed."))
    assert _state(db, published.id) == before
    version = db.session.get(RulebookVersion, published.id)
    with pytest.raises(Conflict, match="never change"):
        publish_version(db.session, version)
    assert _state(db, published.id) == before
    version = db.session.get(RulebookVersion, published.id)
    with pytest.raises(Conflict, match="already exists"):
        import_rulebook(db.session, version.rulebook.project, parse_rulebook(MINIMAL))
    assert _state(db, published.id) == before
    version = db.session.get(RulebookVersion, published.id)
    draft = new_draft_from(db.session, version, "1.1.0")
    update_draft(db.session, draft, draft.body.replace("Text of the rule.", "Changed."))
    publish_version(db.session, draft)
    db.session.commit()
    assert _state(db, published.id) == before
    assert draft.clauses[0].text == "Changed." and draft.sha256 != published.sha256


def test_drafts_remain_editable(db, make_project):
    project = make_project("drafts")
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    draft.clauses[0].text = "edited in place"
    draft.title = "New title"
    db.session.flush()
    db.session.delete(draft)
    db.session.flush()
