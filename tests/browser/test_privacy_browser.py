"""Personal-data rights and item search in Chromium, zh and en, at 390 px and desktop width:
an administrator downloads a person's ZIP, is refused a mistyped erasure, then erases; a
manager finds items by a Chinese word."""

from __future__ import annotations

import zipfile

from tests.browser.conftest import log_in


def _no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _context(browser, lang: str, width: int):
    locale = "zh-CN" if lang == "zh" else "en-US"
    return browser.new_context(locale=locale, viewport={"width": width, "height": 860})


def test_export_and_erase_in_the_browser(browser, live_server, screenshot, tmp_path):
    for lang, width in (("en", 1280), ("zh", 390)):
        context = _context(browser, lang, width)
        page = context.new_page()
        log_in(page, live_server, "admin")
        page.wait_for_load_state()
        page.goto(f"{live_server}/admin/users/")
        page.click(f"#user-{'ann2' if lang == 'en' else 'ann1'} .personal-data")
        page.wait_for_selector("#erase-form")
        assert _no_overflow(page)
        screenshot(page, f"{lang}-{width}-personal-data")
        if lang == "en":
            with page.expect_download() as download:
                page.click("#export-button")
            path = tmp_path / "ann2.zip"
            download.value.save_as(path)
            assert "data.json" in zipfile.ZipFile(path).namelist()
            page.fill("#erase-form input[name=confirm]", "ann")
            page.click("#erase-form [type=submit]")
            page.wait_for_selector("#erase-form .invalid-feedback, #erase-form .text-danger")
            screenshot(page, f"{lang}-{width}-personal-data-refused")
            page.fill("#erase-form input[name=confirm]", "ann2")
            page.click("#erase-form [type=submit]")
            page.wait_for_selector("#user-list")
            assert "ann2" not in page.inner_text("#user-list")
            screenshot(page, f"{lang}-{width}-users-after-erasure")
        else:
            assert "删除个人数据" in page.content() and "下载 ZIP" in page.content()
        context.close()


def test_item_search_by_a_chinese_word(browser, live_server, screenshot):
    for lang, width in (("zh", 390), ("en", 1280)):
        context = _context(browser, lang, width)
        page = context.new_page()
        log_in(page, live_server, "manager")
        page.wait_for_load_state()
        page.goto(f"{live_server}/admin/data/helpfulness/items")
        page.fill("#f-q", "谢谢")
        page.click("#item-filters [type=submit]")
        page.wait_for_selector("#item-list")
        rows = page.locator("#item-list tbody tr")
        assert rows.count() > 0 and _no_overflow(page)
        screenshot(page, f"{lang}-{width}-item-search")
        context.close()
