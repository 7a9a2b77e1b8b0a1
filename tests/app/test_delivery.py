"""Sending the outbox into a real SMTP server: headers, retries, failures, leases, suppression."""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import flask_mail
import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail import mime
from enquiry.mail.delivery import claim_due, deliver_due
from enquiry.mail.sending import DeliveryReport, DeliverySettings, Outcome, retry_delay
from enquiry.mail.transport import Sender, SmtpSender
from enquiry.models import (
    AuditEvent,
    Channel,
    Department,
    Kind,
    OutboundEmail,
    OutboxStatus,
    SuppressedAddress,
)
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.allow_smtp

NOW = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
numbers = itertools.count(1)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    """An app whose mail goes to the test SMTP server, with the default department."""
    app = make_app(**smtp.app_config())
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    return app


def open_enquiry(
    app: Flask,
    *,
    subject: str = "关于2013年报告的问题",
    body: str = "请问依申请公开的答复时限是多少个工作日？",
    name: str = "买买提·艾力",
    email: str = "maimaiti@example.com",
    locale: str = "zh_Hans",
) -> OutboundEmail:
    """Open a ticket through the domain verb; return its acknowledgement row."""
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject=subject,
                body=body,
                citizen_name=name,
                citizen_email=email,
                channel=Channel.WEB,
                locale=locale,
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen(),
            now=NOW,
        )
        db.session.commit()
        row = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.ticket_id == opened.ticket.id)
        ).one()
        return detached(row)


def add_row(app: Flask, **fields: Any) -> OutboundEmail:
    """Insert an outbox row directly (for rows the composer would never write)."""
    number = next(numbers)
    values: dict[str, Any] = {
        "template": "reply",
        "to_addr": f"citizen{number}@example.test",
        "subject": f"[WLMQ-2024-{number:06d}] 答复",
        "body_text": "您好。\n",
        "body_html": "<p>您好。</p>",
        "message_id": f"<test.{number}@enquiry.test>",
        "is_automatic": False,
        "next_attempt_at": NOW,
        "created_at": NOW,
    }
    values.update(fields)
    with app.app_context():
        row = OutboundEmail(**values)
        db.session.add(row)
        db.session.commit()
        return detached(row)


def detached(row: OutboundEmail) -> OutboundEmail:
    db.session.refresh(row)
    db.session.expunge(row)
    return row


def load(app: Flask, row_id: int) -> OutboundEmail:
    with app.app_context():
        row = db.session.get(OutboundEmail, row_id)
        assert row is not None
        return detached(row)


def deliver(
    app: Flask, now: datetime, sender: Sender | None = None, **overrides: Any
) -> DeliveryReport:
    with app.app_context():
        settings = dataclasses.replace(DeliverySettings.from_config(app.config), **overrides)
        return deliver_due(
            db.session,
            now=now,
            settings=settings,
            sender=sender or SmtpSender.for_app(app),
            rng=random.Random(4),
        )


