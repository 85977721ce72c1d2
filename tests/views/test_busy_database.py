"""A write SQLite refuses because another connection holds its lock (a long import job in the
demo server) is a 503 saying the database is busy, with Retry-After, in the reader's language
and as JSON on the API; nothing is written. Any other database error is still a 500."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from annotate.models import Annotation, Assignment, ProjectRole
from annotate.services.accounts.tokens import create_token
from annotate.views import annotator, api
from annotate.views.errors import BUSY_RETRY_SECONDS
from tests.factories import make_ready


def _locked_error(tmp_path) -> OperationalError:
    """The error SQLite really raises when a second writer gives up waiting for the lock."""
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    except OperationalError as error:
        return error
    finally:
        holder.close()
        engine.dispose()
    raise AssertionError("the second writer was not refused")


@pytest.fixture
def busy(db, make_project, make_user, tmp_path, monkeypatch):
    """A ready project whose submit fails as a locked SQLite file makes it fail."""
    project = make_project("busy")
    user = make_user("labeler", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [user], n_items=3)
    error = _locked_error(tmp_path)

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(annotator, "submit_annotation", refuse)
    monkeypatch.setattr(api, "submit_annotation", refuse)
    return user


def test_a_busy_database_is_a_503_in_chinese_and_nothing_is_written(busy, client, login, db):
    login("labeler")
    client.get("/annotate/busy", headers={"Accept-Language": "zh-CN"})
    lease = db.session.scalar(sa.select(Assignment))
    response = client.post(
        f"/annotate/busy/{lease.id}/submit",
        data={"label": "yes"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(BUSY_RETRY_SECONDS)
    page = response.get_data(as_text=True)
    assert "数据库正忙" in page and "database is locked" not in page and "Traceback" not in page
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0


def test_the_api_answers_a_busy_database_with_json(busy, client, db):
    token = create_token(db.session, busy, "script")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    lease = client.post("/api/v1/projects/busy/next", headers=headers).get_json()["assignment"]
    response = client.post(
        f"/api/v1/projects/busy/assignments/{lease['id']}/submit",
        json={"value": "yes"},
        headers=headers,
    )
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "busy" in response.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0


def test_other_database_errors_stay_500(db, make_project, make_user, client, login, monkeypatch):
    project = make_project("broken")
    user = make_user("labeler", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [user], n_items=1)
    error = OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(annotator, "submit_annotation", refuse)
    login("labeler")
    client.get("/annotate/broken")
    lease = db.session.scalar(sa.select(Assignment))
    response = client.post(f"/annotate/broken/{lease.id}/submit", data={"label": "yes"})
    assert response.status_code == 500 and "Retry-After" not in response.headers
