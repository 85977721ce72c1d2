"""Training service: quiz attempts (pass mark, limit, cool-down, duplicates, expiry),
qualification grants, gold questions, acknowledgements, revocations, expiries, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import (
    AuditEvent,
    Batch,
    Item,
    ProjectRole,
    Qualification,
    TrainingModule,
)
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.quizzes import parse_quiz
from annotate.services.rulebooks.versions import import_rulebook
from annotate.services.training.attempts import attempt_status, submit_attempt
from annotate.services.training.gate import gate_status
from annotate.services.training.modules import create_module, module_for_version
from annotate.services.training.publishing import import_path, publish_with_training
from annotate.services.training.qualification import (
    acknowledge_version,
    allow_retry,
    record_expiries,
    revoke_qualification,
)
from tests.factories import MINIMAL

QUIZ = """rulebook: demo
version: 1.0.0
pass_mark: 0.8
questions:
  - {key: q1, clause: R1.1, prompt: "P1", choices: [a, b], answer: 0, explanation: "E1"}
  - {key: q2, clause: R1.1, prompt: "P2", choices: [a, b], answer: 1, explanation: "E2"}
"""


def _version(db, project, version="1.0.0", quiz=QUIZ):
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL.replace("1.0.0", version)))
    create_module(
        db.session, draft, parse_quiz(quiz.replace("1.0.0", version), clause_keys={"R1.1"})
    )
    return publish_with_training(db.session, draft)


@pytest.fixture
def setup(db, make_project, make_user):
    project = make_project(
        "train",
        training_attempt_limit=2,
        training_cooldown_minutes=30,
        qualification_validity_days=90,
    )
    user = make_user("learner", project=project, roles=[ProjectRole.annotator])
    version = _version(db, project)
    return project, user, version, module_for_version(db.session, version)


def _submit(db, user, module, answers, *, now=None, token=None, started=None):
    now = now or utcnow()
    return submit_attempt(
        db.session,
        user,
        module,
        answers,
        token=token or uuid.uuid4().hex,
        started_at=started or now - timedelta(minutes=5),
        now=now,
    )


RIGHT = {"q1": 0, "q2": 1}
WRONG = {"q1": 1, "q2": 1}


def test_pass_grants_qualification_with_expiry_and_audit(db, setup):
    project, user, version, module = setup
    assert gate_status(db.session, user, project).step == "training"
    attempt = _submit(db, user, module, RIGHT)
    assert attempt.passed and attempt.score == 1.0
    qualification = db.session.scalar(sa.select(Qualification))
    assert qualification.rulebook_version_id == version.id
    assert qualification.attempt_id == attempt.id
    days = (qualification.expires_at - qualification.granted_at).days
    assert days == 90
    assert gate_status(db.session, user, project).ok
    actions = list(db.session.scalars(sa.select(AuditEvent.action)))
    assert "training.attempt" in actions and "qualification.grant" in actions
    assert "rulebook.publish" in actions


def test_fail_cooldown_limit_and_manager_retry(db, setup):
    project, user, _, module = setup
    t0 = utcnow()
    first = _submit(db, user, module, WRONG, now=t0)
    assert not first.passed and first.score == 0.5
    with pytest.raises(Conflict, match="try again after"):
        _submit(db, user, module, RIGHT, now=t0 + timedelta(minutes=10))
    _submit(db, user, module, WRONG, now=t0 + timedelta(minutes=31))
    status = attempt_status(db.session, user, module, now=t0 + timedelta(hours=2))
    assert status.reason == "limit" and status.attempts_left == 0
    with pytest.raises(Conflict, match="used all 2 attempts"):
        _submit(db, user, module, RIGHT, now=t0 + timedelta(hours=2))
    allow_retry(db.session, user, module, project=project, reason="talked it through")
    later = utcnow() + timedelta(hours=3)
    assert attempt_status(db.session, user, module, now=later).can_attempt
    assert _submit(db, user, module, RIGHT, now=later).passed


def test_duplicate_expired_unanswered_and_superseded_are_refused(db, setup):
    project, user, _, module = setup
    _submit(db, user, module, WRONG, token="tok-1")
    with pytest.raises(Conflict, match="already submitted"):
        _submit(db, user, module, RIGHT, token="tok-1", now=utcnow() + timedelta(hours=1))
    with pytest.raises(Conflict, match="expired"):
        _submit(
            db,
            user,
            module,
            RIGHT,
            now=utcnow() + timedelta(hours=1),
            started=utcnow() - timedelta(hours=5),
        )
    with pytest.raises(InvalidInput) as info:
        _submit(db, user, module, {"q1": 0}, now=utcnow() + timedelta(hours=1))
    assert info.value.problems == ["Question 2 is not answered."]
    _version(db, project, "2.0.0")
    with pytest.raises(Conflict, match="replaced"):
        _submit(db, user, module, RIGHT, now=utcnow() + timedelta(hours=1))


def test_major_bump_needs_new_quiz_minor_needs_signed_acknowledgement(db, setup):
    project, user, _, module = setup
    _submit(db, user, module, RIGHT)
    minor = _version(db, project, "1.1.0")
    assert gate_status(db.session, user, project).step == "acknowledge"
    with pytest.raises(Conflict, match="differs"):
        acknowledge_version(db.session, user, project, minor, "f" * 64)
    acknowledge_version(db.session, user, project, minor, minor.sha256)
    assert gate_status(db.session, user, project).ok
    with pytest.raises(Conflict, match="already acknowledged"):
        acknowledge_version(db.session, user, project, minor, minor.sha256)
    major = _version(db, project, "2.0.0")
    assert gate_status(db.session, user, project).step == "training"
    with pytest.raises(InvalidInput, match="pass the training quiz"):
        acknowledge_version(db.session, user, project, major, major.sha256)
    _submit(db, user, module_for_version(db.session, major), RIGHT)
    assert gate_status(db.session, user, project).ok
    assert "rulebook.acknowledge" in set(db.session.scalars(sa.select(AuditEvent.action)))


def test_revocation_needs_reason_and_sends_back_to_training(db, setup):
    project, user, _, module = setup
    _submit(db, user, module, WRONG)
    _submit(db, user, module, RIGHT, now=utcnow() + timedelta(minutes=31))
    qualification = db.session.scalar(sa.select(Qualification))
    with pytest.raises(InvalidInput, match="reason"):
        revoke_qualification(db.session, qualification, "  ")
    revoke_qualification(db.session, qualification, "gold accuracy 0.71 over 200 items")
    assert gate_status(db.session, user, project).step == "training"
    status = attempt_status(db.session, user, module, now=utcnow() + timedelta(hours=1))
    assert status.can_attempt and status.attempts_left == 2
    with pytest.raises(Conflict, match="already revoked"):
        revoke_qualification(db.session, qualification, "again")


def test_expiries_are_recorded_once(db, setup):
    project, user, _, module = setup
    _submit(
        db,
        user,
        module,
        RIGHT,
        now=utcnow() - timedelta(days=100),
        started=utcnow() - timedelta(days=100, minutes=5),
    )
    assert gate_status(db.session, user, project).step == "training"
    assert record_expiries(db.session) == 1
    assert record_expiries(db.session) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "qualification.expire")
        )
        == 1
    )


def test_gold_items_join_the_quiz_when_published(db, make_project):
    project = make_project("gold", labels=["yes", "no"])
    batch = Batch(project=project, name="b", source="s", licence="CC0-1.0")
    db.session.add(batch)
    db.session.flush()
    for n, gold in enumerate(["yes", "no", None, "no"]):
        db.session.add(
            Item(
                project_id=project.id,
                batch_id=batch.id,
                external_id=f"i{n}",
                payload={"text": f"text {n}"},
                content_hash=f"{n:064d}",
                gold_answer=gold,
            )
        )
    db.session.flush()
    version = _version(db, project)
    module = module_for_version(db.session, version)
    gold = [q for q in module.questions if q.gold_item_id]
    assert len(gold) == 2 and len(module.questions) == 4
    for question in gold:
        item = db.session.get(Item, question.gold_item_id)
        assert question.choices[question.answer] == item.gold_answer
        assert question.prompt == item.payload["text"]


def test_quiz_refusals_name_file_and_line():
    broken = QUIZ.replace('clause: R1.1, prompt: "P2"', 'clause: R4.4, prompt: "P2"')
    broken = broken.replace("answer: 0", "answer: 5")
    with pytest.raises(InvalidInput) as info:
        parse_quiz(broken, "q.yaml", rulebook="demo", version="1.0.0", clause_keys={"R1.1"})
    assert "q.yaml:5: question q1: answer must be an index 0-1" in info.value.problems
    assert "q.yaml:6: question q2 cites clause R4.4, which is not in the rulebook" in (
        info.value.problems
    )
    with pytest.raises(InvalidInput, match="not 2.0.0"):
        parse_quiz(QUIZ, "q.yaml", version="2.0.0")


def test_legal_module_counts_for_every_project(db, setup, tmp_path):
    from pathlib import Path

    project, user, _, module = setup
    _submit(db, user, module, RIGHT)
    guidelines = Path(__file__).resolve().parents[3] / "guidelines"
    legal = import_path(db.session, guidelines / "legal-awareness", None).legal_modules[0]
    assert legal.kind.value == "legal" and len(legal.questions) >= 8
    assert gate_status(db.session, user, project).step == "legal_training"
    answers = {q.key: q.answer for q in legal.questions}
    attempt = _submit(db, user, legal, answers)
    assert attempt.passed and attempt.project_id is None
    assert gate_status(db.session, user, project).ok
    assert db.session.scalar(sa.select(sa.func.count(TrainingModule.id))) == 2


def test_cooldown_refusal_shows_the_readers_time_zone(app, db, setup):
    from zoneinfo import ZoneInfo

    from annotate.services.training.attempts import refusal_message

    _, user, _, module = setup
    t0 = utcnow()
    _submit(db, user, module, WRONG, now=t0)
    status = attempt_status(db.session, user, module, now=t0 + timedelta(minutes=10))
    app.config["TIMEZONE"] = "Asia/Shanghai"
    text = refusal_message(status)
    local = status.next_attempt_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{local:%H:%M}" in text and "Asia/Shanghai" in text
    assert "UTC" not in text
