"""The review screen's pre-filled error type and clause: the annotator's cited clause, else the
project's most common; the project's most common error type, else its first."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import Batch, Project, User
from annotate.services.review.prefill import review_defaults
from annotate.services.review.reviews import next_for, pending_for, record_review
from annotate.services.review.sampling import draw_plan
from tests.factories import labelled_project


@pytest.fixture
def plan(db):
    labelled_project(db.session, n_items=120)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    project.error_types = ["wrong_label", "missed_clause", "other"]
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    return draw_plan(db.session, batch, method="fixed_n", n=6, seed=3, calibration=0), reviewer


def _wrong(sampled) -> str:
    return next(
        k for k in ("positive", "negative", "neutral", "mixed") if k != sampled.annotation.value
    )


def test_nothing_known_gives_the_first_error_type_and_no_clause(db, plan):
    plan, reviewer = plan
    sampled = next_for(db.session, plan, reviewer)
    sampled.annotation.clause_keys = []
    defaults = review_defaults(db.session, sampled)
    assert (defaults.error_type, defaults.clause_key) == ("wrong_label", None)


def test_the_cited_clause_comes_first(db, plan):
    plan, reviewer = plan
    sampled = next_for(db.session, plan, reviewer)
    keys = [c.key for c in sampled.annotation.rulebook_version.clauses]
    sampled.annotation.clause_keys = ["no-such-clause", keys[1]]
    assert review_defaults(db.session, sampled).clause_key == keys[1]


def test_the_projects_most_common_choices_follow_the_reviews(db, plan):
    plan, reviewer = plan
    queue = pending_for(db.session, plan, reviewer)
    keys = [c.key for c in queue[0].annotation.rulebook_version.clauses]
    choices = [("other", keys[2]), ("missed_clause", keys[0]), ("missed_clause", keys[0])]
    for sampled, (error_type, clause) in zip(queue[:3], choices, strict=True):
        sampled.annotation.clause_keys = []
        record_review(
            db.session,
            sampled,
            reviewer,
            "incorrect",
            corrected_value=_wrong(sampled),
            error_type=error_type,
            clause_key=clause,
        )
    sampled = queue[3]
    sampled.annotation.clause_keys = []
    defaults = review_defaults(db.session, sampled)
    assert (defaults.error_type, defaults.clause_key) == ("missed_clause", keys[0])


def test_the_review_screen_is_pre_filled(db, plan, client, login):
    plan, reviewer = plan
    sampled = next_for(db.session, plan, reviewer)
    keys = [c.key for c in sampled.annotation.rulebook_version.clauses]
    sampled.annotation.clause_keys = [keys[1]]
    db.session.commit()
    login("reviewer", "demo")
    html = client.get(f"/review/plans/{plan.id}/items/{sampled.id}").get_data(as_text=True)
    assert f'<option selected value="{keys[1]}">' in html
    assert '<option selected value="wrong_label">' in html
    # Three keys' worth of form: the verdict, the correction, the pre-filled choices.
    response = client.post(
        f"/review/plans/{plan.id}/items/{sampled.id}",
        data={
            "verdict": "incorrect",
            "corrected": _wrong(sampled),
            "error_type": "wrong_label",
            "clause_key": keys[1],
        },
    )
    assert response.status_code == 302
