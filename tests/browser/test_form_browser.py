"""An annotator answers the demo's RLHF form (thirteen questions) with the keyboard alone:
digits answer the question in focus and move on, conditions show questions, arrows and Tab
move, a missing answer is highlighted instead of sent, Ctrl+Enter / Enter submit. Then the
same screen in Chinese at 390 px, and the project's setup pages."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in


def _mine(db):
    from annotate.models import Annotation, Item, Project, User

    db.session.remove()
    return db.session.scalars(
        sa.select(Annotation.value)
        .join(Item, Item.id == Annotation.item_id)
        .join(Project, Project.id == Item.project_id)
        .join(User, User.id == Annotation.annotator_id)
        .where(Project.slug == "rlhf-full", User.username == "ann1")
        .order_by(Annotation.id)
    ).all()


def _focused(page) -> str:
    return page.evaluate(
        "() => document.activeElement.closest('.form-question')?.dataset.key || ''"
    )


def _press(page, *keys):
    for key in keys:
        page.keyboard.press(key)


def test_the_rlhf_form_by_keyboard(page, live_server, db, browser, screenshot):
    log_in(page, live_server, "ann1")
    page.wait_for_url(f"{live_server}/annotate/")
    before = len(_mine(db))
    page.goto(f"{live_server}/annotate/rlhf-full")
    assert page.locator("#labeling").get_attribute("data-task") == "form"
    assert _focused(page) == "helpful_a"
    assert page.locator("#question-risk_a").is_hidden()
    # Tab moves to the next question, Shift+Tab back (the choices are not tab stops)
    _press(page, "Tab")
    assert _focused(page) == "truthful_a"
    _press(page, "Shift+Tab")
    assert _focused(page) == "helpful_a"
    # a digit answers and moves on; harmlessness 2 shows the risk categories
    _press(page, "4", "4", "2")
    assert page.locator("#question-risk_a").is_visible() and _focused(page) == "risk_a"
    _press(page, "3", "5")  # multi-label: toggles, stays
    assert page.locator("#question-risk_a input:checked").count() == 2
    _press(page, "ArrowDown")
    assert _focused(page) == "pi_a"
    _press(page, "ArrowDown", "5", "5", "5")
    assert _focused(page) == "pi_b" and page.locator("#question-risk_b").is_hidden()
    _press(page, "ArrowDown", "2")  # B is better: "by how much" appears
    assert _focused(page) == "strength"
    _press(page, "3")
    assert _focused(page) == "reason"
    # the reason is missing: Enter highlights it and sends nothing
    _press(page, "Escape", "Enter")
    assert page.locator("#question-reason.is-missing").is_visible()
    assert _focused(page) == "reason" and len(_mine(db)) == before
    screenshot(page, "form-missing-en-1280")
    page.keyboard.type("B 更准确，A 侵权")
    with page.expect_navigation():
        _press(page, "Control+Enter")
    page.wait_for_selector("#labeling, #queue-empty")
    saved = _mine(db)[-1]
    assert saved == {
        "helpful_a": 4,
        "truthful_a": 4,
        "harmless_a": 2,
        "risk_a": ["a3_commercial", "a5_service"],
        "helpful_b": 5,
        "truthful_b": 5,
        "harmless_b": 5,
        "preference": {"choice": "B"},
        "strength": "much",
        "reason": "B 更准确，A 侵权",
        "pi_a": [],  # no personal information marked: none found
        "pi_b": [],
    }

    # Chinese, on a phone: no English, nothing wider than the screen; the next item
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        log_in(phone, live_server, "ann2")
        phone.wait_for_url(f"{live_server}/annotate/")
        phone.goto(f"{live_server}/annotate/rlhf-full")
        assert "哪个回答更好" in phone.inner_text("#answer")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "form-zh-390")
        context.clear_cookies()
        log_in(phone, live_server, "admin")
        phone.goto(f"{live_server}/admin/projects/rlhf-full/settings")
        phone.click("#questions summary")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "form-settings-zh-390")
        phone.goto(f"{live_server}/admin/new-project/rlhf_full")
        assert phone.locator("#label-rows").is_hidden() and phone.locator("#questions").is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "form-new-project-zh-390")
    finally:
        context.close()
