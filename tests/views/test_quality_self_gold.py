"""The annotator's own quality page never tells which items are gold while they label.

Before: reloading the page after each submit showed "gold accuracy … n=" move, revealing the
gold items and, from the direction, their answers. Now gold figures cover closed weeks only,
with at least ``MIN_GOLD_SHOWN`` gold answers, and the rule is explained on the page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import Annotation, Batch, Item, ProjectRole, User
from annotate.services.quality.annotator import MIN_GOLD_SHOWN


@pytest.fixture
def history(app, db, make_project, make_user):
    """``ann`` with 25 gold answers last week (20 right), 5 two weeks ago, 25 this week."""
    project = make_project("gq", redundancy_k=1)
    ann = make_user("ann", project=project, roles=[ProjectRole.annotator])
    batch = Batch(project_id=project.id, name="b")
    db.session.add(batch)
    db.session.flush()
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    this_week = today - timedelta(days=today.weekday())  # Monday 00:00 UTC
    counter = iter(range(10_000))

    def answer(when, value: str, gold: str | None = "yes") -> Item:
        n = next(counter)
        item = Item(
            project_id=project.id,
            batch_id=batch.id,
            external_id=f"i{n}",
            payload={"text": f"t{n}"},
            content_hash=f"{n}".ljust(64, "0"),
            gold_answer=gold,
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(
            Annotation(
                item_id=item.id,
                annotator_id=ann.id,
                value=value,
                submitted_at=when,
                is_current=True,
            )
        )
        return item

    for n in range(25):
        answer(this_week - timedelta(days=3), "yes" if n < 20 else "no")
    for _ in range(5):
        answer(this_week - timedelta(days=10), "no")
    for n in range(25):
        answer(utcnow(), "yes" if n % 2 else "no")
    db.session.commit()
    return project, answer


def _page(client) -> str:
    response = client.get("/annotate/quality/gq")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_closed_weeks_with_enough_gold_are_shown_with_the_rule(history, client, login):
    login("ann")
    page = _page(client)
    assert MIN_GOLD_SHOWN == 20
    assert "80.0%" in page and "(n=25)" in page  # last week: 20 of 25
    assert 'id="gold-rule"' in page and "at least 20 answers on gold items" in page
    # two weeks ago (5 gold answers) and this week (25, still open) stay hidden
    assert "(n=5)" not in page and "0.0%" not in page.replace("80.0%", "")
    assert "52.0%" not in page and "48.0%" not in page


@pytest.mark.parametrize("value", ["yes", "no"])
def test_a_gold_answer_today_changes_nothing_the_annotator_sees(db, history, client, login, value):
    """The page after answering a gold item equals the page had the item not been gold."""
    project, answer = history
    login("ann")
    item = answer(utcnow(), value, gold="yes")
    db.session.commit()
    as_gold = _page(client)
    db.session.execute(sa.update(Item).where(Item.id == item.id).values(gold_answer=None))
    db.session.commit()
    assert _page(client) == as_gold


def test_the_rule_is_explained_in_chinese(db, history, client, login):
    user = db.session.scalar(sa.select(User).where(User.username == "ann"))
    user.locale = "zh"
    db.session.commit()
    login("ann")
    page = _page(client)
    assert "金标准准确率只统计已结束的周" in page and "至少有 20 个金标准题" in page
