"""In Chromium: an admin imports an account from a CSV and resets a password; the user is
forced to choose a new one before anything else; a manager adds a member. The new pages are
shot in English and Chinese, at 1280 px and on a 390 px phone, with no sideways scrolling."""

from __future__ import annotations

from tests.browser.conftest import log_in, save_screenshot

WIDTHS = (1280, 390)


def _shoot_both_languages(browser, live_server, screenshot, username, password, path, name):
    """Screenshots of ``path`` as ``username`` in en and zh at each width; no overflow."""
    for locale in ("en-US", "zh-CN"):
        for width in WIDTHS:
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 860})
            page = context.new_page()
            log_in(page, live_server, username, password)
            page.wait_for_url(lambda url: "/login" not in url)
            page.goto(f"{live_server}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (name, locale, width, overflow)
            screenshot(page, f"{name}-{locale[:2]}-{width}")
            context.close()


def test_admin_resets_a_password_and_the_user_must_choose_a_new_one(
    browser, page, live_server, screenshot
):
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/users/")
    page.set_input_files(
        "#import-users-form input[type=file]",
        files=[
            {
                "name": "users.csv",
                "mimeType": "text/csv",
                "buffer": b"username,display_name,roles\nnewbie,New Person,\n",
            }
        ],
    )
    with page.expect_navigation():
        page.click("#import-users-form [type=submit]")
    assert page.locator("#issued-passwords").get_by_text("newbie").is_visible()
    with page.expect_navigation():
        page.locator("#user-ann2").get_by_role("button", name="Reset password").click()
    temporary = page.locator("#issued-passwords .temp-password").inner_text()
    assert page.locator("#user-ann2").get_by_text("must change password").is_visible()
    screenshot(page, "users-reset-en-1280")

    user = browser.new_context(locale="en-US", viewport={"width": 390, "height": 860})
    phone = user.new_page()
    log_in(phone, live_server, "ann2", temporary)
    phone.wait_for_url(f"{live_server}/account/password/new")
    phone.goto(f"{live_server}/annotate/")  # every page sends them back
    phone.wait_for_url(f"{live_server}/account/password/new")
    assert phone.locator("#must-change").is_visible()
    phone.fill("#new-password-form input[name=new]", "brand-new-pw")
    phone.fill("#new-password-form input[name=confirm]", "different-pw")
    with phone.expect_navigation():
        phone.click("#new-password-form [type=submit]")
    assert phone.get_by_text("Passwords differ.").is_visible()
    screenshot(phone, "new-password-error-en-390")
    phone.fill("#new-password-form input[name=new]", "brand-new-pw")
    phone.fill("#new-password-form input[name=confirm]", "brand-new-pw")
    phone.click("#new-password-form [type=submit]")
    phone.wait_for_url(f"{live_server}/annotate/")
    assert phone.get_by_text("Password set. Welcome!").is_visible()
    user.close()

    # The forced page in both languages, for a user who has not chosen yet.
    page.goto(f"{live_server}/admin/users/")
    with page.expect_navigation():
        page.locator("#user-ann3").get_by_role("button", name="Reset password").click()
    ann3 = page.locator("#issued-passwords .temp-password").inner_text()
    _shoot_both_languages(
        browser, live_server, screenshot, "ann3", ann3, "/account/password/new", "new-password"
    )
    _shoot_both_languages(
        browser, live_server, screenshot, "admin", "demo", "/admin/users/", "users"
    )


def test_a_manager_adds_a_member(browser, page, live_server, screenshot):
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/users/")
    page.fill("input[name=new-username]", "newbie")
    page.fill("input[name=new-password]", "newbie-pw-1")
    with page.expect_navigation():
        page.click("input[name=new-submit]")
    assert page.get_by_text("User newbie created.").is_visible()

    manager = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    mpage = manager.new_page()
    log_in(mpage, live_server, "manager")
    mpage.wait_for_url(f"{live_server}/reports/")
    mpage.goto(f"{live_server}/admin/")
    mpage.click("a[href='/projects/demo/members/']")
    mpage.wait_for_url(f"{live_server}/projects/demo/members/")
    mpage.fill("#member-add-form input[name=username]", "ann1")
    mpage.select_option("#member-add-form select[name=role]", "reviewer")
    with mpage.expect_navigation():
        mpage.click("#member-add-form [type=submit]")
    assert mpage.locator("#member-add-form .invalid-feedback").get_by_text("TC260-003").is_visible()
    screenshot(mpage, "members-refused-en-1280")
    mpage.fill("#member-add-form input[name=username]", "newbie")
    mpage.select_option("#member-add-form select[name=role]", "annotator")
    with mpage.expect_navigation():
        mpage.click("#member-add-form [type=submit]")
    assert mpage.get_by_text("newbie is now annotator.").is_visible()
    assert mpage.locator("#member-newbie").get_by_text("annotator").is_visible()
    manager.close()
    _shoot_both_languages(
        browser, live_server, screenshot, "manager", "demo", "/projects/demo/members/", "members"
    )


def test_a_malformed_draft_version_is_shown_beside_the_field(browser, live_server):
    """Issue 14: ``1.0`` as a new draft's version was an HTTP 500."""
    for locale, words in (("en-US", "Use MAJOR.MINOR.PATCH."), ("zh-CN", None)):
        for width in WIDTHS:
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 860})
            page = context.new_page()
            log_in(page, live_server, "manager")
            page.wait_for_url(f"{live_server}/reports/")
            page.goto(f"{live_server}/admin/projects/demo/rulebooks/1.0.0")
            page.fill("input[name=version]", "1.0")
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                page.click("form[action$='/new-draft'] [type=submit]")
            assert posted.value.status == 400
            feedback = page.locator("form[action$='/new-draft'] .invalid-feedback")
            assert feedback.is_visible()
            if words:
                assert feedback.inner_text() == words
            # the rulebook below is long: the viewport (top of the page) shows the form
            save_screenshot(page, f"new-draft-error-{locale[:2]}-{width}")
            context.close()
