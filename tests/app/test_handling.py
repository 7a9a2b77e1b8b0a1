"""Staff verbs in the domain: transitions allowed and refused, events, audit, outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import handling, tickets
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Channel,
    Department,
    Kind,
    MessageKind,
    OutboundEmail,
    Role,
    Status,
    Ticket,
    User,
)
from enquiry.rules import workflow

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Beijing


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context(), app.test_request_context():
        yield app


def staff(role: Role = Role.AGENT, department: Department | None = None) -> User:
    department = department or db.session.scalar(select(Department).filter_by(is_default=True))
    return create_user(
        db.session,
        email=f"{role.value}{db.session.scalar(select(func.count(User.id)))}@gov.example",
        display_name="张三",
        password="a-long-password-1",
        role=role,
        department=department,
    )


def new_ticket(app: Flask) -> Ticket:
    opened = tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=Kind.QUESTION,
            subject="关于垃圾分类",
            body="试点小区有哪些？",
            citizen_name="李四",
            citizen_email="li@example.com",
            channel=Channel.WEB,
            locale="zh_Hans",
        ),
        policy=policy_from_config(app.config),
        actor=audit.Actor.citizen("192.0.2.1"),
        now=NOW,
    )
    return opened.ticket


def other_department() -> Department:
    department = Department(code="housing", name_zh="市住房局")
    db.session.add(department)
    db.session.flush()
    return department


def test_full_closed_loop(ctx: Flask) -> None:
    ticket = new_ticket(ctx)
    housing = other_department()
    router, agent = staff(), staff(department=housing)
    identity = policy_from_config(ctx.config).mail
    handling.transfer(
        db.session, ticket, housing, "请贵局办理", actor=audit.Actor.staff(router), now=NOW
    )
    assert (ticket.status, ticket.department) == (Status.ROUTED, housing)
    handling.acknowledge(db.session, ticket, actor=audit.Actor.staff(agent), now=NOW)
    assert ticket.status is Status.ACKNOWLEDGED and ticket.assignee == agent
    handling.start(db.session, ticket, actor=audit.Actor.staff(agent), now=NOW)
    handling.reply(
        db.session,
        ticket,
        "试点小区名单已公开。",
        identity=identity,
        actor=audit.Actor.staff(agent),
        now=NOW,
    )
    assert ticket.status is Status.ANSWERED
    handling.close(db.session, ticket, actor=audit.Actor.staff(agent), now=NOW)
    assert ticket.status is Status.CLOSED and ticket.closed_at == NOW
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "ticket.opened",
        "ticket.transfer",
        "ticket.acknowledge",
        "ticket.start",
        "ticket.answer",
        "ticket.close",
    ]
    mails = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [m.template for m in mails] == ["acknowledgement", "reply"]
    assert mails[1].in_reply_to == mails[0].message_id
    assert "试点小区名单已公开。" in mails[1].body_text
    assert audit.verify_chain(db.session) is None


def test_refused_transitions_change_nothing(ctx: Flask) -> None:
    ticket = new_ticket(ctx)
    agent = staff()
    with pytest.raises(workflow.TransitionError):
        handling.close(db.session, ticket, actor=audit.Actor.staff(agent), now=NOW)
    with pytest.raises(workflow.TransitionError):
        handling.start(db.session, ticket, actor=audit.Actor.staff(agent), now=NOW)
    assert ticket.status is Status.RECEIVED


def test_transfer_to_inactive_department_and_empty_note_refused(ctx: Flask) -> None:
    ticket = new_ticket(ctx)
    closed = other_department()
    closed.is_active = False
    router = staff()
    with pytest.raises(handling.HandlingError):
        handling.transfer(
            db.session, ticket, closed, "note", actor=audit.Actor.staff(router), now=NOW
        )
    active = Department(code="finance", name_zh="市财政局")
    db.session.add(active)
    with pytest.raises(handling.HandlingError):
        handling.transfer(
            db.session, ticket, active, "  ", actor=audit.Actor.staff(router), now=NOW
        )
    assert ticket.department.is_default and ticket.status is Status.RECEIVED


def test_return_goes_back_to_the_routing_office(ctx: Flask) -> None:
    ticket = new_ticket(ctx)
    default = ticket.department
    housing = other_department()
    router, agent = staff(), staff(department=housing)
    handling.transfer(
        db.session, ticket, housing, "请办理", actor=audit.Actor.staff(router), now=NOW
    )
    with pytest.raises(handling.HandlingError):
        handling.return_to_office(
            db.session, ticket, "", default, actor=audit.Actor.staff(agent), now=NOW
        )
    handling.return_to_office(
        db.session, ticket, "不属于本局职责", default, actor=audit.Actor.staff(agent), now=NOW
    )
    assert (ticket.status, ticket.department) == (Status.RECEIVED, default)
    events = [m.body for m in ticket.messages if m.kind is MessageKind.EVENT]
    assert any("不属于本局职责" in body for body in events)


def test_empty_and_oversized_replies_refused(ctx: Flask) -> None:
    ticket = new_ticket(ctx)
    agent = staff()
    identity = policy_from_config(ctx.config).mail
    for body in ("", "   ", "x" * 20_001):
        with pytest.raises(handling.HandlingError):
            handling.reply(
                db.session, ticket, body, identity=identity, actor=audit.Actor.staff(agent), now=NOW
            )
    assert ticket.status is Status.RECEIVED
    assert [m.kind for m in ticket.messages] == [MessageKind.CITIZEN]


def test_notes_are_internal_and_merge_tells_the_citizen(ctx: Flask) -> None:
    first, second = new_ticket(ctx), new_ticket(ctx)
    agent = staff()
    identity = policy_from_config(ctx.config).mail
    note = handling.add_note(
        db.session, first, "内部：需核实", actor=audit.Actor.staff(agent), now=NOW
    )
    assert not note.is_citizen_visible
    handling.merge(
        db.session, second, first, identity=identity, actor=audit.Actor.staff(agent), now=NOW
    )
    assert second.status is Status.MERGED and second.merged_into_id == first.id
    merged_mail = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.template == "merged")
    ).one()
    assert first.reference in merged_mail.body_text
    with pytest.raises(handling.HandlingError):
        handling.merge(
            db.session, first, first, identity=identity, actor=audit.Actor.staff(agent), now=NOW
        )


def test_assign_only_within_department(ctx: Flask) -> None:
    ticket = new_ticket(ctx)
    outsider = staff(department=other_department())
    colleague = staff()
    with pytest.raises(handling.HandlingError):
        handling.assign(db.session, ticket, outsider, actor=audit.Actor.staff(colleague), now=NOW)
    handling.assign(db.session, ticket, colleague, actor=audit.Actor.staff(colleague), now=NOW)
    assert ticket.assignee == colleague


def test_spam_and_refusal(ctx: Flask) -> None:
    spam, refused = new_ticket(ctx), new_ticket(ctx)
    agent = staff()
    identity = policy_from_config(ctx.config).mail
    handling.mark_spam(db.session, spam, "广告", actor=audit.Actor.staff(agent), now=NOW)
    handling.refuse(
        db.session,
        refused,
        "属于信访事项，请向信访部门反映",
        identity=identity,
        actor=audit.Actor.staff(agent),
        now=NOW,
    )
    assert (spam.status, refused.status) == (Status.SPAM, Status.REFUSED)
    templates = db.session.scalars(select(OutboundEmail.template)).all()
    assert templates.count("refusal") == 1
