"""Colleagues' notifications: who hears of new tickets, follow-ups, transfers and @mentions,
in the bell and by mail (each, hourly digest or none), delivered to a real SMTP server."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.cli.notify import run_notification_mail
from enquiry.domain import handling, notifications, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliverySettings
from enquiry.mail.transport import SmtpSender
from enquiry.models import (
    Department,
    MailState,
    Notification,
    NotificationKind,
    NotifyMode,
    Role,
    Ticket,
    User,
)
from tests.app.conftest import english
from tests.app.test_staff_ticket import NOW, open_enquiry
from tests.conftest import hidden_fields
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.allow_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    """An app whose mail goes to the test SMTP server, with the routing office and housing."""
    app = make_app(**smtp.app_config())
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.add(Department(code="housing", name_zh="住建局", name_en="Housing"))
        db.session.commit()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


def set_mode(app: Flask, user: Any, mode: NotifyMode) -> None:
    with app.app_context():
        found = db.session.get(User, user.id)
        assert found is not None
        notifications.set_mode(db.session, found, mode, now=NOW)
        db.session.commit()


def rows(app: Flask) -> list[tuple[int, NotificationKind, MailState]]:
    with app.app_context():
        query = sa.select(Notification).order_by(Notification.id)
        return [(n.user_id, n.kind, n.mail_state) for n in db.session.scalars(query)]


def send(app: Flask, now: Any = NOW) -> None:
    """What the worker does: queue notification mail, then deliver the outbox."""
    with app.app_context():
        run_notification_mail(app.config, now)
        deliver_due(
            db.session,
            now=now,
            settings=DeliverySettings.from_config(app.config),
            sender=SmtpSender.for_app(app),
            rng=random.Random(4),
        )


def received(smtp: SmtpServer) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the server took."""
    return [(m.rcpt_tos[0], str(m.message["Subject"])) for m in smtp.messages]


def staff_actor(app: Flask, user: Any) -> tuple[audit.Actor, User]:
    found = db.session.get(User, user.id)
    assert found is not None
    return audit.Actor.staff(found), found


def test_a_new_ticket_notifies_the_department_by_each_ones_choice(
    app: Flask, smtp: SmtpServer, make_user: Callable[..., Any]
) -> None:
    each = make_user(email="each@office.test", locale="en")
    digest = make_user(email="digest@office.test", locale="en")
    silent = make_user(email="none@office.test", locale="en")
    make_user(email="housing@office.test", department="housing")
    make_user(email="gone@office.test", is_active=False)
    set_mode(app, digest, NotifyMode.DIGEST)
    set_mode(app, silent, NotifyMode.NONE)

    _, reference, _ = open_enquiry(app)

    assert rows(app) == [
        (each.id, NotificationKind.NEW_TICKET, MailState.PENDING),
        (digest.id, NotificationKind.NEW_TICKET, MailState.PENDING),
        (silent.id, NotificationKind.NEW_TICKET, MailState.SKIPPED),
    ]
    send(app)
    mails = received(smtp)
    colleagues = sorted(to for to, _ in mails if to.endswith("@office.test"))
    assert colleagues == ["digest@office.test", "each@office.test"]
    assert ("each@office.test", f"New ticket: {reference}") in mails
    assert ("digest@office.test", "Notifications: 1 new") in mails

    before = len(smtp.messages)
    _, second, _ = open_enquiry(app, email="other@example.com")
    send(app, NOW + timedelta(minutes=10))
    later = received(smtp)[before:]
    assert [m for m in later if m[0].endswith("@office.test")] == [
        ("each@office.test", f"New ticket: {second}")
    ]

    send(app, NOW + timedelta(minutes=61))  # the digest hour has passed
    last = received(smtp)[before + len(later) :]
    assert last == [("digest@office.test", "Notifications: 1 new")]
    assert all(state is not MailState.PENDING for _, _, state in rows(app))


