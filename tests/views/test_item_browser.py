"""The item browser: search by text and id, filters, keyset pages, the item's story; managers
only."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import (
    Annotation,
    BatchStatus,
    FlagKind,
    Item,
    ItemFlag,
    Review,
    SampledAnnotation,
    SampleMethod,
    SamplePlan,
    User,
    Verdict,
)
from annotate.services.audit import record_event
from annotate.services.data.browse import ItemFilter, browse_items, item_story
from tests.factories import labelled_project


def _ids(db, project, **filters):
    page = browse_items(db.session, project, ItemFilter(**filters), page_size=1000)
    return [item.external_id for item, _ in page.items]


def test_search_and_filters(db):
    project = labelled_project(db.session, n_items=30, n_unlabelled=10)
    items = db.session.scalars(sa.select(Item).order_by(Item.id)).all()
    assert len(_ids(db, project)) == 30
    assert _ids(db, project, q="REVIEW 7") == [items[6].external_id]  # text, any case
    assert _ids(db, project, q="reviews-2026-11-1") == [
        i.external_id for i in items if i.external_id.startswith("reviews-2026-11-1")
    ]
    assert _ids(db, project, q="100%_") == []  # LIKE wildcards are escaped
    assert len(_ids(db, project, batch="reviews-2026-10")) == 15
    assert len(_ids(db, project, status="unlabelled")) == 10
    labelled = _ids(db, project, status="partly") + _ids(db, project, status="complete")
    assert len(labelled) == 20
    gold = {i.external_id for i in items if i.gold_answer is not None}
    assert set(_ids(db, project, gold="yes")) == gold and gold
    assert len(_ids(db, project, gold="no")) == 30 - len(gold)
    positive = {
        i.external_id
        for i in items
        if any(
            a.value == "positive" and a.is_current
            for a in db.session.scalars(sa.select(Annotation).where(Annotation.item_id == i.id))
        )
    }
    assert set(_ids(db, project, label="positive")) == positive and positive
    db.session.add(ItemFlag(item_id=items[3].id, kind=FlagKind.prohibited, note="spam"))
    items[4].quarantined = True
    items[5].batch.status = BatchStatus.void
    db.session.flush()
    assert _ids(db, project, flag="open") == [items[3].external_id]
    assert _ids(db, project, status="quarantined") == [items[4].external_id]
    assert len(_ids(db, project, status="void")) == 15


def test_keyset_pages(db):
    project = labelled_project(db.session, n_items=30, n_unlabelled=10)
    seen, after = [], 0
    while True:
        page = browse_items(db.session, project, ItemFilter(after=after), page_size=7)
        seen += [item.id for item, _ in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 30


def test_item_story_and_pages(db, client, login, make_user):
    project = labelled_project(db.session, n_items=30, n_unlabelled=10)
    annotation = db.session.scalar(sa.select(Annotation).order_by(Annotation.id))
    item = db.session.get(Item, annotation.item_id)
    plan = SamplePlan(
        batch_id=item.batch_id, method=SampleMethod.fixed_n, seed=1, lot_size=1, sample_size=1
    )
    db.session.add(plan)
    db.session.flush()
    sampled = SampledAnnotation(plan_id=plan.id, annotation_id=annotation.id)
    db.session.add(sampled)
    db.session.flush()
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    review = Review(
        sampled_annotation_id=sampled.id, reviewer_id=reviewer.id, verdict=Verdict.incorrect
    )
    db.session.add(review)
    db.session.add(ItemFlag(item_id=item.id, kind=FlagKind.personal_info, note="a phone number"))
    db.session.flush()
    record_event(db.session, "item.flag", "item", item.id, project_id=project.id, details={})
    db.session.commit()
    story = item_story(db.session, project, item.id)
    assert [a.id for a, _ in story.annotations][0] == annotation.id
    assert [r.id for r, _, _ in story.reviews] == [review.id]
    assert [e.action for e in story.events] == ["item.flag"]
    login("manager", "demo")
    listing = client.get(f"/admin/data/{project.slug}/items?q=review+1&gold=&status=")
    assert listing.status_code == 200 and item.external_id in listing.get_data(as_text=True)
    bad = client.get(f"/admin/data/{project.slug}/items?status=nonsense")
    assert bad.status_code == 400 and b"browse-errors" in bad.data
    page = client.get(f"/admin/data/{project.slug}/items/{item.id}").get_data(as_text=True)
    for part in ("item-payload", "item-annotations", "item-reviews", "item-flags", "item-events"):
        assert part in page
    assert "a phone number" in page and "reviewer" in page
    assert client.get(f"/admin/data/{project.slug}/items/999999").status_code == 404
    client.post("/logout")
    login("ann1", "demo")
    assert client.get(f"/admin/data/{project.slug}/items").status_code in (302, 403)


def test_disagreement_filter_sorts_the_most_disputed_first(db, client, login):
    project = labelled_project(db.session, n_items=60, n_unlabelled=10)
    votes: dict[int, list[str]] = {}
    for a in db.session.scalars(sa.select(Annotation).where(Annotation.is_current.is_(True))):
        votes.setdefault(a.item_id, []).append(a.value)
    expected = {
        item_id: 1 - max(values.count(v) for v in values) / len(values)
        for item_id, values in votes.items()
        if len(set(values)) > 1
    }
    assert expected  # the factory's annotators do disagree
    seen, after = [], 0
    while True:
        page = browse_items(
            db.session, project, ItemFilter(disagree="yes", after=after), page_size=3
        )
        seen += [(item.id, page.disagreement[item.id]) for item, _ in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert {i for i, _ in seen} == set(expected)
    assert [d for _, d in seen] == sorted((d for _, d in seen), reverse=True)
    assert all(abs(d - expected[i]) < 1e-3 for i, d in seen)
    login("manager", "demo")
    html = client.get(f"/admin/data/{project.slug}/items?disagree=yes").get_data(as_text=True)
    assert html.count("data-disagreement=") == min(len(expected), 50)


def test_data_pages_name_the_task_type_and_batch_state_in_chinese(db, client, login):
    """Found by the issue-14 flow: the raw values ``single_label`` and ``open`` showed in the
    Chinese data pages."""
    project = labelled_project(db.session, n_items=4, n_unlabelled=2)
    login("manager", "demo")
    zh = {"Accept-Language": "zh-CN"}
    page = client.get(f"/admin/data/{project.slug}", headers=zh).get_data(as_text=True)
    assert "单标签" in page and "single_label" not in page
    assert "<td>open</td>" not in page and "<td>进行中</td>" in page
    index = client.get("/admin/data/", headers=zh).get_data(as_text=True)
    assert "单标签" in index and "single_label" not in index
