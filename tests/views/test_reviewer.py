"""The reviewer pages, feedback and calibration over HTTP: gates with real objects, the review
form, bad input answered with a clear 4xx and nothing written, and the decision."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import (
    Batch,
    BatchStatus,
    Feedback,
    Job,
    JobState,
    Project,
    ReportSnapshot,
    Review,
    SampledAnnotation,
    SamplePlan,
)
from annotate.services.review.sampling import draw_plan
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=120)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    project.error_types = ["wrong_label", "missed_clause"]
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    db.session.commit()
    return project, batch


@pytest.fixture
def as_user(client):
    def _as(username: str):
        client.post("/logout")
        assert (
            client.post("/login", data={"username": username, "password": "demo"}).status_code
            == 302
        )
        return client

    return _as


def _plan(db, batch, **kwargs) -> SamplePlan:
    kwargs.setdefault("method", "fixed_n")
    kwargs.setdefault("n", 4)
    kwargs.setdefault("seed", 1)
    kwargs.setdefault("calibration", 0)
    plan = draw_plan(db.session, batch, **kwargs)
    db.session.commit()
    return plan


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_every_review_route_gated_with_real_objects(db, demo, as_user):
    _, batch = demo
    plan = _plan(db, batch)
    sampled = plan.sampled[0]
    urls = [
        ("GET", "/review/"),
        ("GET", f"/review/batches/{batch.id}"),
        ("POST", f"/review/batches/{batch.id}/plans"),
        ("GET", f"/review/plans/{plan.id}/next"),
        ("GET", f"/review/plans/{plan.id}/items/{sampled.id}"),
        ("POST", f"/review/plans/{plan.id}/decision"),
        ("GET", "/review/calibration/"),
        ("GET", "/annotate/feedback/"),
        ("POST", "/annotate/feedback/read"),
    ]
    allowed = {
        "/review/calibration/": {"admin", "manager"},
        "/annotate/feedback": {"admin", "ann1"},
    }
    for who in ("admin", "manager", "reviewer", "ann1"):
        client = as_user(who)
        for method, url in urls:
            gate = next(
                (roles for prefix, roles in allowed.items() if url.startswith(prefix)),
                {"admin", "reviewer"},
            )
            code = client.open(url, method=method).status_code
            if who in gate:
                assert code in (200, 302, 400, 403), (who, method, url, code)
                if who == "reviewer" or url.startswith(
                    ("/review/calibration", "/annotate/feedback")
                ):
                    assert code != 403, (who, method, url)
            else:
                assert code == 403, (who, method, url, code)
    assert _count(db, Review) == 0


def test_pages_render(db, demo, as_user):
    project, batch = demo
    client = as_user("reviewer")
    page = client.get("/review/")
    assert page.status_code == 200 and b"reviews-2026-10" in page.data
    page = client.get(f"/review/batches/{batch.id}")
    assert b"draw-form" in page.data and b"No sample has been drawn" in page.data
    plan = _plan(db, batch, calibration=2)
    page = client.get(f"/review/batches/{batch.id}")
    assert f'data-plan-id="{plan.id}"'.encode() in page.data and b"start-review" in page.data
    nxt = client.get(f"/review/plans/{plan.id}/next")
    assert nxt.status_code == 302 and "/items/" in nxt.headers["Location"]
    screen = client.get(nxt.headers["Location"])
    text = screen.get_data(as_text=True)
    assert screen.status_code == 200 and "review-form" in text
    for name in ("ann1", "ann2", "ann3", "Annotator One", "Annotator Two", "Annotator Three"):
        assert name not in text, "the review screen must be blind to the annotator"
    assert "Product-review sentiment v1.0.0" in text
    assert 'value="wrong_label"' in text and 'value="R1.2"' in text


def test_review_form_records_verdict_and_double_submit_is_idempotent(db, demo, as_user):
    _, batch = demo
    plan = _plan(db, batch)
    client = as_user("reviewer")
    sampled = plan.sampled[0]
    wrong = next(k for k in ("positive", "negative") if k != sampled.annotation.value)
    data = {
        "verdict": "incorrect",
        "corrected": wrong,
        "error_type": "wrong_label",
        "clause_key": "R1.4",
        "comment": "Only complaints.",
    }
    url = f"/review/plans/{plan.id}/items/{sampled.id}"
    first = client.post(url, data=data)
    assert first.status_code == 302
    second = client.post(url, data=data)
    assert second.status_code == 302
    assert _count(db, Review) == 1 and _count(db, Feedback) == 1
    review = db.session.scalar(sa.select(Review))
    assert review.corrected_value == wrong and review.clause_key == "R1.4"


@pytest.mark.parametrize(
    "data",
    [
        {"verdict": "incorrect", "error_type": "wrong_label", "clause_key": "R1.4"},
        {
            "verdict": "incorrect",
            "corrected": "nonsense",
            "error_type": "wrong_label",
            "clause_key": "R1.4",
        },
        {"verdict": "incorrect", "corrected": "mixed", "error_type": "nope", "clause_key": "R1.4"},
        {"verdict": "maybe"},
        {},
    ],
)
def test_bad_review_input_is_400_and_writes_nothing(db, demo, as_user, data):
    _, batch = demo
    plan = _plan(db, batch)
    sampled = next(s for s in plan.sampled if s.annotation.value != "mixed")
    response = as_user("reviewer").post(f"/review/plans/{plan.id}/items/{sampled.id}", data=data)
    assert response.status_code == 400
    assert b"review-problems" in response.data
    assert _count(db, Review) == 0


def test_outside_sample_decided_batch_and_own_work_are_refused(db, demo, as_user, make_user):
    project, batch = demo
    old = _plan(db, batch, seed=2)
    plan = _plan(db, batch, seed=3)
    client = as_user("reviewer")
    # A sampled annotation of another (replaced) plan is not in this sample.
    stray = old.sampled[0]
    assert (
        client.post(
            f"/review/plans/{plan.id}/items/{stray.id}", data={"verdict": "correct"}
        ).status_code
        == 404
    )
    # The replaced plan no longer takes verdicts.
    response = client.post(f"/review/plans/{old.id}/items/{stray.id}", data={"verdict": "correct"})
    assert response.status_code == 409 and b"replaced" in response.data
    # Own work: admin is made the author of a sampled annotation.
    sampled = plan.sampled[0]
    admin_id = db.session.scalar(
        sa.select(SampledAnnotation).where(SampledAnnotation.id == sampled.id)
    ).annotation
    admin_id.annotator_id = db.session.scalar(
        sa.text("SELECT id FROM users WHERE username = 'admin'")
    )
    db.session.commit()
    response = as_user("admin").post(
        f"/review/plans/{plan.id}/items/{sampled.id}", data={"verdict": "correct"}
    )
    assert response.status_code == 403 and b"your own annotation" in response.data
    client = as_user("reviewer")
    assert (
        client.post(
            f"/review/plans/{plan.id}/decision",
            data={"decision": "accept", "reason": "Vendor certified."},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).status == BatchStatus.accepted
    # the decision queued a report snapshot (run inline in the tests), unseen by nobody
    snapshot_job = db.session.scalars(sa.select(Job).where(Job.kind == "snapshot")).one()
    assert snapshot_job.state is JobState.done and snapshot_job.seen_at is not None
    assert db.session.scalar(sa.select(ReportSnapshot.project_id)) == project.id
    response = client.post(
        f"/review/plans/{plan.id}/items/{plan.sampled[1].id}", data={"verdict": "correct"}
    )
    assert response.status_code == 409 and b"already decided" in response.data
    assert _count(db, Review) == 0


def test_draw_on_void_batch_shows_a_message(db, demo, as_user):
    _, batch = demo
    batch.status = BatchStatus.void
    db.session.commit()
    client = as_user("reviewer")
    response = client.post(
        f"/review/batches/{batch.id}/plans",
        data={"method": "all", "aql": "1", "inspection_level": "II", "strata": "annotator"},
        follow_redirects=True,
    )
    assert b"is void" in response.data
    assert _count(db, SamplePlan) == 0


def test_draw_iso_plan_through_the_page_and_decide_with_override(db, demo, as_user):
    _, batch = demo
    client = as_user("reviewer")
    response = client.post(
        f"/review/batches/{batch.id}/plans",
        data={
            "method": "iso2859",
            "aql": "1",
            "inspection_level": "II",
            "strata": "annotator",
            "seed": "77",
        },
    )
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(SamplePlan))
    assert plan.seed == 77 and plan.method.value == "iso2859"
    refused = client.post(
        f"/review/plans/{plan.id}/decision",
        data={"decision": "accept", "reason": ""},
        follow_redirects=True,
    )
    assert b"write the reason" in refused.data
    assert db.session.get(Batch, batch.id).status == BatchStatus.in_review


def test_feedback_page_shows_verdict_clause_and_comment(db, demo, as_user):
    _, batch = demo
    plan = _plan(db, batch)
    sampled = plan.sampled[0]
    owner = sampled.annotation.annotator.username
    wrong = next(k for k in ("positive", "negative") if k != sampled.annotation.value)
    as_user("reviewer").post(
        f"/review/plans/{plan.id}/items/{sampled.id}",
        data={
            "verdict": "incorrect",
            "corrected": wrong,
            "error_type": "wrong_label",
            "clause_key": "R1.2",
            "comment": "An explicit verdict decides.",
        },
    )
    client = as_user(owner)
    page = client.get("/annotate/feedback/").get_data(as_text=True)
    assert "An explicit verdict decides." in page and "R1.2" in page
    assert "An explicit overall verdict decides" in page  # the clause title
    assert 'data-verdict="incorrect"' in page
    assert client.post("/annotate/feedback/read").status_code == 302
    assert db.session.scalar(sa.select(Feedback.read_at)) is not None
    other = next(n for n in ("ann1", "ann2", "ann3") if n != owner)
    assert "An explicit verdict decides." not in as_user(other).get("/annotate/feedback/").get_data(
        as_text=True
    )


def test_calibration_page_for_managers(db, demo, as_user):
    _, batch = demo
    plan = _plan(db, batch, calibration=3)
    client = as_user("reviewer")
    for sampled in plan.sampled:
        client.post(f"/review/plans/{plan.id}/items/{sampled.id}", data={"verdict": "correct"})
    page = as_user("manager").get("/review/calibration/").get_data(as_text=True)
    assert "calibration-table" in page and "<code>reviewer</code>" in page
