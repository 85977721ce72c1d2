"""Personal API tokens: created and revoked by their owner; only the sha256 is stored.

A token is ``ann_`` followed by 43 URL-safe random characters (256 bits). It is shown once,
when created; afterwards only its name, dates and a short prefix of its hash are known.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import ApiToken, Membership, Project, ProjectRole, User
from annotate.services.audit import record_event
from annotate.services.errors import InvalidInput, NotFound

PREFIX = "ann_"


def token_hash(secret: str) -> str:
    """The stored form of a token: sha256 of its text."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with its secret (shown to the user once).

    :raises InvalidInput: no name, or a name longer than 128 characters.
    """
    name = (name or "").strip()
    if not name or len(name) > 128:
        raise InvalidInput(_l("A token name of 1-128 characters is required."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(secret))
    session.add(token)
    session.flush()
    record_event(
        session, "api_token.create", "api_token", token.id, actor=user, details={"name": name}
    )
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included)."""
    return list(
        session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent).

    :raises NotFound: no such token of this user.
    """
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_l("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        record_event(
            session,
            "api_token.revoke",
            "api_token",
            token.id,
            actor=user,
            details={"name": token.name},
        )
    return token


#: ``last_used_at`` is rewritten at most this often (the settings page shows minutes), so a
#: script's every request does not also write the token row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenContext:
    """Who a token speaks for and, when the URL names a project, that project and their roles
    in it (read with the token, in the same statement)."""

    user: User
    project: Project | None = None
    roles: frozenset[ProjectRole] = frozenset()


#: The owner of a live token and when the token was last used (built once, run per request).
_OWNER = (
    sa.select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == sa.bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        User.active.is_(True),
    )
)
#: The same with the project named ``slug`` and the owner's roles there (a row per role).
_OWNER_IN = (
    _OWNER.add_columns(Project, Membership.role)
    .outerjoin(Project, Project.slug == sa.bindparam("slug"))
    .outerjoin(
        Membership, sa.and_(Membership.user_id == User.id, Membership.project_id == Project.id)
    )
)
_TOKENS = ApiToken.__table__
_TOUCH = (
    sa.update(_TOKENS)
    .where(_TOKENS.c.id == sa.bindparam("token_id"))
    .values(last_used_at=sa.bindparam("now", type_=_TOKENS.c.last_used_at.type))
)


def user_for_token(session: Session, secret: str) -> User | None:
    """The active owner of a live token, or None. Records when the token was last used."""
    context = token_context(session, secret)
    return context.user if context is not None else None


def token_context(
    session: Session, secret: str, project_slug: str | None = None
) -> TokenContext | None:
    """:func:`user_for_token`, and with ``project_slug`` that project (None if there is no
    such project) and the owner's roles in it, all in one statement."""
    if not secret.startswith(PREFIX):
        return None
    if project_slug is None:
        owner = session.execute(_OWNER, {"token_hash": token_hash(secret)}).first()
        if owner is None:
            return None
        user, token_id, last_used_at = owner
        _touch(session, token_id, last_used_at)
        return TokenContext(user)
    rows = session.execute(
        _OWNER_IN, {"token_hash": token_hash(secret), "slug": project_slug}
    ).all()
    if not rows:
        return None
    user, token_id, last_used_at, project = rows[0][:4]
    _touch(session, token_id, last_used_at)
    return TokenContext(user, project, frozenset(row[4] for row in rows if row[4]))


def _touch(session: Session, token_id: int, last_used_at: datetime | None) -> None:
    """Record that the token was used, unless that was less than the resolution ago."""
    now = utcnow()
    if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
        session.execute(_TOUCH, {"token_id": token_id, "now": now})
