"""``annotate audit verify`` and the audit log page."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import AuditEvent
from annotate.services.audit import record_event


def test_verify_ok_prints_count_and_head(runner, db):
    events = [record_event(db.session, "test.e", "thing", i) for i in range(3)]
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "3 events" in result.output and events[-1].hash in result.output


def test_verify_names_the_edited_row(runner, db):
    events = [record_event(db.session, "test.e", "thing", i, details={"i": i}) for i in range(4)]
    db.session.commit()
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == events[1].id).values(actor_name="mallory")
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"event {events[1].id}" in result.output


def test_audit_page_filters_and_paginates(db, client, login, make_user, make_project):
    make_user("root", admin=True)
    for i in range(60):
        record_event(db.session, "test.bulk" if i % 2 else "other.thing", "thing", i)
    db.session.commit()
    login("root")
    first = client.get("/admin/audit/")
    assert first.status_code == 200
    assert "Page 1 of" in first.get_data(as_text=True)
    filtered = client.get("/admin/audit/?action=other").get_data(as_text=True)
    assert "test.bulk" not in filtered and "other.thing" in filtered
    assert client.get("/admin/audit/?since=2000-01-01&until=2000-01-02").status_code == 200
    assert "No events match" in client.get(
        "/admin/audit/?since=2000-01-01&until=2000-01-02"
    ).get_data(as_text=True)


def test_manager_sees_only_project_events(db, client, login, make_user, make_project):
    from annotate.models import ProjectRole

    mine, other = make_project("mine"), make_project("theirs")
    make_user("mm", project=mine, roles=[ProjectRole.manager])
    record_event(db.session, "x.mine", "project", mine.id, project_id=mine.id)
    record_event(db.session, "x.theirs", "project", other.id, project_id=other.id)
    db.session.commit()
    login("mm")
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "x.mine" in page and "x.theirs" not in page
