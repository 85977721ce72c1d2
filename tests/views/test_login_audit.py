"""Logins and refused logins are audit events; the name typed for an unknown account is
kept nowhere."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import AuditEvent
from annotate.services.audit_checks import verify_chain


def _events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_login_and_failed_logins_are_events(db, make_user, login):
    alice = make_user("alice")
    assert login("alice", "wrong-password").status_code == 200
    assert login("ghost-name-typed", "whatever").status_code == 200
    assert login("alice").status_code == 302
    (ok,) = _events(db, "user.login")
    assert ok.actor_id == alice.id and ok.subject_id == str(alice.id)
    refused = {e.subject_id for e in _events(db, "user.login_failed")}
    assert refused == {str(alice.id), ""}
    for event in db.session.scalars(sa.select(AuditEvent)):
        row = (event.actor_name, event.subject_id, str(event.details))
        assert "ghost-name-typed" not in str(row)
    assert verify_chain(db.session).broken_at is None
