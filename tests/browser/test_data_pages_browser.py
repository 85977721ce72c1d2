"""The data pages in Chromium, in Chinese, at phone width: the import report, the export form
and the item browser render translated, with no horizontal overflow."""

from __future__ import annotations

import json

from tests.browser.conftest import log_in

ENGLISH = ("Records read", "Tables for analysis", "Browse items", "Text or id", "Payload")


def _no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_data_pages_in_chinese_at_390px(browser, live_server, screenshot, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    log_in(page, live_server, "manager")
    page.wait_for_load_state()
    page.goto(f"{live_server}/admin/data/demo")
    upload = tmp_path / "copies.jsonl"
    upload.write_text(
        json.dumps({"id": "copy-1", "text": "新的评论"})
        + "\n"
        + json.dumps({"id": "copy-2", "text": "新的评论"})
        + "\n"
    )
    page.set_input_files("input[name=file]", str(upload))
    page.click("#import-form [type=submit]")
    page.wait_for_selector("#import-report")
    assert page.locator('[data-count="imported"]').inner_text() == "2"
    page.click("#import-shared summary")
    assert "第 2 行：copy-2 已导入，内容与本文件前面的 copy-1 相同" in page.inner_text(
        "#import-shared"
    )
    assert "已读取" in page.content()
    assert _no_overflow(page)
    screenshot(page, "zh-390-data-import-report")
    with page.expect_navigation():
        page.click("#job-project-data")
    assert "用于分析的数据表" in page.content() and _no_overflow(page)
    with page.expect_navigation():
        page.click("#browse-items")
    page.fill("#f-q", "新的评论")
    with page.expect_navigation():  # the unfiltered page lists items too
        page.click("#item-filters [type=submit]")
    page.wait_for_selector("#item-list")
    assert page.locator("#item-list tbody tr").count() == 2 and _no_overflow(page)
    screenshot(page, "zh-390-data-items")
    page.click("#item-list tbody a >> nth=0")
    page.wait_for_selector("#item-payload")
    assert "新的评论" in page.inner_text("#item-payload") and _no_overflow(page)
    for text in ENGLISH:
        assert text not in page.content()
    screenshot(page, "zh-390-data-item")
    context.close()
