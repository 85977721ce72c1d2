"""Fixtures: a fresh app and database per test, clients logged in as each role, factories.

The suite runs on in-memory SQLite by default and on the database named by
``ANNOTATE_TEST_DATABASE_URL`` (PostgreSQL in CI). On a server database the schema is
created once per session and each test runs inside one outer transaction that is rolled back
at its end: the app's session is bound to that connection and its commits only release
SAVEPOINTs (``join_transaction_mode="create_savepoint"``). A test that needs real commits
seen by other connections (threads, a live server, its own engine, statement counts without
SAVEPOINTs) is marked ``@pytest.mark.truncate`` (or uses ``live_server``): it commits for
real and every table is emptied after it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession

from annotate import create_app
from annotate.config import TestConfig
from annotate.database import db as _db

# Helper modules whose asserts compare figures: pytest explains their failures as in tests.
pytest.register_assert_rewrite("tests.services.quality.report_paths")


def _is_sqlite_memory(url: str) -> bool:
    return url.startswith("sqlite") and (url in ("sqlite://", "sqlite:///:memory:"))


def _empty_all_tables() -> None:
    tables = [t.name for t in _db.metadata.sorted_tables]
    if _db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        _db.session.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            _db.session.execute(sa.text(f'DELETE FROM "{name}"'))
    _db.session.commit()


@pytest.fixture
def app(request):
    """A fresh app with an empty database for each test (see the module's docstring)."""
    app = create_app(TestConfig)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if _is_sqlite_memory(url):
            _db.create_all()
            yield app
            _db.session.remove()
            _db.drop_all()
        elif _needs_truncate(request):
            _prepare_schema()
            yield app
            _db.session.remove()
            _empty_all_tables()
        else:
            _prepare_schema()
            with _rolled_back_session():
                yield app
        _db.engine.dispose()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "truncate: on a server database, commit for real and empty every table "
        "after the test instead of rolling its transaction back (threads, other connections)",
    )


def pytest_collection_modifyitems(config, items):
    """On a server database, the browser tests run last (in file order otherwise). CI runs the
    SQLite suite, whose browser tests come first, beside the PostgreSQL one on two cores: each
    Chromium with its live server wants more than a core, so the two never drive one at once."""
    if os.environ.get("ANNOTATE_TEST_DATABASE_URL"):
        items.sort(key=lambda item: item.path.parent.name == "browser")


def _needs_truncate(request) -> bool:
    """Real commits for marked tests, the live server, and server databases other than
    PostgreSQL (pysqlite's SAVEPOINTs need driver workarounds; a SQLite file is rare here)."""
    return (
        request.node.get_closest_marker("truncate") is not None
        or "live_server" in request.fixturenames
        or _db.engine.dialect.name != "postgresql"
    )


def _prepare_schema() -> None:
    """Create the schema if it differs from the models; empty the tables the first time (a
    previous run may have been interrupted)."""
    if not _schema_matches():
        _drop_everything()
        _db.create_all()
        _emptied.add(str(_db.engine.url))
    elif str(_db.engine.url) not in _emptied:
        _empty_all_tables()
        _emptied.add(str(_db.engine.url))


_emptied: set[str] = set()


class _Connection(sa.engine.Connection):
    """A connection that names its engine's URL, as an engine does (a service keys a cache
    by ``session.get_bind().url``)."""

    @property
    def url(self) -> sa.engine.URL:
        return self.engine.url


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session, but bound to the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@contextmanager
def _rolled_back_session():
    """Bind ``db.session`` to one connection in an outer transaction rolled back at the end;
    the session's own transactions (commit, rollback) are SAVEPOINTs inside it."""
    connection = _Connection(_db.engine)
    outer = connection.begin()
    scoped = _db._make_scoped_session(
        {"class_": _BoundSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    original, _db.session = _db.session, scoped
    try:
        yield
    finally:
        scoped.remove()
        _db.session = original
        outer.rollback()
        connection.close()


_SCHEMA_CHECKED: set[str] = set()


def _schema_matches() -> bool:
    """True if the server database has every table and column of the models (checked once
    per session: a model change, e.g. a new column, then rebuilds the schema)."""
    url = str(_db.engine.url)
    inspector = sa.inspect(_db.engine)
    existing = set(inspector.get_table_names())
    if not set(_db.metadata.tables) <= existing or "alembic_version" in existing:
        return False
    if url not in _SCHEMA_CHECKED:
        for name, table in _db.metadata.tables.items():
            if {c["name"] for c in inspector.get_columns(name)} != set(table.columns.keys()):
                return False
        _SCHEMA_CHECKED.add(url)
    return True


def _drop_everything() -> None:
    meta = sa.MetaData()
    meta.reflect(bind=_db.engine)
    meta.drop_all(bind=_db.engine)


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy object, bound to the test app's database."""
    return _db


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(db):
    """Return a callable creating a user (committed) with optional roles in a project."""
    from annotate.services.accounts.users import add_membership, create_user

    def _make_user(
        username: str, *, password: str = "secret-pw", admin: bool = False, project=None, roles=()
    ):
        user = create_user(db.session, username, password, is_admin=admin)
        for role in roles:
            add_membership(db.session, user, project, role)
        db.session.commit()
        return user

    return _make_user


@pytest.fixture
def make_project(db):
    """Return a callable creating a project (committed)."""
    from annotate.services.projects.projects import create_project

    def _make_project(slug: str = "p1", task_type: str = "single_label", **kwargs):
        kwargs.setdefault("labels", ["yes", "no"] if task_type != "rating" else None)
        project = create_project(db.session, slug, slug.title(), task_type, **kwargs)
        db.session.commit()
        return project

    return _make_project


ROLE_USERS = ("admin", "manager", "reviewer", "annotator", "nobody")


@pytest.fixture
def role_users(make_user, make_project):
    """One user per role in one project ('nobody' has an account but no role)."""
    from annotate.models import ProjectRole

    project = make_project("roles")
    return {
        "admin": make_user("admin", admin=True),
        "manager": make_user("mgr", project=project, roles=[ProjectRole.manager]),
        "reviewer": make_user("rev", project=project, roles=[ProjectRole.reviewer]),
        "annotator": make_user("ann", project=project, roles=[ProjectRole.annotator]),
        "nobody": make_user("nobody"),
    }


@pytest.fixture
def login(client):
    """Return a callable logging the client in as ``username``."""

    def _login(username: str, password: str = "secret-pw"):
        return client.post("/login", data={"username": username, "password": password})

    return _login


def pytest_report_header(config):
    url = TestConfig.SQLALCHEMY_DATABASE_URI
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    chromium = "/usr/bin/chromium"
    browser = chromium if os.path.exists(chromium) else f"skipped (no {chromium})"
    return [f"annotate test database: {shown}", f"browser tests: {browser}"]


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process caches keyed by database ids (the labeling screen's remaining count, a
    published version's clauses and title) would carry one test's rows into the next test's
    new database with the same ids."""
    from annotate.services.labeling import clauses, progress

    caches = (progress._remaining_cache, clauses._clause_cache, clauses._title_cache)
    for cache in caches:
        cache.clear()
    yield
    for cache in caches:
        cache.clear()
