"""A person logs in to the seeded demo in Chromium and sees their home, in English and Chinese."""

from __future__ import annotations

from tests.browser.conftest import log_in


def test_annotator_logs_in_and_sees_the_annotator_home(page, live_server, screenshot):
    log_in(page, live_server, "ann1")
    page.wait_for_url(f"{live_server}/annotate/")
    assert page.locator("h1").inner_text() == "My annotation work"
    assert page.locator("#annotator-projects").get_by_text("Product-review sentiment").count()
    screenshot(page, "annotator-home-en")


def test_wrong_password_shows_the_generic_message(page, live_server):
    log_in(page, live_server, "ann1", "wrong")
    assert page.get_by_text("Unknown username or wrong password.").is_visible()


def test_language_switch_to_chinese_and_back(page, live_server, screenshot):
    log_in(page, live_server, "manager")
    page.wait_for_url(f"{live_server}/reports/")
    page.click("button[name=lang][value=zh]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "质量报告"
    screenshot(page, "reports-home-zh")
    page.click("button[name=lang][value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Quality reports"


def test_chinese_browser_gets_chinese_login_page(browser, live_server, screenshot):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert page.locator("h1").inner_text() == "登录"
    screenshot(page, "login-zh")
    context.close()


HOMES = {
    "admin": ("/admin/", "项目"),
    "manager": ("/reports/", "质量报告"),
    "reviewer": ("/review/", "待抽样核验的批次"),
    "ann1": ("/annotate/", "我的标注工作"),
    "ann2": ("/annotate/", "我的标注工作"),
    "ann3": ("/annotate/", "我的标注工作"),
}


def test_every_demo_account_lands_on_its_home_in_chinese(browser, live_server, screenshot):
    for username, (path, heading) in HOMES.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
        page = context.new_page()
        log_in(page, live_server, username)
        page.wait_for_url(f"{live_server}{path}")
        assert page.locator("h1").inner_text() == heading, username
        screenshot(page, f"home-{username}-zh")
        context.close()
