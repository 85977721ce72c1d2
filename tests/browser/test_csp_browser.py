"""With the Content-Security-Policy on, the pages that run JavaScript still work and Chromium
reports no violation: the labeling screen's keyboard, the review screen, the dashboard."""

from __future__ import annotations

from tests.browser.conftest import log_in

#: Installed before any page script: records every CSP violation event the page sees.
_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_pages_work_under_the_csp_without_violations(page, live_server):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(_WATCH)

    def violations() -> list[str]:
        return page.evaluate("window.__csp") + [
            text for text in console if "Content Security Policy" in text
        ]

    log_in(page, live_server, "ann1")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/demo")
    page.wait_for_selector("#labeling")
    page.keyboard.press("1")  # labeling.js: the hotkey chooses the first label
    assert page.locator("#answer input:checked").count() == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")  # and Enter submits it
    page.wait_for_selector("#labeling")
    page.keyboard.press("?")  # the shortcuts dialog (Bootstrap's JavaScript)
    page.wait_for_function("() => document.activeElement.closest('#help-modal') !== null")
    assert violations() == []

    page.context.clear_cookies()
    log_in(page, live_server, "reviewer")
    page.wait_for_url(f"{live_server}/review/")
    page.click("#review-batches a:text('reviews-2026-10')")
    page.wait_for_selector("#draw-form")
    page.select_option("#draw-form [name=method]", "iso2859")
    assert page.locator("#draw-form [name=rate]").is_hidden()  # review.js ran
    assert violations() == []

    page.context.clear_cookies()
    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/reports/demo")
    page.wait_for_selector("svg.chart")
    assert violations() == []
