"""With the project's suggestions on, the labeling screen opens with the model's prediction
chosen, Enter submits it and the annotation records that suggestions were shown; off, the
screen shows nothing of the model. Screenshots of the changed pages (en, zh, 390 px)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in, save_screenshot


def _settings(db, **changes):
    from annotate.models import Project
    from annotate.services.projects.settings import update_settings

    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    update_settings(db.session, project, changes)
    db.session.commit()


def _last(db):
    from annotate.models import Annotation, User

    db.session.remove()
    return db.session.execute(
        sa.select(Annotation.value, Annotation.with_suggestions, Annotation.item_id)
        .join(User, User.id == Annotation.annotator_id)
        .where(User.username == "ann1")
        .order_by(Annotation.id.desc())
        .limit(1)
    ).one()


def test_the_suggestion_prefills_when_on_and_is_recorded(page, live_server, db, screenshot):
    from annotate.models import Item

    log_in(page, live_server, "ann1")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/demo")
    assert page.locator("#suggestion").count() == 0
    assert page.locator("#answer input:checked").count() == 0

    _settings(db, show_predictions=True)
    page.reload()
    page.wait_for_selector("#suggestion")
    chosen = page.locator("#answer input:checked")
    assert chosen.count() == 1
    value = chosen.get_attribute("value")
    screenshot(page, "labeling-suggestion-en")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the pre-filled answer is a valid answer
    submitted, with_suggestions, item_id = _last(db)
    assert submitted == value and with_suggestions is True
    assert db.session.get(Item, item_id).suggestion["value"] == value

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_selector("#suggestion")
    screenshot(page, "labeling-suggestion-en-390")


def test_the_suggestion_in_chinese(browser, live_server, db, screenshot):
    _settings(db, show_predictions=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server, "ann2")
    page.goto(f"{live_server}/annotate/demo")
    page.wait_for_selector("#suggestion")
    assert "模型" in page.locator("#suggestion").inner_text()
    screenshot(page, "labeling-suggestion-zh-390")
    context.close()


def test_changed_manager_pages_in_both_languages(browser, live_server, db, screenshot):
    for lang, locale in (("en", "en-US"), ("zh", "zh-CN")):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, live_server, "manager")
        page.wait_for_load_state()
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server}/reports/demo")
            page.wait_for_selector("#model-table")
            screenshot(page, f"dashboard-{lang}-{width}")
            save_screenshot(page.locator("#models"), f"dashboard-models-{lang}-{width}")
            page.goto(f"{live_server}/admin/data/demo")
            page.wait_for_selector("#predictions-form")
            assert page.locator("#model-versions").count() == 1
            screenshot(page, f"data-predictions-{lang}-{width}")
            page.goto(f"{live_server}/admin/projects/demo/settings")
            page.wait_for_selector("#settings-predictions")
            screenshot(page, f"settings-{lang}-{width}")
            save_screenshot(
                page.locator("#settings-predictions"), f"settings-predictions-{lang}-{width}"
            )
        context.close()
