"""Accounts: create, deactivate and reactivate, reset a password, choose a new one.

``add_membership`` lives in :mod:`annotate.services.accounts.memberships` (re-exported here for
its many callers).
"""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.auth import hash_password
from annotate.database import Session, utcnow
from annotate.models import User
from annotate.services.accounts.memberships import add_membership
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput, PermissionDenied
from annotate.services.locks import lock_row

__all__ = [
    "add_membership",
    "create_user",
    "deactivate_user",
    "get_user",
    "note_login",
    "reactivate_user",
    "reset_password",
    "set_new_password",
]

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
#: Erased accounts are renamed ``erased-<id>`` (:mod:`annotate.services.accounts.erasure`).
RESERVED_PREFIX = "erased-"
MIN_PASSWORD_LENGTH = 4
#: What the web forms ask of a password a person chooses.
MIN_NEW_PASSWORD_LENGTH = 8


def get_user(session: Session, username: str) -> User | None:
    """Return the user called ``username``, or None."""
    return session.scalar(sa.select(User).where(User.username == username))


def create_user(
    session: Session,
    username: str,
    password: str | None,
    *,
    display_name: str = "",
    is_admin: bool = False,
    imported: bool = False,
    actor: User | None = None,
) -> User:
    """Create an account. ``password`` None makes an account that cannot log in.

    :raises InvalidInput: bad username or a too short password.
    :raises Conflict: the username is taken.
    """
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            _l("Invalid username %(name)s: use 2-64 letters, digits, _ . -", name=repr(username))
        )
    if username.lower().startswith(RESERVED_PREFIX):
        raise InvalidInput(
            _l("Usernames starting with %(prefix)s are reserved.", prefix=RESERVED_PREFIX)
        )
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _l("Password too short: at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
        )
    if get_user(session, username) is not None:
        raise Conflict(_l("User %(name)s already exists.", name=repr(username)))
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password) if password is not None else None,
        is_admin=is_admin,
        imported=imported,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        "user.create",
        "user",
        user.id,
        actor=actor,
        details={"admin": is_admin, "imported": imported},
    )
    return user


def note_login(session: Session, user: User) -> None:
    """Record a successful login (an audit event)."""
    user.last_login_at = utcnow()
    session.flush()
    record_event(session, "user.login", "user", user.id, actor=user)


def temporary_password() -> str:
    """A random one-time password (shown once to the administrator, never stored in clear)."""
    return secrets.token_urlsafe(12)


def deactivate_user(session: Session, user: User, *, actor: User | None = None) -> bool:
    """Deactivate ``user``: they cannot log in, and every session, remember cookie and API
    token of theirs stops working at once. Returns False if already inactive.

    :raises PermissionDenied: an administrator deactivating their own account.
    """
    if actor is not None and actor.id == user.id:
        raise PermissionDenied(_l("You cannot deactivate your own account."))
    user = lock_row(session, user)
    if not user.active:
        return False
    user.active = False  # the model's validator ends every session (session_epoch)
    session.flush()
    record_event(
        session,
        "user.deactivate",
        "user",
        user.id,
        actor=actor,
    )
    return True


def reactivate_user(session: Session, user: User, *, actor: User | None = None) -> bool:
    """Let ``user`` log in again. Returns False if already active.

    :raises Conflict: the account was erased (it stays closed).
    """
    user = lock_row(session, user)
    if user.erased_at is not None:
        raise Conflict(_l("This account was erased: it cannot be used again."))
    if user.active:
        return False
    user.active = True
    session.flush()
    record_event(
        session,
        "user.reactivate",
        "user",
        user.id,
        actor=actor,
    )
    return True


def reset_password(session: Session, user: User, *, actor: User | None = None) -> str:
    """Give ``user`` a temporary password and return it: their sessions end, and at the next
    login they must choose a new password before anything else.

    :raises InvalidInput: an account that cannot log in (imported from another tool).
    """
    if user.imported:
        raise InvalidInput(
            _l("%(name)s was imported from another tool and cannot log in.", name=user.username)
        )
    if user.erased_at is not None:
        raise Conflict(_l("This account was erased: it cannot be used again."))
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.end_sessions()
    session.flush()
    record_event(
        session,
        "user.password_reset",
        "user",
        user.id,
        actor=actor,
    )
    return password


def set_new_password(session: Session, user: User, password: str) -> None:
    """The user's own new password (after a reset): clears the obligation to change it and
    ends every other session. The caller starts a fresh session for this browser.

    :raises InvalidInput: too short.
    """
    if len(password) < MIN_NEW_PASSWORD_LENGTH:
        raise InvalidInput(
            _l("Password too short: at least %(n)s characters.", n=MIN_NEW_PASSWORD_LENGTH)
        )
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.end_sessions()
    session.flush()
    record_event(session, "user.password_change", "user", user.id, actor=user)


def note_failed_login(session: Session, user: User | None) -> None:
    """Record a refused login: on the account when the name is one (the name typed is not
    kept otherwise: it may be someone's password typed in the wrong field)."""
    record_event(session, "user.login_failed", "user", user.id if user else "")
