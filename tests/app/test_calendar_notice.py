"""Next year's State Council holiday notice, entered whole on one page, replacing predictions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry import audit
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.domain.admin import calendar_notice
from enquiry.extensions import db
from enquiry.models import AuditEvent, CalendarNotice, Role
from enquiry.rules import deadlines
from enquiry.rules.holiday_notice import read_notice
from tests.app.conftest import english
from tests.db_state import database_state

YEAR = deadlines.verified_years()[1] + 1  # the first year without official data
NOTICE = f"""# 国务院办公厅关于{YEAR}年部分节假日安排的通知
{YEAR}-01-01 休 元旦
{YEAR}-02-05 至 {YEAR}-02-11 休 春节
{YEAR}-04-05 休 清明节
{YEAR}-05-01 ~ {YEAR}-05-05 休 劳动节
{YEAR}-10-01 至 {YEAR}-10-07 休 国庆节、中秋节
"""


def first_saturday(year: int, month: int) -> date:
    day = date(year, month, 1)
    while day.weekday() != 5:
        day = day.replace(day=day.day + 1)
    return day


MAKE_UP = first_saturday(YEAR, 9)


@pytest.fixture
def admin_client(client: FlaskClient, staff_login: Callable[..., Any]) -> FlaskClient:
    staff_login(english(client), role=Role.ADMIN)
    return client


def post(client: FlaskClient, text: str, year: int = YEAR, source: str = "国办发明电") -> Any:
    data = {"year": str(year), "source": source, "text": text}
    return client.post("/staff/admin/calendar/notice", data=data)


def test_new_years_day_is_never_a_working_day() -> None:
    national = deadlines.WorkCalendar.national()
    assert not deadlines.is_workday(date(2027, 1, 1), national)  # a Friday
    assert not deadlines.is_workday(date(2027, 1, 1), deadlines.WorkCalendar.for_region("xinjiang"))
    wrong = deadlines.Override(date(2027, 1, 1), True, "national", "typo", "test")
    assert not deadlines.is_workday(date(2027, 1, 1), deadlines.WorkCalendar.national([wrong]))
    notice = deadlines.Notice(2027, {date(2027, 1, 1): True})
    assert not deadlines.is_workday(date(2027, 1, 1), national.with_notices([notice]))


def test_the_reader_reports_every_problem_with_its_line() -> None:
    text = (
        f"{YEAR}-02-30 休 春节\n"  # no such day
        f"{YEAR}-03-02 班 调休\n"  # a weekday as a make-up day
        "明天 休 什么\n"  # not a date
        f"{YEAR}-05-01 歇 劳动节\n"  # neither 休 nor 班
        f"{YEAR + 1}-05-01 休 劳动节\n"  # another year
        f"{YEAR}-10-01 至 {YEAR}-10-03 休 国庆\n"
        f"{YEAR}-10-03 休 国庆\n"  # repeated
    )
    read = read_notice(text, YEAR)
    assert [(p.line, p.code) for p in read.problems] == [
        (1, "bad_date"),
        (2, "weekday_work"),
        (3, "bad_line"),
        (4, "bad_kind"),
        (5, "other_year"),
        (7, "repeated_day"),
    ]
    assert not read_notice("", YEAR).entries
    assert [p.code for p in read_notice("", YEAR).problems] == ["no_days_off"]


def test_a_notice_replaces_the_prediction(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/staff/admin/calendar/notice")
    assert page.status_code == 200
    assert "State Council holiday notice" in page.get_data(as_text=True)
    response = post(admin_client, NOTICE + f"{MAKE_UP.isoformat()} 班 国庆节调休\n")
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        calendar = calendar_admin.calendar_for(db.session, "xinjiang")
        predicted = deadlines.calendar_named("xinjiang")
        assert deadlines.is_workday(MAKE_UP, calendar)
        assert not deadlines.is_workday(MAKE_UP, predicted)
        assert not deadlines.is_workday(date(YEAR, 10, 7), calendar)
        assert deadlines.is_verified(date(YEAR, 6, 1), calendar)
        assert not deadlines.is_verified(date(YEAR, 6, 1), predicted)
        # 端午 is predicted off, but this notice (made up for the test) does not list it.
        dragon_boat = [d for d in sorted(predicted_days(YEAR)) if d.month in (5, 6) and d.day > 5]
        for day in dragon_boat:
            assert deadlines.is_workday(day, calendar) == (day.weekday() < 5)
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "calendar.notice_entered")
        ).one()
        assert event.detail["year"] == YEAR
        assert MAKE_UP.isoformat() in event.detail["workdays"]
    # Entered again: replaced, not doubled.
    assert post(admin_client, NOTICE).status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(CalendarNotice)).all()
        assert len(rows) == 1
        calendar = calendar_admin.calendar_for(db.session, "xinjiang")
        assert not deadlines.is_workday(MAKE_UP, calendar)


def predicted_days(year: int) -> frozenset[date]:
    from enquiry.rules.holiday_prediction import predicted_holidays

    return predicted_holidays(year)


def test_a_bad_notice_is_refused_whole_and_kept(app: Flask, admin_client: FlaskClient) -> None:
    before = database_state(app)
    bad = NOTICE + f"{YEAR}-03-03 班 调休\n<script>x</script> 休 坏\n"
    response = post(admin_client, bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Line 7" in page and "is a weekday" in page
    assert "Line 8" in page and "&lt;script&gt;" in page and "<script>x" not in page
    assert f"{YEAR}-02-05 至 {YEAR}-02-11 休 春节" in page  # nothing typed is lost
    assert database_state(app) == before
    assert post(admin_client, NOTICE, year=2015).status_code == 400  # covered by the data
    assert post(admin_client, NOTICE, source="").status_code == 400
    assert post(admin_client, NOTICE, year="abc").status_code == 400  # type: ignore[arg-type]
    assert database_state(app) == before


def test_only_admins_enter_notices(client: FlaskClient, staff_login: Callable[..., Any]) -> None:
    staff_login(english(client), role=Role.SUPERVISOR)
    assert client.get("/staff/admin/calendar/notice").status_code == 403
    assert post(client, NOTICE).status_code == 403


def test_reminder_from_november_until_the_notice_is_entered(app: Flask) -> None:
    last = deadlines.verified_years()[1]
    with app.app_context():
        october = datetime(last, 10, 31, 4, tzinfo=UTC)
        november = datetime(last, 11, 1, 4, tzinfo=UTC)
        assert not calendar_notice.reminder(db.session, october).is_due
        assert calendar_notice.reminder(db.session, november) == calendar_notice.NoticeReminder(
            last + 1, True
        )
        calendar_notice.enter_notice(
            db.session,
            "xinjiang",
            last + 1,
            NOTICE,
            "国办发明电",
            actor=audit.Actor.system(),
            now=november,
        )
        assert not calendar_notice.reminder(db.session, november).is_due
        # A year the installed data covers needs no reminder.
        assert not calendar_notice.reminder(
            db.session, datetime(last - 1, 11, 2, tzinfo=UTC)
        ).is_due


def test_the_dashboard_warns_admins(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        due = calendar_notice.reminder(db.session, datetime.now(UTC)).is_due
    page = admin_client.get("/staff/dashboard").get_data(as_text=True)
    assert ("has only predicted holidays" in page) == due
    assert ("/staff/admin/calendar/notice" in page) == due
