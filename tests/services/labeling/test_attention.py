"""Attention checks: imported with their expected answer, mixed into every annotator's queue at
the project's rate, scored apart (not gold, not agreement), warn and block thresholds enforced
by the gate, an audited unblock by a manager, figures in the metrics CSV."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, Item, Membership, ProjectRole
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records
from annotate.services.errors import Conflict
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.attention import (
    BLOCK,
    OK,
    TOO_FEW,
    WARN,
    annotator_status,
    unblock,
)
from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.training.gate import NotQualified, gate_status
from tests.factories import free_slots_out_of_step, make_ready

pytestmark = pytest.mark.truncate

SETTINGS = dict(
    redundancy_k=2,
    overlap_share=1.0,
    gold_rate=0.0,
    attention_rate=0.25,
    attention_min_checks=2,
    attention_warn_below=0.9,
    attention_block_below=0.6,
)


@pytest.fixture
def checked(db, make_project, make_user):
    """20 items and 6 attention checks (expected "yes"), imported; two annotators."""
    project = make_project("att", **SETTINGS)
    manager = make_user("boss", project=project, roles=[ProjectRole.manager])
    users = [make_user(f"a{n}", project=project, roles=[ProjectRole.annotator]) for n in range(2)]
    make_ready(db, project, users, n_items=20)
    lines = "\n".join(
        f'{{"id": "check-{n}", "text": "Press yes {n}", "attention": "yes"}}' for n in range(6)
    )
    records, problems = read_records(lines.encode(), "jsonl")
    assert not problems
    result = import_records(db.session, project, records, batch_name="checks", actor=manager)
    db.session.commit()
    assert result.inserted == 6
    return project, manager, users


def _answer(db, project, user, wrong_checks: bool, limit: int = 100) -> list[str]:
    """Take items until none is left (or ``limit``); answers ``yes`` except on attention
    checks when ``wrong_checks``. Returns the external ids served, in order."""
    served = []
    for _ in range(limit):
        try:
            claim = claim_next(db.session, user, project)
        except NotQualified:
            db.session.rollback()
            break
        if claim is None:
            break
        item = claim.assignment.item
        served.append(item.external_id)
        value = "no" if wrong_checks and item.attention_answer is not None else "yes"
        submit_annotation(db.session, claim.assignment.id, user, project, value)
        db.session.commit()
    return served


def test_import_marks_attention_checks_and_refuses_bad_answers(db, checked):
    project, manager, _ = checked
    item = db.session.scalar(sa.select(Item).where(Item.external_id == "check-0"))
    assert item.attention_answer == "yes" and item.gold_answer is None and item.is_attention_check
    records, _ = read_records(b'{"id": "x", "text": "t", "attention": "maybe"}', "jsonl")
    with pytest.raises(Exception, match="attention"):
        import_records(db.session, project, records, batch_name="bad", actor=manager)
    db.session.rollback()
    csv_records, _ = read_records(b"id,text,attention\nc1,hello,yes\n", "csv")
    import_records(db.session, project, csv_records, batch_name="csv", actor=manager)
    assert db.session.scalar(sa.select(Item.attention_answer).where(Item.external_id == "c1"))
    studio = b'[{"data": {"text": "ls"}, "meta": {"external_id": "ls1", "attention": "no"}}]'
    ls_records, _ = read_records(studio, "labelstudio")
    import_records(db.session, project, ls_records, batch_name="ls", actor=manager)
    assert db.session.scalar(sa.select(Item.attention_answer).where(Item.external_id == "ls1"))
    both, _ = read_records(b'{"id": "x2", "text": "t", "gold": "yes", "attention": "yes"}', "jsonl")
    with pytest.raises(Exception, match="gold or an attention check"):
        import_records(db.session, project, both, batch_name="both", actor=manager)


def test_every_annotator_gets_the_checks_mixed_in_at_the_rate(db, checked):
    project, _, (alice, bob) = checked
    served = _answer(db, project, alice, wrong_checks=False)
    checks = [n for n, ext in enumerate(served) if ext.startswith("check-")]
    assert len(checks) == 6 and len(served) == 26
    assert checks[0] < 10, "checks are mixed in, not served last"
    assert len(_answer(db, project, bob, wrong_checks=False)) == 26  # bob gets them too
    assert free_slots_out_of_step(db.session) == []
    status, score, _ = annotator_status(db.session, project, alice)
    assert (status, score.checks, score.passed) == (OK, 6, 6)


def test_attention_checks_count_in_no_agreement_or_gold_figure(db, checked):
    project, _, (alice, bob) = checked
    _answer(db, project, alice, wrong_checks=True)
    _answer(db, project, bob, wrong_checks=False, limit=10)
    report = compute_report(db.session, project, ReportOptions(bootstrap=0))
    agreement = report.get("project", "att", "percent_agreement")
    assert agreement.n_items <= 20  # the six checks are not items of the agreement
    assert agreement.value == 1.0  # alice's wrong checks are not disagreement
    assert report.get("annotator", "a0", "attention_accuracy").n_items >= 2
    text = metrics_csv(report)
    assert "attention_accuracy" in text and "gold_items_imported" in text


def test_falling_below_the_block_threshold_blocks_until_a_manager_unblocks(db, checked):
    project, manager, (alice, _) = checked
    _answer(db, project, alice, wrong_checks=True)
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == alice.id))
    assert membership.attention_blocked_at is not None
    assert membership.attention_blocked_reason == "0/2"
    status = gate_status(db.session, alice, project)
    assert status.step == "attention_blocked" and "boss" in status.message
    assert annotator_status(db.session, project, alice)[0] == BLOCK
    with pytest.raises(NotQualified):
        claim_next(db.session, alice, project)
    db.session.rollback()
    unblock(db.session, project, alice, actor=manager, note="talked it through")
    db.session.commit()
    with pytest.raises(Conflict):  # a second unblock: nothing to lift
        unblock(db.session, project, alice, actor=manager)
    db.session.rollback()
    assert gate_status(db.session, alice, project).ok
    assert annotator_status(db.session, project, alice)[0] == TOO_FEW  # counts afresh
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("attention.%"))
    ).all()
    assert sorted(actions) == ["attention.block", "attention.unblock"]


def test_a_score_between_the_thresholds_warns(db, checked):
    project, _, (alice, _) = checked
    project.attention_warn_below, project.attention_block_below = 1.0, 0.0
    db.session.commit()
    _answer(db, project, alice, wrong_checks=True, limit=8)
    assert annotator_status(db.session, project, alice)[0] == WARN
    assert gate_status(db.session, alice, project).ok


def test_serving_and_scoring_a_check_keeps_the_loop_cheap(db, checked):
    """Serving a check costs the claim nothing (the usual statements); scoring one costs the
    submit two reads (the membership, the annotator's checks), plus the block when crossed."""
    from sqlalchemy import event

    project, _, (alice, _) = checked
    project.attention_rate = 1.0  # every claim wants a check
    db.session.commit()
    db.session.refresh(alice)
    db.session.refresh(project)  # loaded, as in a request that already read them
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        claim = claim_next(db.session, alice, project)
        claimed = len(statements)
        submit_annotation(db.session, claim.assignment.id, alice, project, "yes")
        submitted = len(statements) - claimed
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert claim.assignment.item.attention_answer == "yes"
    extra = 1 if db.engine.dialect.name == "sqlite" else 0  # the audit INSERT (recording.py)
    assert claimed <= 4, statements[:claimed]
    assert submitted <= 3 + extra + 2, statements[claimed:]
