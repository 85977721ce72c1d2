"""Times in the reader's zone and language, with the date when it is not today."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from annotate.localtime import local_text, localtime

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # 03:00 on 7 December in Shanghai


def test_today_is_a_clock_time_other_days_carry_the_date():
    lease = datetime(2026, 12, 6, 19, 26, tzinfo=UTC)  # 03:26 on the 7th in Shanghai
    assert local_text(lease, SHANGHAI, "zh", NOW) == "03:26"
    in_14_days = datetime(2026, 12, 20, 19, 26, tzinfo=UTC)
    assert local_text(in_14_days, SHANGHAI, "zh", NOW) == "12月21日 03:26"
    assert local_text(in_14_days, SHANGHAI, "en", NOW) == "Dec 21 03:26"
    next_year = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
    assert local_text(next_year, SHANGHAI, "zh", NOW) == "2027年3月1日 10:00"
    # Naive values are UTC (SQLite hands them back naive).
    assert local_text(lease.replace(tzinfo=None), SHANGHAI, "en", NOW) == "03:26"
    # The day boundary is the reader's: 23:00 UTC on the 6th is already the 7th in Shanghai.
    assert local_text(datetime(2026, 12, 6, 23, 0, tzinfo=UTC), SHANGHAI, "en", NOW) == "07:00"
    assert local_text(datetime(2026, 12, 6, 10, 0, tzinfo=UTC), SHANGHAI, "en", NOW) == (
        "Dec 6 18:00"
    )


def test_filter_uses_the_configured_zone_and_keeps_the_utc_instant(app):
    lease = datetime(2026, 12, 6, 19, 26, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        html = str(localtime(lease, NOW))
        assert html == (
            '<time datetime="2026-12-06T19:26:00Z" title="2026-12-06 19:26 UTC">03:26</time>'
        )
        assert str(localtime(None)) == "—"
        app.config["TIMEZONE"] = "Europe/Berlin"
        assert ">20:26</time>" in str(localtime(lease, datetime(2026, 12, 6, 12, 0, tzinfo=UTC)))
        app.config["TIMEZONE"] = "Not/AZone"  # a typo falls back to Asia/Shanghai
        assert ">03:26</time>" in str(localtime(lease, NOW))
