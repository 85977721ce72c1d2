"""The declarative base, the shared ``db`` object, naming convention and UTC timestamps."""

from __future__ import annotations

import enum
import hashlib
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import orm
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """SQLite files run in WAL mode: readers never block the writer nor the writer them, so
    several gunicorn workers can share one file (an in-memory database stays as it is)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA journal_mode=WAL").close()
        # The audit chain's appends hash in SQL (annotate.services.audit).
        dbapi_connection.create_function("annotate_sha256", 1, _sha256_hex, deterministic=True)


def _sha256_hex(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always stored and returned as aware UTC.

    SQLite keeps no zone, so naive values read back are UTC by construction;
    naive values are refused on the way in so local time never sneaks in.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use annotate.database.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


intpk = Annotated[int, mapped_column(primary_key=True)]
timestamp = Annotated[datetime, mapped_column(default=utcnow)]
str64 = Annotated[str, mapped_column(sa.String(64))]
str255 = Annotated[str, mapped_column(sa.String(255))]


class Base(DeclarativeBase):
    """Declarative base: naming convention, aware timestamps, enums stored as strings."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime,
            enum.Enum: sa.Enum(
                enum.Enum,
                native_enum=False,
                length=32,
                values_callable=lambda e: [m.value for m in e],
            ),
            dict[str, Any]: sa.JSON,
            list[Any]: sa.JSON,
            Any: sa.JSON,
        },
    )


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        """What ``db.Model`` is at run time, spelt so a type checker can subclass it:
        Flask-SQLAlchemy builds it from Base's registry and body plus its own mixins."""

        __abstract__ = True
        #: Every model maps a table (DeclarativeBase allows any FromClause).
        __table__: ClassVar[sa.Table]
else:
    #: The base of every model (``db.Model``); import it from here rather than reaching
    #: for the attribute, which a type checker cannot use as a base class.
    Model = db.Model

#: What services take: a plain SQLAlchemy session (scripts, tests) or Flask-SQLAlchemy's
#: ``db.session``, the scoped session that proxies one per request. Both offer the same
#: methods, so a service is typed once for either.
Session: TypeAlias = orm.Session | orm.scoped_session[Any]
