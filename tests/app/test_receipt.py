"""The legal date of receipt by channel (art. 31): office hours for the web form and e-mail,
the date signed for or handed in for post and in-person applications."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import paper, tickets
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    Channel,
    DeliveryForm,
    Kind,
    OutboundEmail,
    Role,
    Ticket,
    utcnow,
)
from enquiry.rules import clock as clock_rules
from enquiry.rules.deadlines import BEIJING, WorkCalendar, add_working_days
from enquiry.templating import format_day
from tests.app.conftest import english
from tests.db_state import database_state

NINE_TO_SIX = {"OFFICE_OPENS": "09:00", "OFFICE_CLOSES": "18:00"}


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    from enquiry.models import Department

    app = make_app(**NINE_TO_SIX)
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    return app


def policy(app: Flask) -> Policy:
    return dataclasses.replace(policy_from_config(app.config), calendar=WorkCalendar.national())


def enquiry(channel: Channel = Channel.WEB, **fields: Any) -> tickets.NewEnquiry:
    return tickets.NewEnquiry(
        kind=Kind.INFO_APPLICATION,
        subject="申请公开道路维修经费",
        body="请公开2024年道路维修经费。",
        citizen_name="李四",
        citizen_email="li@example.com",
        channel=channel,
        locale="en",
        applicant_type=ApplicantType.CITIZEN,
        info_description="2024年道路维修经费明细",
        delivery_form=DeliveryForm.EMAIL,
        **fields,
    )


def received(app: Flask, *moment: int, channel: Channel = Channel.WEB) -> date:
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            enquiry(channel),
            policy=policy(app),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=datetime(*moment, tzinfo=BEIJING),
        )
        return opened.ticket.received_on


def test_friday_after_closing_counts_from_monday(app: Flask) -> None:
    # Office hours 9:00-18:00: Friday 8 March 2024 at 17:59 is Friday, at 18:00 Monday.
    assert received(app, 2024, 3, 8, 17, 59) == date(2024, 3, 8)
    assert received(app, 2024, 3, 8, 18, 0) == date(2024, 3, 11)
    assert received(app, 2024, 3, 8, 18, 0, channel=Channel.EMAIL) == date(2024, 3, 11)


def test_a_rest_day_counts_from_the_next_working_day_even_a_make_up_sunday(app: Flask) -> None:
    # Saturday 3 February 2024 was a rest day; Sunday 4 February a make-up working day (调休).
    assert received(app, 2024, 2, 3, 11, 0) == date(2024, 2, 4)
    assert received(app, 2024, 2, 4, 11, 0) == date(2024, 2, 4)
    # Saturday 9 March 2024: an ordinary weekend, so Monday.
    assert received(app, 2024, 3, 9, 11, 0) == date(2024, 3, 11)
    # Before opening on a working day: that day (it is on the desk when the office opens).
    assert received(app, 2024, 3, 11, 7, 0) == date(2024, 3, 11)


def test_the_public_pages_show_the_configured_office_hours(client: FlaskClient) -> None:
    page = english(client).get("/ask").get_data(as_text=True)
    assert "Office hours: working days 09:00–18:00" in page
    assert "counts as received on the next working day" in page


def test_a_post_application_is_received_on_the_date_signed_for(app: Flask) -> None:
    signed = clock_rules.beijing_today(utcnow()) - timedelta(days=3)
    with app.app_context():
        opened = paper.record(
            db.session,
            enquiry(Channel.POST, received_on=signed),
            policy=policy(app),
            actor=audit.Actor.system(),
            now=utcnow(),
        )
        db.session.commit()
        ticket = opened.ticket
        assert ticket.received_on == signed
        assert ticket.due_on == add_working_days(signed, 20, WorkCalendar.national())
        mail = db.session.scalars(select(OutboundEmail)).one()
        assert "Date of receipt" in mail.body_text
        reference, code = ticket.reference, opened.access_code
    page = english(app.test_client()).get(f"/track/{reference}/{code}", follow_redirects=True)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = format_day(signed)
    assert shown in page.get_data(as_text=True)


def test_a_2018_letter_follows_the_2008_regulations(app: Flask) -> None:
    with app.app_context():
        opened = paper.record(
            db.session,
            enquiry(Channel.IN_PERSON, received_on=date(2018, 6, 1)),
            policy=policy(app),
            actor=audit.Actor.system(),
            now=utcnow(),
        )
        # 15 working days (2008 art. 24): Friday 1 June 2018 -> Monday 25 June (18 June off).
        assert opened.ticket.due_on == date(2018, 6, 25)


def test_paper_refusals(app: Flask) -> None:
    today = clock_rules.beijing_today(utcnow())
    assert paper.refusal(Channel.POST, today + timedelta(days=1), today) == paper.IN_FUTURE
    assert paper.refusal(Channel.POST, date(2008, 4, 30), today) == paper.TOO_EARLY
    assert paper.refusal(Channel.WEB, today, today) == paper.NOT_PAPER
    assert paper.refusal(Channel.IN_PERSON, today, today) is None


def form(**fields: str) -> dict[str, str]:
    return {
        "channel": "post",
        "received_on": (clock_rules.beijing_today(utcnow()) - timedelta(days=1)).isoformat(),
        "kind": "info_application",
        "subject": "申请公开道路维修经费",
        "message": "请公开2024年道路维修经费。",
        "applicant_type": "citizen",
        "info_description": "2024年道路维修经费明细",
        "delivery_form": "email",
        "name": "阿依古丽·买买提",
        "email": "ayg@example.com",
        "phone": "",
    } | fields


def test_staff_record_a_paper_application(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(english(client), role=Role.AGENT)
    page = client.get("/staff/tickets/paper")
    assert page.status_code == 200
    today = clock_rules.beijing_today(utcnow()).isoformat()
    assert f'value="{today}"' in page.get_data(as_text=True)  # signed for today, by default
    assert "How it arrived" in page.get_data(as_text=True)
    before = database_state(app)
    tomorrow = (clock_rules.beijing_today(utcnow()) + timedelta(days=1)).isoformat()
    refused = client.post("/staff/tickets/paper", data=form(received_on=tomorrow))
    assert refused.status_code == 400
    assert "cannot be after today" in refused.get_data(as_text=True)
    assert client.post("/staff/tickets/paper", data=form(email="")).status_code == 400
    assert client.post("/staff/tickets/paper", data=form(channel="web")).status_code == 400
    bad = client.post("/staff/tickets/paper", data=form(received_on="2024-02-30"))
    assert bad.status_code == 400
    assert client.post("/staff/tickets/paper", data=form(info_description="")).status_code == 400
    assert database_state(app) == before
    response = client.post("/staff/tickets/paper", data=form())
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.channel is Channel.POST
        assert ticket.received_on == clock_rules.beijing_today(utcnow()) - timedelta(days=1)
        assert ticket.citizen_name == "阿依古丽·买买提"


def test_citizens_cannot_record_paper_applications(client: FlaskClient) -> None:
    response = client.post("/staff/tickets/paper", data=form())
    assert response.status_code in (302, 303, 400, 401, 403)
    assert response.status_code != 200
