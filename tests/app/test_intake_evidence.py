"""Intake on the evidence a message carries: bounces from a mail system's postmaster without a
report part, references typed into a reply, Message-IDs reused for different messages, and
addresses with a final dot (mail and web form)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    InboundEmail,
    InboundOutcome,
    Message,
    MessageKind,
    OutboundEmail,
    OutboxStatus,
    Status,
    SuppressedAddress,
    Ticket,
)
from tests.app.test_ask import only_ticket, post_enquiry
from tests.app.test_intake import (
    ACK_PLACEHOLDER,
    NOW,
    acknowledgement,
    count,
    eml,
    inbound_row,
    messages_of,
    take,
    ticket_of,
)

FULL_WIDTH = str.maketrans({**{chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}, " ": "\u3000"})


@pytest.fixture
def opened(app: Flask) -> Ticket:
    """The ticket Wang's GBK message opens."""
    result = take(app, eml("intake-gbk-new.eml"))
    assert result.outcome is InboundOutcome.CREATED
    return ticket_of(app, result)


def typed_reply(ticket: Ticket, sender: bytes = b"WangRZ@Example.CN") -> bytes:
    """Wang's reply naming the ticket only in its body, in full-width characters."""
    raw = eml("intake-typed-reference.eml")
    typed = ticket.reference.translate(FULL_WIDTH).encode()
    raw = raw.replace("ＷＬＭＱ－００００－００００００".encode(), typed)
    return raw.replace(b"<WangRZ@Example.CN>", b"<" + sender + b">")


def events(app: Flask, ticket_id: int) -> list[str]:
    return [m.body for m in messages_of(app, ticket_id) if m.kind is MessageKind.EVENT]


# --- 13: a bounce from post_master@ with a "Re:" subject and no report part -----------------


def test_a_postmaster_bounce_without_a_report_part_opens_nothing_and_is_not_answered(
    app: Flask,
) -> None:
    result = take(app, eml("intake-postmaster-bounce.eml"))

    assert result.outcome is InboundOutcome.BOUNCE
    assert "550 5.1.1" in (result.detail or "")
    assert (count(app, Ticket), count(app, OutboundEmail), count(app, Message)) == (0, 0, 0)


def test_a_postmaster_bounce_of_our_acknowledgement_fails_it(app: Flask, opened: Ticket) -> None:
    ack = acknowledgement(app, opened.id)
    raw = eml("intake-postmaster-bounce.eml").replace(ACK_PLACEHOLDER, ack.message_id.encode())
    result = take(app, raw, NOW + timedelta(minutes=6))

    assert (result.outcome, result.ticket_id) == (InboundOutcome.BOUNCE, opened.id)
    ack = acknowledgement(app, opened.id)
    assert ack.status is OutboxStatus.FAILED and "550 5.1.1" in (ack.last_error or "")
    with app.app_context():
        assert db.session.get(SuppressedAddress, "wangrz@example.cn") is not None
    assert ticket_of(app, result).status is Status.RECEIVED  # not reopened as a reply
    assert [m.kind for m in messages_of(app, opened.id)] == [MessageKind.CITIZEN, MessageKind.EVENT]
    assert (count(app, Ticket), count(app, OutboundEmail)) == (1, 1)


# --- 14: a reference typed in the body ------------------------------------------------------


def test_the_citizens_reply_with_only_a_typed_reference_joins_the_ticket(
    app: Flask, opened: Ticket
) -> None:
    result = take(app, typed_reply(opened), NOW + timedelta(days=2))

    assert (result.outcome, result.ticket_id) == (InboundOutcome.APPENDED, opened.id)
    assert result.detail == "via typed_reference"
    reply = messages_of(app, opened.id)[-1]
    assert reply.kind is MessageKind.CITIZEN and not reply.is_flagged
    assert "站牌上的“堃”字已经改好了" in reply.body
    assert (count(app, Ticket), count(app, OutboundEmail)) == (1, 1)


def test_a_stranger_typing_the_reference_gets_a_new_ticket_noted_on_both(
    app: Flask, opened: Ticket
) -> None:
    result = take(app, typed_reply(opened, b"likun@example.org"), NOW + timedelta(days=2))

    assert result.outcome is InboundOutcome.CREATED and result.ticket_id != opened.id
    new = ticket_of(app, result)
    assert new.citizen_email == "likun@example.org"
    assert f"mentions {opened.reference}" in (result.detail or "")
    # Nothing of the stranger's mail is on Wang's ticket: only a note for staff.
    assert [m.kind for m in messages_of(app, opened.id)] == [MessageKind.CITIZEN, MessageKind.EVENT]
    [on_named] = events(app, opened.id)
    assert new.reference in on_named and "likun@example.org" in on_named
    [on_new] = events(app, new.id)
    assert f"mentions {opened.reference}" in on_new
    assert acknowledgement(app, new.id).to_addr == "likun@example.org"
    with app.app_context():
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "mail.mentions_ticket")
        ).one()
        assert audit.ticket_id == new.id


