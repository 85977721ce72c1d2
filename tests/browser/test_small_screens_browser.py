"""At 390 px (a phone) the annotator home, the labeling screens and the review screens do not
scroll sideways, in English and in Chinese."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

WIDTH = 390


def _overflow(page) -> list[str]:
    """The document's width beyond the viewport, with the widest offenders for the message."""
    return page.evaluate(
        """(width) => {
        const doc = document.documentElement;
        if (doc.scrollWidth <= width) return [];
        const wide = [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > width + 0.5)
            .slice(0, 8)
            .map((e) => `${e.tagName}#${e.id}.${e.className} ${e.getBoundingClientRect().right}`);
        return [`scrollWidth ${doc.scrollWidth}`, ...wide];
    }""",
        WIDTH,
    )


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_annotator_and_reviewer_screens_fit_390_px(browser, live_server, locale, screenshot):
    context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 844})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        log_in(page, live_server, "ann1")
        page.wait_for_url(f"{live_server}/annotate/")
        pages = {
            "annotator-home": "/annotate/",
            "label-single": "/annotate/demo",
            "label-span": "/annotate/ner",
            "label-pairwise": "/annotate/helpfulness",
        }
        for name, path in pages.items():
            page.goto(live_server + path)
            assert _overflow(page) == [], (path, _overflow(page))
            screenshot(page, f"390-{name}-{locale}")
        context.clear_cookies()
        log_in(page, live_server, "reviewer")
        page.wait_for_url(f"{live_server}/review/")
        assert _overflow(page) == [], ("/review/", _overflow(page))
        screenshot(page, f"390-review-batches-{locale}")
        page.click("#review-batches a:text('reviews-2026-10')")
        page.wait_for_selector("#draw-form")
        assert _overflow(page) == [], (page.url, _overflow(page))
        screenshot(page, f"390-review-batch-{locale}")
        page.select_option("#draw-form [name=method]", "iso2859")
        page.fill("#draw-form [name=seed]", "2024")
        page.click("#draw-form [type=submit]")
        page.wait_for_selector("#plan")
        assert _overflow(page) == [], (page.url, _overflow(page))
        page.click("#start-review")
        page.wait_for_selector("#review-form")
        assert _overflow(page) == [], (page.url, _overflow(page))
        screenshot(page, f"390-review-item-{locale}")
    finally:
        context.close()
