"""The sampling-verification walk in Chromium: a reviewer draws an ISO 2859-1 plan, reviews the
sample with the keyboard to a decision, the rejection sends work back to ann1–ann3, and an
annotator reads the feedback."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from annotate.models import (
    Assignment,
    Batch,
    BatchStatus,
    Review,
    SampledAnnotation,
    User,
)
from tests.browser.conftest import log_in


def _sampled_on_screen(db, page) -> SampledAnnotation:
    sampled_id = int(re.search(r"/items/(\d+)", page.url)[1])
    db.session.expire_all()
    return db.session.get(SampledAnnotation, sampled_id)


def test_reviewer_walks_iso_plan_to_rejection_and_annotator_sees_feedback(
    page, live_server, screenshot, db
):
    log_in(page, live_server, "reviewer")
    page.wait_for_url(f"{live_server}/review/")
    screenshot(page, "review-batches")
    page.click("#review-batches a:text('reviews-2026-10')")
    page.wait_for_selector("#draw-form")
    page.select_option("#draw-form [name=method]", "iso2859")
    expect(page.locator("#draw-form [name=rate]")).to_be_hidden()  # the script hides it
    page.select_option("#draw-form [name=aql]", "1")
    page.fill("#draw-form [name=seed]", "2024")
    page.click("#draw-form [type=submit]")
    page.wait_for_selector("#plan")
    assert page.locator("#plan-seed").inner_text() == "2024"
    n = int(page.locator("#plan-n").inner_text())
    assert n > 0
    screenshot(page, "review-plan-drawn")

    with page.expect_navigation():  # the keys work once review.js has run: on load
        page.click("#start-review")
    page.wait_for_selector("#review-form")
    screenshot(page, "review-screen")
    failed_annotators: set[str] = set()
    reviewed = 0
    while page.locator("#review-form").count():
        sampled = _sampled_on_screen(db, page)
        annotator = sampled.annotation.annotator.username
        url = page.url
        if not sampled.is_calibration and annotator not in failed_annotators:
            # One failed annotation per annotator: X, a label hotkey, error type, clause, Enter.
            failed_annotators.add(annotator)
            value = sampled.annotation.value
            hotkey = next(
                k
                for k, label in (
                    ("1", "positive"),
                    ("2", "negative"),
                    ("3", "neutral"),
                    ("4", "mixed"),
                )
                if label != value
            )
            page.keyboard.press("x")
            assert page.locator("#correction").is_visible()
            page.keyboard.press(hotkey)
            chosen = page.locator("input[name=corrected]:checked")
            assert chosen.count() == 1 and chosen.get_attribute("data-hotkey") == hotkey
            page.select_option("[name=error_type]", "wrong_label")
            page.select_option("[name=clause_key]", "R1.2")
            page.fill("[name=comment]", "The last sentence gives an explicit verdict.")
            if len(failed_annotators) == 1:
                page.wait_for_timeout(300)  # let the buttons' colour transition finish
                screenshot(page, "review-screen-correction")
            page.focus("[name=clause_key]")
            key = "Enter"
        else:
            key = "c"
        with page.expect_navigation():
            page.keyboard.press(key)
        assert not page.locator("#review-problems").count(), page.locator(
            "#review-problems"
        ).inner_text()
        assert page.url != url
        reviewed += 1
        assert reviewed < 60
    # Back on the batch page: the queue is empty and the plan says reject.
    page.wait_for_selector("#decide")
    assert page.locator("#plan-decision").inner_text() == "reject"
    assert int(page.locator("[data-tally-defects]").get_attribute("data-tally-defects")) == len(
        failed_annotators
    )
    screenshot(page, "review-decision-pending")
    assert page.locator("#decision-form [name=decision]").input_value() == "reject"
    page.click("#decision-form [type=submit]")
    page.wait_for_selector("#decision")
    assert page.get_by_text("Batch rejected").is_visible()
    screenshot(page, "review-decision-rejected")

    db.session.expire_all()
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    assert batch.status == BatchStatus.reannotating
    back = set(
        db.session.scalars(
            sa.select(User.username)
            .join(Assignment, Assignment.annotator_id == User.id)
            .where(Assignment.round == 2)
        )
    )
    assert back == failed_annotators == {"ann1", "ann2", "ann3"}
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == reviewed
    corrections = db.session.execute(
        sa.select(Review.corrected_value, SampledAnnotation)
        .join(SampledAnnotation)
        .where(Review.verdict == "incorrect")
    ).all()
    assert all(value and value != sampled.annotation.value for value, sampled in corrections)

    page.click("nav button:text('Log out')")
    log_in(page, live_server, "ann1")
    page.wait_for_url(f"{live_server}/annotate/")
    page.click("nav a:text('Feedback')")
    page.wait_for_selector("#feedback-list")
    card = page.locator("[data-verdict=incorrect]").first
    assert "R1.2" in card.locator(".clause").inner_text()
    assert "explicit verdict" in card.locator(".comment").inner_text()
    screenshot(page, "feedback-annotator")


def test_manager_sees_reviewer_calibration(page, live_server, screenshot, db):
    from annotate.services.review.reviews import next_for, record_review
    from annotate.services.review.sampling import draw_plan

    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    plan = draw_plan(db.session, batch, method="fixed_n", n=5, seed=1, calibration=6)
    while (sampled := next_for(db.session, plan, reviewer)) is not None:
        record_review(db.session, sampled, reviewer, "correct")
    db.session.commit()
    log_in(page, live_server, "manager")
    page.wait_for_url(f"{live_server}/reports/")
    page.click("nav a:text('Calibration')")
    page.wait_for_selector("h1:text('Reviewer calibration')")
    assert page.locator(".calibration-table tbody tr").count() == 1
    screenshot(page, "review-calibration")
