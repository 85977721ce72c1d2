"""Background jobs: imports, exports and dossiers run as jobs with a page, a progress bar,
a result file or an error; run once; retried by a button; the user is told on their home.
Runners: inline (the tests' default), the demo's thread, and RQ on Redis."""

from __future__ import annotations

import io
import json
import os
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import AuditEvent, Batch, Item, Job, JobState, ProjectRole
from annotate.services.jobs.queue import STOPPED, claim, fail_stale, run_job, submit

REDIS_URL = os.environ.get("ANNOTATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


@pytest.fixture
def boss(make_project, make_user):
    project = make_project("data")
    make_user("boss", project=project, roles=[ProjectRole.manager])
    make_user("other", project=project, roles=[ProjectRole.manager])
    return project


def _upload(client, text: str, name: str = "a.jsonl"):
    return client.post(
        "/admin/data/data",
        data={"file": (io.BytesIO(text.encode()), name), "fmt": "auto", "batch": "b1"},
        content_type="multipart/form-data",
    )


def _lines(n: int) -> str:
    return "".join(json.dumps({"id": f"i{k}", "text": f"item {k}"}) + "\n" for k in range(n))


def test_an_upload_is_imported_by_a_job_whose_page_reports_it(boss, app, client, login, db):
    login("boss")
    started = _upload(client, _lines(3))
    assert started.status_code == 303 and started.location.startswith("/jobs/")
    job = db.session.scalars(sa.select(Job).where(Job.kind == "import")).one()
    assert job.kind == "import" and job.state is JobState.done
    assert job.result["counts"]["imported"] == 3 and job.progress_done == 3
    page = client.get(started.location).get_data(as_text=True)
    assert 'id="import-report"' in page and 'data-state="done"' in page and 'value="100"' in page
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 3
    status = client.get(f"/jobs/{job.id}/status").get_json()
    assert status == {"state": "done", "done": 3, "total": 3, "percent": 100}
    assert not (os.path.exists(os.path.join(app.config["JOB_FILES_DIR"], job.params["upload"])))


def test_a_refused_file_fails_the_job_writes_nothing_and_can_be_retried(boss, client, login, db):
    login("boss")
    started = _upload(client, '{"id": "1"}\n{"id": "2", "text": "x"}\nnot json\n')
    job = db.session.scalars(sa.select(Job)).one()
    assert job.state is JobState.failed and "nothing was imported" in job.error
    assert [p.split(":")[0] for p in job.problems] == ["line 1", "line 3"]
    page = client.get(started.location).get_data(as_text=True)
    assert 'id="job-error"' in page and "line 3" in page and 'id="job-retry"' in page
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Batch.id))) == 0
    again = client.post(f"/jobs/{job.id}/retry")
    assert again.status_code == 303
    retried = db.session.scalars(sa.select(Job).where(Job.retry_of_id == job.id)).one()
    assert retried.state is JobState.failed and retried.problems == job.problems
    assert client.post(f"/jobs/{retried.id}/retry").status_code == 303
    done = db.session.scalars(sa.select(Job).where(Job.state == JobState.done)).all()
    assert done == []


def test_a_job_runs_once(boss, db):
    from annotate.models import User

    user = db.session.scalar(sa.select(User).where(User.username == "boss"))
    job = submit(db.session, "metrics", actor=user, project=boss)
    db.session.commit()
    run_job(job.id)
    run_job(job.id)  # a second runner finds it taken
    assert not claim(db.session, job.id)
    exports = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "export.metrics_csv")
    ).all()
    assert len(exports) == 1


