"""The clock over predicted holidays (years the calendar data does not cover) and under the
2008 Regulations (applications received before 2019-05-15), through the real domain verbs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from flask import Flask, render_template
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import clock, tickets
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.extensions import db
from enquiry.models import ApplicantType, Channel, Department, Kind, Role, Ticket, User
from enquiry.rules import clock as clock_rules
from enquiry.rules.deadlines import BEIJING, WorkCalendar, add_working_days
from enquiry.staff.clock_views import clock_panel

NOTE = "Includes predicted holidays, pending confirmation by the State Council"


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        yield app


def national_policy(app: Flask) -> Policy:
    return dataclasses.replace(policy_from_config(app.config), calendar=WorkCalendar.national())


def open_application(policy: Policy, now: datetime) -> Ticket:
    return tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=Kind.INFO_APPLICATION,
            subject="申请公开部门预算",
            body="请公开部门预算。",
            citizen_name="李四",
            citizen_email="li@example.com",
            channel=Channel.WEB,
            locale="en",
            applicant_type=ApplicantType.CITIZEN,
        ),
        policy=policy,
        actor=audit.Actor.citizen("192.0.2.1"),
        now=now,
    ).ticket


def supervisor() -> User:
    department = db.session.scalar(select(Department).filter_by(is_default=True))
    count = db.session.scalar(select(func.count(User.id)))
    return create_user(
        db.session,
        email=f"supervisor{count}@gov.example",
        display_name="王主任",
        password="a-long-password-1",
        role=Role.SUPERVISOR,
        department=department,
    )


def test_a_clock_started_in_december_2026_skips_new_years_day(ctx: Flask) -> None:
    # Sunday 20 December 2026: received Monday 21 December; 20 working days end on Tuesday
    # 19 January 2027 because 1 January is a (predicted) holiday, not on Monday 18 January.
    ticket = open_application(national_policy(ctx), datetime(2026, 12, 20, 11, 0, tzinfo=BEIJING))
    assert ticket.received_on == date(2026, 12, 21)
    assert ticket.due_on == date(2027, 1, 19)
    assert ticket.is_calendar_verified is False
    html = render_template("staff/_clock.html", clock=clock_panel(ticket, supervisor()))
    assert NOTE in html


def test_the_note_is_absent_when_every_day_was_known(ctx: Flask) -> None:
    ticket = open_application(national_policy(ctx), datetime(2026, 3, 2, 11, 0, tzinfo=BEIJING))
    assert ticket.is_calendar_verified is True
    html = render_template("staff/_clock.html", clock=clock_panel(ticket, supervisor()))
    assert NOTE not in html


def test_an_application_of_2018_gets_15_working_days_and_15_more(ctx: Flask) -> None:
    policy = national_policy(ctx)
    # Friday 1 June 2018; Monday 18 June was 端午: the 15th working day is Monday 25 June.
    ticket = open_application(policy, datetime(2018, 6, 1, 11, 0, tzinfo=BEIJING))
    assert ticket.due_on == date(2018, 6, 25)
    approver = supervisor()
    rules = clock_rules.ExtensionRules()
    now = datetime(2018, 6, 20, 10, 0, tzinfo=BEIJING)
    with pytest.raises(clock.ClockError, match="1 to 15 working days"):
        clock.extend(
            db.session, ticket, 16, "调取档案。", approver,
            policy=policy, rules=rules, actor=audit.Actor.staff(approver), now=now,
        )  # fmt: skip
    clock.extend(
        db.session, ticket, 15, "调取档案。", approver,
        policy=policy, rules=rules, actor=audit.Actor.staff(approver), now=now,
    )  # fmt: skip
    assert ticket.due_on == add_working_days(date(2018, 6, 25), 15, policy.calendar)
    assert clock_panel(ticket, approver)["extension_max"] == 15


def test_an_application_received_on_2019_05_15_gets_20_working_days(ctx: Flask) -> None:
    policy = national_policy(ctx)
    ticket = open_application(policy, datetime(2019, 5, 15, 11, 0, tzinfo=BEIJING))
    assert ticket.due_on == add_working_days(date(2019, 5, 15), 20, policy.calendar)
    assert ticket.due_on == date(2019, 6, 13)
