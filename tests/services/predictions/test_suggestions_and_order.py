"""Predictions on the labeling screen: pre-filled only when the project shows them (off by
default), recorded on every annotation made meanwhile; the queue ordered by model
uncertainty when the project asks; the loop's statement budget unchanged with both on."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, AuditEvent, Item, ProjectRole
from annotate.services.data.export import iter_dataset
from annotate.services.data.formats import read_records
from annotate.services.data.prediction_import import import_predictions
from annotate.services.labeling.assignment import claim_next
from annotate.services.projects.settings import update_settings
from tests.factories import make_ready
from tests.services.labeling.test_loop_statements import budget, screen_and_submit

pytestmark = pytest.mark.truncate


@pytest.fixture
def loop(db, make_project, make_user):
    project = make_project("loop", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    users = [make_user(f"ann{n}", project=project, roles=[ProjectRole.annotator]) for n in range(2)]
    make_ready(db, project, users, n_items=6)
    scores = [0.9, 0.3, None, 0.1, 0.5, None]
    lines = [
        {"id": f"b1-{n}", "value": "yes" if n % 2 else "no"}
        | ({"score": score} if score is not None else {})
        for n, score in enumerate(scores)
    ]
    records, problems = read_records("\n".join(map(json.dumps, lines)).encode(), "jsonl")
    import_predictions(
        db.session, project, records, source="t", parse_problems=problems, model="clf", version="7"
    )
    db.session.commit()
    return project, users


def _set(db, project, **changes):
    update_settings(db.session, project, changes)
    db.session.commit()


def test_the_queue_follows_model_uncertainty_when_asked(db, loop):
    project, (alice, bob) = loop
    first = claim_next(db.session, alice, project).assignment.item.external_id
    db.session.commit()
    assert first == "b1-0"  # import order by default
    _set(db, project, order_by_uncertainty=True)
    order = []
    for _ in range(5):
        claim = claim_next(db.session, bob, project)
        order.append(claim.assignment.item.external_id)
        # hand it back done, so the next claim takes a new item
        claim.assignment.status = claim.assignment.status.submitted
        db.session.commit()
    assert order == ["b1-3", "b1-1", "b1-4", "b1-2", "b1-5"]


def test_suggestions_are_hidden_by_default_and_prefilled_when_on(db, loop, client, login):
    project, _ = loop
    login("ann0")
    page = client.get("/annotate/loop").get_data(as_text=True)
    assert 'id="suggestion"' not in page and " checked" not in page
    action = re.search(r'id="answer-form" action="([^"]+)"', page)[1]
    assert client.post(action, data={"label": "yes"}).status_code == 302
    _set(db, project, show_predictions=True)
    page = client.get("/annotate/loop").get_data(as_text=True)
    assert 'data-model="clf@7"' in page
    assert re.search(r'value="yes"[^>]*checked', page)  # b1-1's prediction is "yes"
    action = re.search(r'id="answer-form" action="([^"]+)"', page)[1]
    assert client.post(action, data={"label": "no"}).status_code == 302
    made = db.session.execute(
        sa.select(Item.external_id, Annotation.with_suggestions)
        .join(Item, Item.id == Annotation.item_id)
        .order_by(Annotation.id)
    ).all()
    assert made == [("b1-0", False), ("b1-1", True)]
    events = db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "annotation.submit")
    ).all()
    assert [e.get("with_suggestions", False) for e in events] == [False, True]
    long = "".join(iter_dataset(db.session, project, "long-csv", annotators="name"))
    rows = list(csv.DictReader(io.StringIO(long)))
    assert [r["with_suggestions"] for r in rows] == ["false", "true"]


def test_the_screen_keeps_its_statement_budget_with_both_settings_on(db, loop, client, login):
    project, _ = loop
    _set(db, project, show_predictions=True, order_by_uncertainty=True)
    login("ann0")
    screen_sql, submit_sql = screen_and_submit(
        db, client, "loop", {"label": "yes"}, shows='id="suggestion"'
    )
    # the last round: the first reads the rulebook's clauses into their cache
    assert len(screen_sql) <= budget(db, "html screen"), [s[:80] for s in screen_sql]
    assert len(submit_sql) <= budget(db, "html submit"), submit_sql
