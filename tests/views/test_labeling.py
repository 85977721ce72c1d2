"""The labeling screen, through the test client (the data pages: test_data_pages.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Item,
    Membership,
    ProjectRole,
)
from tests.factories import make_ready

TASKS = {
    "single_label": ({"labels": ["yes", "no"]}, {"label": "yes"}),
    "multi_label": ({"labels": ["yes", "no", "maybe"]}, {"labels": ["no", "maybe"]}),
    "rating": ({"labels": None, "scale": "1-5"}, {"rating": "4"}),
    "pairwise": ({}, {"choice": "B", "reason": "B answers the question"}),
    "text": ({"labels": None}, {"text": "A short summary."}),
    "span": (
        {"labels": ["PER", "ORG"]},
        {"spans": json.dumps([{"start": 0, "end": 3, "label": "PER"}])},
    ),
}


def _payload(task):
    if task == "pairwise":
        return lambda n: {
            "prompt": f"<b>question {n}</b>",
            "response_a": "<i>a</i>",
            "response_b": "<script>alert(1)</script>",
        }
    return lambda n: {"text": f"Ada <script>alert({n})</script> works at IBM"}


@pytest.fixture
def setup(db, make_project, make_user):
    def _setup(task):
        kwargs, _ = TASKS[task]
        project = make_project(
            task.replace("_", "-"), task, redundancy_k=1, overlap_share=0.0, gold_rate=0.0, **kwargs
        )
        user = make_user("labeler", project=project, roles=[ProjectRole.annotator])
        make_ready(db, project, [user], n_items=2, payload=_payload(task))
        return project, user

    return _setup


@pytest.mark.parametrize("task", list(TASKS))
def test_each_task_type_can_be_labelled(task, setup, client, login, db):
    project, _ = setup(task)
    login("labeler")
    page = client.get(f"/annotate/{project.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert 'name="clause_keys" value="R1.1"' in html and 'id="R1.1"' in html
    assignment = db.session.scalar(sa.select(Assignment))
    data = dict(TASKS[task][1], clause_keys="R1.1", duration_ms="2500")
    response = client.post(f"/annotate/{project.slug}/{assignment.id}/submit", data=data)
    assert response.status_code == 302
    annotation = db.session.scalar(sa.select(Annotation))
    assert annotation.clause_keys == ["R1.1"] and annotation.duration_ms == 2500
    assert annotation.value is not None


def test_bad_values_and_double_submits_get_4xx_and_write_nothing(setup, client, login, db):
    project, _ = setup("span")
    login("labeler")
    client.get(f"/annotate/{project.slug}")
    assignment = db.session.scalar(sa.select(Assignment))
    url = f"/annotate/{project.slug}/{assignment.id}/submit"
    overlapping = json.dumps(
        [{"start": 0, "end": 5, "label": "PER"}, {"start": 2, "end": 6, "label": "ORG"}]
    )
    response = client.post(url, data={"spans": overlapping})
    assert response.status_code == 400 and "overlap" in response.get_data(as_text=True)
    assert client.post(url, data={"spans": "{nope"}).status_code == 400
    assert (
        client.post(
            url, data={"spans": json.dumps([{"start": 0, "end": 999, "label": "PER"}])}
        ).status_code
        == 400
    )
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0
    assert client.post(url, data={"spans": "[]"}).status_code == 302
    # A second submit of the same lease (Enter twice, a second tab) writes nothing and goes on
    # to the next item with a quiet notice instead of a dead "Not saved" page.
    again = client.post(url, data={"spans": "[]"})
    assert again.status_code == 303 and again.location.endswith(f"/annotate/{project.slug}")
    after = client.get(again.location).get_data(as_text=True)
    assert "already submitted" in after and 'id="labeling"' in after
    assert "alert-secondary" in after and "Not saved" not in after
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 1
    assert (
        client.post(f"/annotate/{project.slug}/99999/submit", data={"spans": "[]"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("task", "data", "named"),
    [
        ("span", {"spans": "[" * 100_000 + "]" * 100_000}, "spans"),
        ("text", {"text": "A NUL \x00 inside"}, "NUL"),
        ("pairwise", {"choice": "A", "reason": "why\x00"}, "reason"),
    ],
)
def test_unstorable_values_get_400_on_every_database(task, data, named, setup, client, login, db):
    """Deep nesting and text PostgreSQL cannot store (NUL) are refusals,
    never a RecursionError or a DataError 500."""
    project, _ = setup(task)
    login("labeler")
    client.get(f"/annotate/{project.slug}")
    assignment = db.session.scalar(sa.select(Assignment))
    response = client.post(f"/annotate/{project.slug}/{assignment.id}/submit", data=data)
    assert response.status_code == 400
    assert named in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0


def test_someone_elses_lease_is_refused(setup, client, login, make_user, db):
    project, _ = setup("single_label")
    from annotate.models import Membership

    other = make_user("other")
    db.session.add(Membership(user_id=other.id, project_id=project.id, role=ProjectRole.annotator))
    db.session.commit()
    login("labeler")
    client.get(f"/annotate/{project.slug}")
    assignment = db.session.scalar(sa.select(Assignment))
    client.post("/logout")
    login("other")
    response = client.post(
        f"/annotate/{project.slug}/{assignment.id}/submit", data={"label": "yes"}
    )
    assert response.status_code == 403


def test_skip_and_flag_from_the_screen(setup, client, login, db):
    project, _ = setup("single_label")
    login("labeler")
    client.get(f"/annotate/{project.slug}")
    first = db.session.scalar(sa.select(Assignment))
    assert (
        client.post(f"/annotate/{project.slug}/{first.id}/skip", data={"reason": ""}).status_code
        == 400
    )
    assert (
        client.post(
            f"/annotate/{project.slug}/{first.id}/skip", data={"reason": "not English"}
        ).status_code
        == 302
    )
    client.get(f"/annotate/{project.slug}")
    second = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()[-1]
    assert (
        client.post(
            f"/annotate/{project.slug}/{second.id}/flag", data={"kind": "weird"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/annotate/{project.slug}/{second.id}/flag",
            data={"kind": "prohibited", "note": "[threat]"},
        ).status_code
        == 302
    )
    assert db.session.get(Item, second.item_id).quarantined
    # The flagger finishes the item as the rulebook says: the same item comes back, then a
    # skip ends it and nothing is left.
    again = client.get(f"/annotate/{project.slug}").get_data(as_text=True)
    assert "it is quarantined" in again and f"/{second.id}/skip" in again
    client.post(f"/annotate/{project.slug}/{second.id}/skip", data={"reason": "R3.3"})
    done = client.get(f"/annotate/{project.slug}")
    assert "Nothing is waiting for you" in done.get_data(as_text=True)
    statuses = {a.status for a in db.session.scalars(sa.select(Assignment))}
    assert statuses == {AssignmentStatus.skipped}


def test_refusals_in_the_loop_come_in_the_annotators_language(setup, client, login, db):
    """The screen and the API say why in Chinese to a Chinese annotator (Accept-Language or
    the saved setting) and in English by default."""
    from annotate.services.accounts.tokens import create_token

    project, user = setup("single_label")
    login("labeler")
    client.get(f"/annotate/{project.slug}")
    assignment = db.session.scalar(sa.select(Assignment))
    url = f"/annotate/{project.slug}/{assignment.id}/submit"
    assert client.post(url, data={"label": "yes"}).status_code == 302
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    again = client.post(url, data={"label": "yes"}, headers=zh, follow_redirects=True)
    assert again.status_code == 200 and "此条目已提交" in again.get_data(as_text=True)
    token = create_token(db.session, user, "script")[1]
    db.session.commit()
    api = f"/api/v1/projects/{project.slug}/assignments/{assignment.id}/submit"
    bearer = {"Authorization": f"Bearer {token}"}
    english = client.post(api, json={"value": "yes"}, headers=bearer)
    assert english.status_code == 409
    assert english.get_json()["error"] == "This item was already submitted; nothing was changed."
    chinese = client.post(api, json={"value": "yes"}, headers={**bearer, **zh})
    assert chinese.get_json()["error"] == "此条目已提交；未做任何更改。"
    user.locale = "zh"  # the saved setting; the gate's refusal names the step in Chinese too
    db.session.execute(sa.update(Membership).values(suspended_at=sa.func.now()))
    db.session.commit()
    page = client.get(f"/annotate/{project.slug}").get_data(as_text=True)
    assert f"你在 {project.name} 中的标注工作已暂停" in page


def test_gate_page_says_what_to_do(db, make_project, make_user, client, login):
    project = make_project("gated")
    make_user("novice", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [], n_items=1)
    login("novice")
    html = client.get("/annotate/gated").get_data(as_text=True)
    assert "Pass the training quiz" in html and 'href="/annotate/training' in html
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_span_screen_carries_the_server_side_tokens_and_settings(db, make_project, make_user):
    from flask import current_app

    project = make_project("zh-span", "span", labels=["PER", "ORG"], redundancy_k=1)
    project.label_schema = {**project.label_schema, "spans": {"snap": "char"}}
    user = make_user("zh", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [user], n_items=1, payload=lambda n: {"text": "马云在杭州。"})
    client = current_app.test_client()
    client.post("/login", data={"username": "zh", "password": "secret-pw"})
    html = client.get("/annotate/zh-span").get_data(as_text=True)
    assert "data-tokens='[[0, 2], [2, 3], [3, 5], [5, 6]]'" in html
    assert 'data-snap="char"' in html and 'data-overlap="false"' in html


def test_rulebook_panel_renders_clauses_with_the_sanitising_renderer(
    db, make_project, make_user, client, login
):
    from tests.factories import MINIMAL, publish_rulebook

    project = make_project("md", redundancy_k=1)
    text = MINIMAL.replace(
        "Text of the rule.",
        "Read `the text` **and**\nthe context. <script>alert(1)</script>"
        '<a href="javascript:alert(2)">x</a>',
    )
    publish_rulebook(db.session, project, text)
    user = make_user("md-ann", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [user], n_items=1)
    login("md-ann")
    html = client.get("/annotate/md").get_data(as_text=True)
    panel = html[html.index('id="rulebook"') :]
    assert "<code>the text</code> <strong>and</strong>" in panel
    assert "<script>alert" not in panel and "javascript:" not in panel
    assert "**and**" not in panel and "`the text`" not in panel
    assert "<code>yes</code>" in panel  # the example's `yes`
    assert 'id="clause-search"' in panel


def test_home_and_labeling_screen_show_the_same_remaining_count(setup, client, login, db):
    import re

    from annotate.services.labeling import progress

    # The screen's count is cached per (database, project id, user id) for a few seconds, and
    # an earlier test's project and user had the same ids.
    progress._remaining_cache.clear()
    project, _ = setup("single_label")
    login("labeler")

    def home():
        html = client.get("/annotate/").get_data(as_text=True)
        return int(re.search(r'data-count="remaining">(\d+)<', html)[1])

    def screen():
        html = client.get(f"/annotate/{project.slug}").get_data(as_text=True)
        return int(re.search(r'id="remaining">(\d+)<', html)[1]), html

    assert home() == 2
    count, html = screen()  # the item on the screen still counts as remaining
    assert count == 2 and home() == 2
    action = re.search(r'id="answer-form" action="([^"]+)"', html)[1]
    assert client.post(action, data={"label": "yes"}).status_code == 302
    count, _ = screen()
    assert count == 1 and home() == 1


def test_lease_expiry_is_shown_in_the_readers_time_zone(setup, client, login, db):
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from annotate.localtime import local_text

    project, _ = setup("single_label")
    login("labeler")
    html = client.get(f"/annotate/{project.slug}", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    lease = db.session.scalar(sa.select(Assignment)).lease_expires_at.replace(tzinfo=UTC)
    local = local_text(lease, ZoneInfo("Asia/Shanghai"), "zh")  # with the date after midnight
    # How far away (a relative time, the local time as its title), then the local time.
    assert f'租约<time datetime="{lease:%Y-%m-%dT%H:%M:%SZ}" title="{local}">' in html
    assert "分钟后</time>到期" in html
    assert f">{local}</time>）" in html and "UTC</" not in html
    # A re-annotation lease runs for days: how many, and the date (issue 18).
    assignment = db.session.scalar(sa.select(Assignment))
    assignment.lease_expires_at = assignment.leased_at + timedelta(days=14)
    db.session.commit()
    html = client.get(f"/annotate/{project.slug}", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert "14天后</time>到期" in html
    assert "月" in html.split("14天后</time>到期（", 1)[1].split("）", 1)[0]  # with its date


def test_home_sends_an_unqualified_annotator_to_training(db, make_project, make_user, login):
    """Issue 14: the home said "active · Start labeling" to an annotator who must first pass
    the rulebook's quiz; it now says training is needed and links to the training page."""
    from flask import current_app, g

    from tests.factories import make_ready

    project = make_project("gate", redundancy_k=1)
    ready = make_user("ready", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [ready], n_items=1)
    make_user("fresh", project=project, roles=[ProjectRole.annotator])
    for username, expected in (("fresh", True), ("ready", False)):
        g.pop("_login_user", None)  # the tests share one app context
        client = current_app.test_client()
        client.post("/login", data={"username": username, "password": "secret-pw"})
        html = client.get("/annotate/").get_data(as_text=True)
        assert ('data-step="training"' in html) is expected, username
        assert ('href="/annotate/training/"' in html and "Go to my training" in html) is expected
        assert ('href="/annotate/gate"' in html) is not expected