def test_a_job_whose_worker_stopped_is_failed_and_retryable(boss, db, client, login):
    from annotate.models import User

    user = db.session.scalar(sa.select(User).where(User.username == "boss"))
    job = submit(db.session, "metrics", actor=user, project=boss)
    db.session.commit()
    assert claim(db.session, job.id)
    db.session.execute(
        sa.update(Job).values(heartbeat_at=utcnow() - timedelta(hours=1)).where(Job.id == job.id)
    )
    assert fail_stale(db.session) == 1
    db.session.commit()
    db.session.refresh(job)
    assert job.state is JobState.failed and job.error == STOPPED
    login("boss")
    assert 'id="job-retry"' in client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_exports_and_the_dossier_are_jobs_with_files(boss, client, login, db):
    login("boss")
    _upload(client, _lines(4))
    for url, data, name in (
        ("/admin/data/data/export", {"format": "csv"}, "data-dataset.csv"),
        ("/admin/data/data/export", {"format": "long-parquet"}, "data-dataset.long.parquet"),
        ("/reports/data/metrics", {}, "data-metrics-"),
        ("/reports/data/dossier", {"lang": "zh"}, "data-dossier-"),
    ):
        started = client.post(url, data=data)
        assert started.status_code == 303, url
        page = client.get(started.location).get_data(as_text=True)
        assert 'id="job-download"' in page and name in page, url
        download = client.get(started.location + "/download")
        assert download.status_code == 200 and len(download.data) > 100, url
        download.close()
    assert client.post("/reports/data/dossier", data={"from": "yesterday"}).status_code == 400
    assert client.post("/reports/data/dossier", data={"lang": "fr"}).status_code == 400


def test_jobs_are_private_and_announced_on_the_home(boss, client, login, db):
    login("boss")
    started = _upload(client, _lines(1))
    home = client.get("/reports/").get_data(as_text=True)
    assert 'id="finished-jobs"' in home and f'href="{started.location}"' in home
    client.get(started.location)  # seen
    assert 'id="finished-jobs"' not in client.get("/reports/").get_data(as_text=True)
    client.post("/logout")
    login("other")
    assert client.get(started.location).status_code == 404
    assert client.get(f"{started.location}/download").status_code == 404
    client.post("/logout")
    assert client.get(started.location).status_code == 302


@pytest.mark.truncate
def test_the_thread_runner_runs_jobs_after_the_request(boss, app, client, login, db):
    from annotate.services.jobs.runners import wait_for_thread

    app.config["JOBS_RUNNER"] = "thread"
    login("boss")
    started = _upload(client, _lines(5))
    assert started.status_code == 303
    wait_for_thread(app)
    db.session.expire_all()
    job = db.session.scalars(sa.select(Job).where(Job.kind == "import")).one()
    assert job.state is JobState.done and job.result["counts"]["imported"] == 5
    # the import queued a report snapshot, which the same thread ran after it
    snapshot = db.session.scalars(sa.select(Job).where(Job.kind == "snapshot")).one()
    assert snapshot.state is JobState.done and snapshot.seen_at is not None
    assert threading.current_thread().name != "annotate-jobs"


def _redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        if os.environ.get("ANNOTATE_REQUIRE_REDIS") == "1":
            pytest.fail(f"ANNOTATE_REQUIRE_REDIS=1 but no Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")


@pytest.mark.truncate
def test_the_rq_runner_queues_jobs_for_annotate_worker(boss, app, client, login, db):
    _redis_or_skip()
    from redis import Redis
    from rq import SimpleWorker

    from annotate.services.jobs.runners import QUEUE, rq_queue

    app.config.update(JOBS_RUNNER="rq", REDIS_URL=REDIS_URL)
    rq_queue(app).empty()
    login("boss")
    started = _upload(client, _lines(6))
    job = db.session.scalars(sa.select(Job).where(Job.kind == "import")).one()
    assert job.state is JobState.queued
    assert 'data-state="queued"' in client.get(started.location).get_data(as_text=True)
    SimpleWorker([QUEUE], connection=Redis.from_url(REDIS_URL)).work(burst=True)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.done
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 6
    snapshot = db.session.scalars(sa.select(Job).where(Job.kind == "snapshot")).one()
    assert snapshot.state is JobState.done  # queued by the import, run in the same burst
