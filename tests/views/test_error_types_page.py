"""The error-type editor on the project settings (issue 18): a manager adds, renames and
retires error types in Chinese; bad rows answer 400 naming the row and change nothing; the
review screen offers the types not retired, in the reader's language."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import AuditEvent, Batch, Project
from annotate.services.review.sampling import draw_plan
from tests.factories import labelled_project
from tests.views.test_zh_crawl import _catalogue, english_left

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_manager_edits_error_types_and_the_reviewer_sees_them(db, client):
    labelled_project(db.session, n_items=40, n_unlabelled=10)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    project.error_types = ["wrong_label", "missed_rule"]
    db.session.commit()
    client.post("/login", data={"username": "manager", "password": "demo"})
    url = "/admin/projects/demo/settings/error-types"
    page = client.get(url, headers=ZH).get_data(as_text=True)
    assert 'id="error-types-form"' in page and 'value="标签错误"' in page
    whole, parts = _catalogue()
    assert english_left(page, whole, parts, frozenset({"manager"})) == []
    settings = client.get("/admin/projects/demo/settings", headers=ZH).get_data(as_text=True)
    assert 'id="edit-error-types"' in settings and "标签错误" in settings

    form = {
        "rows": "3",
        "key-0": "wrong_label",
        "existing-0": "1",
        "name-0": "Wrong label",
        "name_zh-0": "选错标签",
        "key-1": "missed_rule",
        "existing-1": "1",
        "name-1": "Missed rule",
        "name_zh-1": "漏看规则",
        "retired-1": "1",
        "key-2": "wrong_label",
        "name-2": "Again",
        "name_zh-2": "又一个",
    }
    bad = client.post(url, data=form, headers=ZH)
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert (
        "错误类型 wrong_label 重复出现。" in text
        and english_left(text, whole, parts, frozenset({"manager"})) == []
    )
    db.session.expire_all()
    assert project.error_types == ["wrong_label", "missed_rule"]

    form.update({"key-2": "boundary", "name-2": "Span boundary", "name_zh-2": "片段边界"})
    done = client.post(url, data=form, headers=ZH)
    assert done.status_code == 302
    db.session.expire_all()
    assert [e["key"] for e in project.error_types] == ["wrong_label", "missed_rule", "boundary"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "project.error_types"
            )
        )
        == 1
    )

    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    plan = draw_plan(db.session, batch, method="fixed_n", n=1, seed=1, calibration=0)
    db.session.commit()
    client.post("/logout")
    client.post("/login", data={"username": "reviewer", "password": "demo"})
    screen = client.get(f"/review/plans/{plan.id}/items/{plan.sampled[0].id}", headers=ZH)
    html = screen.get_data(as_text=True)
    assert 'value="wrong_label"' in html and "选错标签" in html
    assert 'value="boundary"' in html and "片段边界" in html
    assert 'value="missed_rule"' not in html