def audit_details(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        query = select(AuditEvent.detail).where(AuditEvent.action == action)
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def raw_header(data: bytes, name: str) -> str:
    """A header as it travelled, unfolded but not decoded."""
    value = BytesParser(policy=policy.compat32).parsebytes(data, headersonly=True)[name]
    return re.sub(r"\r?\n[ \t]", " ", str(value))


def decoded(raw: str) -> str:
    """Decode a From header as RFC 2047 says: white space between encoded words is dropped.

    email.policy.default's address parser keeps that space inside a display name.
    """
    return str(make_header(decode_header(raw)))


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


# What the citizen receives ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "subject", "name"),
    [
        (
            "zh_Hans",
            "关于2013年报告中“依申请公开”一节的问题，麻烦您解释一下具体的答复时限和方式",
            "王喆",
        ),
        (
            "ug",
            "ئۈرۈمچى شەھەرلىك ھۆكۈمەت ئۇچۇر ئاشكارىلاش يىللىق دوكلاتى توغرىسىدا",
            "ئايگۈل·مەمەت",
        ),
        ("ug", "دوكلاتنىڭ ئۇيغۇرچە نۇسخىسى بارمۇ؟", "ئايگۈل·مەمەت"),
    ],
)
def test_acknowledgement_arrives_with_every_header(
    mail_app: Flask, smtp: SmtpServer, locale: str, subject: str, name: str
) -> None:
    row = open_enquiry(mail_app, subject=subject, name=name, locale=locale)

    report = deliver(mail_app, NOW)

    assert report.summary() == "sent 1, retry 0, failed 0, suppressed 0, released 0"
    [received] = smtp.messages
    message = received.message
    reference = row.subject.split("]")[0].lstrip("[")
    assert str(message["Subject"]).startswith(f"[{reference}] ")
    assert subject in str(message["Subject"])
    assert str(message["Message-ID"]) == row.message_id
    assert str(message["Auto-Submitted"]) == "auto-replied"
    assert str(message["Reply-To"]) == row.reply_to
    assert str(message["To"]) == "maimaiti@example.com"
    office = mail_app.config["OFFICE_NAME"]
    assert decoded(raw_header(received.data, "From")) == f"{office} <xxgk@enquiry.localhost>"
    assert str(message["Subject"]) == row.subject
    assert message["Date"].datetime == NOW
    assert "In-Reply-To" not in message
    text, html = text_and_html(message)
    assert name in text and reference in text and f"[ref:{reference}]" in text
    assert name in html and mail_app.config["OFFICE_NAME"] in html
    assert received.mail_from == "xxgk@enquiry.localhost"
    assert received.rcpt_tos == ("maimaiti@example.com",)
    assert b"\r\nAuto-Submitted: auto-replied\r\n" in received.data
    assert max(len(line) for line in received.data.split(b"\r\n")) <= 998

    stored = load(mail_app, row.id)
    assert (stored.status, stored.attempts, stored.sent_at) == (OutboxStatus.SENT, 1, NOW)
    assert stored.last_error is None and stored.lease_until is None
    [event] = audit_details(mail_app, "mail.sent")
    assert event["answer"] == "250 2.0.0 Ok: queued as TEST0001"
    assert event["message_id"] == row.message_id


SUBJECT_WORDS = [
    "دوكلاتنىڭ",
    "ئۇيغۇرچە",
    "بارمۇ؟",
    "乌鲁木齐市",
    "答复",
    "“依申请公开”",
    "Re:",
    "(2013)",
]


def claimed(**fields: Any) -> mime.Claimed:
    values: dict[str, Any] = {
        "id": 1,
        "ticket_id": None,
        "template": "reply",
        "to_addr": "citizen@example.test",
        "subject": "[WLMQ-2024-000001] 答复",
        "body_text": "您好。",
        "body_html": None,
        "message_id": "<m.1@enquiry.test>",
        "in_reply_to": None,
        "references": None,
        "reply_to": None,
        "is_automatic": False,
        "attempts": 0,
        "created_at": NOW,
        "lease_until": NOW,
    }
    return mime.Claimed(**(values | fields))


def test_every_subject_and_sender_name_survive_encoding_and_folding() -> None:
    """Spaces at fold points are where Flask-Mail's and Python's own encoders lost them."""
    app = Flask(__name__)
    flask_mail.Mail(app)
    rng = random.Random(7)
    for number in range(300):
        words = [rng.choice(SUBJECT_WORDS) for _ in range(rng.randint(1, 30))]
        subject = " ".join(f"[WLMQ-2024-{number:06d}] {' '.join(words)}"[:200].split())
        office = " ".join(rng.choice(SUBJECT_WORDS[:5]) for _ in range(rng.randint(1, 6)))
        sender = mime.from_header(office, "xxgk@enquiry.localhost")
        with app.app_context():
            data = mime.build_message(claimed(subject=subject), sender).as_bytes()
        headers = data.split(b"\r\n\r\n", 1)[0]
        assert max(len(line) for line in headers.split(b"\r\n")) <= 78
        parsed = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
        assert str(parsed["Subject"]) == subject
        assert decoded(raw_header(data, "Subject")) == subject
        assert decoded(raw_header(data, "From")) == f"{office} <xxgk@enquiry.localhost>"


def test_reply_threads_and_is_not_marked_automatic(mail_app: Flask, smtp: SmtpServer) -> None:
    row = add_row(
        mail_app,
        in_reply_to="<a.1@enquiry.test>",
        references="<root@qq.com> <a.1@enquiry.test>",
        reply_to="xxgk+WLMQ-2024-000001.abc@enquiry.localhost",
    )

    deliver(mail_app, NOW)

    message = smtp.messages[0].message
    assert str(message["In-Reply-To"]) == "<a.1@enquiry.test>"
    assert str(message["References"]) == "<root@qq.com> <a.1@enquiry.test>"
    assert "Auto-Submitted" not in message
    assert str(message["Message-ID"]) == row.message_id


