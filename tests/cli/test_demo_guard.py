"""`annotate demo` wipes only an empty database or its own, unless the name is repeated.

Run on a SQLite file, and on a scratch PostgreSQL database (created next to the one
``ANNOTATE_TEST_DATABASE_URL`` names) when that is PostgreSQL.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask_migrate import upgrade

from annotate import create_app
from annotate.cli.main import main
from annotate.config import TestConfig
from annotate.database import db
from annotate.demo import seed as seed_module
from annotate.demo.guard import DEMO_MARKER, inspect_database

TABLES = ("users", "projects", "items", "audit_events")


def _scratch_postgres():
    url = sa.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL case needs ANNOTATE_TEST_DATABASE_URL=postgresql://…")
    name = f"{url.database}_demo_guard"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    # A password in the URL (trust authentication ignores it) shows that it is masked.
    target = url.set(database=name, password=url.password or "s3cret-pw")
    return target, name, server


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """``(url, name)`` of an empty scratch database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "production.sqlite"
        yield sa.make_url(f"sqlite:///{path}"), path.name
        return
    url, name, server = _scratch_postgres()
    yield url, name
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(autouse=True)
def small_demo(monkeypatch):
    """The demo as the command builds it, with fewer items (the guard is what is tested)."""
    original = seed_module.seed_demo
    monkeypatch.setattr(
        seed_module, "seed_demo", lambda **kwargs: original(**{**kwargs, "n_items": 12})
    )


def _populate(url: sa.URL) -> dict[str, int]:
    """Someone's real database: migrated, with a user, a project and items."""
    from annotate.models import Batch, Item
    from annotate.services.accounts.users import create_user
    from annotate.services.projects.projects import create_project

    app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
        }
    )
    with app.app_context():
        upgrade()
        owner = create_user(db.session, "owner", "pw-12345", is_admin=True)
        project = create_project(
            db.session, "real", "Real work", "single_label", labels=["a", "b"], actor=owner
        )
        batch = Batch(project=project, name="b1", source="s", licence="l")
        db.session.add(batch)
        db.session.flush()
        db.session.add_all(
            Item(
                project_id=project.id,
                batch_id=batch.id,
                external_id=str(n),
                payload={"text": str(n)},
                content_hash=f"{n:064d}",
            )
            for n in range(5)
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return _counts(url)


def _counts(url: sa.URL) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in TABLES
            }
    finally:
        engine.dispose()


def _first_event(url: sa.URL) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT action FROM audit_events ORDER BY id LIMIT 1")
            ).scalar_one()
    finally:
        engine.dispose()


def _demo(url: sa.URL, *args: str):
    env = {"ANNOTATE_DATABASE_URL": url.render_as_string(hide_password=False)}
    return CliRunner().invoke(main, ["demo", "--seed-only", *args], env=env)


def test_populated_database_is_refused_and_left_intact(target):
    url, name = target
    before = _populate(url)
    assert before["items"] == 5 and before["users"] == 1
    refused = _demo(url)
    assert refused.exit_code == 1, refused.output
    assert "Refusing to wipe" in refused.output and name in refused.output
    assert "1 users" in refused.output and "5 items" in refused.output
    assert f"--force-wipe-database {name}" in refused.output
    if url.password:
        assert url.password not in refused.output and "***" in refused.output
    assert _counts(url) == before
    wrong = _demo(url, "--force-wipe-database", "some_other_db")
    assert wrong.exit_code == 1 and "does not name" in wrong.output
    assert _counts(url) == before
    kept = _demo(url, "--keep")
    assert kept.exit_code == 1 and _counts(url) == before


def test_the_right_name_wipes_and_the_demo_rebuilds_its_own(target):
    url, name = target
    _populate(url)
    forced = _demo(url, "--force-wipe-database", name)
    assert forced.exit_code == 0, forced.output
    after = _counts(url)
    assert after["users"] == 6 and after["items"] > 5
    assert _first_event(url) == DEMO_MARKER
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert (
            connection.execute(
                sa.text("SELECT count(*) FROM users WHERE username = 'owner'")
            ).scalar_one()
            == 0
        )
    engine.dispose()
    # Its own database (even with a user added in the demo) is rebuilt without the flag.
    again = _demo(url)
    assert again.exit_code == 0, again.output
    assert _first_event(url) == DEMO_MARKER


def test_empty_database_is_seeded_without_the_flag(target):
    url, _ = target
    assert _demo(url).exit_code == 0
    assert _first_event(url) == DEMO_MARKER


def test_foreign_tables_make_a_database_someone_else_s(tmp_path):
    url = sa.make_url(f"sqlite:///{tmp_path / 'other.sqlite'}")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    state = inspect_database(engine)
    engine.dispose()
    assert state.kind == "foreign" and state.other_tables == ("invoices",)
    refused = _demo(url)
    assert refused.exit_code == 1 and "invoices" in refused.output


def test_a_freshly_initialised_database_is_empty_to_the_demo(tmp_path):
    """``annotate init`` seeds the audit chain's head row: that is no one's data, and the demo
    (the wheel check runs init, then demo --seed-only) may seed the database."""
    from flask_migrate import upgrade

    from annotate import create_app
    from annotate.config import TestConfig
    from annotate.database import db

    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        state = inspect_database(db.engine)
        db.engine.dispose()
    assert state.kind == "empty", state.describe()
    assert _demo(sa.make_url(url)).exit_code == 0