# --- 15: Message-ID reused for a different message ------------------------------------------


def test_a_different_message_reusing_a_message_id_is_taken_in_and_marked(
    app: Flask, opened: Ticket
) -> None:
    raw = eml("intake-uyghur.eml")
    other = b"Message-ID: <202602021021331187204@example.cn>\r\n" + b"\r\n".join(
        line for line in raw.split(b"\r\n") if not line.lower().startswith(b"message-id:")
    )
    result = take(app, other, NOW + timedelta(hours=1))

    assert result.outcome is InboundOutcome.CREATED and result.ticket_id != opened.id
    assert "Message-ID collision" in (result.detail or "")
    with app.app_context():
        first_id = db.session.scalar(
            select(InboundEmail.id).where(InboundEmail.ticket_id == opened.id)
        )
    assert f"#{first_id}" in (result.detail or "")
    assert (
        inbound_row(app, result.inbound_email_id).message_id == "202602021021331187204@example.cn"
    )
    [note] = events(app, result.ticket_id or 0)
    assert "Message-ID collision" in note
    assert (count(app, Ticket), count(app, OutboundEmail)) == (2, 2)


def test_the_same_message_delivered_again_with_other_trace_headers_is_a_duplicate(
    app: Flask, opened: Ticket
) -> None:
    again = b"Received: from relay2.example.cn by mx2.enquiry.localhost\r\n" + eml(
        "intake-gbk-new.eml"
    )
    result = take(app, again, NOW + timedelta(minutes=3))

    assert (result.outcome, result.ticket_id) == (InboundOutcome.DUPLICATE, opened.id)
    assert (count(app, Ticket), count(app, OutboundEmail), count(app, InboundEmail)) == (1, 1, 2)


def test_a_message_taken_in_before_keys_were_kept_still_makes_its_repeat_a_duplicate(
    app: Flask, opened: Ticket
) -> None:
    """Rows from before the dedupe key (its column empty) are matched on Message-ID, sender and
    subject; a different subject under the same Message-ID is a collision, not a duplicate."""
    with app.app_context():
        first = db.session.scalars(
            select(InboundEmail).where(InboundEmail.ticket_id == opened.id)
        ).one()
        first.dedupe_key = None
        db.session.commit()
        first_id = first.id
    again = take(app, eml("intake-gbk-new.eml"), NOW + timedelta(minutes=3))
    assert (again.outcome, again.ticket_id) == (InboundOutcome.DUPLICATE, opened.id)
    assert again.detail == f"same as #{first_id}"

    retitled = eml("intake-gbk-new.eml").replace(b"\r\nSubject: ", b"\r\nSubject: Fwd: ", 1)
    other = take(app, retitled, NOW + timedelta(minutes=4))
    assert other.outcome is InboundOutcome.CREATED and other.ticket_id != opened.id
    assert (
        f"Message-ID collision: a different message was taken in under it before, as #{first_id}"
        in (other.detail or "")
    )


def test_a_message_without_a_message_id_is_a_duplicate_only_of_the_same_bytes(
    app: Flask,
) -> None:
    raw = b"\r\n".join(
        line
        for line in eml("intake-uyghur.eml").split(b"\r\n")
        if not line.lower().startswith(b"message-id:")
    )
    first = take(app, raw)
    again = take(app, raw, NOW + timedelta(minutes=1))
    changed = take(app, b"X-Relay: another\r\n" + raw, NOW + timedelta(minutes=2))
    assert first.outcome is InboundOutcome.CREATED
    assert (again.outcome, again.ticket_id) == (InboundOutcome.DUPLICATE, first.ticket_id)
    assert again.detail == f"same as #{first.inbound_email_id}"
    assert changed.outcome is InboundOutcome.CREATED and changed.ticket_id != first.ticket_id
    assert "collision" not in (changed.detail or "")


# --- 15: addresses with a final dot, and raw GBK headers ------------------------------------


def test_a_sender_address_with_a_final_dot_is_answered_without_it(app: Flask) -> None:
    ticket = ticket_of(app, take(app, eml("intake-trailing-dot.eml")))
    assert ticket.citizen_email == "zhangsan@yahoo.com"
    assert acknowledgement(app, ticket.id).to_addr == "zhangsan@yahoo.com"


def test_the_web_form_drops_a_final_dot_from_the_address(app: Flask, client: FlaskClient) -> None:
    response = post_enquiry(client, email="maimaiti@example.com.")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert only_ticket(app).citizen_email == "maimaiti@example.com"


def test_raw_gbk_headers_under_a_latin1_body_make_a_readable_ticket(app: Flask) -> None:
    ticket = ticket_of(app, take(app, eml("gbk-8bit-header-latin1-body.eml")))
    assert (ticket.subject, ticket.citizen_name) == ("关于喆堃社区供暖的咨询", "王镕喆")
