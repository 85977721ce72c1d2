"""The review screen of a form project over HTTP (issue 15): every answer shown, a "wrong"
toggle and correction per answer under review, a bad correction refused with a 400 naming the
question and nothing written, a good one recorded question by question; in Chinese too."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import ProjectRole, Review, ReviewAnswer, Verdict
from annotate.services.accounts.users import add_membership, create_user
from annotate.services.review.questions import set_review_questions
from annotate.services.review.reviews import next_for
from annotate.services.review.sampling import draw_plan
from tests.form_factories import form_project


@pytest.fixture
def screen(db, client):
    project, items, _ = form_project(db.session, n_items=6)
    reviewer = create_user(db.session, "frev", "pw-long-enough")
    add_membership(db.session, reviewer, project, ProjectRole.reviewer)
    set_review_questions(db.session, project, {"preference": 1, "helpful_a": 1, "reason": 1})
    plan = draw_plan(db.session, items[0].batch, method="all", seed=4, calibration=0)
    sampled = next_for(db.session, plan, reviewer)
    db.session.commit()
    assert client.post("/login", data={"username": "frev", "password": "pw-long-enough"})
    return client, f"/review/plans/{plan.id}/items/{sampled.id}", sampled


def test_form_review_screen_shows_answers_and_toggles(screen):
    client, url, sampled = screen
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="form-answers"' in page and "Harmlessness of A" in page
    assert "not under review" in page  # harmless_a is shown, not judged
    for key in ("preference", "helpful_a", "reason"):
        assert f'id="wrong-{key}"' in page
    assert 'id="wrong-harmless_a"' not in page
    assert 'data-question-hotkey="2"' in page
    zh = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "回答 A 的有用性" in zh and "不在复核范围" in zh


def test_bad_correction_is_a_400_naming_the_question(db, screen):
    client, url, _sampled = screen
    response = client.post(
        url, data={"verdict": "incorrect", "wrong": "helpful_a", "fix-helpful_a": "7"}
    )
    assert response.status_code == 400
    assert "value.helpful_a" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_correction_is_recorded_per_question(db, screen):
    client, url, sampled = screen
    old = sampled.annotation.value["helpful_a"]
    fixed = 1 if old != 1 else 2
    response = client.post(
        url, data={"verdict": "incorrect", "wrong": "helpful_a", "fix-helpful_a": str(fixed)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    review = db.session.scalar(sa.select(Review))
    assert review.verdict == Verdict.incorrect
    rows = {r.question: r for r in db.session.scalars(sa.select(ReviewAnswer))}
    assert set(rows) == {"preference", "helpful_a", "reason"}
    assert rows["helpful_a"].corrected_value == fixed
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="already-reviewed"' in page and "Helpfulness of A" in page


def test_manager_limits_review_to_some_questions(db, client):
    project, _items, _ = form_project(db.session, n_items=2)
    manager = create_user(db.session, "fman", "pw-long-enough")
    add_membership(db.session, manager, project, ProjectRole.manager)
    db.session.commit()
    client.post("/login", data={"username": "fman", "password": "pw-long-enough"})
    url = f"/admin/projects/{project.slug}/settings"
    page = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'id="review-questions"' in page and "复核的问题" in page
    bad = client.post(f"{url}/review-questions", data={"share-harmless_a": "2"})
    assert bad.status_code == 400 and "harmless_a" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert project.review_questions is None
    good = client.post(
        f"{url}/review-questions", data={"share-harmless_a": "1", "share-harmless_b": "0.5"}
    )
    assert good.status_code == 302
    db.session.expire_all()
    assert project.review_questions == {"harmless_a": 1.0, "harmless_b": 0.5}
    client.post(f"{url}/review-questions", data={})
    db.session.expire_all()
    assert project.review_questions is None  # every box empty: every question again
