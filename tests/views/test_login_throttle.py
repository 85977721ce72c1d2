"""The login throttle: per account and, higher, per client address; counters shared by every
worker (the database, or Redis when configured); client addresses honest behind a proxy."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from annotate import create_app
from annotate.config import Config, TestConfig
from annotate.database import db
from annotate.extensions import limiter
from annotate.models.users import RateLimitCounter
from annotate.services.accounts.users import create_user

REDIS_URL = os.environ.get("ANNOTATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return False


@pytest.fixture(params=["database", "redis"])
def throttled_app(request, tmp_path):
    """An app with the throttle on (the default limits), users ann and bob; counters in the
    database or in Redis."""
    extra: dict[str, object] = {}
    if request.param == "redis":
        if not _redis_reachable():
            if os.environ.get("ANNOTATE_REQUIRE_REDIS") == "1":  # CI: Redis must be there
                pytest.fail(f"ANNOTATE_REQUIRE_REDIS=1 but no Redis at {REDIS_URL}")
            pytest.skip(f"no Redis at {REDIS_URL}")
        extra["REDIS_URL"] = REDIS_URL

    url = TestConfig.SQLALCHEMY_DATABASE_URI  # PostgreSQL when the suite runs on it
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'throttle.sqlite'}"  # a file: workers share it

    def make(**config: object):
        app = create_app(
            {
                "CONFIG_CLASS": TestConfig,
                "RATELIMIT_ENABLED": True,
                "SQLALCHEMY_DATABASE_URI": url,
                **extra,
                **config,
            }
        )
        if not apps:
            with app.app_context():
                db.create_all()
                for name in ("ann", "bob"):
                    create_user(db.session, name, "secret-pw")
                db.session.commit()
                limiter.reset()
        apps.append(app)
        return app

    apps: list = []
    yield make
    for app in apps:
        with app.app_context():
            limiter.reset()
            if app is apps[0] and not url.startswith("sqlite"):
                from tests.conftest import _empty_all_tables

                _empty_all_tables()
            db.session.remove()
            db.engine.dispose()


def _post(client, username: str, password: str, **headers: str) -> int:
    return client.post(
        "/login", data={"username": username, "password": password}, headers=headers
    ).status_code


def test_a_throttled_account_never_blocks_another_account(throttled_app):
    app = throttled_app()
    client = app.test_client()
    codes = [_post(client, "ann", "wrong") for _ in range(10)]
    assert codes == [200] * 5 + [429] * 5
    assert _post(client, "ann", "secret-pw") == 429  # ann is throttled, even with her password
    page = client.post("/login", data={"username": "ann", "password": "secret-pw"})
    assert b"Too many failed attempts" in page.data
    assert _post(app.test_client(), "bob", "secret-pw") == 302  # same address, other account


def test_the_client_limit_is_higher_than_the_account_limit(throttled_app):
    app = throttled_app()
    client = app.test_client()
    codes = [_post(client, f"guess{n}", "wrong") for n in range(30)]
    assert codes == [200] * 30  # 30 accounts, 1 failure each: only the client counts them
    assert _post(client, "bob", "secret-pw") == 429  # the client's 30 per minute are used
    assert _post(client, "bob", "secret-pw", **{"X-Forwarded-For": "10.9.9.9"}) == 429


def test_counters_live_outside_the_worker(throttled_app):
    """A second worker (another app on the same database and storage) sees the count."""
    first = throttled_app()
    for _ in range(5):
        assert _post(first.test_client(), "ann", "wrong") == 200
    second = throttled_app()
    assert _post(second.test_client(), "ann", "secret-pw") == 429
    with second.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(RateLimitCounter))
    assert (stored > 0) == (not second.config["REDIS_URL"])


def test_behind_a_trusted_proxy_each_client_is_counted_apart(throttled_app):
    app = throttled_app(TRUSTED_PROXIES=1, LOGIN_CLIENT_RATE_LIMIT="3 per minute")
    client = app.test_client()
    first = {"X-Forwarded-For": "203.0.113.7"}
    assert [_post(client, f"u{n}", "x", **first) for n in range(4)] == [200, 200, 200, 429]
    assert _post(client, "bob", "secret-pw", **{"X-Forwarded-For": "203.0.113.8"}) == 302


def test_without_a_trusted_proxy_a_forged_address_does_not_help(throttled_app):
    app = throttled_app(LOGIN_CLIENT_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        _post(client, f"u{n}", "x", **{"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_the_default_limits():
    from limits import parse_many

    account = parse_many(Config.LOGIN_ACCOUNT_RATE_LIMIT)
    client = parse_many(Config.LOGIN_CLIENT_RATE_LIMIT)
    assert len(account) == len(client)
    for per_account, per_client in zip(account, client, strict=True):
        assert per_account.GRANULARITY == per_client.GRANULARITY
        assert per_client.amount > per_account.amount
    assert Config.TRUSTED_PROXIES == 0
