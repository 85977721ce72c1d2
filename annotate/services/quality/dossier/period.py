"""The dossier's frame: the period it covers, the project's time zone, and how it shows numbers.

Times are stored in UTC; the dossier shows them in the project's time zone (``Asia/Shanghai``
unless the project sets another) with the offset, e.g. ``2026-12-06 20:05 UTC+08:00``. Numbers
are rounded for reading: ``0.667 [0.512, 0.801], n = 45`` — never a raw float.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from annotate.labels import label
from annotate.models import Project
from annotate.services.errors import InvalidInput

DEFAULT_TIME_ZONE = "Asia/Shanghai"
#: Stored keys shown in words: supervision metrics, flag kinds, audit subjects.
METRICS = {
    "personal_info": _l("personal information"),
    "prohibited_flag": _l("prohibited-content flag"),
    "confirmed": _l("confirmed"),
    "released": _l("released"),
    "gold_accuracy": _l("gold accuracy"),
    "review_accuracy": _l("review accuracy"),
    "cohen_kappa": _l("agreement with peers (mean Cohen's κ)"),
}
SUBJECTS = {
    "user": _l("user"),
    "project": _l("project"),
    "batch": _l("batch"),
    "item": _l("item"),
    "review": _l("review"),
    "sample_plan": _l("sample plan"),
    "rulebook_version": _l("rulebook version"),
    "qualification": _l("qualification"),
    "training_attempt": _l("training attempt"),
    "training_module": _l("training module"),
    "acknowledgement": _l("acknowledgement"),
    "api_token": _l("API token"),
    "database": _l("database"),
}
LEVELS = {
    "nominal": _l("nominal"),
    "ordinal": _l("ordinal"),
    "interval": _l("interval"),
    "ratio": _l("ratio"),
}


def project_zone(project: Project) -> ZoneInfo:
    """The project's time zone (its ``time_zone`` setting, else Asia/Shanghai)."""
    name = getattr(project, "time_zone", None) or DEFAULT_TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def offset_label(moment: datetime) -> str:
    """``UTC+08:00`` for an aware datetime."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, shown in ``zone``; ``start`` None means "from the beginning"."""

    start: datetime | None
    end: datetime
    zone: ZoneInfo

    def contains(self, moment: datetime | None) -> bool:
        """True if ``moment`` falls in the period."""
        if moment is None:
            return False
        return (self.start is None or moment >= self.start) and moment < self.end

    def local(self, moment: datetime | None, *, seconds: bool = False) -> str:
        """``moment`` in the project's zone with its offset; ``""`` for None."""
        if moment is None:
            return ""
        here = moment.astimezone(self.zone)
        pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
        return f"{here.strftime(pattern)} {offset_label(here)}"

    @property
    def zone_name(self) -> str:
        """The IANA name of the zone."""
        return str(self.zone.key)


def _parse_day(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a date like 2026-11-01, not %(text)s.", field=label, text=text)
        ) from None


def make_period(
    project: Project, now: datetime, start: str | None = None, end: str | None = None
) -> Period:
    """The period from the ``--from``/``--to`` dates (inclusive days in the project's zone).

    Without ``start`` the period starts at the beginning; without ``end`` it ends ``now``.
    """
    zone = project_zone(project)
    begin = None
    if start:
        begin = datetime.combine(
            _parse_day(start, _("The start of the period")), time(), zone
        ).astimezone(now.tzinfo)
    stop = now
    if end:
        last = _parse_day(end, _("The end of the period")) + timedelta(days=1)
        stop = min(now, datetime.combine(last, time(), zone).astimezone(now.tzinfo))
    if begin is not None and begin >= stop:
        raise InvalidInput(
            _("The period is empty: its start must be before its end and before now.")
        )
    return Period(begin, stop, zone)


def number(value: float | None, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` places (``—`` when undefined)."""
    return "—" if value is None else f"{value:.{digits}f}"


def percent(value: float | None, digits: int = 1) -> str:
    """``value`` as a percentage (``—`` when undefined)."""
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def with_interval(
    value: float | None, low: float | None, high: float | None, *, as_percent: bool = False
) -> str:
    """``0.667 [0.512, 0.801]`` or ``66.7 % [51.2, 80.1]``; the value alone without interval."""
    fmt = percent if as_percent else number
    if value is None:
        return "—"
    if low is None or high is None:
        return fmt(value)
    if as_percent:
        return f"{fmt(value)} [{100 * low:.1f}, {100 * high:.1f}]"
    return f"{fmt(value)} [{number(low)}, {number(high)}]"


def cell(value: Any, period: Period) -> Any:
    """One table cell for reading: enums as their value, times local, floats rounded."""
    if isinstance(value, enum.Enum):
        return str(METRICS.get(value.value, "")) or label(value)
    if isinstance(value, str) and value in METRICS:
        return str(METRICS[value])
    if isinstance(value, datetime):
        return period.local(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return "" if value is None else value
