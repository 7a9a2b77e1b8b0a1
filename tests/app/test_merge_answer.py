"""The answer to a ticket reaches the citizens of the tickets merged into it, counted once.

Real mail: the worker's delivery pass sends the outbox to a local aiosmtpd server, and each
citizen's own tracking page shows the answer.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliverySettings
from enquiry.mail.transport import SmtpSender
from enquiry.models import Channel, Kind, Message, MessageKind, Role, Status, Ticket
from enquiry.reporting import figures as stats
from tests.app.conftest import english
from tests.smtp_server import Received, SmtpServer

pytestmark = pytest.mark.allow_smtp

NOW = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
ANSWER = "您好，补贴标准已在专题栏目公布。"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


@pytest.fixture
def mail_app(app: Flask, make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    """The test app's database (with its default department), mail to the test server."""
    return make_app(**smtp.app_config())


@dataclasses.dataclass(frozen=True)
class Enquiry:
    id: int
    reference: str
    code: str
    email: str


def ask(app: Flask, email: str, subject: str = "煤改气补贴标准") -> Enquiry:
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject=subject,
                body="请问补贴标准在哪里查询？",
                citizen_name="市民",
                citizen_email=email,
                channel=Channel.WEB,
                locale="en",
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen(),
            now=NOW,
        )
        db.session.commit()
        ticket = opened.ticket
        return Enquiry(ticket.id, ticket.reference, opened.access_code, email)


def deliver(app: Flask) -> None:
    with app.app_context():
        deliver_due(
            db.session,
            now=datetime.now(UTC) + timedelta(minutes=1),
            settings=DeliverySettings.from_config(app.config),
            sender=SmtpSender.for_app(app),
            rng=random.Random(1),
        )


def replies_to(smtp: SmtpServer, email: str) -> list[Received]:
    return [m for m in smtp.messages if email in m.rcpt_tos and "Answer" in m.message["Subject"]]


def tracking_page(app: Flask, enquiry: Enquiry) -> str:
    client = english(app.test_client())
    assert client.get(f"/track/{enquiry.reference}/{enquiry.code}").status_code == 303
    return client.get(f"/track/{enquiry.reference}").get_data(as_text=True)


def supervisor(mail_app: Flask, make_user: Callable[..., Any], login: Any) -> FlaskClient:
    client = english(mail_app.test_client())
    assert login(client, make_user(role=Role.SUPERVISOR)).status_code == 302
    return client


def merge(client: FlaskClient, duplicate: Enquiry, into: Enquiry) -> None:
    response = client.post(
        f"/staff/tickets/{duplicate.id}/merge", data={"merge-target": into.reference}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def answer(client: FlaskClient, enquiry: Enquiry) -> None:
    response = client.post(f"/staff/tickets/{enquiry.id}/reply", data={"reply-body": ANSWER})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_every_citizen_of_a_merged_ticket_gets_the_answer(
    mail_app: Flask, smtp: SmtpServer, make_user: Callable[..., Any], login: Any
) -> None:
    kept = ask(mail_app, "kept@example.test")
    duplicate = ask(mail_app, "duplicate@example.test")
    second = ask(mail_app, "second@example.test")
    client = supervisor(mail_app, make_user, login)
    merge(client, second, duplicate)  # a merge of a merge: second -> duplicate -> kept
    merge(client, duplicate, kept)
    answer(client, kept)
    deliver(mail_app)

    for enquiry in (kept, duplicate, second):
        (mail,) = replies_to(smtp, enquiry.email)
        body = mail.message.get_body(("plain",)).get_content()
        assert enquiry.reference in mail.message["Subject"]
        assert ANSWER in body
        if enquiry is not kept:
            assert f"handled together with enquiry {kept.reference}" in body
            assert "/rate/" not in body  # the answer is rated once, by the answered ticket
        assert ANSWER in tracking_page(mail_app, enquiry)
    with mail_app.app_context():
        statuses = dict(db.session.execute(select(Ticket.reference, Ticket.status)).all())
        figures = stats.mailbox_figures(
            db.session,
            2024,
            today=NOW.date(),
            calendar=policy_from_config(mail_app.config).calendar,
        )
    assert statuses == {
        kept.reference: Status.ANSWERED,
        duplicate.reference: Status.MERGED,
        second.reference: Status.MERGED,
    }
    assert figures.total == 1  # one enquiry received, the duplicates counted out
    assert figures.answered_on_time + figures.answered_late == 1


def test_merging_into_an_answered_ticket_sends_its_answer(
    mail_app: Flask, smtp: SmtpServer, make_user: Callable[..., Any], login: Any
) -> None:
    kept = ask(mail_app, "kept@example.test")
    late = ask(mail_app, "late@example.test")
    client = supervisor(mail_app, make_user, login)
    answer(client, kept)
    merge(client, late, kept)
    deliver(mail_app)

    (mail,) = replies_to(smtp, late.email)
    assert ANSWER in mail.message.get_body(("plain",)).get_content()
    assert ANSWER in tracking_page(mail_app, late)
    with mail_app.app_context():
        answers = db.session.scalars(
            select(Message.ticket_id).where(Message.kind == MessageKind.REPLY)
        ).all()
    assert sorted(answers) == sorted([kept.id, late.id])
