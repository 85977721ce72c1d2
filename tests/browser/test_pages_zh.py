"""Every main page of each role renders in Chinese in Chromium, with no error page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

PAGES = {
    "ann1": [
        "/annotate/",
        "/annotate/demo",
        "/annotate/helpfulness",
        "/annotate/ner",
        "/annotate/training/",
        "/annotate/quality/",
        "/annotate/feedback/",
    ],
    "reviewer": ["/review/"],
    "manager": [
        "/reports/",
        "/reports/demo",
        "/admin/",
        "/admin/data/",
        "/admin/projects/demo/rulebooks/",
        "/admin/projects/demo/training/",
        "/review/calibration/",
        "/admin/audit/",
        "/projects/demo/members/",
        "/admin/projects/demo/settings",
    ],
    "admin": [
        "/admin/users/",
        "/account/",
        "/admin/new-project/",
        "/admin/new-project/content_safety",
    ],
}


@pytest.mark.parametrize("username", list(PAGES))
def test_pages_render_in_chinese(browser, live_server, screenshot, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server, username)
    page.wait_for_load_state()
    for path in PAGES[username]:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "zh-Hans", path
        assert "Traceback" not in page.content()
        name = path.strip("/").replace("/", "-") or "root"
        screenshot(page, f"zh-{username}-{name}")
    context.close()


def test_a_refused_submit_says_why_in_chinese(browser, live_server, screenshot):
    """A second submit of the same lease (a second tab, the back button) is refused: the
    annotator lands on their next item and reads why, quietly, in their language."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server, "ann1")
    page.wait_for_load_state()
    page.goto(f"{live_server}/annotate/demo")
    action = page.get_attribute("#answer-form", "action")
    page.keyboard.press("1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("#answer-form", "action") != action  # the next item
    page.evaluate("a => document.querySelector('#answer-form').setAttribute('action', a)", action)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.keyboard.press("2")
        page.keyboard.press("Enter")
    assert answer.value.status == 303  # on to the next item, nothing written
    page.get_by_text("此条目已提交；未做任何更改。").wait_for()  # the quiet notice, loaded
    assert page.locator("#labeling").count() == 1 and page.locator("#refused").count() == 0
    screenshot(page, "zh-labeling-refused")
    context.close()
