"""Times as people read them: in the reader's time zone, with the date when it is not today.

Times are stored in UTC. The ``localtime`` template filter shows one in the user's zone (a
``time_zone`` attribute of the user when there is one, else ``ANNOTATE_TIMEZONE``, else
Asia/Shanghai): ``03:26`` today, ``12月7日 03:26`` / ``Dec 7 03:26`` another day this year,
``2025年12月7日 03:26`` / ``Dec 7, 2025 03:26`` another year. The result is a ``<time>`` element
whose ``datetime`` and title carry the exact UTC instant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_skeleton
from flask import Flask, current_app, has_request_context
from markupsafe import Markup, escape

DEFAULT_TIMEZONE = "Asia/Shanghai"


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def user_zone() -> ZoneInfo:
    """The zone to show times in for the current request's user."""
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            zone = _zone(getattr(current_user, "time_zone", None))
            if zone is not None:
                return zone
    configured = current_app.config.get("TIMEZONE") if current_app else None
    return _zone(configured) or ZoneInfo(DEFAULT_TIMEZONE)


def _locale() -> str:
    if has_request_context():
        from flask_babel import get_locale

        found = get_locale()
        if found is not None:
            return str(found)
    return "en"


def local_text(
    value: datetime,
    zone: ZoneInfo,
    locale: str = "en",
    now: datetime | None = None,
) -> str:
    """``value`` as text in ``zone``: the time today, with the date on other days."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(zone)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return clock
    skeleton = "MMMd" if local.year == today.year else "yMMMd"
    return f"{format_skeleton(skeleton, local, locale=locale)} {clock}"


def localtime(value: datetime | None, now: datetime | None = None) -> Markup:
    """The ``localtime`` filter: a ``<time>`` element in the reader's zone and language."""
    if value is None:
        return Markup("—")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    instant = value.astimezone(UTC)
    text = local_text(instant, user_zone(), _locale(), now)
    return Markup('<time datetime="{iso}" title="{utc}">{text}</time>').format(
        iso=instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc=instant.strftime("%Y-%m-%d %H:%M UTC"),
        text=escape(text),
    )


def init_app(app: Flask) -> None:
    """Register the ``localtime`` template filter."""
    app.add_template_filter(localtime, "localtime")
