"""Times as people read them: in the reader's time zone, with the date when it is not today.

Times are stored in UTC. The ``localtime`` template filter shows one in the user's zone (their
``time_zone`` setting, else the time zone of the project the page is about, else
``ANNOTATE_TIMEZONE``, else Asia/Shanghai): ``03:26`` today, ``12月7日 03:26`` /
``Dec 7 03:26`` another day this year, ``2025年12月7日 03:26`` / ``Dec 7, 2025 03:26`` another
year. The result is a ``<time>`` element whose ``datetime`` and title carry the exact UTC
instant. ``reltime`` says how far away a time is ("14 天后", "in 14 days", "3 hours ago"),
with the local time as its title; ``localdate`` shows the reader's date only.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from babel.dates import format_skeleton, format_timedelta
from flask import Flask, current_app, g, has_request_context, request
from markupsafe import Markup, escape

DEFAULT_TIMEZONE = "Asia/Shanghai"


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (the account page's choices)."""
    return tuple(sorted(available_timezones()))


def _project_zone() -> ZoneInfo | None:
    """The time zone setting of the project named by the URL (``<slug>``), if any.

    The view has usually loaded the project already: it is taken from the session's identity
    map, so the labeling screen pays no query for it.
    """
    slug = (request.view_args or {}).get("slug")
    if not isinstance(slug, str):
        return None
    from annotate.database import db
    from annotate.models import Project

    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Project) and obj.slug == slug:
            return _zone(obj.time_zone)
    return _zone(db.session.scalar(sa.select(Project.time_zone).where(Project.slug == slug)))


def _configured_zone() -> ZoneInfo:
    configured = current_app.config.get("TIMEZONE") if current_app else None
    return _zone(configured) or ZoneInfo(DEFAULT_TIMEZONE)


def user_zone() -> ZoneInfo:
    """The zone to show times in for the current request's user."""
    if not has_request_context():
        return _configured_zone()
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        zone = _zone(getattr(current_user, "time_zone", None))
        if zone is not None:
            return zone
    # Looked up once a request (``g`` can outlive one: tests and the CLI keep an app context).
    current = request._get_current_object()  # type: ignore[attr-defined]
    cached = g.get("_annotate_project_zone")
    if cached is None or cached[0] is not current:
        cached = g._annotate_project_zone = (current, _project_zone())
    return cached[1] or _configured_zone()


def reader_time_zone() -> str:
    """The name of the zone the current reader sees times in."""
    return user_zone().key


def reader_locale() -> str:
    """The current reader's language (``en`` outside a request)."""
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
    text = local_text(instant, user_zone(), reader_locale(), now)
    return Markup('<time datetime="{iso}" title="{utc}">{text}</time>').format(
        iso=instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc=instant.strftime("%Y-%m-%d %H:%M UTC"),
        text=escape(text),
    )


def relative_text(value: datetime, locale: str = "en", now: datetime | None = None) -> str:
    """How far ``value`` is from ``now``: "in 14 days" / "14天后", "3 hours ago".

    Between one and sixty days away it counts days (a 14-day lease is "14 天后", not "2 周后").
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - (now or datetime.now(UTC))
    days = abs(delta.total_seconds()) / 86400
    if 1 <= days < 60:
        n = round(days)
        delta = timedelta(days=n if delta.total_seconds() > 0 else -n)
        return format_timedelta(delta, threshold=n / 7 + 0.01, add_direction=True, locale=locale)
    return format_timedelta(delta, add_direction=True, locale=locale)


def reltime(value: datetime | None, now: datetime | None = None) -> Markup:
    """The ``reltime`` filter: how far away ``value`` is, the local time as its title."""
    if value is None:
        return Markup("—")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    instant = value.astimezone(UTC)
    locale = reader_locale()
    return Markup('<time datetime="{iso}" title="{local}">{text}</time>').format(
        iso=instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
        local=local_text(instant, user_zone(), locale, now),
        text=relative_text(instant, locale, now),
    )


def localdate(value: datetime | None) -> str:
    """The ``localdate`` filter: the reader's date of ``value`` (``2026年12月21日``)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_skeleton("yMMMd", value.astimezone(user_zone()), locale=reader_locale())


def init_app(app: Flask) -> None:
    """Register the ``localtime``, ``reltime`` and ``localdate`` template filters."""
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(reltime, "reltime")
    app.add_template_filter(localdate, "localdate")
    app.add_template_global(reader_time_zone, "reader_time_zone")
