"""Row locks for read-check-write operations that must happen once (decide a plan, count quiz
attempts against a limit).

On PostgreSQL the row is read ``FOR UPDATE`` (or ``FOR SHARE``): a second transaction locking
the same row waits until the first commits, and under READ COMMITTED every statement it runs
afterwards sees what the first wrote. SQLite has no row locks but one writer at a time; its
driver opens the transaction at the first write, so a check made before it could read data a
concurrent writer is about to change. A no-op ``UPDATE`` of the row takes the database's write
lock first, so the reads that follow are current until the commit.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

from annotate.database import Session

T = TypeVar("T")


def lock_row(session: Session, obj: T, *, shared: bool = False) -> T:
    """Lock ``obj``'s row until the transaction ends and reload its attributes.

    ``shared`` (PostgreSQL ``FOR SHARE``) lets other shared holders in but keeps out an
    exclusive one: for writers that only need the row not to change under them.
    """
    unwrap = getattr(obj, "_get_current_object", None)  # Flask-Login's current_user
    obj = unwrap() if unwrap is not None else obj
    cls: Any = type(obj)
    table = cls.__table__
    key = sa.inspect(obj).identity[0]
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.update(table).where(table.c.id == key).values(id=table.c.id))
    return session.execute(
        sa.select(cls)
        .where(table.c.id == key)
        .with_for_update(read=shared, of=table)
        .execution_options(populate_existing=True)
    ).scalar_one()
