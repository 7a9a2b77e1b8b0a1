"""The statutory clock on real tickets: receipt, holidays, 补正 restart, consultation, extension."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import clock, correction, tickets
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import Policy, extension_rules_from_config, policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    AuditEvent,
    Channel,
    Department,
    Kind,
    Message,
    MessageKind,
    OutboundEmail,
    PauseKind,
    Role,
    Status,
    Ticket,
    User,
)
from enquiry.rules import clock as clock_rules
from enquiry.rules import references
from enquiry.rules.deadlines import BEIJING, WorkCalendar, add_working_days
from tests.app.conftest import english
from tests.db_state import database_state

RULES = clock_rules.ExtensionRules()


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context(), app.test_request_context():
        yield app


def national_policy(app: Flask) -> Policy:
    return dataclasses.replace(policy_from_config(app.config), calendar=WorkCalendar.national())


def xinjiang_policy(app: Flask) -> Policy:
    return dataclasses.replace(
        policy_from_config(app.config), calendar=WorkCalendar.for_region("xinjiang")
    )


def open_ticket(
    policy: Policy, now: datetime, kind: Kind = Kind.INFO_APPLICATION
) -> tickets.Opened:
    return tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=kind,
            subject="申请公开2013年财政预算",
            body="请公开乌鲁木齐市2013年部门预算。",
            citizen_name="李四",
            citizen_email="li@example.com",
            channel=Channel.WEB,
            locale="en",
            applicant_type=ApplicantType.CITIZEN if kind is Kind.INFO_APPLICATION else None,
        ),
        policy=policy,
        actor=audit.Actor.citizen("192.0.2.1"),
        now=now,
    )


def staff(role: Role, department: Department | None = None, name: str = "王主任") -> User:
    department = department or db.session.scalar(select(Department).filter_by(is_default=True))
    count = db.session.scalar(select(func.count(User.id)))
    return create_user(
        db.session,
        email=f"{role.value}{count}@gov.example",
        display_name=name,
        password="a-long-password-1",
        role=role,
        department=department,
    )


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    return (
        ticket.due_on,
        ticket.extension_days,
        ticket.extension_reason,
        ticket.extended_at,
        ticket.paused_on,
        ticket.pause_kind,
        db.session.scalar(select(func.count(OutboundEmail.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


# --- Receipt and due dates through real holidays ------------------------------------------------


def test_application_across_national_day_2013(ctx: Flask) -> None:
    # Friday 27 September 2013, 11:00: 29 September was a make-up Sunday, 1-7 October off,
    # 12 October a make-up Saturday; the 15th working day after receipt (2008 Regulations,
    # art. 24) is 23 October.
    opened = open_ticket(national_policy(ctx), beijing(2013, 9, 27, 11, 0))
    ticket = opened.ticket
    assert ticket.received_on == date(2013, 9, 27)
    assert ticket.due_on == date(2013, 10, 23)
    assert ticket.is_calendar_verified
    assert (
        clock_rules.remaining_working_days(ticket, date(2013, 9, 27), WorkCalendar.national()) == 15
    )


def test_application_in_xinjiang_2014_skips_the_cancelled_make_up_days(ctx: Flask) -> None:
    # In Xinjiang 28 September and 11 October 2014 were rest days and 8 October was off too;
    # 15 working days (2008 Regulations, art. 24).
    opened = open_ticket(xinjiang_policy(ctx), beijing(2014, 9, 26, 11, 0))
    assert opened.ticket.due_on == date(2014, 10, 27)
    national = open_ticket(national_policy(ctx), beijing(2014, 9, 26, 11, 0))
    assert national.ticket.due_on == date(2014, 10, 22)


def test_after_office_hours_counts_from_the_next_working_day(ctx: Flask) -> None:
    # Monday 6 May 2024 at 20:00 (the office closes at 19:30): received Tuesday 7 May; a
    # question has 5 working days, and Saturday 11 May was a make-up workday.
    opened = open_ticket(national_policy(ctx), beijing(2024, 5, 6, 20, 0), Kind.QUESTION)
    assert opened.ticket.received_on == date(2024, 5, 7)
    assert opened.ticket.due_on == date(2024, 5, 13)
    on_time = open_ticket(national_policy(ctx), beijing(2024, 5, 6, 19, 0), Kind.QUESTION)
    assert on_time.ticket.received_on == date(2024, 5, 6)


def test_fallback_year_is_unverified_on_the_tracking_page(app: Flask) -> None:
    with app.app_context(), app.test_request_context():
        opened = open_ticket(national_policy(app), beijing(2031, 3, 3, 11, 0))
        db.session.commit()
        reference, code = opened.ticket.reference, opened.access_code
        assert opened.ticket.is_calendar_verified is False
    client = english(app.test_client())
    assert client.get(f"/track/{reference}/{code}").status_code == 303
    page = client.get(f"/track/{reference}").get_data(as_text=True)
    assert "calendar unverified" in page
    assert "working days left" in page


# --- 补正: the clock stops and a fresh period starts ------------------------------------------


def test_correction_stops_the_clock_and_the_answer_starts_a_fresh_period(ctx: Flask) -> None:
    policy = national_policy(ctx)
    ticket = open_ticket(policy, beijing(2024, 5, 6, 11, 0)).ticket
    agent = staff(Role.AGENT)
    ticket.status = Status.IN_PROGRESS  # routed and signed for
    asked = beijing(2024, 5, 8, 11, 0)
    correction.request_info(
        db.session,
        ticket,
        "请说明所需信息的年份。",
        policy=policy,
        actor=audit.Actor.staff(agent),
        now=asked,
    )
    assert ticket.status is Status.AWAITING_CITIZEN
    assert (ticket.paused_on, ticket.pause_kind) == (date(2024, 5, 8), PauseKind.CORRECTION)
    assert ticket.first_response_at == asked
    # Long after the old due date the ticket is not overdue: the clock waits for the citizen.
    assert not clock_rules.is_overdue(ticket, date(2024, 7, 1))

    # The answer arrives after closing time on Friday 5 July: received Monday 8 July, and the
    # full 20 working days run again from there.
    tickets.add_citizen_follow_up(
        db.session,
        ticket,
        body="需要2023年的。",
        attachments=(),
        actor=audit.Actor.citizen(),
        now=beijing(2024, 7, 5, 21, 0),
        policy=policy,
    )
    assert ticket.status is Status.IN_PROGRESS
    assert (ticket.paused_on, ticket.pause_kind) == (None, None)
    assert ticket.due_on == add_working_days(date(2024, 7, 8), 20, WorkCalendar.national())
    assert ticket.due_on == date(2024, 8, 5)
    events = db.session.scalars(
        select(Message.body).where(
            Message.ticket_id == ticket.id, Message.kind == MessageKind.EVENT
        )
    ).all()
    assert any("2024-08-05" in body for body in events)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "ticket.clock_restarted"


def test_the_answer_through_the_tracking_page_restarts_with_the_office_calendar(
    app: Flask,
) -> None:
    with app.app_context(), app.test_request_context():
        policy = policy_from_config(app.config, session=db.session)
        ticket = open_ticket(policy, beijing(2024, 5, 6, 11, 0)).ticket
        agent = staff(Role.AGENT)
        ticket.status = Status.IN_PROGRESS  # routed and signed for
        correction.request_info(
            db.session,
            ticket,
            "请补充。",
            policy=policy,
            actor=audit.Actor.staff(agent),
            now=beijing(2024, 5, 6, 13, 0),
        )
        ticket.access_code_hash = references.hash_code("1111-2222-3333-4444-5555")
        db.session.commit()
        reference, ticket_id = ticket.reference, ticket.id
    client = english(app.test_client())
    client.get(f"/track/{reference}/1111-2222-3333-4444-5555")
    response = client.post(f"/track/{reference}", data={"message": "补充如下。"})
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status is Status.IN_PROGRESS
        assert ticket.pause_kind is None
        today = clock_rules.beijing_today(datetime.now(UTC))
        assert ticket.due_on is not None and ticket.due_on > today


# --- Third-party consultation ---------------------------------------------------------------------


def test_consultation_time_is_not_counted(ctx: Flask) -> None:
    policy = national_policy(ctx)
    ticket = open_ticket(policy, beijing(2024, 5, 6, 11, 0)).ticket
    assert ticket.due_on == date(2024, 5, 31)  # Saturday 11 May was a make-up workday
    agent = staff(Role.AGENT)
    actor = audit.Actor.staff(agent)
    clock.pause_for_consultation(
        db.session, ticket, "征求某公司意见", actor=actor, now=beijing(2024, 5, 13, 10, 0)
    )
    assert (ticket.paused_on, ticket.pause_kind) == (date(2024, 5, 13), PauseKind.CONSULTATION)
    frozen = clock_rules.remaining_working_days(ticket, date(2024, 5, 13), policy.calendar)
    assert clock_rules.remaining_working_days(ticket, date(2024, 5, 24), policy.calendar) == frozen
    # The reply comes on Friday 24 May: 14 May to 24 May are 9 working days, not counted.
    excluded = clock.resume_after_consultation(
        db.session, ticket, calendar=policy.calendar, actor=actor, now=beijing(2024, 5, 24, 16, 0)
    )
    assert excluded == 9
    assert ticket.due_on == add_working_days(date(2024, 5, 31), 9, policy.calendar)
    assert ticket.due_on == date(2024, 6, 14)  # 10 June was Dragon Boat Festival
    assert clock_rules.remaining_working_days(ticket, date(2024, 5, 24), policy.calendar) == frozen
    assert (ticket.paused_on, ticket.pause_kind) == (None, None)


def test_consultation_refusals(ctx: Flask) -> None:
    policy = national_policy(ctx)
    question = open_ticket(policy, beijing(2024, 5, 6, 11, 0), Kind.QUESTION).ticket
    actor = audit.Actor.staff(staff(Role.AGENT))
    with pytest.raises(clock.ClockError, match="only information applications"):
        clock.pause_for_consultation(
            db.session, question, "x", actor=actor, now=beijing(2024, 5, 7, 10, 0)
        )
    application = open_ticket(policy, beijing(2024, 5, 6, 11, 0)).ticket
    with pytest.raises(clock.ClockError, match="required"):
        clock.pause_for_consultation(
            db.session, application, "  ", actor=actor, now=beijing(2024, 5, 7, 10, 0)
        )
    with pytest.raises(clock.ClockError, match="not paused"):
        clock.resume_after_consultation(
            db.session,
            application,
            calendar=policy.calendar,
            actor=actor,
            now=beijing(2024, 5, 7, 10, 0),
        )
    assert application.paused_on is None


# --- Extension --------------------------------------------------------------------------------


def test_extension_with_approval_and_reason_notifies_the_applicant(ctx: Flask) -> None:
    policy = national_policy(ctx)
    ticket = open_ticket(policy, beijing(2024, 5, 6, 11, 0)).ticket  # due 2024-05-31
    supervisor = staff(Role.SUPERVISOR)
    clock.extend(
        db.session,
        ticket,
        20,
        "需要向多个部门调取材料。",
        supervisor,
        policy=policy,
        rules=RULES,
        actor=audit.Actor.staff(supervisor),
        now=beijing(2024, 5, 30, 10, 0),
    )
    assert ticket.due_on == add_working_days(date(2024, 5, 31), 20, policy.calendar)
    assert ticket.due_on == date(2024, 7, 1)
    assert ticket.extension_days == 20
    assert ticket.extension_reason == "需要向多个部门调取材料。"
    assert ticket.extension_approved_by_id == supervisor.id
    assert ticket.extended_at == beijing(2024, 5, 30, 10, 0)
    notice = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.template == "extension")
    ).one()
    assert notice.to_addr == "li@example.com"
    assert ticket.reference in notice.subject
    assert "需要向多个部门调取材料。" in notice.body_text
    assert "July 1, 2024" in notice.body_text  # the applicant's language (en)
    assert "Article 33" in notice.body_text
    assert "需要向多个部门调取材料。" in (notice.body_html or "")
    # The extension, then the 延期通知 letter (an information application) it caused.
    latest = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).all()
    assert latest[:2] == ["letter.issued", "ticket.extend"]
    assert notice.attachment_id is not None


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no reason", "reason"),
        ("agent", "approval of a supervisor"),
        ("other department", "approval of a supervisor"),
        ("too long", "1 to 20 working days"),
        ("zero", "1 to 20 working days"),
        ("overdue", "has passed"),
        ("twice", "already been extended"),
    ],
)
def test_extension_refusals_change_nothing(ctx: Flask, case: str, message: str) -> None:
    policy = national_policy(ctx)
    ticket = open_ticket(policy, beijing(2024, 5, 6, 11, 0)).ticket  # due 2024-05-31
    supervisor = staff(Role.SUPERVISOR)
    now = beijing(2024, 5, 20, 10, 0)
    days, reason, approver = 10, "材料较多", supervisor
    if case == "no reason":
        reason = "   "
    elif case == "agent":
        approver = staff(Role.AGENT)
    elif case == "other department":
        housing = Department(code="housing", name_zh="市住房局")
        db.session.add(housing)
        approver = staff(Role.SUPERVISOR, housing)
    elif case == "too long":
        days = 21
    elif case == "zero":
        days = 0
    elif case == "overdue":
        now = beijing(2024, 6, 3, 10, 0)
    elif case == "twice":
        clock.extend(
            db.session,
            ticket,
            5,
            "第一次",
            supervisor,
            policy=policy,
            rules=RULES,
            actor=audit.Actor.staff(supervisor),
            now=now,
        )
    before = snapshot(ticket)
    with pytest.raises(clock.ClockError, match=message):
        clock.extend(
            db.session,
            ticket,
            days,
            reason,
            approver,
            policy=policy,
            rules=RULES,
            actor=audit.Actor.staff(approver),
            now=now,
        )
    assert snapshot(ticket) == before


def test_other_kinds_extend_by_at_most_the_configured_days(ctx: Flask) -> None:
    policy = national_policy(ctx)
    ticket = open_ticket(policy, beijing(2024, 5, 6, 11, 0), Kind.COMPLAINT).ticket
    admin = staff(Role.ADMIN)
    rules = extension_rules_from_config(ctx.config)
    with pytest.raises(clock.ClockError, match="1 to 10 working days"):
        clock.extend(
            db.session,
            ticket,
            11,
            "复杂",
            admin,
            policy=policy,
            rules=rules,
            actor=audit.Actor.staff(admin),
            now=beijing(2024, 5, 7, 10, 0),
        )
    before = ticket.due_on
    assert before is not None
    clock.extend(
        db.session,
        ticket,
        10,
        "复杂",
        admin,
        policy=policy,
        rules=rules,
        actor=audit.Actor.staff(admin),
        now=beijing(2024, 5, 7, 10, 0),
    )
    assert ticket.due_on == add_working_days(before, 10, policy.calendar)


def test_extension_limits_come_from_configuration(make_app: Callable[..., Flask]) -> None:
    app = make_app(EXTENSION_MAX_DAYS_OTHER=5, EXTENSION_MAX_DAYS_INFO_APPLICATION=15)
    rules = extension_rules_from_config(app.config)
    assert (rules.info_application, rules.other) == (15, 5)


# --- The staff routes ---------------------------------------------------------------------------


def running_ticket(make_ticket: Callable[..., Any], **fields: Any) -> Any:
    today = clock_rules.beijing_today(datetime.now(UTC))
    values: dict[str, Any] = {
        "kind": Kind.INFO_APPLICATION,
        "status": Status.IN_PROGRESS,
        "due_on": add_working_days(today, 10, WorkCalendar.national()),
    }
    return make_ticket(**(values | fields))


def test_supervisor_extends_on_the_ticket_page(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> None:
    ticket = running_ticket(make_ticket)
    staff_login(english(client), role=Role.SUPERVISOR)
    response = client.post(
        f"/staff/tickets/{ticket.id}/extend", data={"days": "5", "reason": "需要调取档案"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/tickets/{ticket.id}")
    with app.app_context():
        stored = db.session.get(Ticket, ticket.id)
        assert stored is not None and stored.extension_days == 5
        assert stored.due_on != ticket.due_on
        assert (
            db.session.scalar(select(func.count()).where(OutboundEmail.template == "extension"))
            == 1
        )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"days": "5", "reason": ""}, "This field is required"),
        ({"days": "25", "reason": "太多"}, "1 to 20 working days"),
    ],
)
def test_bad_extension_form_is_refused_with_400(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    make_ticket: Callable[..., Any],
    data: dict[str, str],
    expected: str,
) -> None:
    ticket = running_ticket(make_ticket)
    staff_login(english(client), role=Role.SUPERVISOR)
    response = client.post(f"/staff/tickets/{ticket.id}/extend", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert expected in page and "Nothing was changed" in page
    with app.app_context():
        stored = db.session.get(Ticket, ticket.id)
        assert stored is not None and stored.extended_at is None and stored.due_on == ticket.due_on


def test_agents_cannot_extend(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> None:
    ticket = running_ticket(make_ticket)
    staff_login(client, role=Role.AGENT)
    before = database_state(app)
    response = client.post(f"/staff/tickets/{ticket.id}/extend", data={"days": "5", "reason": "x"})
    assert response.status_code == 403
    assert database_state(app) == before


def test_pause_and_resume_through_the_routes(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> None:
    ticket = running_ticket(make_ticket)
    staff_login(english(client), role=Role.AGENT)
    url = f"/staff/tickets/{ticket.id}/consultation"
    assert client.post(f"{url}/pause", data={"note": "征求第三方意见"}).status_code == 303
    second = client.post(f"{url}/pause", data={"note": "again"})
    assert second.status_code == 400 and "not running" in second.get_data(as_text=True)
    assert client.post(f"{url}/resume", data={}).status_code == 303
    with app.app_context():
        stored = db.session.get(Ticket, ticket.id)
        assert stored is not None and stored.paused_on is None and stored.due_on == ticket.due_on


def test_clock_panel_renders(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_ticket: Callable[..., Any]
) -> None:
    from flask import render_template

    from enquiry.staff.clock_views import clock_panel

    ticket = running_ticket(make_ticket, is_calendar_verified=False)
    supervisor = make_user(role=Role.SUPERVISOR)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        user = db.session.get(User, supervisor.id)
        stored = db.session.get(Ticket, ticket.id)
        assert user is not None and stored is not None
        panel = clock_panel(stored, user)
        assert panel["can_extend"] and panel["can_remind"]
        assert panel["consultations"]["rows"] == []  # see tests/app/test_consultations.py
        assert panel["badge"]["remaining"] == 10
        html = render_template("staff/_clock.html", clock=panel)
    assert "10 working days left" in html
    assert "calendar unverified" in html
    assert f"/staff/tickets/{ticket.id}/extend" in html


@pytest.mark.parametrize(
    ("args", "shown", "hidden"),
    [
        ({"remaining": 3}, ["3 working days left"], ["Overdue", "unverified"]),
        ({"remaining": 1}, ["1 working day left"], ["days left"]),
        ({"remaining": 0}, ["due today"], ["left"]),
        ({"remaining": -2, "is_overdue": True}, ["overdue by 2 working days"], ["left"]),
        ({"remaining": 0, "is_overdue": True}, ["Overdue"], ["due today"]),
        ({"remaining": None, "pause": "correction"}, ["waiting for the citizen"], ["left"]),
        ({"remaining": 4, "pause": "consultation"}, ["paused: consultation"], []),
        ({"remaining": 5, "is_verified": False}, ["calendar unverified"], []),
    ],
)
def test_due_badge_macro(
    app: Flask, args: dict[str, Any], shown: list[str], hidden: list[str]
) -> None:
    from flask import render_template_string

    values = {"due_on": date(2024, 5, 8), "is_verified": True} | args
    source = '{% from "macros/clock.html" import due_badge %}{{ due_badge(**values) }}'
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string(source, values=values)
    assert "May 8, 2024" in html
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_due_badge_takes_positional_arguments(app: Flask) -> None:
    from flask import render_template_string

    source = '{% from "macros/clock.html" import due_badge %}{{ due_badge(day, 2, false) }}'
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string(source, day=date(2024, 5, 8))
    assert "2 working days left" in html and "calendar unverified" in html
    with app.test_request_context():
        assert (
            render_template_string(
                '{% from "macros/clock.html" import due_badge %}{{ due_badge(none, none, true) }}'
            ).strip()
            == ""
        )
