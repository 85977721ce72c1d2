"""Error pages: a unique-constraint loser gets a 409 saying the change was kept once; other
integrity errors stay 500 (a bug, logged), never a traceback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import User


@pytest.fixture
def racing_route(app, db):
    """A route inserting a row that collides with a unique constraint, as a race's loser does."""

    def duplicate_user():
        db.session.execute(sa.insert(User).values(username="twin", password_hash="x"))
        db.session.execute(sa.insert(User).values(username="twin", password_hash="x"))
        db.session.commit()
        return "unreachable"

    def null_username():
        db.session.execute(sa.insert(User).values(username=None, password_hash="x"))
        db.session.commit()
        return "unreachable"

    app.add_url_rule("/_test/duplicate", view_func=duplicate_user)
    app.add_url_rule("/_test/null", view_func=null_username)
    return app


def test_unique_violation_is_a_409_and_nothing_is_written(racing_route, db):
    client = racing_route.test_client()
    response = client.get("/_test/duplicate")
    assert response.status_code == 409
    assert "kept once" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(User.username == "twin")) == 0


def test_unique_violation_in_chinese(racing_route):
    client = racing_route.test_client()
    response = client.get("/_test/duplicate", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 409
    assert "保留" in response.get_data(as_text=True)


def test_other_integrity_errors_stay_500_without_traceback(racing_route):
    client = racing_route.test_client()
    response = client.get("/_test/null")
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
