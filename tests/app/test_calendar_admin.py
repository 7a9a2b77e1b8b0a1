"""Administrators' holiday overrides: add, delete, refusals, and due dates that follow them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import AuditEvent, Channel, HolidayOverride, Kind, Role, Status, Ticket
from enquiry.rules import deadlines
from tests.app.conftest import english
from tests.db_state import database_state

# A Tuesday well in the future, so that open tickets' periods still cover it.
FUTURE_TUESDAY = date(2027, 3, 9)


@pytest.fixture
def admin_client(client: FlaskClient, staff_login: Callable[..., Any]) -> FlaskClient:
    staff_login(english(client), role=Role.ADMIN)
    return client


def add(client: FlaskClient, when: date, kind: str = "rest", **fields: str) -> Any:
    data = {"day": when.isoformat(), "kind": kind, "note": "肉孜节放假", "source": "自治区通知"}
    return client.post("/staff/admin/calendar", data=data | fields)


def overrides(app: Flask) -> list[tuple[date, bool, str]]:
    with app.app_context():
        rows = db.session.scalars(select(HolidayOverride).order_by(HolidayOverride.day))
        return [(row.day, row.is_workday, row.region) for row in rows]


def test_the_page_shows_shipped_entries_and_covered_years(admin_client: FlaskClient) -> None:
    page = admin_client.get("/staff/admin/calendar").get_data(as_text=True)
    first, last = deadlines.verified_years()
    assert f"covers {first} to {last}" in page
    assert "正常休息（全国为调休上班日）" in page  # 2014-09-28, shipped for Xinjiang
    assert "新疆维吾尔自治区人民政府办公厅" in page
    assert "None yet." in page


def test_add_and_delete_an_override(app: Flask, admin_client: FlaskClient) -> None:
    response = add(admin_client, date(2026, 3, 20))
    assert response.status_code == 303
    assert overrides(app) == [(date(2026, 3, 20), False, "xinjiang")]
    page = admin_client.get("/staff/admin/calendar").get_data(as_text=True)
    assert "March 20, 2026" in page and "自治区通知" in page
    with app.app_context():
        row_id = db.session.scalar(select(HolidayOverride.id))
        calendar = calendar_admin.calendar_for(db.session, "xinjiang")
        assert not deadlines.is_workday(date(2026, 3, 20), calendar)
        assert deadlines.is_workday(date(2026, 3, 20), deadlines.calendar_named("xinjiang"))
    assert admin_client.post(f"/staff/admin/calendar/{row_id}/delete").status_code == 303
    assert overrides(app) == []
    before = database_state(app)
    assert admin_client.post(f"/staff/admin/calendar/{row_id}/delete").status_code == 404
    assert database_state(app) == before
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("calendar.%"))
        ).all()
        assert actions == ["calendar.override_added", "calendar.override_deleted"]


def test_a_duplicate_day_is_refused(app: Flask, admin_client: FlaskClient) -> None:
    add(admin_client, date(2026, 3, 20))
    response = add(admin_client, date(2026, 3, 20), "workday", note="另一条")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "2026-03-20 already has an entry" in page and "Nothing was saved" in page
    assert overrides(app) == [(date(2026, 3, 20), False, "xinjiang")]


def test_a_day_with_a_shipped_entry_is_refused(app: Flask, admin_client: FlaskClient) -> None:
    response = add(admin_client, date(2025, 3, 31), "workday")
    assert response.status_code == 400
    assert "2025-03-31 already has an entry: “肉孜节放假”" in response.get_data(as_text=True)
    assert overrides(app) == []


@pytest.mark.parametrize(
    "fields", [{"note": ""}, {"source": "  "}, {"day": "2026-02-30"}, {"kind": "sometimes"}]
)
def test_incomplete_input_is_refused(
    app: Flask, admin_client: FlaskClient, fields: dict[str, str]
) -> None:
    assert add(admin_client, date(2026, 3, 20), **fields).status_code == 400
    assert overrides(app) == []


def test_only_admins_keep_the_calendar(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.SUPERVISOR)
    assert client.get("/staff/admin/calendar").status_code == 403
    before = database_state(app)
    assert add(client, date(2026, 3, 20)).status_code == 403
    assert database_state(app) == before


def test_an_override_moves_open_due_dates_that_cover_it(
    app: Flask, admin_client: FlaskClient, make_ticket: Callable[..., Any]
) -> None:
    running = {"status": Status.IN_PROGRESS}
    covered = make_ticket(**running, due_on=date(2027, 3, 10))
    on_the_day = make_ticket(**running, due_on=FUTURE_TUESDAY)
    before_it = make_ticket(**running, due_on=date(2027, 3, 8))
    answered = make_ticket(status=Status.ANSWERED, due_on=date(2027, 3, 10))

    def due(ticket: Any) -> date | None:
        with app.app_context():
            stored = db.session.get(Ticket, ticket.id)
            assert stored is not None
            return stored.due_on

    response = add(admin_client, FUTURE_TUESDAY)
    assert response.status_code == 303
    assert "2 open tickets" in admin_client.get("/staff/admin/calendar").get_data(as_text=True)
    # One working day fewer in their period: each due date is one working day later.
    assert due(covered) == date(2027, 3, 11)
    assert due(on_the_day) == date(2027, 3, 10)
    assert due(before_it) == date(2027, 3, 8)
    assert due(answered) == date(2027, 3, 10)

    with app.app_context():
        row_id = db.session.scalar(select(HolidayOverride.id))
    admin_client.post(f"/staff/admin/calendar/{row_id}/delete")
    assert due(covered) == date(2027, 3, 10)
    assert due(on_the_day) == FUTURE_TUESDAY


def test_new_tickets_count_with_the_administrators_overrides(app: Flask) -> None:
    received = datetime(2026, 3, 16, 3, 0, tzinfo=UTC)  # Monday 16 March 2026, 11:00 Beijing
    enquiry = tickets.NewEnquiry(
        kind=Kind.QUESTION,
        subject="问题",
        body="内容",
        citizen_name="李四",
        citizen_email="li@example.com",
        channel=Channel.WEB,
        locale="zh_Hans",
    )
    with app.app_context(), app.test_request_context():
        plain = tickets.open_ticket(
            db.session,
            enquiry,
            policy=policy_from_config(app.config),
            actor=audit.Actor.system(),
            now=received,
        )
        assert plain.ticket.due_on == date(2026, 3, 23)
        calendar_admin.add_override(
            db.session,
            "xinjiang",
            calendar_admin.NewOverride(date(2026, 3, 20), False, "肉孜节放假", "自治区通知"),
            actor=audit.Actor.system(),
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )
        policy = policy_from_config(app.config, session=db.session)
        with_override = tickets.open_ticket(
            db.session, enquiry, policy=policy, actor=audit.Actor.system(), now=received
        )
        # Five working days from Tuesday 17 March: the 20th is now a rest day in Xinjiang.
        assert with_override.ticket.due_on == date(2026, 3, 24)
        # The open ticket's period covered the 20th too: its due date moved with it.
        assert plain.ticket.due_on == date(2026, 3, 24)
        assert db.session.scalar(select(func.count(Ticket.id))) == 2


def test_policy_from_config_still_works_without_a_database(app: Flask) -> None:
    policy = policy_from_config(app.config)
    assert policy.calendar.name == "xinjiang"
    extra = deadlines.Override(date(2026, 3, 20), False, "xinjiang", "x", "y")
    assert not deadlines.is_workday(
        date(2026, 3, 20), policy_from_config(app.config, overrides=[extra]).calendar
    )
