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


def test_relative_times_count_days_for_leases():
    from datetime import timedelta

    from annotate.localtime import relative_text

    in_14_days = NOW + timedelta(days=13, hours=23, minutes=50)  # a 14-day lease, just taken
    assert relative_text(in_14_days, "zh", NOW) == "14天后"
    assert relative_text(in_14_days, "en", NOW) == "in 14 days"
    assert relative_text(NOW + timedelta(minutes=30), "zh", NOW) == "30分钟后"
    assert relative_text(NOW - timedelta(hours=3), "en", NOW) == "3 hours ago"
    assert relative_text((NOW - timedelta(days=3)).replace(tzinfo=None), "zh", NOW) == "3天前"


def test_the_reader_zone_is_theirs_then_the_projects_then_the_setting(
    app, db, make_project, make_user, client, login
):
    """A profile setting beats the project's zone, which beats ANNOTATE_TIMEZONE."""
    from annotate.models import ProjectRole

    project = make_project("tz")
    project.time_zone = "Europe/Berlin"
    user = make_user("tzuser", project=project, roles=[ProjectRole.manager])
    app.config["TIMEZONE"] = "America/New_York"
    login("tzuser")
    account = client.get("/account/").get_data(as_text=True)
    assert "America/New_York" in account  # no project in the URL, no profile: the setting
    response = client.post("/account/", data={"tz-time_zone": "Asia/Tokyo", "tz-submit": "Save"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.time_zone == "Asia/Tokyo"
    assert "Asia/Tokyo" in client.get("/account/").get_data(as_text=True)
    bad = client.post("/account/", data={"tz-time_zone": "Mars/Olympus", "tz-submit": "Save"})
    assert bad.status_code == 200 and "Mars/Olympus" not in (user.time_zone or "")
    client.post("/account/", data={"tz-time_zone": "", "tz-submit": "Save"})
    db.session.refresh(user)
    assert user.time_zone is None


def test_a_project_page_shows_times_in_the_projects_zone(app, db, make_project):
    from annotate.localtime import user_zone

    project = make_project("berlin")
    project.time_zone = "Europe/Berlin"
    db.session.commit()
    with app.test_request_context("/reports/berlin"):
        from flask import request

        request.view_args = {"slug": "berlin"}
        assert user_zone().key == "Europe/Berlin"
    with app.test_request_context("/reports/"):
        assert user_zone().key == app.config["TIMEZONE"]


def test_localdate_is_the_readers_day(app):
    from annotate.localtime import localdate

    late = datetime(2026, 12, 20, 17, 30, tzinfo=UTC)  # already the 21st in Shanghai
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert localdate(late) == "2026年12月21日"
        assert localdate(None) == "—"
