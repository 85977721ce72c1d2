"""The audit chain: events link by sha256 and tampering is found at the right row."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import AuditEvent
from annotate.services.audit import GENESIS, record_event
from annotate.services.audit_checks import verify_chain


def test_events_chain_and_verify(db):
    first = record_event(db.session, "test.one", "thing", 1, details={"a": 1})
    second = record_event(db.session, "test.two", "thing", 2, details={"b": [1, 2]})
    db.session.commit()
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    check = verify_chain(db.session)
    assert check.broken_at is None and check.checked == 2 and check.head == second.hash


def test_editing_a_row_breaks_the_chain_at_that_row(db):
    events = [record_event(db.session, "test.e", "thing", i, details={"i": i}) for i in range(5)]
    db.session.commit()
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == events[2].id).values(details={"i": 99})
    )
    db.session.commit()
    db.session.expire_all()
    check = verify_chain(db.session)
    assert check.broken_at == events[2].id
    assert check.checked == 2


def test_deleting_a_row_breaks_the_chain_after_it(db):
    events = [record_event(db.session, "test.e", "thing", i) for i in range(4)]
    db.session.commit()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    db.session.commit()
    assert verify_chain(db.session).broken_at == events[2].id
