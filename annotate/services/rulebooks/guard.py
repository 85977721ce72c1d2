"""The immutability guard: no code path may change or delete a published rulebook version.

Services refuse politely (``Conflict``); this guard is the backstop underneath them. A
``before_flush`` listener on every ORM session raises :class:`PublishedVersionImmutable` when a
flush would update or delete a published :class:`RulebookVersion`, or add, update or delete a
:class:`Clause` of one, and a ``do_orm_execute`` listener refuses ORM bulk UPDATE/DELETE
statements on those tables. The stored status is read from the database, so neither expired
attributes nor a status set back to ``draft`` in memory can sneak a change through. The one
change allowed is the publication itself (a draft becoming published in this flush).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.orm import ORMExecuteState

from annotate.database import Session
from annotate.models import Clause, RulebookVersion, VersionStatus
from annotate.services.errors import Conflict

_FROZEN = (VersionStatus.published, VersionStatus.retired)


class PublishedVersionImmutable(Conflict):
    """A flush tried to change a published rulebook version or one of its clauses."""


def _stored_status(session: Session, version_id: int | None) -> VersionStatus | None:
    if version_id is None:
        return None
    with session.no_autoflush:
        value = session.execute(
            sa.select(RulebookVersion.status).where(RulebookVersion.id == version_id)
        ).scalar()
    return VersionStatus(value) if value is not None else None


def _stored_version_of_clause(session: Session, clause: Clause) -> int | None:
    with session.no_autoflush:
        return session.execute(sa.select(Clause.version_id).where(Clause.id == clause.id)).scalar()


def _version_id_of_new_clause(clause: Clause) -> int | None:
    if clause.version_id is not None:
        return clause.version_id
    version = clause.__dict__.get("version")
    return getattr(version, "id", None)


def _refuse(what: str, version_id: int | None) -> None:
    raise PublishedVersionImmutable(
        f"Refused: {what} of published rulebook version (id {version_id}). Published versions "
        "never change; start a new draft instead."
    )


@event.listens_for(orm.Session, "before_flush")
def _guard_published_versions(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty):
        if isinstance(obj, RulebookVersion):
            if (
                session.is_modified(obj, include_collections=False)
                and _stored_status(session, obj.id) in _FROZEN
            ):
                _refuse("a change", obj.id)
        elif isinstance(obj, Clause) and session.is_modified(obj, include_collections=False):
            stored = _stored_version_of_clause(session, obj)
            if _stored_status(session, stored) in _FROZEN:
                _refuse("a change to a clause", stored)
            if obj.version_id != stored and _stored_status(session, obj.version_id) in _FROZEN:
                _refuse("moving a clause into", obj.version_id)
    for obj in list(session.deleted):
        if isinstance(obj, RulebookVersion) and _stored_status(session, obj.id) in _FROZEN:
            _refuse("deletion", obj.id)
        if isinstance(obj, Clause):
            stored = _stored_version_of_clause(session, obj)
            if _stored_status(session, stored) in _FROZEN:
                _refuse("deleting a clause", stored)
    for obj in list(session.new):
        if isinstance(obj, Clause):
            version_id = _version_id_of_new_clause(obj)
            if _stored_status(session, version_id) in _FROZEN:
                _refuse("adding a clause to", version_id)


@event.listens_for(orm.Session, "do_orm_execute")
def _guard_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    for mapper in state.all_mappers:
        if mapper.class_ in (RulebookVersion, Clause):
            raise PublishedVersionImmutable(
                "Refused: bulk UPDATE/DELETE of rulebook versions or clauses bypasses the "
                "immutability check; change drafts through the rulebook service."
            )