def test_a_long_paragraph_of_chinese_is_delivered_intact(mail_app: Flask, smtp: SmtpServer) -> None:
    paragraph = "乌鲁木齐市人民政府办公厅依申请公开答复：" * 150  # 3,000 characters, one line
    add_row(mail_app, body_text=paragraph + "\n", body_html=f"<p>{paragraph}</p>")

    report = deliver(mail_app, NOW)

    assert report.count(Outcome.SENT) == 1
    text, html = text_and_html(smtp.messages[0].message)
    assert text.strip() == paragraph and paragraph in html


# Temporary and permanent failures ---------------------------------------------------------------


def test_server_down_then_up_delivers_each_message_once(mail_app: Flask, smtp: SmtpServer) -> None:
    first, second = open_enquiry(mail_app), open_enquiry(mail_app, email="b@example.com")
    smtp.stop()

    report = deliver(mail_app, NOW)

    assert report.count(Outcome.RETRY) == 2
    for row_id in (first.id, second.id):
        row = load(mail_app, row_id)
        assert row.status is OutboxStatus.PENDING and row.attempts == 1
        assert row.next_attempt_at > NOW and "cannot connect" in (row.last_error or "")
    assert deliver(mail_app, NOW + timedelta(seconds=30)).results == []

    smtp.start()
    later = max(load(mail_app, first.id).next_attempt_at, load(mail_app, second.id).next_attempt_at)
    report = deliver(mail_app, later)
    deliver(mail_app, later + timedelta(days=3))

    assert report.count(Outcome.SENT) == 2
    assert smtp.message_ids() == {first.message_id: 1, second.message_id: 1}
    assert load(mail_app, first.id).attempts == 2


