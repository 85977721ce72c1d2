"""An admin creates a project from the content-safety template in Chromium and sets its
k, gold rate, minimum α and AQL on the settings page; a bad value is refused beside its field."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from annotate.models import AuditEvent, Membership, Project, ProjectRole, User
from tests.browser.conftest import log_in


def test_create_from_content_safety_template_and_set_thresholds(page, live_server, db, screenshot):
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/")
    with page.expect_navigation():
        page.click("#new-project")
    screenshot(page, "en-projects-choose")
    with page.expect_navigation():  # the form's script has run once the page has loaded
        page.click("#template-content_safety")
    assert page.input_value("#labels-1-name_zh") == "A.1 违背社会主义核心价值观"
    assert page.input_value("#rulebook_kind") == "security"
    expect(page.locator("#label-rows")).to_be_visible()
    expect(page.locator("#scale-fields")).to_be_hidden()
    page.select_option("#task_type", "rating")  # project_form.js follows the task type
    expect(page.locator("#scale-fields")).to_be_visible()
    expect(page.locator("#label-rows")).to_be_hidden()
    page.select_option("#task_type", "single_label")
    page.fill("#slug", "demo")  # taken by the demo: refused beside the field
    page.fill("#name", "Content safety")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#slug.is-invalid").count() == 1
    assert "already exists" in page.locator("#slug ~ .invalid-feedback").inner_text()
    page.fill("#slug", "safety")
    page.fill("#labels-6-key", "spam")  # a spare row, with a hotkey already taken
    page.fill("#labels-6-hotkey", "2")
    page.click("#submit")
    assert (
        "already used by label 2"
        in page.locator("#labels-6-hotkey ~ .invalid-feedback").inner_text()
    )
    page.fill("#labels-6-hotkey", "7")
    page.fill("#labels-6-name_zh", "垃圾信息")
    page.click("#submit")
    page.wait_for_url("**/admin/projects/safety/settings")
    assert "you are its manager" in page.locator(".alert-success").inner_text()

    page.fill("#redundancy_k", "2")
    page.fill("#gold_rate", "0.1")
    page.fill("#min_alpha", "0.7")
    page.select_option("#aql", "1")
    page.fill("#lease_minutes", "0")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#lease_minutes.is-invalid").count() == 1
    page.fill("#lease_minutes", "45")
    page.click("#submit")
    page.wait_for_url("**/admin/projects/safety/settings")
    assert "Settings saved" in page.locator(".alert-success").inner_text()
    assert page.input_value("#redundancy_k") == "2" and page.input_value("#min_alpha") == "0.7"
    screenshot(page, "en-project-settings-saved")

    db.session.expire_all()
    project = db.session.scalar(sa.select(Project).where(Project.slug == "safety"))
    assert (project.redundancy_k, project.gold_rate, project.min_alpha, project.aql) == (
        2,
        0.1,
        0.7,
        1.0,
    )
    assert project.default_sample_method.value == "all"
    assert project.labels[-1]["key"] == "spam" and project.labels[-1]["name_zh"] == "垃圾信息"
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    role = db.session.scalar(
        sa.select(Membership.role).where(
            Membership.project_id == project.id, Membership.user_id == admin.id
        )
    )
    assert role == ProjectRole.manager
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert event.details["changes"]["gold_rate"] == {"old": 0.05, "new": 0.1}
