"""The login throttle's keys and its database storage.

Flask-Limiter counts failed logins twice: per account (the submitted username) and per client
address (honest behind a proxy through ``ProxyFix``, see ``annotate.security``). The counters
live in Redis when ``REDIS_URL`` or ``RATELIMIT_STORAGE_URI`` names it, else in the app's
database (``rate_limit_counters``): never in one worker's memory, which the others cannot see.
"""

from __future__ import annotations

import hashlib
import time

import sqlalchemy as sa
from flask import request
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

from annotate.database import db
from annotate.models.users import RateLimitCounter

#: The storage URI of ``DatabaseStorage``.
DATABASE_STORAGE_URI = "annotate-db://"


def account_key() -> str:
    """The throttle key of the account a login form names (hashed: any text fits the key)."""
    username = (request.form.get("username") or "").strip()
    return "account:" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]


def client_key() -> str:
    """The throttle key of the client address (``ProxyFix`` makes it the proxy's client)."""
    return "client:" + (get_remote_address() or "unknown")


def failed_login(response: object) -> bool:
    """Count an attempt unless it logged in (302) or was already refused (429)."""
    return getattr(response, "status_code", 200) not in (302, 429)


class DatabaseStorage(Storage):
    """A ``limits`` storage (fixed windows) in the app's database: SQLite or PostgreSQL.

    Each call runs in its own short transaction on the app's engine (never the request's
    session), and ``incr`` is one atomic ``INSERT … ON CONFLICT DO UPDATE``.
    """

    STORAGE_SCHEME = ["annotate-db"]
    _table = RateLimitCounter.__table__

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = self._table
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        expired = table.c.expires_at <= now
        upsert = insert(table).values(key=key, count=amount, expires_at=now + expiry)
        statement = upsert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": sa.case((expired, amount), else_=table.c.count + amount),
                "expires_at": sa.case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with db.engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        table = self._table
        with db.engine.connect() as connection:
            count = connection.scalar(
                sa.select(table.c.count).where(table.c.key == key, table.c.expires_at > time.time())
            )
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        table = self._table
        with db.engine.connect() as connection:
            expires = connection.scalar(sa.select(table.c.expires_at).where(table.c.key == key))
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        with db.engine.connect() as connection:
            connection.execute(sa.select(sa.literal(1)))
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(sa.delete(self._table)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(sa.delete(self._table).where(self._table.c.key == key))
