"""``annotate audit verify`` and the audit log page."""

from __future__ import annotations

import json

import pytest
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
        sa.update(AuditEvent).where(AuditEvent.id == events[1].id).values(subject_id="mallory")
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"event {events[1].id}" in result.output


def test_erasing_a_username_keeps_the_chain_verifiable(runner, db, make_user):
    alice = make_user("alice")
    events = [record_event(db.session, "test.e", "thing", i, actor=alice) for i in range(3)]
    db.session.commit()
    assert "alice" not in str([e.details for e in events])
    db.session.execute(sa.update(AuditEvent).values(actor_name="erased"))
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.session.execute(sa.update(AuditEvent).values(actor_id=None))
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_deleting_the_newest_events_fails_the_checkpoint(runner, db, tmp_path):
    events = [record_event(db.session, "test.e", "thing", i) for i in range(6)]
    db.session.commit()
    last_id, last_hash = events[-1].id, events[-1].hash
    taken = runner.invoke(args=["audit", "checkpoint"])
    assert taken.exit_code == 0, taken.output
    saved = json.loads(taken.output)
    assert saved["id"] == last_id and saved["hash"] == last_hash
    assert saved["events"] == 6 and saved["created_at"]
    file = tmp_path / "head.json"
    file.write_text(taken.output, encoding="utf-8")
    ok = runner.invoke(args=["audit", "verify", "--checkpoint", str(file)])
    assert ok.exit_code == 0, ok.output
    assert "Checkpoint reached" in ok.output
    record_event(db.session, "test.later", "thing", 99)
    db.session.commit()
    assert runner.invoke(args=["audit", "verify", "--checkpoint", str(file)]).exit_code == 0
    newest = sa.select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(3)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id.in_(newest.scalar_subquery())))
    db.session.commit()
    failed = runner.invoke(args=["audit", "verify", "--checkpoint", str(file)])
    assert failed.exit_code == 1
    assert "CHECKPOINT NOT REACHED" in failed.output and str(last_id) in failed.output


def test_checkpoint_of_an_empty_chain_and_a_bad_file(runner, db, tmp_path):
    empty = json.loads(runner.invoke(args=["audit", "checkpoint"]).output)
    assert empty["id"] is None and empty["events"] == 0
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(bad)])
    assert result.exit_code == 1 and "cannot read" in result.output
    assert "Traceback" not in result.output


def test_details_edited_into_invalid_json_is_reported_not_raised(runner, db):
    events = [record_event(db.session, "test.e", "thing", i, details={"i": i}) for i in range(3)]
    db.session.commit()
    broken_id = events[1].id
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's json type refuses invalid JSON")
    db.session.execute(
        sa.text("UPDATE audit_events SET details = '{\"i\": ' WHERE id = :id"),
        {"id": broken_id},
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {broken_id}: details are not valid JSON" in result.output


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
