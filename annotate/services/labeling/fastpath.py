"""The labeling loop's ORM bypasses, in one place.

The loop (claim the next item, submit its annotation) runs thousands of times an hour per
annotator, and its budget is a handful of SQL statements per request
(``tests/services/labeling/test_loop_statements.py``). The ORM's unit of work costs more in
Python than those statements take to run, so the loop steps around it in exactly three ways,
all here, each keeping the session's objects consistent with what was written:

* :func:`add_inserted` inserts one row through its table (``INSERT … RETURNING id``) and puts
  the object into the session as loaded, with no flush;
* :func:`set_loaded` / :func:`set_loaded_if_present` write a value into an object's loaded
  state without marking it changed (the database already holds it: a relationship just read,
  a status an ``UPDATE`` just set), and :func:`expire_loaded` expires attributes an
  ``UPDATE`` changed behind the objects' back, so they are read again if touched;
* :func:`commit_keeping_loaded` commits without expiring, so a view answers from the objects
  it has just read and written instead of reloading each one (one statement apiece).

Why here and not beside ``annotate/database.py``: these are not general database tools but
the labeling loop's trade of ORM bookkeeping for statements; keeping them in ``labeling/``
puts them next to their only callers and to the budget that justifies them. The loop's
statements themselves (``UPDATE`` on tables with ``synchronize_session=False``) stay in the
services that own them, which say what they keep in step. :func:`commit_keeping_loaded` is
the one function in ``services`` that commits: only views call it, as their commit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from annotate.database import Base, Session

T = TypeVar("T", bound=Base)


@functools.cache
def _insert_returning_id(table: sa.Table) -> sa.Insert:
    return table.insert().returning(table.c.id)


def add_inserted(session: Session, cls: type[T], **values: Any) -> T:
    """Insert one row of ``cls`` through its table (``INSERT … RETURNING id``) and put the
    object into ``session`` as loaded, without a unit-of-work flush.

    ``values`` should name every column the caller reads back; any other is loaded on first
    access.
    """
    values["id"] = session.execute(
        _insert_returning_id(cls.__table__), {k: v for k, v in values.items() if k != "id"}
    ).scalar_one()
    obj = cls(**values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def set_loaded(obj: Base, attribute: str, value: Any) -> None:
    """Set ``obj.attribute`` to ``value`` as if loaded from the database (no change recorded,
    nothing written): for a value the database already holds."""
    set_committed_value(obj, attribute, value)


def set_loaded_if_present(
    session: Session, cls: type[Base], id_: int, attribute: str, value: Any
) -> None:
    """:func:`set_loaded` on the ``cls`` object with primary key ``id_`` if the session holds
    it (an ``UPDATE`` on the table just wrote ``value``); nothing is loaded otherwise."""
    loaded = session.identity_map.get(identity_key(cls, id_))
    if loaded is not None:
        set_committed_value(loaded, attribute, value)


def expire_loaded(
    session: Session, cls: type[T], which: Callable[[T], bool], attributes: Iterable[str]
) -> None:
    """Expire ``attributes`` of the session's loaded ``cls`` objects for which ``which`` is
    true (an ``UPDATE`` on the table changed them), so they are read again if touched."""
    names = list(attributes)
    for obj in [o for o in session.identity_map.values() if isinstance(o, cls) and which(o)]:
        session.expire(obj, names)


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring the session's objects.

    For a view that answers from what it has just read and written in this transaction (the
    next item, the saved annotation): after a plain commit each object it then touches is
    reloaded, one statement apiece. Those objects show the state this transaction committed.
    """
    target = session() if isinstance(session, scoped_session) else session
    previous, target.expire_on_commit = target.expire_on_commit, False
    try:
        target.commit()
    finally:
        target.expire_on_commit = previous