def test_notification_mail_names_the_ticket_but_takes_no_header_from_the_citizen(
    app: Flask, smtp: SmtpServer, make_user: Callable[..., Any]
) -> None:
    make_user(email="each@office.test", locale="zh_Hans")
    _, reference, _ = open_enquiry(app, subject="问题\r\nBcc: evil@example.com")
    send(app)
    [mail] = [m for m in smtp.messages if m.rcpt_tos == ("each@office.test",)]
    message = mail.message
    assert message["Bcc"] is None
    assert reference in str(message["Subject"])
    assert "evil" not in str(message["Subject"])
    assert message["Message-ID"].startswith("<staff.")


def test_a_follow_up_notifies_the_assignee_or_else_the_department(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    first = make_user()
    second = make_user()
    ticket_id, _, _ = open_enquiry(app)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        policy = policy_from_config(app.config)
        tickets.add_citizen_follow_up(
            db.session,
            ticket,
            body="还有一个问题",
            attachments=(),
            actor=audit.Actor.citizen(),
            now=NOW,
            policy=policy,
        )
        ticket.assignee_id = second.id
        tickets.add_citizen_follow_up(
            db.session,
            ticket,
            body="请尽快",
            attachments=(),
            actor=audit.Actor.citizen(),
            now=NOW,
            policy=policy,
        )
        db.session.commit()
    follow_ups = [(u, k) for u, k, _ in rows(app) if k is NotificationKind.FOLLOW_UP]
    assert follow_ups == [
        (first.id, NotificationKind.FOLLOW_UP),
        (second.id, NotificationKind.FOLLOW_UP),
        (second.id, NotificationKind.FOLLOW_UP),
    ]


def test_a_transfer_notifies_the_new_department_but_not_the_one_who_acted(
    app: Flask, smtp: SmtpServer, make_user: Callable[..., Any]
) -> None:
    lead = make_user(role=Role.SUPERVISOR, email="lead@office.test")
    housing = make_user(department="housing", email="h1@office.test", locale="en")
    ticket_id, reference, _ = open_enquiry(app)
    with app.app_context():
        actor, _user = staff_actor(app, lead)
        ticket = db.session.get(Ticket, ticket_id)
        target = db.session.scalar(sa.select(Department).filter_by(code="housing"))
        handling.transfer(db.session, ticket, target, "请住建局办理", actor=actor, now=NOW)
        db.session.commit()
    transfers = [(u, k) for u, k, _ in rows(app) if k is NotificationKind.TRANSFER]
    assert transfers == [(housing.id, NotificationKind.TRANSFER)]
    send(app)
    assert ("h1@office.test", f"Transferred to your department: {reference}") in received(smtp)


def test_mentions_notify_the_named_colleagues_in_any_department(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    author = make_user(display_name="王芳", email="wang@office.test")
    named = make_user(display_name="张伟", email="zhang@office.test")
    by_mail_name = make_user(display_name="Li Na", email="li.na@office.test")
    colleague = make_user(display_name="Bystander", email="by@office.test")
    housing = make_user(department="housing", display_name="住建张三", email="h@office.test")
    set_mode(app, named, NotifyMode.NONE)
    ticket_id, _, _ = open_enquiry(app)
    with app.app_context():
        actor, _user = staff_actor(app, author)
        ticket = db.session.get(Ticket, ticket_id)
        handling.add_note(
            db.session,
            ticket,
            "请@张伟处理，@li.na 会商；@nobody 和 @住建张三 <script>alert(1)</script> @王芳",
            actor=actor,
            now=NOW,
        )
        db.session.commit()
    mentions = [(u, s) for u, k, s in rows(app) if k is NotificationKind.MENTION]
    assert sorted(mentions) == [  # 会商: another department's colleague is told too
        (named.id, MailState.SKIPPED),
        (by_mail_name.id, MailState.PENDING),
        (housing.id, MailState.PENDING),
    ]
    assert colleague.id not in {u for u, _ in mentions}


def test_a_department_mention_reaches_its_members(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    author = make_user(email="author@office.test")
    member = make_user(email="member@office.test")
    ticket_id, _, _ = open_enquiry(app)
    with app.app_context():
        actor, _user = staff_actor(app, author)
        ticket = db.session.get(Ticket, ticket_id)
        handling.add_note(db.session, ticket, "@EGOV 请大家看看", actor=actor, now=NOW)
        db.session.commit()
    assert [(u, k) for u, k, _ in rows(app) if k is NotificationKind.MENTION] == [
        (member.id, NotificationKind.MENTION)
    ]


def test_the_bell_counts_lists_and_marks_read(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    other = make_user()
    open_enquiry(app, subject="第一件")
    open_enquiry(app, subject="<b>第二件</b>", email="b@example.com")
    assert login(client, user).status_code == 302
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert 'staff-bell-count">2<' in page
    assert "&lt;b&gt;第二件&lt;/b&gt;" in page and "<b>第二件" not in page
    with app.app_context():
        mine = list(db.session.scalars(sa.select(Notification.id).filter_by(user_id=user.id)))
        theirs = db.session.scalar(sa.select(Notification.id).filter_by(user_id=other.id))
    token = hidden_fields(page)["csrf_token"]
    assert (
        client.post(f"/staff/notifications/{theirs}/read", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        client.post(f"/staff/notifications/{mine[0]}/read", data={"csrf_token": token}).status_code
        == 302
    )
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert 'staff-bell-count">1<' in page
    assert client.post(f"/staff/notifications/{mine[1]}/read").status_code in (302, 400)
    client.post("/staff/notifications/read-all", data={"csrf_token": token})
    assert "staff-bell-count" not in client.get("/staff/notifications").get_data(as_text=True)


def test_opening_a_ticket_marks_its_notifications_read(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    ticket_id, _, _ = open_enquiry(app)
    assert login(client, user).status_code == 302
    assert client.get(f"/staff/tickets/{ticket_id}").status_code == 200
    assert "staff-bell-count" not in client.get("/staff/notifications").get_data(as_text=True)


def test_the_account_page_saves_the_choice_of_mail(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    assert login(client, user).status_code == 302
    page = client.get("/staff/account").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="each"', page)
    token = hidden_fields(page)["csrf_token"]
    response = client.post(
        "/staff/account/notifications", data={"csrf_token": token, "mode": "digest"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert notifications.mode_of(db.session, user.id) is NotifyMode.DIGEST
    refused = client.post(
        "/staff/account/notifications", data={"csrf_token": token, "mode": "every-second"}
    )
    assert refused.status_code == 400
    assert 'role="alert"' in refused.get_data(as_text=True)
    with app.app_context():
        assert notifications.mode_of(db.session, user.id) is NotifyMode.DIGEST


def test_the_mentioned_colleague_finds_the_ticket_in_mentioning_me(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    author = make_user(display_name="王芳")
    named = make_user(display_name="张伟")
    ticket_id, reference, _ = open_enquiry(app)
    _, other_reference, _ = open_enquiry(app, email="x@example.com")
    with app.app_context():
        actor, _user = staff_actor(app, author)
        ticket = db.session.get(Ticket, ticket_id)
        handling.add_note(db.session, ticket, "@张伟 请会商", actor=actor, now=NOW)
        db.session.commit()
    assert login(client, named).status_code == 302
    page = client.get("/staff", query_string={"view": "mentioned"}).get_data(as_text=True)
    listed = page.split("<tbody>", 1)[1]
    assert reference in listed and other_reference not in listed


def test_the_cli_queues_notification_mail(
    app: Flask, runner: Any, make_user: Callable[..., Any]
) -> None:
    make_user(email="each@office.test")
    open_enquiry(app)
    assert "1 notification mails queued" in runner.invoke(args=["notifications", "send"]).output
    assert "nothing to send" in runner.invoke(args=["notifications", "send"]).output


def test_the_bell_forgets_tickets_transferred_out_of_sight(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    agent = make_user()
    lead = make_user(role=Role.SUPERVISOR)
    ticket_id, reference, _ = open_enquiry(app, subject="转走的件")
    with app.app_context():
        actor, _user = staff_actor(app, lead)
        ticket = db.session.get(Ticket, ticket_id)
        target = db.session.scalar(sa.select(Department).filter_by(code="housing"))
        handling.transfer(db.session, ticket, target, "请住建局办理", actor=actor, now=NOW)
        db.session.commit()
    assert login(client, agent).status_code == 302
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert reference not in page and "转走的件" not in page
    assert "staff-bell-count" not in page