def test_pairwise_responses_are_shown_in_a_recorded_random_order(setup, client, login, db):
    """Each assignment shows the responses in its seeded order; "A" on the screen is the one
    shown first, and the stored answer is in the item's own orientation."""
    from annotate.services.labeling.order import shown_swapped

    project, _ = setup("pairwise")
    db.session.execute(
        sa.update(Item).values(payload={"prompt": "p", "response_a": "first", "response_b": "2nd"})
    )
    db.session.commit()
    login("labeler")
    for _ in range(2):
        html = client.get(f"/annotate/{project.slug}").get_data(as_text=True)
        lease = db.session.scalar(
            sa.select(Assignment).where(Assignment.status == AssignmentStatus.leased)
        )
        swapped = shown_swapped(project, lease.id)
        top = html.index('id="item-response-a">') + len('id="item-response-a">')
        assert html[top:].startswith("2nd" if swapped else "first")
        client.post(f"/annotate/{project.slug}/{lease.id}/submit", data={"choice": "A"})
        stored = db.session.scalar(
            sa.select(Annotation).where(Annotation.assignment_id == lease.id)
        )
        assert stored.value == {"choice": "B" if swapped else "A"} and stored.swapped is swapped
    # editing shows the same order, filled in as shown, and maps the new answer back
    edit_url = f"/annotate/{project.slug}/annotations/{stored.id}/edit"
    assert '"value": {"choice": "A"}' in client.get(edit_url).get_data(as_text=True)
    assert client.post(edit_url, data={"choice": "B"}).status_code == 303
    db.session.expire_all()
    current = db.session.scalar(
        sa.select(Annotation).where(
            Annotation.item_id == stored.item_id, Annotation.is_current.is_(True)
        )
    )
    assert current.value == {"choice": "A" if swapped else "B"} and current.swapped is swapped
    # a seeded half of the assignments each way (the ids of a fresh database give both)
    ids = range(1, 41)
    assert 12 < sum(shown_swapped(project, i) for i in ids) < 28
