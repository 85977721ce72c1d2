"""The app factory: configuration, the secret-key rule and the health check."""

from __future__ import annotations

import pytest

from annotate import ConfigurationError, create_app
from annotate.config import Config, TestConfig, normalise_database_url


def test_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("ANNOTATE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ANNOTATE_SECRET_KEY"):
        create_app({"CONFIG_CLASS": Config, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_environment_supplies_secret_and_database(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNOTATE_SECRET_KEY", "from-the-environment-" + "k" * 32)
    monkeypatch.setenv("ANNOTATE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment-" + "k" * 32
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_sqlite_file_runs_in_wal_mode(tmp_path):
    """Several gunicorn workers share one SQLite file: readers must not block the writer."""
    from annotate.database import db

    app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wal.sqlite'}",
        }
    )
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        db.engine.dispose()


def test_explicit_test_config_ignores_the_environment(monkeypatch):
    monkeypatch.setenv("ANNOTATE_DATABASE_URL", "sqlite:///should-not-be-used.sqlite")
    app = create_app(TestConfig)
    assert "should-not-be-used" not in app.config["SQLALCHEMY_DATABASE_URI"]


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///a.sqlite") == "sqlite:///a.sqlite"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database():
    app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_unknown_route_is_a_readable_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Traceback" not in response.data


def test_unexpected_error_is_a_500_page_without_traceback(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
