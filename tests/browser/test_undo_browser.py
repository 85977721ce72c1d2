"""Undo and history in Chromium: U reopens the last annotation filled in and the change is
saved; the history page edits an annotation; a skipped item is taken back; a reviewer records
an "incorrect" verdict in three keys (X, a digit, Enter). Screens in English, Chinese and at
390 px do not scroll sideways."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser.conftest import log_in, save_screenshot

WIDTH = 390


def _shot(page, name: str) -> None:
    save_screenshot(page, name, full_page=True)


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - page.evaluate(
        "window.innerWidth"
    )


def _current(db, annotation_id: int):
    """The current annotation of the item of ``annotation_id`` by the same annotator."""
    from annotate.models import Annotation

    db.session.remove()
    old = db.session.get(Annotation, annotation_id)
    return old, db.session.scalars(
        sa.select(Annotation).where(
            Annotation.item_id == old.item_id,
            Annotation.annotator_id == old.annotator_id,
            Annotation.is_current.is_(True),
        )
    ).all()


def _last_id(db, username: str) -> int:
    from annotate.models import Annotation, User

    db.session.remove()
    return db.session.scalar(
        sa.select(Annotation.id)
        .join(User, User.id == Annotation.annotator_id)
        .where(User.username == username)
        .order_by(Annotation.id.desc())
        .limit(1)
    )


def _label_of_hotkey(page, key: str) -> str:
    return page.locator(f'#answer input[data-hotkey="{key}"]').get_attribute("value")


def test_undo_edits_the_last_annotation(page, live_server, db):
    log_in(page, live_server, "ann2")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/demo")
    page.keyboard.press("1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#labeling")
    submitted = _last_id(db, "ann2")
    page.keyboard.press("?")
    page.locator("#help-modal kbd:text-is('U')").wait_for()  # U is in the keyboard help
    page.keyboard.press("Escape")
    page.wait_for_selector("#help-modal", state="hidden")
    with page.expect_navigation():
        page.keyboard.press("u")
    page.wait_for_selector("#editing")
    assert f"/annotations/{submitted}/edit" in page.url
    # Filled in with the saved answer; skip and flag are not offered while editing.
    assert page.locator('#answer input[data-hotkey="1"]').is_checked()
    assert page.locator("#skip-modal").count() == 0
    page.keyboard.press("2")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#labeling")
    assert page.locator(".alert-success").count() == 1
    assert "/edit" not in page.url
    old, current = _current(db, submitted)
    assert not old.is_current and len(current) == 1
    assert current[0].value == _label_of_hotkey(page, "2") and old.superseded_by_id == current[0].id


def test_history_edit_and_skipped_item_taken_back(page, live_server, db):
    log_in(page, live_server, "ann2")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/demo")
    page.keyboard.press("3")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    submitted = _last_id(db, "ann2")
    # Skip the next item with a reason (S, type, Enter).
    skipped_action = page.locator("#skip-form").get_attribute("action")
    page.keyboard.press("s")
    page.wait_for_selector("#skip-reason:focus")
    page.keyboard.type("not sure which label")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#labeling")

    page.goto(f"{live_server}/annotate/")
    page.click("#history-link")
    page.wait_for_selector("#history-rows")
    page.select_option("#history-project", "demo")
    with page.expect_navigation():
        page.click("#history-filter [type=submit]")
    row = page.locator(f'.history-row[data-id="{submitted}"]')
    with page.expect_navigation():
        row.locator(".history-edit").click()
    page.wait_for_selector("#editing")
    assert page.locator('#answer input[data-hotkey="3"]').is_checked()
    page.keyboard.press("4")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#history-rows")  # back on the history page
    assert page.locator(".alert-success").count() == 1
    old, current = _current(db, submitted)
    assert len(current) == 1 and current[0].id != old.id and current[0].value == "mixed"

    # The skipped item comes back as the annotator's lease.
    page.select_option("#history-kind", "skipped")
    with page.expect_navigation():
        page.click("#history-filter [type=submit]")
    assignment_id = re.search(r"/(\d+)/skip$", skipped_action)[1]
    skipped = page.locator(f'.history-row[data-id="{assignment_id}"]')
    assert "not sure which label" in skipped.inner_text()
    with page.expect_navigation():
        skipped.locator(".history-reopen").click()
    page.wait_for_selector("#labeling")
    assert page.locator("#skip-form").get_attribute("action") == skipped_action


def test_reviewer_records_incorrect_in_three_keys(page, live_server, db):
    from annotate.models import Review, SampledAnnotation

    log_in(page, live_server, "reviewer")
    page.wait_for_url(f"{live_server}/review/")
    page.click("#review-batches a:text('reviews-2026-10')")
    page.wait_for_selector("#draw-form")
    page.select_option("#draw-form [name=method]", "iso2859")
    page.fill("#draw-form [name=seed]", "2024")
    page.click("#draw-form [type=submit]")
    page.wait_for_selector("#plan")
    with page.expect_navigation():  # the keys work once review.js has run: on load
        page.click("#start-review")
    page.wait_for_selector("#review-form")
    recorded = []
    while len(recorded) < 2:
        sampled_id = int(re.search(r"/items/(\d+)", page.url)[1])
        db.session.remove()
        sampled = db.session.get(SampledAnnotation, sampled_id)
        if sampled.is_calibration:
            with page.expect_navigation():
                page.keyboard.press("c")
            continue
        value = sampled.annotation.value
        hotkey = next(
            k
            for k, label in (("1", "positive"), ("2", "negative"), ("3", "neutral"))
            if label != value
        )
        page.keyboard.press("x")
        page.keyboard.press(hotkey)
        clause = page.locator("[name=clause_key]")
        if not recorded and not clause.input_value():
            # Nothing cited and no verdict yet to learn from: K picks a clause.
            page.keyboard.press("k")
            assert clause.input_value()
        else:  # three keys: the error type and clause are already the likely ones
            assert clause.input_value() and page.locator("[name=error_type]").input_value()
        chosen = (page.locator("[name=error_type]").input_value(), clause.input_value())
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert not page.locator("#review-problems").count()
        recorded.append((sampled_id, chosen))
    db.session.remove()
    for sampled_id, (error_type, clause) in recorded:
        review = db.session.scalar(
            sa.select(Review).where(Review.sampled_annotation_id == sampled_id)
        )
        assert review.verdict.value == "incorrect"
        assert (review.error_type, review.clause_key) == (error_type, clause)
    assert recorded[1][1] == recorded[0][1], "the second review starts from the first's choices"


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("width", [1280, WIDTH])
def test_undo_history_and_review_screens_fit(browser, live_server, db, locale, width):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 844})
    context.set_default_timeout(30_000)
    page = context.new_page()
    tag = f"{locale[:2]}-{width}"
    try:
        log_in(page, live_server, "ann1")
        page.wait_for_url(f"{live_server}/annotate/")
        page.goto(f"{live_server}/annotate/demo")
        _shot(page, f"label-{tag}")
        assert _overflow(page) <= 0
        page.keyboard.press("2")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.goto(f"{live_server}/annotate/demo/undo")
        page.wait_for_selector("#editing")
        _shot(page, f"label-edit-{tag}")
        assert _overflow(page) <= 0
        page.goto(f"{live_server}/history/")
        page.wait_for_selector("#history-rows")
        _shot(page, f"history-{tag}")
        assert _overflow(page) <= 0
        context.clear_cookies()
        log_in(page, live_server, "reviewer")
        page.wait_for_url(f"{live_server}/review/")
        page.click("#review-batches a:text('reviews-2026-10')")
        page.select_option("#draw-form [name=method]", "fixed_n")
        page.fill("#draw-form [name=n]", "5")
        page.click("#draw-form [type=submit]")
        page.wait_for_selector("#plan")
        with page.expect_navigation():  # the keys work once review.js has run: on load
            page.click("#start-review")
        page.wait_for_selector("#review-form")
        page.keyboard.press("x")
        page.wait_for_selector("#correction:visible")
        _shot(page, f"review-incorrect-{tag}")
        assert _overflow(page) <= 0
    finally:
        context.close()


def test_undo_reopens_spans_and_changes_them(page, live_server, db, make_project):
    from tests.browser.test_spans_zh_browser import SENTENCE, _press, _project, _spans

    _project(db, make_project, "zhundo", [SENTENCE, SENTENCE])
    log_in(page, live_server, "ann3")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/zhundo")
    _press(page, "1")  # 马云 as PER
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("u")
    page.wait_for_selector("#editing")
    # The saved entity is back on screen; a second one (阿里巴巴集团, ORG) is added.
    assert page.locator("#span-list li").count() == 1
    _press(page, *["ArrowRight"] * 5, "Shift+ArrowRight", "2")
    assert page.locator("#span-list li").count() == 2
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#labeling")
    assert _spans(db, "zhundo")[-1] == [
        {"start": 0, "end": 2, "label": "PER"},
        {"start": 8, "end": 14, "label": "ORG"},
    ]