def test_a_4xx_is_retried_with_growing_waits_then_delivered(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    row = open_enquiry(mail_app)
    smtp.rcpt_answer = "451 4.3.0 Mailbox busy, try again later"

    deliver(mail_app, NOW)
    after_one = load(mail_app, row.id)
    deliver(mail_app, after_one.next_attempt_at)
    after_two = load(mail_app, row.id)

    assert after_one.status is OutboxStatus.PENDING and after_one.attempts == 1
    assert "451 4.3.0 Mailbox busy" in (after_one.last_error or "")
    assert NOW + timedelta(seconds=48) <= after_one.next_attempt_at <= NOW + timedelta(seconds=72)
    wait_two = after_two.next_attempt_at - after_one.next_attempt_at
    assert after_two.attempts == 2 and timedelta(seconds=96) <= wait_two <= timedelta(seconds=144)
    assert smtp.messages == []

    smtp.rcpt_answer = None
    deliver(mail_app, after_two.next_attempt_at)

    delivered = load(mail_app, row.id)
    assert delivered.status is OutboxStatus.SENT and delivered.attempts == 3
    assert delivered.last_error is None
    assert smtp.message_ids() == {row.message_id: 1}


def test_a_5xx_fails_for_good_with_the_servers_words(mail_app: Flask, smtp: SmtpServer) -> None:
    row = open_enquiry(mail_app)
    smtp.data_answer = "554 5.7.1 Message rejected as spam"

    report = deliver(mail_app, NOW)
    smtp.data_answer = None
    again = deliver(mail_app, NOW + timedelta(days=3))

    failed = load(mail_app, row.id)
    assert report.count(Outcome.FAILED) == 1 and again.results == []
    assert failed.status is OutboxStatus.FAILED and failed.attempts == 1
    assert failed.last_error == "DATA: 554 5.7.1 Message rejected as spam"
    assert audit_details(mail_app, "mail.failed")[0]["error"] == failed.last_error
    assert smtp.messages == []


def test_a_temporary_failure_gives_up_after_about_two_days(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    row = add_row(mail_app, attempts=15)
    smtp.rcpt_answer = "450 4.2.1 Try later"

    deliver(mail_app, NOW)

    failed = load(mail_app, row.id)
    assert failed.status is OutboxStatus.FAILED
    assert failed.last_error == "gave up after 16 attempts: RCPT TO: 450 4.2.1 Try later"


def test_the_retry_schedule_doubles_from_a_minute_and_lasts_about_two_days() -> None:
    settings = DeliverySettings(from_name="", from_address="x@enquiry.test")
    waits = list(itertools.takewhile(bool, (retry_delay(n, settings) for n in itertools.count(1))))

    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == timedelta(hours=6)
    assert timedelta(hours=40) <= sum(waits, timedelta()) <= timedelta(hours=50)
    assert len(waits) == 15


# Crashes and leases -----------------------------------------------------------------------------


class SimulatedCrash(BaseException):
    """The worker process dies (nothing after it runs)."""


class CrashingSender:
    """Dies before the message reaches the server, or just after the server's 250."""

    def __init__(self, inner: SmtpSender | None = None) -> None:
        self.inner = inner

    def send(self, message: flask_mail.Message, envelope_from: str) -> str:
        if self.inner is not None:
            self.inner.send(message, envelope_from)
        raise SimulatedCrash

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()


def test_an_expired_lease_is_reclaimed_and_an_unexpired_one_is_not(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    row = open_enquiry(mail_app)
    with pytest.raises(SimulatedCrash):
        deliver(mail_app, NOW, sender=CrashingSender())
    with mail_app.app_context():
        db.session.rollback()

    abandoned = load(mail_app, row.id)
    assert abandoned.status is OutboxStatus.SENDING
    assert abandoned.lease_until == NOW + timedelta(minutes=10)
    assert deliver(mail_app, NOW + timedelta(minutes=9)).results == []
    assert smtp.messages == []

    report = deliver(mail_app, NOW + timedelta(minutes=10))

    assert report.count(Outcome.SENT) == 1
    delivered = load(mail_app, row.id)
    assert delivered.status is OutboxStatus.SENT and delivered.attempts == 2
    assert smtp.message_ids() == {row.message_id: 1}


def test_a_crash_after_the_servers_250_resends_the_same_message_id(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    """The documented window: the copy carries the same Message-ID, for the MTA to drop."""
    row = open_enquiry(mail_app)
    with pytest.raises(SimulatedCrash):
        deliver(mail_app, NOW, sender=CrashingSender(SmtpSender.for_app(mail_app)))
    with mail_app.app_context():
        db.session.rollback()

    deliver(mail_app, NOW + timedelta(minutes=11))

    assert smtp.message_ids() == {row.message_id: 2}
    assert load(mail_app, row.id).status is OutboxStatus.SENT


def test_a_late_outcome_does_not_overwrite_another_workers_claim(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    row = open_enquiry(mail_app)

    class StalledSender(SmtpSender):
        """Our lease expires while sending; another worker claims the row meanwhile."""

        def send(self, message: flask_mail.Message, envelope_from: str) -> str:
            with mail_app.app_context():
                settings = DeliverySettings.from_config(mail_app.config)
                later = NOW + timedelta(minutes=11)
                claim_due(db.session, now=later, settings=settings, report=DeliveryReport())
            return super().send(message, envelope_from)

    sender = StalledSender(mail_app.extensions["mail"], timeout=5)
    deliver(mail_app, NOW, sender=sender)

    row = load(mail_app, row.id)
    assert row.status is OutboxStatus.SENDING
    assert row.lease_until == NOW + timedelta(minutes=21)
    assert audit_details(mail_app, "mail.sent") == []


def test_stopping_finishes_the_current_message_and_releases_the_rest(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    rows = [add_row(mail_app) for _ in range(3)]
    stop = threading.Event()

    class StopAfterFirst(SmtpSender):
        def send(self, message: flask_mail.Message, envelope_from: str) -> str:
            answer = super().send(message, envelope_from)
            stop.set()  # SIGTERM arrives while the first message is on its way
            return answer

    with mail_app.app_context():
        settings = DeliverySettings.from_config(mail_app.config)
        sender = StopAfterFirst(mail_app.extensions["mail"], timeout=5)
        report = deliver_due(
            db.session, now=NOW, settings=settings, sender=sender, should_stop=stop.is_set
        )

    assert [r.outcome for r in report.results] == [Outcome.SENT, Outcome.RELEASED, Outcome.RELEASED]
    released = load(mail_app, rows[2].id)
    assert released.status is OutboxStatus.PENDING and released.attempts == 0
    assert released.lease_until is None
    assert deliver(mail_app, NOW).count(Outcome.SENT) == 2
    assert len(smtp.message_ids()) == 3


# What must never be sent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "[WLMQ-2024-000001] 答复\r\nBcc: x@evil.test"},
        {"subject": "答复\nBcc: x@evil.test"},
        {"to_addr": "citizen@example.test\r\nBcc: x@evil.test"},
        {"to_addr": "citizen@example.test, x@evil.test"},
        {"reply_to": "xxgk@enquiry.localhost\r\nBcc: x@evil.test"},
        {"in_reply_to": "<a@b>\r\nBcc: x@evil.test"},
        {"references": "<a@b>\nBcc: x@evil.test"},
    ],
)
def test_a_header_injection_is_never_sent(
    mail_app: Flask, smtp: SmtpServer, fields: dict[str, str]
) -> None:
    row = add_row(mail_app, **fields)

    report = deliver(mail_app, NOW)

    assert report.count(Outcome.FAILED) == 1
    failed = load(mail_app, row.id)
    assert failed.status is OutboxStatus.FAILED and failed.last_error
    assert failed.last_error.startswith("refused:")
    assert smtp.messages == []


def test_the_message_builder_refuses_a_line_break_too() -> None:
    app = Flask(__name__)
    flask_mail.Mail(app)
    unsafe = claimed(in_reply_to="<a@b>\r\nBcc: x@evil.test")
    with app.app_context(), pytest.raises(mime.UnsafeHeaderError):
        mime.build_message(unsafe, "xxgk@enquiry.localhost")


def test_a_suppressed_address_gets_no_automatic_mail_but_gets_replies(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    with mail_app.app_context():
        db.session.add(SuppressedAddress(address="bounced@example.com", reason="bounced 550"))
        db.session.commit()
    acknowledgement = open_enquiry(mail_app, email="Bounced@Example.com")
    reply = add_row(mail_app, to_addr="bounced@example.com")

    report = deliver(mail_app, NOW)

    assert report.count(Outcome.SUPPRESSED) == 1 and report.count(Outcome.SENT) == 1
    suppressed = load(mail_app, acknowledgement.id)
    assert suppressed.status is OutboxStatus.SUPPRESSED
    assert "bounced 550" in (suppressed.last_error or "")
    assert smtp.message_ids() == {reply.message_id: 1}


def test_automatic_mail_to_one_person_is_capped_per_day(mail_app: Flask, smtp: SmtpServer) -> None:
    rows = [add_row(mail_app, to_addr="busy@example.com", is_automatic=True) for _ in range(5)]
    other = add_row(mail_app, to_addr="calm@example.com", is_automatic=True)

    report = deliver(mail_app, NOW, automatic_per_day=3)

    assert report.count(Outcome.SENT) == 4 and report.count(Outcome.SUPPRESSED) == 2
    assert "3 automatic messages" in (load(mail_app, rows[4].id).last_error or "")
    assert load(mail_app, other.id).status is OutboxStatus.SENT
    next_day = NOW + timedelta(hours=25)
    for _ in range(2):
        add_row(mail_app, to_addr="busy@example.com", is_automatic=True, next_attempt_at=next_day)
    assert deliver(mail_app, next_day, automatic_per_day=3).count(Outcome.SENT) == 2


# Parallel workers -------------------------------------------------------------------------------


def test_two_workers_in_parallel_never_send_a_row_twice(mail_app: Flask, smtp: SmtpServer) -> None:
    rows = [add_row(mail_app) for _ in range(60)]
    start = threading.Barrier(2)
    reports: list[list[DeliveryReport]] = [[], []]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            with mail_app.app_context():
                start.wait()
                for _ in range(500):
                    report = deliver(mail_app, NOW, batch_size=5)
                    reports[index].append(report)
                    if not report.results and not report.locked_out:
                        return
                    if report.locked_out:
                        time.sleep(0.005)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert smtp.message_ids() == {row.message_id: 1 for row in rows}
    sent = [sum(r.count(Outcome.SENT) for r in reports[i]) for i in range(2)]
    assert sum(sent) == 60
    with mail_app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert min(sent) > 0, f"both workers should have sent some: {sent}"


def test_on_sqlite_a_second_worker_waits_its_turn(mail_app: Flask, smtp: SmtpServer) -> None:
    add_row(mail_app)
    seen: list[DeliveryReport] = []

    class MeanwhileAnotherWorker(SmtpSender):
        def send(self, message: flask_mail.Message, envelope_from: str) -> str:
            add_row(mail_app)
            seen.append(deliver(mail_app, NOW))
            return super().send(message, envelope_from)

    deliver(mail_app, NOW, sender=MeanwhileAnotherWorker(mail_app.extensions["mail"], timeout=5))

    with mail_app.app_context():
        is_sqlite = db.engine.dialect.name == "sqlite"
    [other] = seen
    assert other.locked_out is is_sqlite
    assert other.count(Outcome.SENT) == (0 if is_sqlite else 1)
