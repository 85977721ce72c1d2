"""Erasing a person (issue 20 item 5): pseudonym, no login, free text, an intact audit chain,
refusals that change nothing; and the export ZIP."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from annotate.models import ApiToken, AuditEvent, Batch, Project, Review, User
from annotate.services.accounts.erasure import erase_user
from annotate.services.accounts.personal_data import export_user
from annotate.services.accounts.tokens import create_token
from annotate.services.audit import record_event
from annotate.services.audit_checks import verify_chain, verify_content
from annotate.services.errors import Conflict, InvalidInput, PermissionDenied
from annotate.services.review.reviews import record_review
from annotate.services.review.sampling import draw_plan
from tests.factories import labelled_project


def _user(db, name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


@pytest.fixture
def project(db) -> Project:
    project = labelled_project(db.session, n_items=40, n_unlabelled=10)
    batch = db.session.scalar(sa.select(Batch).where(Batch.project_id == project.id))
    plan = draw_plan(db.session, batch, method="fixed_n", n=3, actor=_user(db, "manager"))
    reviewer = _user(db, "reviewer")
    for n, sampled in enumerate(plan.sampled):
        record_review(
            db.session, sampled, reviewer, "correct", comment=f"fine, told ann3 and ann30 ({n})"
        )
    ann3 = _user(db, "ann3")
    ann3.display_name = "安三"
    create_token(db.session, ann3, "laptop")
    record_event(db.session, "test.note", "user", ann3.id, details={"who": "ann3", "n": "安三"})
    db.session.commit()
    return project


def _texts(db, name: str) -> list[str]:
    return [
        t
        for t in db.session.scalars(sa.select(sa.cast(AuditEvent.details, sa.Text)))
        if name in (t or "") or json.dumps(name)[1:-1] in (t or "")
    ]


def test_erasure_renames_disables_and_the_chain_verifies(db, project):
    admin, ann3 = _user(db, "admin"), _user(db, "ann3")
    epoch = ann3.session_epoch
    result = erase_user(db.session, ann3, confirm="ann3", actor=admin)
    db.session.commit()
    db.session.expire_all()
    ann3 = db.session.get(User, ann3.id)
    assert ann3.username == ann3.display_name == result.pseudonym == f"erased-{ann3.id}"
    assert not ann3.active and ann3.password_hash is None and ann3.session_epoch > epoch
    assert ann3.erased_at is not None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == ann3.id))
    assert token.revoked_at is not None and token.name == ""
    assert _texts(db, "ann3") == [] and _texts(db, "安三") == []
    note = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "test.note"))
    assert note.details == {"who": result.pseudonym, "n": result.pseudonym}
    # the reviewer's comments name the pseudonym, not "ann30"'s owner
    comments = set(db.session.scalars(sa.select(Review.comment)))
    assert all(f"told {result.pseudonym} and ann30" in c for c in comments)
    assert verify_chain(db.session).broken_at is None
    assert verify_content(db.session)[1] == []
    erase = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.erase"))
    assert erase.actor_name == "admin" and "ann3" not in json.dumps(erase.details)
    # a redacted event edited afterwards is caught
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == note.id).values(details={"who": "x"})
    )
    assert verify_chain(db.session).broken_at == note.id


def test_the_writers_free_text_goes_where_the_project_allows(db, project):
    reviewer = _user(db, "reviewer")
    erase_user(db.session, reviewer, confirm="reviewer", actor=_user(db, "admin"))
    db.session.commit()
    assert set(db.session.scalars(sa.select(Review.comment))) == {""}
    assert verify_content(db.session)[1] == [] and verify_chain(db.session).broken_at is None


def test_free_text_stays_when_the_project_keeps_it(db, project):
    project.erase_free_text = False
    db.session.commit()
    erase_user(db.session, _user(db, "reviewer"), confirm="reviewer", actor=_user(db, "admin"))
    db.session.commit()
    assert all(c.startswith("fine") for c in db.session.scalars(sa.select(Review.comment)))


@pytest.mark.parametrize(
    "who, confirm, actor, error",
    [
        ("ann3", "ann", "admin", InvalidInput),
        ("admin", "admin", "manager", Conflict),  # the last active administrator
        ("admin", "admin", "admin", PermissionDenied),
    ],
)
def test_refusals_change_nothing(db, project, who, confirm, actor, error):
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with pytest.raises(error):
        erase_user(db.session, _user(db, who), confirm=confirm, actor=_user(db, actor))
    db.session.rollback()
    assert _user(db, who).erased_at is None
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def test_erasing_twice_is_refused(db, project):
    ann3 = _user(db, "ann3")
    erase_user(db.session, ann3, confirm="ann3", actor=_user(db, "admin"))
    db.session.commit()
    with pytest.raises(Conflict):
        erase_user(db.session, ann3, confirm=ann3.username, actor=_user(db, "admin"))


def test_export_holds_every_section_as_json_and_csv(db, project):
    ann3 = _user(db, "ann3")
    out = io.BytesIO()
    counts = export_user(db.session, ann3, out, actor=_user(db, "admin"))
    db.session.commit()
    archive = zipfile.ZipFile(out)
    data = json.loads(archive.read("data.json"))
    assert set(data) == set(counts) and counts["annotations"] > 0
    assert counts["account"] == 1 and "password_hash" not in data["account"][0]
    assert "token_hash" not in data["api_tokens"][0]
    assert counts["qualifications"] == 1 and counts["audit_events"] >= 3
    assert any(e["action"] == "test.note" for e in data["audit_events"])
    for name in counts:
        header = archive.read(f"{name}.csv").decode().splitlines()[0]
        assert header.startswith("id,")  # an empty section still has its header
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.export"))
    assert event.subject_id == str(ann3.id) and event.details["rows"] == counts


def test_an_erased_account_cannot_be_reopened(db, project):
    from annotate.services.accounts.users import create_user, reactivate_user, reset_password

    ann3, admin = _user(db, "ann3"), _user(db, "admin")
    erase_user(db.session, ann3, confirm="ann3", actor=admin)
    db.session.commit()
    for reopen in (reactivate_user, reset_password):
        with pytest.raises(Conflict):
            reopen(db.session, ann3, actor=admin)
        db.session.rollback()
    with pytest.raises(InvalidInput):  # the pseudonyms' names are reserved
        create_user(db.session, "erased-999", "secret-pw")


def test_an_event_in_the_first_form_is_redacted_and_still_verifies(db, project):
    """Events written before audit1 hashed the actor's username: renaming it is a redaction."""
    from annotate.database import utcnow
    from annotate.models import AuditHead
    from annotate.services.audit import HEAD_ID, legacy_digest

    ann3 = _user(db, "ann3")
    last = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=ann3.id,
        actor_name="ann3",
        action="old.form",
        subject_type="user",
        subject_id=str(ann3.id),
        details={"n": 1},
        prev_hash=last,
        hash="0" * 64,
    )
    db.session.add(event)
    db.session.commit()
    db.session.refresh(event)
    event.hash = legacy_digest(
        prev_hash=last,
        created_at=event.created_at,
        actor_name="ann3",
        action="old.form",
        subject_type="user",
        subject_id=str(ann3.id),
        project_id=None,
        details={"n": 1},
    )
    head = db.session.get(AuditHead, HEAD_ID)
    if head is not None:  # PostgreSQL: the head follows the newest event
        head.prev_hash, head.hash = last, event.hash
    db.session.commit()
    assert verify_chain(db.session).broken_at is None
    erase_user(db.session, ann3, confirm="ann3", actor=_user(db, "admin"))
    db.session.commit()
    db.session.refresh(event)
    assert event.actor_name == f"erased-{ann3.id}"
    assert verify_chain(db.session).broken_at is None
