"""Personal API tokens: created and revoked by their owner; only the sha256 is stored.

A token is ``ann_`` followed by 43 URL-safe random characters (256 bits). It is shown once,
when created; afterwards only its name, dates and a short prefix of its hash are known.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from annotate.database import utcnow
from annotate.models import ApiToken, User
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
        raise InvalidInput("A token name of 1-128 characters is required.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(secret))
    session.add(token)
    session.flush()
    record_event(session, "api_token.create", "api_token", token.id, actor=user,
                 details={"name": name})
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent).

    :raises NotFound: no such token of this user.
    """
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        record_event(session, "api_token.revoke", "api_token", token.id, actor=user,
                     details={"name": token.name})
    return token


#: ``last_used_at`` is rewritten at most this often (the settings page shows minutes), so a
#: script's every request does not also write the token row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_for_token(session: Session, secret: str) -> User | None:
    """The active owner of a live token, or None. Records when the token was last used."""
    if not secret.startswith(PREFIX):
        return None
    token = session.scalar(sa.select(ApiToken).options(joinedload(ApiToken.user))
                           .where(ApiToken.token_hash == token_hash(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user
