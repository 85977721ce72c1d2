"""The qualification gate refuses work to unqualified, expired, suspended, unacknowledged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from annotate.database import utcnow
from annotate.models import (
    Acknowledgement,
    ModuleKind,
    ProjectRole,
    Qualification,
    TrainingAttempt,
    TrainingModule,
)
from annotate.services.training.gate import NotQualified, gate_status, working_version
from annotate.services.training.publishing import publish_with_training
from tests.factories import MINIMAL, import_with_quiz


@pytest.fixture
def setup(db, make_project, make_user):
    project = make_project("gate")
    user = make_user("worker", project=project, roles=[ProjectRole.annotator])
    return project, user


def _publish(db, project, version="1.0.0"):
    draft = import_with_quiz(db.session, project, MINIMAL.replace("1.0.0", version))
    return publish_with_training(db.session, draft)


def _qualify(db, user, project, version, *, days=30):
    db.session.add(
        Qualification(
            user_id=user.id,
            project_id=project.id,
            rulebook_version_id=version.id,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    db.session.flush()


def test_steps_in_order(db, setup, make_user):
    project, user = setup
    outsider = make_user("outsider")
    with pytest.raises(NotQualified) as info:
        working_version(db.session, outsider, project)
    assert info.value.step == "membership"
    assert gate_status(db.session, user, project).step == "no_rulebook"
    v1 = _publish(db, project)
    assert gate_status(db.session, user, project).step == "training"
    _qualify(db, user, project, v1)
    assert working_version(db.session, user, project).id == v1.id


def test_expired_or_revoked_qualification_refused(db, setup):
    project, user = setup
    v1 = _publish(db, project)
    _qualify(db, user, project, v1, days=-1)
    assert gate_status(db.session, user, project).step == "training"
    _qualify(db, user, project, v1)
    qualification = db.session.query(Qualification).order_by(Qualification.id.desc()).first()
    qualification.revoked_at = utcnow()
    assert gate_status(db.session, user, project).step == "training"


def test_suspended_annotator_refused(db, setup):
    project, user = setup
    v1 = _publish(db, project)
    _qualify(db, user, project, v1)
    user.memberships[0].suspended_at = utcnow()
    user.memberships[0].suspended_reason = "gold accuracy below threshold"
    status = gate_status(db.session, user, project)
    assert status.step == "suspended" and "gold accuracy" in status.message


def test_minor_bump_needs_acknowledgement_major_needs_training(db, setup):
    project, user = setup
    v1 = _publish(db, project)
    _qualify(db, user, project, v1)
    v11 = _publish(db, project, "1.1.0")
    assert gate_status(db.session, user, project).step == "acknowledge"
    db.session.add(Acknowledgement(user_id=user.id, rulebook_version_id=v11.id, sha256=v11.sha256))
    assert working_version(db.session, user, project).id == v11.id
    _publish(db, project, "2.0.0")
    assert gate_status(db.session, user, project).step == "training"


def test_legal_module_required_once_per_validity(db, setup):
    project, user = setup
    v1 = _publish(db, project)
    _qualify(db, user, project, v1)
    module = TrainingModule(
        key="legal-awareness",
        version="1.0.0",
        kind=ModuleKind.legal,
        title="Legal",
        validity_days=365,
    )
    db.session.add(module)
    db.session.flush()
    assert gate_status(db.session, user, project).step == "legal_training"
    db.session.add(
        TrainingAttempt(
            user_id=user.id,
            module_id=module.id,
            score=1.0,
            passed=True,
            submitted_at=utcnow() - timedelta(days=400),
        )
    )
    db.session.flush()
    assert gate_status(db.session, user, project).step == "legal_training"
    db.session.add(TrainingAttempt(user_id=user.id, module_id=module.id, score=0.9, passed=True))
    db.session.flush()
    assert gate_status(db.session, user, project).ok
