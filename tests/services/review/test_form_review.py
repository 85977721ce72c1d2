"""Review of a form project question by question (issue 15): per-question verdicts and
corrections, the derived verdict, review limited to some questions (and its share), review-gold
judged on those questions, the batch decision, per-question review counts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import (
    AuditEvent,
    ProjectRole,
    Review,
    ReviewAnswer,
    SampledAnnotation,
    Verdict,
)
from annotate.services.accounts.users import add_membership, create_user
from annotate.services.errors import InvalidInput
from annotate.services.review.decisions import tally_plan
from annotate.services.review.questions import (
    judged_questions,
    question_review_counts,
    set_review_questions,
)
from annotate.services.review.reviews import next_for, record_review
from annotate.services.review.sampling import draw_plan
from tests.form_factories import form_project


@pytest.fixture
def form(db):
    project, items, truths = form_project(db.session, n_items=20)
    reviewer = create_user(db.session, "frev", "pw-long-enough")
    add_membership(db.session, reviewer, project, ProjectRole.reviewer)
    project.separate_roles = False
    db.session.flush()
    return project, items[0].batch, reviewer


def _other(value, choices):
    return next(c for c in choices if c != value)


def test_reviewer_marks_wrong_answers_and_corrects_them(db, form):
    project, batch, reviewer = form
    plan = draw_plan(db.session, batch, method="fixed_n", n=4, seed=3, calibration=0)
    sampled = next_for(db.session, plan, reviewer)
    value = sampled.annotation.value
    fixed = _other(value["helpful_a"], range(1, 6))
    review, created = record_review(
        db.session, sampled, reviewer, "incorrect", answers={"helpful_a": str(fixed)}
    )
    assert created and review.verdict == Verdict.incorrect
    rows = {r.question: r for r in review.answers}
    assert set(rows) == set(value)  # every answered question judged
    assert rows["helpful_a"].verdict == Verdict.incorrect
    assert rows["helpful_a"].corrected_value == fixed  # normalised to the question's type
    assert all(r.verdict == Verdict.correct for k, r in rows.items() if k != "helpful_a")
    assert review.corrected_value == {**value, "helpful_a": fixed}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.record"))
    assert event.details["questions"]["helpful_a"] == "incorrect"

    # Nothing marked wrong: the verdict derives "correct", one row per answer.
    other = next_for(db.session, plan, reviewer)
    review, _ = record_review(db.session, other, reviewer, "correct")
    assert review.verdict == Verdict.correct and review.corrected_value is None
    assert {r.verdict for r in review.answers} == {Verdict.correct}


@pytest.mark.parametrize(
    ("answers", "needle"),
    [
        ({"helpful_a": "9"}, "value.helpful_a"),  # outside the scale
        ({"nope": "1"}, "value.nope"),  # not a question
        ({"helpful_a": ""}, "value.helpful_a"),  # no correction
        ({}, "Mark at least one answer"),
    ],
)
def test_bad_corrections_are_refused_naming_the_question(db, form, answers, needle):
    project, batch, reviewer = form
    plan = draw_plan(db.session, batch, method="fixed_n", n=2, seed=3, calibration=0)
    sampled = next_for(db.session, plan, reviewer)
    with pytest.raises(InvalidInput) as caught:
        record_review(db.session, sampled, reviewer, "incorrect", answers=answers)
    assert any(needle in str(p) for p in caught.value.problems), caught.value.problems
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ReviewAnswer.id))) == 0


def test_same_correction_is_refused(db, form):
    project, batch, reviewer = form
    plan = draw_plan(db.session, batch, method="fixed_n", n=2, seed=3, calibration=0)
    sampled = next_for(db.session, plan, reviewer)
    same = sampled.annotation.value["helpful_b"]
    with pytest.raises(InvalidInput) as caught:
        record_review(db.session, sampled, reviewer, "incorrect", answers={"helpful_b": same})
    assert "value.helpful_b" in str(caught.value.problems)


def test_review_limited_to_some_questions_drives_the_decision(db, form):
    project, batch, reviewer = form
    set_review_questions(db.session, project, {"harmless_a": 1, "harmless_b": 1.0})
    plan = draw_plan(db.session, batch, method="all", seed=5, calibration=0)
    sampled = list(
        db.session.scalars(sa.select(SampledAnnotation).where(SampledAnnotation.plan_id == plan.id))
    )
    assert {tuple(s.questions) for s in sampled} == {("harmless_a", "harmless_b")}
    first = next_for(db.session, plan, reviewer)
    assert [q.key for q in judged_questions(project, first)] == ["harmless_a", "harmless_b"]
    # A question not under review cannot be judged wrong here.
    with pytest.raises(InvalidInput) as caught:
        record_review(db.session, first, reviewer, "incorrect", answers={"helpful_a": "1"})
    assert "value.helpful_a" in str(caught.value.problems)
    value = first.annotation.value
    record_review(
        db.session,
        first,
        reviewer,
        "incorrect",
        answers={"harmless_b": _other(value["harmless_b"], range(1, 6))},
    )
    rows = db.session.scalars(sa.select(ReviewAnswer)).all()
    assert sorted(r.question for r in rows) == ["harmless_a", "harmless_b"]
    tally = tally_plan(db.session, plan)
    assert tally.defects == 1 and tally.reviewed == 1

    counts = {(c.question, c.annotator_id): c for c in question_review_counts(db.session, project)}
    who = first.annotation.annotator_id
    assert (counts["harmless_a", who].reviewed, counts["harmless_a", who].correct) == (1, 1)
    assert (counts["harmless_b", who].reviewed, counts["harmless_b", who].correct) == (1, 0)
    assert {q for q, _ in counts} == {"harmless_a", "harmless_b"}


def test_review_share_per_question_is_seeded(db, form):
    project, batch, reviewer = form
    set_review_questions(db.session, project, {"harmless_a": 1, "helpful_b": 0.5})
    plan = draw_plan(db.session, batch, method="all", seed=11, calibration=0)
    drawn = [s.questions for s in plan.sampled]
    assert all("harmless_a" in q for q in drawn)
    with_b = sum("helpful_b" in q for q in drawn)
    assert 0 < with_b < len(drawn)  # about half of 60


@pytest.mark.parametrize(
    ("raw", "needle"),
    [({"nope": 1}, "nope"), ({"harmless_a": 0}, "harmless_a"), ({"harmless_a": 2}, "harmless_a")],
)
def test_bad_review_questions_are_refused(db, form, raw, needle):
    project, _batch, _reviewer = form
    with pytest.raises(InvalidInput) as caught:
        set_review_questions(db.session, project, raw)
    assert needle in str(caught.value.problems)
    assert project.review_questions is None


def test_review_gold_is_judged_on_the_questions_under_review(db, form):
    project, batch, reviewer = form
    set_review_questions(db.session, project, ["preference"])
    plan = draw_plan(db.session, batch, method="all", seed=2, calibration=0)
    for s in plan.sampled:
        gold = s.annotation.item.gold_answer
        if gold is None:
            assert s.expected_verdict is None
        else:
            same = s.annotation.value["preference"] == gold["preference"]
            assert s.expected_verdict == (Verdict.correct if same else Verdict.incorrect)


def test_one_question_projects_write_no_question_rows(db, make_project):
    from tests.factories import labelled_project

    labelled_project(db.session, n_items=40)
    from annotate.models import Batch, Project, User

    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    plan = draw_plan(db.session, batch, method="fixed_n", n=2, seed=1, calibration=0)
    assert all(s.questions is None for s in plan.sampled)
    review, _ = record_review(db.session, next_for(db.session, plan, reviewer), reviewer, "correct")
    assert review.answers == []
    counts = question_review_counts(db.session, project)
    assert [(c.question, c.reviewed, c.correct) for c in counts] == [("answer", 1, 1)]


def test_a_whole_corrected_value_says_which_answers_are_wrong(db, form):
    project, batch, reviewer = form
    plan = draw_plan(db.session, batch, method="fixed_n", n=2, seed=3, calibration=0)
    sampled = next_for(db.session, plan, reviewer)
    value = sampled.annotation.value
    fixed = {**value, "truthful_b": _other(value["truthful_b"], range(1, 6))}
    review, _ = record_review(db.session, sampled, reviewer, "incorrect", corrected_value=fixed)
    wrong = [r.question for r in review.answers if r.verdict == Verdict.incorrect]
    assert wrong == ["truthful_b"] and review.corrected_value == fixed
