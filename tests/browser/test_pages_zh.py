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


def test_times_follow_the_zone_chosen_on_the_account_page(browser, live_server, screenshot):
    """Issue 18: a lease reads as people read it — how far away, and the clock time in the
    reader's own zone once they choose one (Asia/Shanghai before)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    log_in(page, live_server, "ann1")
    page.wait_for_load_state()
    page.goto(f"{live_server}/annotate/demo")
    lease = page.locator("time[title]").first  # the relative time, the local time as title
    assert lease.inner_text().endswith("分钟后")
    instant = datetime.fromisoformat(lease.get_attribute("datetime").replace("Z", "+00:00"))
    shanghai = instant.astimezone(ZoneInfo("Asia/Shanghai"))
    assert lease.get_attribute("title").endswith(shanghai.strftime("%H:%M"))  # (a date after 0:00)
    page.goto(f"{live_server}/account/")
    page.select_option("#tz-time_zone", "Europe/Berlin")
    with page.expect_navigation():
        page.click("#time-zone [type=submit]")
    page.get_by_text("时区已保存。").wait_for()
    page.goto(f"{live_server}/annotate/demo")
    berlin = instant.astimezone(ZoneInfo("Europe/Berlin"))
    assert (
        page.locator("time[title]").first.get_attribute("title").endswith(berlin.strftime("%H:%M"))
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "zh-390-lease-berlin")
    context.close()
