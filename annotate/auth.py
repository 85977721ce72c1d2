"""Authentication and the role gate: password hashing, user loading, ``require_role``."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Flask,
    abort,
    current_app,
    has_app_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from sqlalchemy.orm import joinedload

from annotate.database import db
from annotate.extensions import login_manager
from annotate.models import ProjectRole, User

_hashers: dict[bool, PasswordHasher] = {
    False: PasswordHasher(),
    # Tests only: cheap parameters so the suite stays fast. Never used outside TESTING.
    True: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


def _hasher() -> PasswordHasher:
    fast = has_app_context() and bool(
        current_app.config.get("PASSWORD_HASH_FAST") and current_app.config.get("TESTING")
    )
    return _hashers[fast]


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """Return True if ``password`` matches the user's stored hash."""
    if not user.password_hash:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so both paths cost the same.
_DUMMY_HASH: dict[bool, str] = {}


def burn_password_check(password: str) -> None:
    """Spend the time of one verification (for unknown usernames)."""
    hasher = _hasher()
    key = hasher is _hashers[True]
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash("not-a-real-password")
    try:
        hasher.verify(_DUMMY_HASH[key], password)
    except VerificationError:
        pass


#: The user with their memberships, in one statement: every page's role gate and the
#: navigation look at them (built once; it runs on every request). The session generation
#: must match: ``User.end_sessions`` ends every session and remember cookie issued before.
_USER = (
    sa.select(User)
    .options(joinedload(User.memberships))
    .where(
        User.id == sa.bindparam("user_id"),
        User.active.is_(True),
        User.session_epoch == sa.bindparam("epoch"),
    )
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login callback: the user of ``"<id>:<epoch>"`` (``User.get_id``), if still
    active and the generation is current; None ends the session or remember cookie."""
    try:
        key, epoch = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    return db.session.execute(_USER, {"user_id": key, "epoch": epoch}).unique().scalar_one_or_none()


#: Session keys that survive a login's fresh session (the interface language).
_KEPT_AT_LOGIN = ("lang",)


def begin_session(user: User, *, remember: bool = False) -> None:
    """Log ``user`` in on an emptied session: nothing from before the login survives but the
    language, and Flask-WTF's CSRF token (kept in the session) is a new one."""
    kept = {key: session[key] for key in _KEPT_AT_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)


def user_has_any_role(user: User, roles: tuple[ProjectRole | str, ...]) -> bool:
    """True if ``user`` is an admin (when "admin" is allowed) or holds one of ``roles``."""
    if "admin" in roles and user.is_admin:
        return True
    return any(m.role in roles for m in user.memberships)


def require_role(*roles: ProjectRole | str) -> Callable[[], ResponseReturnValue | None]:
    """Return a ``before_request`` hook admitting only users with one of ``roles``.

    ``"admin"`` stands for the global admin flag. Anonymous users are sent to the login
    page; logged-in users without the role get 403.
    """

    def gate() -> ResponseReturnValue | None:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not user_has_any_role(current_user, roles):
            abort(403)
        return None

    return gate


def require_login() -> ResponseReturnValue | None:
    """``before_request`` hook for pages every logged-in user may see."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def home_endpoint(user: User) -> str:
    """The landing page of the user's highest role."""
    if user.is_admin:
        return "admin.index"
    roles = {m.role for m in user.memberships}
    for role, endpoint in (
        (ProjectRole.manager, "reports.index"),
        (ProjectRole.reviewer, "reviewer.index"),
        (ProjectRole.annotator, "annotator.index"),
    ):
        if role in roles:
            return endpoint
    return "account.settings"


def init_app(app: Flask) -> None:
    """Configure Flask-Login for this app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
