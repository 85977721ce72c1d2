"""Report snapshots: stored and read back whole, refreshed only when the data changed, one
queued per project; the pages read the latest one, show its age and offer "recompute"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from annotate.models import (
    AuditEvent,
    Job,
    JobState,
    ReportSnapshot,
    User,
)
from annotate.services.audit import record_event
from annotate.services.jobs.snapshots import request_snapshot
from annotate.services.projects.projects import get_project
from annotate.services.quality import snapshots
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.quality.snapshots import data_version, latest, load, refresh, store
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=90, n_unlabelled=10)
    return get_project(db.session, "demo")


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(ReportSnapshot.id)))


def test_a_stored_report_reads_back_as_computed(db, demo, app):
    from annotate.charts.dashboard import dashboard_charts

    report = compute_report(db.session, demo, ReportOptions(bootstrap=20))
    row = store(db.session, report, data_version(db.session, demo), 5)
    db.session.commit()
    db.session.expire_all()
    back = load(demo, db.session.get(ReportSnapshot, row.id))
    assert back.figures == report.figures and len(back.figures) > 50
    assert back.pairwise == report.pairwise and back.level == report.level
    assert back.extras["trends"] == report.extras["trends"]
    assert back.extras["clauses"] == report.extras["clauses"]
    assert back.data.users == report.data.users and back.data.n == report.data.n
    assert back.data.categories == report.data.categories
    with app.test_request_context():
        assert dashboard_charts(back) == dashboard_charts(report)


def _ids(db) -> list[int]:
    return list(db.session.scalars(sa.select(ReportSnapshot.id)))


def test_refresh_stores_a_new_snapshot_only_when_the_data_changed(db, demo, monkeypatch):
    options = ReportOptions(bootstrap=0)
    first, _, new = refresh(db.session, demo, options)
    assert new and first.duration_ms >= 0 and first.data_version["annotation"] > 0
    again, _, new = refresh(db.session, demo, options)
    assert not new and again.id == first.id
    record_event(db.session, "batch.void", "batch", 1, project_id=demo.id)  # any change
    changed, _, new = refresh(db.session, demo, options)
    assert new and changed.id > first.id and latest(db.session, demo).id == changed.id
    forced, _, new = refresh(db.session, demo, options, force=True)
    assert new and forced.id > changed.id
    monkeypatch.setattr(snapshots, "KEPT", 2)  # only the newest are kept
    newest, _, _ = refresh(db.session, demo, options, force=True)
    assert _count(db) == 2 and {first.id, changed.id} & set(_ids(db)) == set()
    assert newest.id in _ids(db)
    assert changed.data_version["audit"] == db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))


def test_one_queued_snapshot_job_per_project(db, demo):
    manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
    job, dispatch = request_snapshot(db.session, demo, manager)
    assert dispatch and job.seen_at is not None  # automatic: not shown on the home
    same, dispatch = request_snapshot(db.session, demo, manager, manual=True)
    assert same.id == job.id and not dispatch and same.params["force"] and same.seen_at is None
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():  # the index decides races
        db.session.add(Job(kind="snapshot", project_id=demo.id, created_by_id=manager.id))
        db.session.flush()
    job.state = JobState.done
    db.session.flush()
    other, dispatch = request_snapshot(db.session, demo, manager)
    assert other.id != job.id and dispatch


def test_pages_read_the_latest_snapshot_and_recompute_queues_a_new_one(
    db, demo, app, client, login
):
    login("manager", "demo")
    app.config["SNAPSHOT_SYNC_MAX"] = 0  # too big to compute while the page waits
    page = client.get("/reports/demo").get_data(as_text=True)
    assert 'id="snapshot-none"' in page and 'id="recompute"' in page and "<svg" not in page
    assert _count(db) == 0
    recomputed = client.post("/reports/demo/recompute")  # the job runs inline in the tests
    assert recomputed.status_code == 303 and _count(db) == 1
    page = client.get("/reports/demo").get_data(as_text=True)
    assert 'id="snapshot-age"' in page and "<svg" in page
    snapshot = db.session.scalar(sa.select(ReportSnapshot))
    assert f'data-snapshot="{snapshot.id}"' in page
    # new data does not change what the page shows until a snapshot is computed
    record_event(db.session, "batch.void", "batch", 1, project_id=demo.id)
    db.session.commit()
    assert f'data-snapshot="{snapshot.id}"' in client.get("/reports/demo").get_data(as_text=True)
    assert _count(db) == 1
    ann = db.session.scalar(sa.select(User).where(User.username == "ann1"))
    other = client.get(f"/reports/demo/annotators/{ann.id}").get_data(as_text=True)
    assert f'data-snapshot="{snapshot.id}"' in other and 'id="recompute"' in other
    client.post("/logout")
    login("ann1", "demo")
    own = client.get("/annotate/quality/demo").get_data(as_text=True)
    assert 'id="snapshot-age"' in own and 'id="recompute"' not in own
    assert client.post("/reports/demo/recompute").status_code == 403


def test_a_tiny_project_gets_its_first_snapshot_from_the_page(db, demo, client, login):
    login("manager", "demo")
    page = client.get("/reports/demo").get_data(as_text=True)
    assert 'id="snapshot-age"' in page and _count(db) == 1
    client.get("/reports/demo")
    assert _count(db) == 1  # read, not recomputed


def test_recompute_needs_the_form_token(db, demo, app, client, login):
    login("manager", "demo")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/reports/demo/recompute").status_code == 400
    assert _count(db) == 0


def _pairwise_project(db, make_project):
    from annotate.models import Annotation, Item
    from annotate.services.accounts.users import create_user
    from tests.factories import import_batch

    project = make_project("pw", task_type="pairwise")
    users = [create_user(db.session, f"pw{n}", "pw-long-enough") for n in range(3)]
    batch = import_batch(
        db.session,
        project,
        n_items=6,
        payload=lambda n: {"prompt": f"p{n}", "response_a": "a", "response_b": "b"},
    )
    items = db.session.scalars(sa.select(Item).where(Item.batch_id == batch.id)).all()
    for n, item in enumerate(items):
        for k, user in enumerate(users):
            db.session.add(
                Annotation(
                    item_id=item.id,
                    annotator_id=user.id,
                    value={"choice": "AB"[(n + k) % 2]},
                    swapped=bool((n * k) % 2),
                )
            )
    db.session.flush()
    return project


@pytest.mark.parametrize("kind", ["pairwise", "form"])
def test_pairwise_and_form_reports_are_stored_and_read_back(db, make_project, kind):
    """Every extra a report of these types holds (the pairwise positions, the per-question
    figures) has a stored form: the scheduled refresh once failed on the positions."""
    from tests.form_factories import form_project

    if kind == "pairwise":
        project = _pairwise_project(db, make_project)
    else:
        project, _, _ = form_project(db.session, n_items=8)
    report = compute_report(db.session, project, ReportOptions(bootstrap=20))
    if kind == "pairwise":
        assert report.extras["position"].total()[2] == 0
    else:
        assert any(f.scope == "question" for f in report.figures)
    row = store(db.session, report, data_version(db.session, project), 5)
    db.session.flush()
    back = load(project, row)
    assert back.figures == report.figures
    assert back.extras == report.extras
