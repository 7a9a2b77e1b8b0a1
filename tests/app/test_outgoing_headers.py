"""Every kind of mail we send, built from hostile input, carries exactly the headers we set.

Each kind is queued by its own domain verb with hostile text in every field a person controls
(citizen subject, name, body, attachment filename; staff answers, reasons, notes and display
names; department names; the rating comment; the office's name), delivered to a real SMTP
server, and the bytes it received are parsed back: the header names must be exactly the
expected set for the kind, and no header may decode to a control character. The encoded-word
attacks run in English, where the subject line is otherwise all ASCII.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import (
    clock,
    consultation_close,
    consultation_jobs,
    consultations,
    correction,
    handling,
    publishing,
    satisfaction,
    supervision,
    tickets,
    withdrawal,
)
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail import mime
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliverySettings
from enquiry.mail.transport import SmtpSender
from enquiry.models import (
    ApplicantType,
    Channel,
    Department,
    Kind,
    OutboundEmail,
    OutboxStatus,
    Rating,
    Role,
    Status,
    User,
)
from enquiry.rules import clock as clock_rules
from enquiry.rules.uploads import Upload
from tests.hostile_strings import ENCODED_WORD_STRINGS, HOSTILE_STRINGS
from tests.letter_jobs import render_letters
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.allow_smtp

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Beijing
LATER = NOW + timedelta(days=120)  # everything still running is overdue
CITIZEN = "citizen@example.com"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
LETTER_FILE = re.compile(r"WLMQ-\d{4}-\d{6}-[a-z_]+\.pdf")

BASE = {"Content-Type", "MIME-Version", "From", "To", "Subject", "Date", "Message-ID"}
TO_CITIZEN = BASE | {"Reply-To"}
THREADED = TO_CITIZEN | {"In-Reply-To", "References"}
AUTOMATIC = {"Auto-Submitted", "X-Auto-Response-Suppress"}
# The exact headers of each kind of mail, and its Auto-Submitted value (RFC 3834).
EXPECTED: dict[str, tuple[set[str], str | None]] = {
    "acknowledgement": (TO_CITIZEN | AUTOMATIC, "auto-replied"),
    "reply": (THREADED, None),  # typed by a person
    "request_info": (THREADED, None),
    "refusal": (THREADED, None),
    "merged": (THREADED | AUTOMATIC, "auto-generated"),
    "extension": (THREADED | AUTOMATIC, "auto-generated"),
    "abandoned": (THREADED | AUTOMATIC, "auto-generated"),
    "letter": (THREADED | AUTOMATIC, "auto-generated"),  # a formal letter (告知书) of its own
    "dissatisfied_alert": (BASE | AUTOMATIC, "auto-generated"),
    "digest": (BASE | AUTOMATIC, "auto-generated"),
    "escalation": (BASE | AUTOMATIC, "auto-generated"),
    "reminder": (BASE | AUTOMATIC, "auto-generated"),
    "consent_withdrawn": (BASE | AUTOMATIC, "auto-generated"),
    "notification": (BASE | AUTOMATIC, "auto-generated"),  # to colleagues, like the digest
    "notification_digest": (BASE | AUTOMATIC, "auto-generated"),
    "consultation": (THREADED | AUTOMATIC, "auto-generated"),  # a notice, like the extension
    "consultation_ended": (THREADED | AUTOMATIC, "auto-generated"),
    "consultation_reminder": (BASE | AUTOMATIC, "auto-generated"),
    "withdrawn": (THREADED | AUTOMATIC, "auto-generated"),  # 申请人撤回: confirmed to them
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


def text_of(hostile: str, limit: int, prefix: str = "x ") -> str:
    """The hostile string where a field needs text, within the field's length.

    Without NUL: every door refuses it with a 400 and PostgreSQL cannot store it.
    """
    return (prefix + hostile.replace("\x00", ""))[:limit]


def hostile_app(make_app: Callable[..., Flask], smtp: SmtpServer, hostile: str) -> Flask:
    app = make_app(
        **smtp.app_config(),
        OFFICE_NAME=text_of(hostile, 200),
        AUTOMATIC_MAIL_PER_RECIPIENT_PER_DAY=20,  # every kind reaches one citizen: none held back
    )
    with app.app_context():
        name = text_of(hostile, 100)
        db.session.add(
            Department(
                code="egov",
                name_zh=name,
                name_en=name,
                name_ug=name,
                email="egov@gov.example",
                is_default=True,
            )
        )
        db.session.commit()
    return app


def open_one(policy: Any, hostile: str, locale: str, **fields: Any) -> Any:
    upload = Upload(filename=text_of(hostile, 200), content_type="text/plain", data=b"hello")
    enquiry = tickets.NewEnquiry(
        kind=Kind.QUESTION,
        subject=text_of(hostile, 200, ""),
        body=text_of(hostile, 20_000),
        citizen_name=text_of(hostile, 100),
        citizen_email=CITIZEN,
        channel=Channel.WEB,
        locale=locale,
        attachments=(upload,),
    )
    opened = tickets.open_ticket(
        db.session,
        replace(enquiry, **fields),
        policy=policy,
        actor=audit.Actor.citizen("192.0.2.1"),
        now=NOW,
    )
    return opened.ticket


def queue_every_kind(app: Flask, hostile: str, locale: str) -> None:
    """Queue one mail of every kind we send, with the hostile text wherever people type."""
    with app.app_context(), app.test_request_context():
        policy = policy_from_config(app.config)
        identity, text = policy.mail, text_of(hostile, 2000)
        egov = db.session.scalars(select(Department)).one()

        def colleague(role: Role, email: str) -> User:
            name = text_of(hostile, 100)  # no password: argon2 would double the test's time
            user = User(email=email, display_name=name, password_hash="!", role=role, locale=locale)
            user.department = egov
            db.session.add(user)
            return user

        chief = colleague(Role.SUPERVISOR, "chief@gov.example")
        agent = colleague(Role.AGENT, "agent@gov.example")
        by_agent, by_chief = audit.Actor.staff(agent), audit.Actor.staff(chief)
        answered, asked, refused, merged, extended = (
            open_one(policy, hostile, locale) for _ in range(5)
        )
        upload = Upload(filename=text_of(hostile, 200), content_type="text/plain", data=b"hi")
        answer = handling.reply(
            db.session,
            answered,
            text,
            identity=identity,
            actor=by_agent,
            now=NOW,
            attachments=(upload,),
        )
        token = satisfaction.make_token(identity.secret, answer)
        satisfaction.rate(
            db.session,
            token,
            Rating.DISSATISFIED,
            text,
            NOW,
            policy=policy,
            actor=audit.Actor.citizen(),
        )
        answered.is_publication_consented = True  # 公开: the citizen withdraws: staff are told
        citizen = audit.Actor.citizen()
        publishing.withdraw_consent(
            db.session, answered, None, identity=identity, actor=citizen, now=NOW
        )
        handling.transfer(db.session, asked, egov, text, actor=by_chief, now=NOW)
        handling.acknowledge(db.session, asked, actor=by_agent, now=NOW)
        correction.request_info(db.session, asked, text, policy=policy, actor=by_agent, now=NOW)
        handling.refuse(db.session, refused, text, identity=identity, actor=by_agent, now=NOW)
        handling.merge(db.session, merged, extended, identity=identity, actor=by_agent, now=NOW)
        rules = clock_rules.ExtensionRules()
        days = rules.max_days(extended)
        clock.extend(
            db.session,
            extended,
            days,
            text,
            chief,
            policy=policy,
            rules=rules,
            actor=by_chief,
            now=NOW,
        )
        handling.assign(db.session, extended, agent, actor=by_chief, now=NOW)
        supervision.send_reminder(
            db.session, extended, text, sender=chief, identity=identity, actor=by_chief, now=NOW
        )
        kwargs = {"identity": identity, "calendar": policy.calendar}
        assert supervision.send_digests(db.session, soon_days=3, now=LATER, **kwargs) == 2
        assert supervision.escalate_overdue(db.session, now=LATER, **kwargs).mails == 1
        applied = open_one(
            policy,
            hostile,
            locale,
            kind=Kind.INFO_APPLICATION,
            applicant_type=ApplicantType.CITIZEN,
        )
        applied.status = Status.IN_PROGRESS
        correction.request_info(db.session, applied, text, policy=policy, actor=by_agent, now=NOW)
        lapsed = NOW + timedelta(days=60)  # the 补正 limit has passed: 视为放弃
        assert correction.conclude_abandoned(db.session, policy=policy, now=lapsed) == 1
        consulted = open_one(
            policy,
            hostile,
            locale,
            kind=Kind.INFO_APPLICATION,
            applicant_type=ApplicantType.CITIZEN,
        )
        consulted.status = Status.IN_PROGRESS
        clock.pause_for_consultation(  # the older free-text pause, still on the API
            db.session, consulted, text, actor=by_agent, now=lapsed, policy=policy
        )
        queue_consultations(policy, hostile, locale, text, by_agent, lapsed)
        db.session.commit()


def queue_consultations(
    policy: Any, hostile: str, locale: str, text: str, actor: audit.Actor, now: datetime
) -> None:
    """征求第三方意见 (letter to the applicant, then the clock runs again) and a 会商 reminder."""
    asked = open_one(
        policy, hostile, locale, kind=Kind.INFO_APPLICATION, applicant_type=ApplicantType.CITIZEN
    )
    asked.status = Status.IN_PROGRESS
    party = text_of(hostile, 200)
    third = consultations.consult_third_party(
        db.session, asked, party, text, policy=policy, actor=actor, now=now
    )
    consultation_close.record_answer(db.session, third, text, policy=policy, actor=actor, now=now)
    name = text_of(hostile, 100)
    other = Department(code="build", name_zh=name, name_en=name, name_ug=name, is_active=True)
    chief = User(email="build@gov.example", display_name=name, password_hash="!", locale=locale)
    chief.role, chief.department = Role.SUPERVISOR, other
    db.session.add_all([other, chief])
    agency = consultations.consult_agency(
        db.session, asked, other, text, policy=policy, actor=actor, now=now
    )
    soon = datetime.combine(agency.due_on - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert consultation_jobs.run(db.session, policy=policy, now=soon).reminded == 1
    withdrawn = open_one(policy, hostile, locale)
    withdrawal.withdraw(db.session, withdrawn, policy=policy, actor=actor, now=now, note=text)


def deliver(app: Flask) -> None:
    render_letters(app, LATER)  # as the worker's mail job does first
    with app.app_context():
        settings = DeliverySettings.from_config(app.config)
        sender = SmtpSender.for_app(app)
        while deliver_due(db.session, now=LATER, settings=settings, sender=sender).results:
            pass  # one pass sends at most MAIL_SEND_BATCH_SIZE mails


def outbox(app: Flask) -> list[OutboundEmail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))
        db.session.expunge_all()
        return rows


def assert_exact_headers(message: EmailMessage, template: str) -> None:
    names, auto_submitted = EXPECTED[template]
    found = Counter(message.keys())
    assert set(found) == names, (template, found)
    assert max(found.values()) == 1, (template, found)
    assert message.get("Auto-Submitted") == auto_submitted
    if auto_submitted:
        assert message["X-Auto-Response-Suppress"] == "All"
    for name, value in message.items():
        assert not CONTROL.search(str(value)), (template, name, str(value))
    for part in message.walk():  # the only file we send is a letter, under a name of our own
        if part.get("Content-Disposition") is not None or part.get_filename() is not None:
            assert part.get_content_type() == "application/pdf", template
            assert LETTER_FILE.fullmatch(str(part.get_filename())), part.get_filename()
            assert str(part["Content-Disposition"]).startswith("attachment;")


def assert_every_kind_sent_with_exact_headers(app: Flask, smtp: SmtpServer) -> None:
    rows = {row.message_id: row for row in outbox(app)}
    assert Counter(row.template for row in rows.values()) == {
        "acknowledgement": 9,
        "reply": 1,
        "dissatisfied_alert": 1,
        "request_info": 2,
        "refusal": 1,
        "merged": 1,
        "extension": 1,
        "abandoned": 1,
        "reminder": 1,
        "digest": 2,
        "escalation": 1,
        "letter": 1,
        "consent_withdrawn": 1,
        "consultation": 2,  # a third party's (with its letter) and a 会商's: both stop the clock
        "consultation_ended": 1,
        "consultation_reminder": 1,
        "withdrawn": 1,
    }
    with_letter = Counter(row.template for row in rows.values() if row.attachment_id)
    assert with_letter == {
        "acknowledgement": 3,
        "request_info": 1,
        "abandoned": 1,
        "letter": 1,
        "consultation": 1,
    }
    assert {row.status for row in rows.values()} == {OutboxStatus.SENT}
    assert len(smtp.messages) == len(rows)
    for received in smtp.messages:
        message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(received.data))
        row = rows[str(message["Message-ID"])]
        assert_exact_headers(message, row.template)
        assert str(message["Subject"]) == row.subject
        assert received.rcpt_tos == (row.to_addr,)


@pytest.mark.parametrize("hostile", ENCODED_WORD_STRINGS)
def test_an_encoded_word_in_any_field_forges_no_header_in_any_kind_of_mail(
    make_app: Callable[..., Flask], smtp: SmtpServer, hostile: str
) -> None:
    app = hostile_app(make_app, smtp, hostile)
    queue_every_kind(app, hostile, "en")  # English: the subject line is otherwise all ASCII

    deliver(app)

    assert_every_kind_sent_with_exact_headers(app, smtp)


@pytest.mark.parametrize("hostile", HOSTILE_STRINGS)
def test_hostile_strings_forge_no_header_in_any_kind_of_mail(
    make_app: Callable[..., Flask], smtp: SmtpServer, hostile: str
) -> None:
    app = hostile_app(make_app, smtp, hostile)
    queue_every_kind(app, hostile, "zh_Hans")

    deliver(app)

    assert_every_kind_sent_with_exact_headers(app, smtp)


def test_every_template_of_ours_is_a_kind_tested_here() -> None:
    """A new kind of mail must join EXPECTED, so its headers are tested like the others."""
    folder = Path(__file__).parents[2] / "templates" / "mail"
    kinds = {path.stem for path in folder.glob("*.txt") if not path.stem.startswith("_")}
    assert kinds == set(EXPECTED)
    for kind, (_, auto_submitted) in EXPECTED.items():
        assert mime.auto_submitted(kind) == auto_submitted
    assert mime.auto_submitted("a_kind_added_later") == "auto-generated"


@pytest.mark.parametrize("hostile", ENCODED_WORD_STRINGS[:8])
def test_a_citizens_message_id_holding_an_encoded_word_is_left_out_of_the_answer(
    make_app: Callable[..., Flask], smtp: SmtpServer, hostile: str
) -> None:
    app = hostile_app(make_app, smtp, "Office")
    with app.app_context(), app.test_request_context():
        office = policy_from_config(app.config)
        ticket = open_one(
            office, "Plain subject", "en", channel=Channel.EMAIL, email_message_id=hostile
        )
        agent = User(email="agent@gov.example", display_name="A", password_hash="!")
        handling.reply(
            db.session,
            ticket,
            "The answer.",
            identity=office.mail,
            actor=audit.Actor.staff(agent),
            now=NOW,
        )
        db.session.commit()

    deliver(app)

    rows = {row.message_id: row for row in outbox(app)}
    assert {row.template for row in rows.values()} == {"acknowledgement", "reply"}
    [reply] = [row for row in rows.values() if row.template == "reply"]
    assert reply.in_reply_to and "=?" in reply.in_reply_to  # the citizen's, as stored
    [sent] = [m for m in smtp.messages if m.message_id == reply.message_id]
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(sent.data))
    assert set(message.keys()) == TO_CITIZEN  # threading lost, nothing forged
    assert not any(CONTROL.search(str(value)) for value in message.values())


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?q?a=0D=0ABcc=3A_x=40evil?=@example.com",
        "=?utf-8?b?YQ0KQmNjOiB4QGV2aWw=?=@example.com",
        "a=?utf-8?q?=0A?=b@example.com",
    ],
)
def test_a_citizen_address_holding_an_encoded_word_gets_no_mail(
    make_app: Callable[..., Flask], smtp: SmtpServer, address: str
) -> None:
    app = hostile_app(make_app, smtp, "Office")
    with app.app_context(), app.test_request_context():
        open_one(policy_from_config(app.config), "Plain subject", "en", citizen_email=address)
        db.session.commit()

    deliver(app)

    [row] = outbox(app)
    assert row.status is OutboxStatus.FAILED
    assert row.last_error and row.last_error.startswith("refused:")
    assert smtp.messages == []
