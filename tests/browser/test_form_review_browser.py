"""Reviewing a form project by keyboard in Chromium (issue 15): X, a digit marks an answer
wrong, a digit chooses its correct answer, Enter records; per-question rows are written. The
screen in Chinese and English at 390 and 1280 px, without horizontal overflow."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import ProjectRole, ReviewAnswer, User, Verdict
from annotate.services.accounts.users import add_membership
from annotate.services.review.questions import set_review_questions
from annotate.services.review.reviews import next_for
from annotate.services.review.sampling import draw_plan
from tests.browser.conftest import log_in
from tests.form_factories import form_project


def _no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width


def test_form_review_by_keyboard(browser, page, live_server, screenshot, db):
    project, items, _ = form_project(
        db.session, slug="rlhf-review", n_items=4, accuracy={"frv1": 0.9, "frv2": 0.7}
    )
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    add_membership(db.session, reviewer, project, ProjectRole.reviewer)
    set_review_questions(db.session, project, {"preference": 1, "helpful_a": 1, "reason": 1})
    plan = draw_plan(db.session, items[0].batch, method="all", seed=7, calibration=0)
    sampled = next_for(db.session, plan, reviewer)
    old = sampled.annotation.value["helpful_a"]
    db.session.commit()
    url = f"{live_server}/review/plans/{plan.id}/items/{sampled.id}"

    log_in(page, live_server, "reviewer")
    page.goto(url)
    page.wait_for_selector("#form-corrections", state="attached")
    assert page.locator("[data-fix-for=helpful_a]").is_hidden()
    page.keyboard.press("x")
    page.keyboard.press("2")  # the second answer under review: helpful_a is wrong
    assert page.locator("#wrong-helpful_a").is_checked()
    assert page.locator("[data-fix-for=helpful_a]").is_visible()
    fixed = 1 if old != 1 else 2
    page.keyboard.press(str(fixed))  # its correct rating
    assert page.locator(f"[name=fix-helpful_a][value='{fixed}']").is_checked()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 860})
        _no_overflow(page)
        screenshot(page, f"form-review-en-{width}")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/items/" in u and str(sampled.id) not in u.split("/items/")[1])

    db.session.expire_all()
    rows = {r.question: r for r in db.session.scalars(sa.select(ReviewAnswer))}
    assert set(rows) == {"preference", "helpful_a", "reason"}
    assert rows["helpful_a"].verdict == Verdict.incorrect
    assert rows["helpful_a"].corrected_value == fixed
    assert rows["preference"].verdict == Verdict.correct

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    zh = context.new_page()
    log_in(zh, live_server, "reviewer")
    zh.goto(f"{live_server}/review/plans/{plan.id}/next")
    zh.wait_for_selector("#form-corrections", state="attached")
    assert zh.locator("html").get_attribute("lang") == "zh-Hans"
    zh.keyboard.press("x")
    zh.keyboard.press("1")
    for width in (1280, 390):
        zh.set_viewport_size({"width": width, "height": 860})
        screenshot(zh, f"form-review-zh-{width}")
        _no_overflow(zh)
    context.close()
