"""Intake: every message stored first, then a new ticket, a reply, a duplicate, machine mail,
a bounce or quarantine; threading by signed address, signed Message-ID, subject and body."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from enquiry.extensions import db
from enquiry.intake.ingest import (
    IngestResult,
    NotReprocessableError,
    StoreError,
    ingest,
    reprocess,
)
from enquiry.intake.settings import IntakeSettings
from enquiry.intake.threading import Clue, Via, clues, envelope_recipients
from enquiry.mail import outbound
from enquiry.models import (
    AuditEvent,
    Blob,
    Channel,
    InboundEmail,
    InboundOutcome,
    InboundSource,
    Message,
    MessageKind,
    OutboundEmail,
    OutboxStatus,
    Role,
    Status,
    SuppressedAddress,
    Ticket,
)
from tests.app.conftest import english

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"
NOW = datetime(2026, 2, 2, 2, 21, 40, tzinfo=UTC)  # 10:21 in Urumqi's office time
REFERENCE_PLACEHOLDER = b"WLMQ-0000-000000"
ACK_PLACEHOLDER = b"<ack-placeholder@enquiry.invalid>"
REPLY_PLACEHOLDER = b"reply-placeholder@enquiry.invalid"
GBK_BODY = (
    "您好：\n\n我叫王镕喆，住在喆堃社区。请问社区门前的公交站什么时候更名为“喆堃社区站”？"
    "\n\n谢谢！\n王镕喆"
)


def eml(name: str) -> bytes:
    return (DATA / name).read_bytes()


def settings_for(app: Flask) -> IntakeSettings:
    return IntakeSettings.from_config(app.config, db.session)


def take(app: Flask, raw: bytes, now: datetime = NOW, **kwargs: Any) -> IngestResult:
    """Ingest raw bytes as the MTA pipe would."""
    with app.app_context():
        return ingest(
            db.session,
            raw,
            source=InboundSource.PIPE,
            now=now,
            settings=settings_for(app),
            **kwargs,
        )


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def ticket_of(app: Flask, result: IngestResult) -> Ticket:
    with app.app_context():
        assert result.ticket_id is not None, result
        ticket = db.session.get(Ticket, result.ticket_id)
        assert ticket is not None
        db.session.expunge(ticket)
        return ticket


def messages_of(app: Flask, ticket_id: int) -> list[Message]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Message).where(Message.ticket_id == ticket_id).order_by(Message.id)
            )
        )
        for row in rows:
            _ = row.attachments
        db.session.expunge_all()
        return rows


def acknowledgement(app: Flask, ticket_id: int) -> OutboundEmail:
    with app.app_context():
        row = db.session.scalars(
            select(OutboundEmail).where(
                OutboundEmail.ticket_id == ticket_id, OutboundEmail.template == "acknowledgement"
            )
        ).one()
        db.session.expunge(row)
        return row


def inbound_row(app: Flask, inbound_id: int) -> InboundEmail:
    with app.app_context():
        row = db.session.get(InboundEmail, inbound_id)
        assert row is not None
        db.session.expunge(row)
        return row


def identity(app: Flask) -> outbound.MailIdentity:
    with app.app_context():
        return settings_for(app).policy.mail


@pytest.fixture
def first(app: Flask) -> Ticket:
    """The ticket the GBK message opens, which the replies below answer."""
    result = take(app, eml("intake-gbk-new.eml"))
    assert result.outcome is InboundOutcome.CREATED
    return ticket_of(app, result)


def as_reply_to(app: Flask, name: str, ticket: Ticket) -> bytes:
    """A test message with the ticket's reference and acknowledgement's Message-ID put in."""
    ack = acknowledgement(app, ticket.id)
    raw = eml(name).replace(REFERENCE_PLACEHOLDER, ticket.reference.encode())
    return raw.replace(ACK_PLACEHOLDER, ack.message_id.encode())


# --- a new ticket ----------------------------------------------------------------------------


def test_gbk_mail_under_a_gb2312_label_opens_a_ticket_with_its_exact_text(app: Flask) -> None:
    raw = eml("intake-gbk-new.eml")
    result = take(app, raw)

    assert result.outcome is InboundOutcome.CREATED
    ticket = ticket_of(app, result)
    assert ticket.subject == "关于喆堃社区门前公交站更名的咨询"
    assert ticket.citizen_name == "王镕喆"
    assert ticket.citizen_email == "wangrz@example.cn"
    assert (ticket.channel, ticket.locale, ticket.status) == (
        Channel.EMAIL,
        "zh_Hans",
        Status.RECEIVED,
    )
    [message] = messages_of(app, ticket.id)
    assert message.body == GBK_BODY
    assert (message.kind, message.channel) == (MessageKind.CITIZEN, Channel.EMAIL)
    assert message.email_message_id == "202602021021331187204@example.cn"
    assert message.inbound_email_id == result.inbound_email_id
    assert not message.is_flagged

    inbound = inbound_row(app, result.inbound_email_id)
    assert inbound.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert (inbound.source, inbound.size, inbound.ticket_id) == (
        InboundSource.PIPE,
        len(raw),
        ticket.id,
    )
    assert inbound.from_addr == "wangrz@example.cn"
    assert inbound.subject == "关于喆堃社区门前公交站更名的咨询"
    assert inbound.processed_at == NOW
    with app.app_context():
        assert db.session.get(Blob, inbound.raw_sha256).data == raw  # type: ignore[union-attr]

    ack = acknowledgement(app, ticket.id)
    assert ack.to_addr == "wangrz@example.cn"
    assert ack.is_automatic and ack.status is OutboxStatus.PENDING
    assert ticket.reference in ack.subject


def test_uyghur_mail_opens_a_ticket_in_uyghur(app: Flask) -> None:
    ticket = ticket_of(app, take(app, eml("intake-uyghur.eml")))
    assert ticket.locale == "ug"
    assert ticket.citizen_name == "ئابدۇرېھىم ئابلىمىت"
    assert ticket.subject == "ئاپتوبۇس بېكىتىنىڭ نامى ھەققىدە سوئال"
    assert acknowledgement(app, ticket.id).to_addr == "abdurehim.ablimit@example.cn"


def test_attachments_the_form_would_refuse_stay_only_in_the_raw_message(app: Flask) -> None:
    result = take(app, eml("intake-attachments.eml"))
    ticket = ticket_of(app, result)
    [message] = messages_of(app, ticket.id)
    kept = sorted((a.filename, a.content_type) for a in message.attachments)
    assert kept == [("申请表.pdf", "application/pdf"), ("积水.png", "image/png")]
    assert "setup.exe: type_not_allowed" in (result.detail or "")


def test_a_subject_that_only_looks_automatic_opens_a_ticket_without_acknowledgement(
    app: Flask,
) -> None:
    result = take(app, eml("intake-subject-looks-automatic.eml"))
    assert result.outcome is InboundOutcome.CREATED
    assert "no acknowledgement" in (result.detail or "")
    assert count(app, OutboundEmail) == 0


def test_mail_without_any_sender_address_is_quarantined(app: Flask) -> None:
    raw = b"To: enquiry@enquiry.localhost\r\nSubject: hello\r\n\r\nno sender at all\r\n"
    result = take(app, raw)
    assert result.outcome is InboundOutcome.QUARANTINED
    assert "NoSenderError" in (result.detail or "")
    assert count(app, Ticket) == 0


# --- threading -------------------------------------------------------------------------------


def test_qq_reply_without_in_reply_to_finds_its_ticket_by_the_subject(
    app: Flask, first: Ticket
) -> None:
    result = take(app, as_reply_to(app, "intake-qq-reply.eml", first), NOW + timedelta(days=1))

    assert (result.outcome, result.ticket_id) == (InboundOutcome.APPENDED, first.id)
    assert result.detail == "via subject"
    reply = messages_of(app, first.id)[-1]
    assert reply.body.startswith("公交站的事情我再补充一下：站牌上的“堃”字印错了。")
    assert "原始邮件" in reply.body  # the quoted history is kept
    assert reply.email_message_id == "tencent_9E1C5A0B7D3F42A6B8C1D2E3F4A5B6C7D808@qq.com"
    assert not reply.is_flagged
    assert count(app, Ticket) == 1
    assert count(app, OutboundEmail) == 1  # only the first acknowledgement


def test_reply_to_our_acknowledgement_finds_its_ticket_by_in_reply_to(
    app: Flask, first: Ticket
) -> None:
    raw = as_reply_to(app, "intake-reply-in-reply-to.eml", first)
    result = take(app, raw, NOW + timedelta(days=2))
    assert (result.outcome, result.ticket_id, result.detail) == (
        InboundOutcome.APPENDED,
        first.id,
        "via message_id",
    )


@pytest.mark.parametrize("lower_case", [False, True])
def test_the_signed_reply_address_finds_its_ticket(
    app: Flask, first: Ticket, lower_case: bool
) -> None:
    address = outbound.reply_address(identity(app), first.reference)
    address = address.lower() if lower_case else address  # servers may lower-case it
    raw = eml("intake-reply-address.eml").replace(REPLY_PLACEHOLDER, address.encode())
    result = take(app, raw, NOW + timedelta(days=3))
    assert (result.outcome, result.ticket_id, result.detail) == (
        InboundOutcome.APPENDED,
        first.id,
        "via reply_address",
    )


def test_a_forged_reply_address_is_ignored(app: Flask, first: Ticket) -> None:
    local, _, domain = outbound.reply_address(identity(app), first.reference).partition("@")
    forged = f"{local[:-4]}0000@{domain}"
    raw = eml("intake-reply-address.eml").replace(REPLY_PLACEHOLDER, forged.encode())
    result = take(app, raw, NOW + timedelta(days=3))
    assert result.outcome is InboundOutcome.CREATED
    assert result.ticket_id != first.id


def test_the_reply_address_in_delivered_to_counts(app: Flask, first: Ticket) -> None:
    address = outbound.reply_address(identity(app), first.reference)
    raw = b"Delivered-To: " + address.encode() + b"\r\n" + eml("intake-reply-address.eml")
    result = take(app, raw, NOW + timedelta(days=3))
    assert (result.ticket_id, result.detail) == (first.id, "via reply_address")


def test_a_reply_from_another_address_is_added_but_flagged(app: Flask, first: Ticket) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, first.id)
        assert ticket is not None
        ticket.status = Status.ANSWERED
        db.session.commit()
    raw = as_reply_to(app, "intake-reply-other-sender.eml", first)
    result = take(app, raw, NOW + timedelta(days=4))

    assert (result.outcome, result.ticket_id) == (InboundOutcome.APPENDED, first.id)
    reply = messages_of(app, first.id)[-1]
    assert reply.is_flagged
    assert "likun@example.org" in (reply.flag_reason or "")
    # A signed Message-ID vouches for the thread: the answered ticket is reopened.
    assert ticket_of(app, result).status is Status.IN_PROGRESS


def test_a_stranger_naming_only_the_reference_gets_a_ticket_of_their_own(
    app: Flask, first: Ticket
) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, first.id)
        assert ticket is not None
        ticket.status = Status.ANSWERED
        db.session.commit()
    raw = as_reply_to(app, "intake-qq-reply.eml", first)
    raw = raw.replace(b"<wangrz@example.cn>", b"<stranger@example.net>", 1)
    result = take(app, raw, NOW + timedelta(days=4))

    assert result.outcome is InboundOutcome.CREATED and result.ticket_id != first.id
    assert f"mentions {first.reference} (via subject)" in (result.detail or "")
    kinds = [message.kind for message in messages_of(app, first.id)]
    assert kinds == [MessageKind.CITIZEN, MessageKind.EVENT]  # a note for staff, no mail
    assert ticket_of(app, result).citizen_email == "stranger@example.net"
    with app.app_context():
        assert db.session.get(Ticket, first.id).status is Status.ANSWERED  # type: ignore[union-attr]


def test_the_citizen_reopens_an_answered_ticket_by_replying(app: Flask, first: Ticket) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, first.id)
        assert ticket is not None
        ticket.status = Status.ANSWERED
        db.session.commit()
    result = take(app, as_reply_to(app, "intake-qq-reply.eml", first), NOW + timedelta(days=4))
    assert ticket_of(app, result).status is Status.IN_PROGRESS


def test_a_reply_to_a_merged_ticket_lands_on_the_ticket_it_was_merged_into(
    app: Flask, first: Ticket
) -> None:
    other = ticket_of(app, take(app, eml("intake-uyghur.eml")))
    with app.app_context():
        ticket = db.session.get(Ticket, first.id)
        assert ticket is not None
        ticket.status, ticket.merged_into_id = Status.MERGED, other.id
        db.session.commit()
    result = take(app, as_reply_to(app, "intake-reply-in-reply-to.eml", first))
    assert (result.outcome, result.ticket_id) == (InboundOutcome.APPENDED, other.id)


# --- duplicates and machines -----------------------------------------------------------------


def test_the_same_message_twice_makes_one_ticket(app: Flask) -> None:
    first_result = take(app, eml("intake-gbk-new.eml"))
    second = take(app, eml("intake-gbk-new.eml"), NOW + timedelta(minutes=5))

    assert first_result.outcome is InboundOutcome.CREATED
    assert second.outcome is InboundOutcome.DUPLICATE
    assert second.ticket_id == first_result.ticket_id
    assert (count(app, Ticket), count(app, OutboundEmail)) == (1, 1)
    assert (count(app, InboundEmail), count(app, Blob)) == (2, 1)


def test_the_same_message_at_once_from_several_sources_makes_one_ticket(app: Flask) -> None:
    raw = eml("intake-gbk-new.eml")
    results: list[IngestResult] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        results.append(take(app, raw))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    outcomes = sorted(result.outcome.value for result in results)
    assert outcomes == ["created", "duplicate", "duplicate"], [r.detail for r in results]
    assert (count(app, Ticket), count(app, OutboundEmail)) == (1, 1)


@pytest.mark.parametrize(
    "name", ["intake-out-of-office.eml", "intake-qq-auto-reply.eml", "intake-list.eml"]
)
def test_machine_mail_gets_no_ticket_and_no_reply(app: Flask, first: Ticket, name: str) -> None:
    before = (count(app, Ticket), count(app, OutboundEmail), count(app, Message))
    result = take(app, as_reply_to(app, name, first), NOW + timedelta(minutes=4))

    assert result.outcome is InboundOutcome.AUTO_REPLY
    assert (count(app, Ticket), count(app, OutboundEmail), count(app, Message)) == before
    if name != "intake-list.eml":  # recorded against the ticket it answers
        assert result.ticket_id == first.id


def test_a_bounce_of_our_acknowledgement_fails_it_and_suppresses_the_address(
    app: Flask, first: Ticket
) -> None:
    result = take(app, as_reply_to(app, "intake-bounce.eml", first), NOW + timedelta(minutes=5))

    assert (result.outcome, result.ticket_id) == (InboundOutcome.BOUNCE, first.id)
    ack = acknowledgement(app, first.id)
    assert ack.status is OutboxStatus.FAILED
    assert "550 5.1.1" in (ack.last_error or "")
    with app.app_context():
        suppressed = db.session.get(SuppressedAddress, "wangrz@example.cn")
        assert suppressed is not None and "550 5.1.1" in suppressed.reason
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.ticket_id == first.id)
        ).all()
    assert "mail.bounced" in actions
    event = messages_of(app, first.id)[-1]
    assert event.kind is MessageKind.EVENT
    assert "wangrz@example.cn" in event.body and "550 5.1.1" in event.body
    assert count(app, Ticket) == 1


def test_a_bounce_of_mail_that_is_not_ours_suppresses_nothing(app: Flask) -> None:
    result = take(app, eml("intake-bounce.eml"))
    assert result.outcome is InboundOutcome.BOUNCE
    assert "not one of ours" in (result.detail or "")
    assert count(app, SuppressedAddress) == 0


# --- nothing received is lost ----------------------------------------------------------------


def test_a_failure_after_storing_quarantines_the_message_and_reprocess_recovers_it(
    app: Flask,
) -> None:
    raw = eml("intake-gbk-new.eml")

    def fail(_session: Any) -> None:
        raise RuntimeError("the database refused the write")

    result = take(app, raw, before_commit=fail)

    assert result.outcome is InboundOutcome.QUARANTINED
    assert "RuntimeError: the database refused the write" in (result.detail or "")
    assert (count(app, Ticket), count(app, OutboundEmail), count(app, Message)) == (0, 0, 0)
    inbound = inbound_row(app, result.inbound_email_id)
    assert inbound.from_addr == "wangrz@example.cn"
    with app.app_context():
        blob = db.session.get(Blob, hashlib.sha256(raw).hexdigest())
        assert blob is not None and blob.data == raw

        again = reprocess(db.session, result.inbound_email_id, now=NOW, settings=settings_for(app))
    assert again.outcome is InboundOutcome.CREATED
    assert (count(app, Ticket), count(app, OutboundEmail)) == (1, 1)
    with app.app_context(), pytest.raises(NotReprocessableError):
        reprocess(db.session, result.inbound_email_id, now=NOW, settings=settings_for(app))


def test_storing_failure_is_raised_so_the_source_can_retry(app: Flask) -> None:
    def fail(_session: Any, _inbound: InboundEmail) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(StoreError):
        take(app, eml("intake-gbk-new.eml"), on_stored=fail)
    assert (count(app, InboundEmail), count(app, Blob)) == (0, 0)


def test_garbage_is_kept_quarantined_visible_downloadable_and_reprocessable(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    raw = eml("intake-garbage.bin")
    result = take(app, raw)
    assert result.outcome is InboundOutcome.QUARANTINED
    assert "not an e-mail message" in (result.detail or "")

    client = english(app.test_client())
    staff_login(client, role=Role.ADMIN)
    listing = client.get("/staff/mailroom?outcome=quarantined")
    assert listing.status_code == 200
    assert f"/staff/mailroom/{result.inbound_email_id}" in listing.get_data(as_text=True)
    page = client.get(f"/staff/mailroom/{result.inbound_email_id}")
    assert page.status_code == 200
    assert "not a readable e-mail" in page.get_data(as_text=True)

    download = client.get(f"/staff/mailroom/{result.inbound_email_id}/raw")
    assert download.status_code == 200
    assert download.data == raw
    assert download.mimetype == "message/rfc822"
    assert "attachment" in download.headers["Content-Disposition"]
    assert f"inbound-{result.inbound_email_id}.eml" in download.headers["Content-Disposition"]

    again = client.post(f"/staff/mailroom/{result.inbound_email_id}/reprocess")
    assert again.status_code == 302
    assert inbound_row(app, result.inbound_email_id).outcome is InboundOutcome.QUARANTINED


def test_the_mailroom_button_reprocesses_a_quarantined_message(
    app: Flask, staff_login: Callable[..., Any], audit_actions: Callable[[], list[str]]
) -> None:
    def fail(_session: Any) -> None:
        raise RuntimeError("simulated failure")

    result = take(app, eml("intake-uyghur.eml"), before_commit=fail)
    client = english(app.test_client())
    staff_login(client, role=Role.SUPERVISOR)
    page = client.get(f"/staff/mailroom/{result.inbound_email_id}").get_data(as_text=True)
    assert "Process again" in page and "simulated failure" in page

    response = client.post(f"/staff/mailroom/{result.inbound_email_id}/reprocess")
    assert response.status_code == 302
    assert inbound_row(app, result.inbound_email_id).outcome is InboundOutcome.CREATED
    assert count(app, Ticket) == 1
    assert "mail.reprocessed" in audit_actions()
    # Done: no button any more, and a second POST changes nothing.
    assert "Process again" not in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(f"/staff/mailroom/{result.inbound_email_id}/reprocess")
    assert count(app, Ticket) == 1


def test_agents_may_not_open_the_mailroom(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = english(app.test_client())
    staff_login(client, role=Role.AGENT)
    assert client.get("/staff/mailroom").status_code == 403


# --- pure parts ------------------------------------------------------------------------------


IDENTITY = outbound.MailIdentity(
    sender="xxgk@enquiry.localhost", domain="enquiry.localhost", secret="s3cret", base_url="x"
)


def test_our_message_ids_and_reply_addresses_verify_and_forgeries_do_not() -> None:
    message_id = outbound.make_message_id(IDENTITY, "WLMQ-2026-000123")
    assert outbound.verify_message_id(IDENTITY, message_id) == "WLMQ-2026-000123"
    assert outbound.verify_message_id(IDENTITY, message_id.strip("<>")) == "WLMQ-2026-000123"
    forged = message_id.replace("WLMQ-2026-000123", "WLMQ-2026-000124")
    assert outbound.verify_message_id(IDENTITY, forged) is None
    other_secret = outbound.MailIdentity("xxgk@enquiry.localhost", "enquiry.localhost", "x", "x")
    assert outbound.verify_message_id(other_secret, message_id) is None
    assert outbound.verify_message_id(IDENTITY, "<abc@example.cn>") is None

    address = outbound.reply_address(IDENTITY, "WLMQ-2026-000123")
    assert outbound.verify_reply_address(IDENTITY, address) == "WLMQ-2026-000123"
    assert outbound.verify_reply_address(IDENTITY, address.upper()) == "WLMQ-2026-000123"
    assert outbound.verify_reply_address(IDENTITY, address.replace("000123", "000124")) is None
    assert outbound.verify_reply_address(IDENTITY, "xxgk@enquiry.localhost") is None


def test_clues_come_strongest_first() -> None:
    from enquiry.mail.parse.inbound import parse

    ours = outbound.make_message_id(IDENTITY, "WLMQ-2026-000002")
    raw = (
        f"From: a@example.cn\r\nTo: {outbound.reply_address(IDENTITY, 'WLMQ-2026-000001')}\r\n"
        f"Subject: Re: [WLMQ-2026-000003] hello\r\nIn-Reply-To: {ours}\r\n"
        "Message-ID: <m1@example.cn>\r\n\r\nhi\r\n[ref:WLMQ-2026-000004]\r\n"
    ).encode()
    found = list(clues(parse(raw), identity=IDENTITY, prefix="WLMQ"))
    assert found == [
        Clue(Via.REPLY_ADDRESS, reference="WLMQ-2026-000001"),
        Clue(Via.MESSAGE_ID, reference="WLMQ-2026-000002"),
        Clue(Via.EARLIER_MESSAGE, message_id=ours.strip("<>")),
        Clue(Via.SUBJECT, reference="WLMQ-2026-000003"),
        Clue(Via.BODY, reference="WLMQ-2026-000004"),
    ]


def test_envelope_recipients_come_from_delivery_headers() -> None:
    raw = (
        b"Delivered-To: xxgk+WLMQ-2026-000001.abc@enquiry.localhost\r\n"
        b"X-Original-To: other@enquiry.localhost\r\nTo: x@example.cn\r\n\r\n"
        b"Delivered-To: body@example.cn\r\n"
    )
    assert envelope_recipients(raw) == (
        "xxgk+wlmq-2026-000001.abc@enquiry.localhost",
        "other@enquiry.localhost",
    )
    assert envelope_recipients(b"\x00\xff garbage") == ()
    broken = b"Received: by mx;\r\r\nDelivered-To: d@enquiry.localhost\r\nTo: x@example.cn\r\n\r\nb"
    assert envelope_recipients(broken) == ("d@enquiry.localhost",)
