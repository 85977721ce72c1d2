"""Supervision: thresholds raise alerts once; retrain, suspend, reinstate are audited and shown."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import (
    AuditEvent,
    Feedback,
    Membership,
    Qualification,
    SupervisionAction,
    SupervisionEvent,
    User,
)
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.projects.projects import get_project
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.quality.supervision import find_breaches, raise_alerts, take_action
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=150)
    return get_project(db.session, "demo")


def _user(db, name):
    return db.session.scalar(sa.select(User).where(User.username == name))


def test_thresholds_raise_alerts_once(db, demo, runner):
    demo.min_peer_agreement = 0.99
    demo.min_n_before_judging = 5
    db.session.commit()
    result = runner.invoke(args=["--as", "manager", "supervise", "demo"])
    assert result.exit_code == 0, result.output
    alerts = db.session.scalars(sa.select(SupervisionEvent)).all()
    assert {a.metric for a in alerts} == {"cohen_kappa"}
    assert len(alerts) == 3 and all(a.value < a.threshold for a in alerts)
    # Stored as a code with its figures; the English reason is only the fallback.
    first = alerts[0]
    assert first.code == "supervision.alert"
    assert first.params == {
        "metric": "cohen_kappa",
        "value": first.value,
        "threshold": 0.99,
        "n": first.n,
    }
    assert first.reason.startswith("agreement with peers (mean Cohen's kappa) ")
    again = raise_alerts(db.session, compute_report(db.session, demo, ReportOptions(0)))
    assert again == []


def test_min_n_before_judging_holds_back(db, demo):
    demo.min_gold_accuracy = 1.0
    demo.min_n_before_judging = 10_000
    assert find_breaches(compute_report(db.session, demo, ReportOptions(0))) == []


def test_suspend_and_reinstate_via_the_form(db, demo, client, login):
    ann3 = _user(db, "ann3")
    login("manager", "demo")
    response = client.post(
        f"/reports/demo/annotators/{ann3.id}",
        data={"action": "suspend", "reason": "Gold accuracy too low."},
    )
    assert response.status_code == 302
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == ann3.id, Membership.project_id == demo.id)
    )
    db.session.refresh(membership)
    assert membership.suspended_at is not None
    assert membership.suspended_reason == "Gold accuracy too low."
    feedback = db.session.scalars(sa.select(Feedback).where(Feedback.annotator_id == ann3.id)).all()
    assert len(feedback) == 1 and "suspended" in feedback[0].message
    assert feedback[0].code == "supervision.suspend"
    assert feedback[0].params == {"project": demo.name, "reason": "Gold accuracy too low."}
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "supervision.suspend")
    ).subject_id == str(ann3.id)
    client.post("/logout")
    login("ann3", "demo")
    page = client.get("/annotate/quality/demo").get_data(as_text=True)
    assert "Gold accuracy too low." in page
    client.post("/logout")
    login("manager", "demo")
    client.post(
        f"/reports/demo/annotators/{ann3.id}", data={"action": "reinstate", "reason": "Retrained."}
    )
    db.session.refresh(membership)
    assert membership.suspended_at is None


def test_retrain_revokes_the_qualification(db, demo):
    ann2, manager = _user(db, "ann2"), _user(db, "manager")
    take_action(db.session, demo, ann2, SupervisionAction.retrain, "Re-read R2.", actor=manager)
    db.session.commit()
    quals = db.session.scalars(
        sa.select(Qualification).where(
            Qualification.user_id == ann2.id, Qualification.project_id == demo.id
        )
    ).all()
    assert quals and all(
        q.revoked_at is not None and q.revoked_reason == "Re-read R2." for q in quals
    )
    from annotate.services.training.gate import gate_status

    assert not gate_status(db.session, ann2, demo).ok


def test_actions_need_a_reason_and_a_sensible_state(db, demo):
    ann1, manager = _user(db, "ann1"), _user(db, "manager")
    with pytest.raises(InvalidInput):
        take_action(db.session, demo, ann1, SupervisionAction.suspend, " ", actor=manager)
    with pytest.raises(Conflict):
        take_action(db.session, demo, ann1, SupervisionAction.reinstate, "x", actor=manager)
