"""The answer loop: reply and close in one step, implicit 签收/办理, the stale-page check, drafts,
presence, one greeting in the mail, and follow-ups on closed tickets (via mail intake)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    InboundOutcome,
    Message,
    MessageKind,
    OutboundEmail,
    ReplyDraft,
    Role,
    Status,
    Ticket,
    TicketPresence,
    utcnow,
)
from enquiry.rules.follow_up import asks_something_new
from enquiry.rules.greeting import starts_with_greeting
from tests.app.conftest import english
from tests.app.test_intake import NOW, acknowledgement, eml, take, ticket_of
from tests.app.test_staff_ticket import open_enquiry, snapshot

SEEN = re.compile(r'name="reply-seen" type="hidden" value="(\d+)"')


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


def set_status(app: Flask, ticket_id: int, status: Status, at: Any = None) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = status
        ticket.closed_at = (at or utcnow()) if status is Status.CLOSED else None
        db.session.commit()


def seen_on_page(client: FlaskClient, ticket_id: int) -> str:
    (seen,) = SEEN.findall(client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True))
    return seen


def actions(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context():
        query = sa.select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def reply_mails(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context():
        query = sa.select(OutboundEmail.body_text).where(
            OutboundEmail.ticket_id == ticket_id, OutboundEmail.template == "reply"
        )
        return list(db.session.scalars(query))


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.ROUTED])
def test_send_and_close_from_received_or_routed_in_one_post_records_every_step(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], status: Status
) -> None:
    ticket_id, _, _ = open_enquiry(app, name="王建国")
    set_status(app, ticket_id, status)
    staff_login(client, role=Role.SUPERVISOR)
    seen = seen_on_page(client, ticket_id)
    data = {"reply-body": "试点小区名单已公布。", "reply-seen": seen, "close": "1"}
    response = client.post(f"/staff/tickets/{ticket_id}/answer", data=data)

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).status is Status.CLOSED  # type: ignore[union-attr]
    assert actions(app, ticket_id)[-4:] == [
        "ticket.acknowledge",
        "ticket.start",
        "ticket.answer",
        "ticket.close",
    ]
    (mail,) = reply_mails(app, ticket_id)
    assert mail.count("王建国") == 1  # the mail's own "Dear …" and nothing doubled


def test_an_agent_may_send_but_not_send_and_close(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "Send and close" not in page and ">Send</button>" in page
    data = {"reply-body": "答复", "reply-seen": seen_on_page(client, ticket_id), "close": "1"}
    before = snapshot(app, ticket_id)
    assert client.post(f"/staff/tickets/{ticket_id}/answer", data=data).status_code == 403
    assert snapshot(app, ticket_id) == before


def test_a_reply_against_a_stale_page_is_refused_with_409_and_the_text_kept(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.SUPERVISOR)
    stale = seen_on_page(client, ticket_id)
    first = {"reply-body": "第一位办理人的答复。", "reply-seen": stale}
    assert client.post(f"/staff/tickets/{ticket_id}/answer", data=first).status_code == 302
    before = snapshot(app, ticket_id)

    second = {"reply-body": "第二位办理人的答复。", "reply-seen": stale, "close": "1"}
    response = client.post(f"/staff/tickets/{ticket_id}/answer", data=second)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone wrote on this ticket after you opened it" in page
    assert "第一位办理人的答复。" in page  # the newer message is shown
    assert page.count("message-newer") == 1  # and marked as new since the page
    assert "第二位办理人的答复。</textarea>" in page  # the typed text is kept
    assert snapshot(app, ticket_id) == before  # nothing sent, nothing closed
    assert len(reply_mails(app, ticket_id)) == 1
    assert SEEN.findall(page) != [stale]  # sending again now is a deliberate choice


def test_a_body_that_greets_gets_no_second_greeting_in_the_mail(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app, name="王建国")
    staff_login(client, role=Role.AGENT)
    body = "尊敬的王建国：\n\n您好！试点小区名单已公布。"
    data = {"reply-body": body, "reply-seen": seen_on_page(client, ticket_id)}
    assert client.post(f"/staff/tickets/{ticket_id}/answer", data=data).status_code == 302
    (mail,) = reply_mails(app, ticket_id)
    assert mail.count("尊敬的") == 1 and mail.count("王建国") == 1


def test_greetings_are_recognised_in_three_languages() -> None:
    assert starts_with_greeting("尊敬的王先生：")
    assert starts_with_greeting("  您好！")
    assert starts_with_greeting("Dear Ms Li,")
    assert starts_with_greeting("ھۆرمەتلىك ئابدۇللا ئەپەندى")
    assert starts_with_greeting("李梅您好：感谢您的建议。")  # the name first, as letters do
    assert starts_with_greeting("王先生，您好！")
    assert starts_with_greeting("张女士：\n经查，")
    assert starts_with_greeting("ئەسسالامۇئەلەيكۇم")
    assert not starts_with_greeting("试点小区名单已公布。")
    assert not starts_with_greeting("关于您咨询的问题，答复如下：")
    assert not starts_with_greeting("经核实，王先生反映的问题已转交住建局。您好好保存回执。")
    assert not starts_with_greeting("Hiring notices are published monthly.")


def test_the_draft_is_saved_per_user_and_comes_back_after_a_reload(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT)
    saved = client.post(
        f"/staff/tickets/{ticket_id}/draft", data={"reply-body": "写到一半的<答复>"}
    )
    assert saved.status_code == 200 and "Draft saved" in saved.get_data(as_text=True)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "写到一半的&lt;答复&gt;</textarea>" in page

    other = english(app.test_client())
    staff_login(other, role=Role.AGENT, email="other@example.gov.cn")
    assert "写到一半的" not in other.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)

    data = {"reply-body": "定稿。", "reply-seen": seen_on_page(client, ticket_id)}
    assert client.post(f"/staff/tickets/{ticket_id}/answer", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyDraft)) == 0
    too_long = client.post(f"/staff/tickets/{ticket_id}/draft", data={"reply-body": "x" * 60000})
    assert too_long.status_code == 400


def test_a_draft_save_trailing_the_sent_reply_does_not_bring_it_back(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    """The browser saves the draft 0.8 s after the last key: a save that reaches the server
    after "Send" (from the page that sent it) must not keep the sent text as a draft."""
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT)
    seen = seen_on_page(client, ticket_id)
    sent = {"reply-body": "已答复的内容。", "reply-seen": seen}
    assert client.post(f"/staff/tickets/{ticket_id}/answer", data=sent).status_code == 302
    trailing = client.post(f"/staff/tickets/{ticket_id}/draft", data=sent)
    assert trailing.status_code == 409
    assert "has been sent" in trailing.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyDraft)) == 0
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "已答复的内容。</textarea>" not in page

    # The page drawn after the reply saves the next draft; a colleague's reply blocks nobody else.
    fresh = {"reply-body": "补充说明", "reply-seen": seen_on_page(client, ticket_id)}
    assert client.post(f"/staff/tickets/{ticket_id}/draft", data=fresh).status_code == 200
    other = english(app.test_client())
    staff_login(other, role=Role.AGENT, email="colleague@example.gov.cn")
    theirs = {"reply-body": "同事的草稿", "reply-seen": seen}
    assert other.post(f"/staff/tickets/{ticket_id}/draft", data=theirs).status_code == 200
    with app.app_context():
        kept = db.session.scalars(sa.select(ReplyDraft.body).order_by(ReplyDraft.id)).all()
    assert kept == ["补充说明", "同事的草稿"]
    bad = {"reply-body": "x", "reply-seen": "1e9"}
    assert client.post(f"/staff/tickets/{ticket_id}/draft", data=bad).status_code == 400


def test_the_draft_needs_a_csrf_token(app: Flask, staff_login: Callable[..., Any]) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = english(app.test_client())
    ticket_id, _, _ = open_enquiry(app)
    response = client.post(f"/staff/tickets/{ticket_id}/draft", data={"reply-body": "x"})
    assert response.status_code in (302, 400)  # not signed in, or no token: nothing saved
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyDraft)) == 0


def test_an_expired_form_under_htmx_gets_a_line_not_a_whole_page(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    """htmx swaps a draft's failure into the status line: an expired CSRF token must put the
    message there, not a whole error page nested in the ticket page."""
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT)
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/staff/tickets/{ticket_id}/draft"
    fragment = client.post(url, data={"reply-body": "x"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 400
    text = fragment.get_data(as_text=True)
    assert "<html" not in text.lower() and 'role="alert"' in text
    assert "Your form has expired" in text
    page = client.post(url, data={"reply-body": "x"})  # without htmx: the full page, as before
    assert page.status_code == 400 and "<html" in page.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyDraft)) == 0


def test_presence_shows_colleagues_and_who_is_writing_until_the_heartbeat_expires(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT, display_name="甲")
    other = english(app.test_client())
    staff_login(other, role=Role.AGENT, email="yi@example.gov.cn", display_name="乙")

    alone = client.post(f"/staff/tickets/{ticket_id}/presence").get_data(as_text=True)
    assert "viewing" not in alone
    seen = other.post(f"/staff/tickets/{ticket_id}/presence").get_data(as_text=True)
    assert "甲 is also viewing this ticket." in seen
    client.post(f"/staff/tickets/{ticket_id}/draft", data={"reply-body": "正在写"})
    assert "甲 is writing a reply" in other.post(f"/staff/tickets/{ticket_id}/presence").get_data(
        as_text=True
    )
    with app.app_context():
        for row in db.session.scalars(sa.select(TicketPresence)):
            row.seen_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert "甲" not in other.post(f"/staff/tickets/{ticket_id}/presence").get_data(as_text=True)


def test_a_closed_ticket_is_reopened_by_staff_with_one_click(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_status(app, ticket_id, Status.CLOSED)
    staff_login(client, role=Role.AGENT)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert f'action="/staff/tickets/{ticket_id}/reopen"' in page
    assert client.post(f"/staff/tickets/{ticket_id}/reopen").status_code == 302
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status is Status.IN_PROGRESS
    assert "ticket.reopen" in actions(app, ticket_id)[-2:]


# --- follow-ups on a closed ticket, through mail intake ---------------------------------------


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("谢谢！", False),
        ("收到，非常感谢你们的帮助。", False),
        ("Thanks a lot, that solves it.", False),
        ("请问站牌会保留吗", True),
        ("站牌会保留？", True),
        ("How do I apply for the next round", True),
        ("另外，" + "我还想反映小区门口道路长期积水的问题，" * 4, True),
    ],
)
def test_what_counts_as_asking_something_new(text: str, asks: bool) -> None:
    assert asks_something_new(text) is asks


def citizen_reply(app: Flask, ticket: Ticket, text: str) -> bytes:
    """The citizen's answer to the acknowledgement, quoting it (with its question mark)."""
    ack = acknowledgement(app, ticket.id)
    message = EmailMessage()
    message["From"] = f"{ticket.citizen_name} <{ticket.citizen_email}>"
    message["To"] = "xxgk@enquiry.localhost"
    message["Subject"] = f"Re: [{ticket.reference}] 您的咨询已收到"
    message["Message-ID"] = make_msgid(domain="example.cn")
    message["In-Reply-To"] = ack.message_id
    message["References"] = ack.message_id
    message.set_content(f"{text}\n\n在 2026年2月2日，政务办 写道：\n> 请问还有什么问题吗？\n")
    return message.as_bytes()


@pytest.fixture
def closed(app: Flask) -> Ticket:
    result = take(app, eml("intake-gbk-new.eml"))
    assert result.outcome is InboundOutcome.CREATED
    set_status(app, result.ticket_id or 0, Status.CLOSED, at=NOW + timedelta(days=1))
    return ticket_of(app, result)


def test_a_thank_you_by_mail_stays_on_the_closed_ticket_marked_new(
    app: Flask, closed: Ticket, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    result = take(app, citizen_reply(app, closed, "谢谢！"), NOW + timedelta(days=4))
    assert (result.outcome, result.ticket_id) == (InboundOutcome.APPENDED, closed.id)
    assert ticket_of(app, result).status is Status.CLOSED
    with app.app_context():
        last = db.session.scalars(
            sa.select(Message).where(Message.ticket_id == closed.id).order_by(Message.id.desc())
        ).first()
        assert last is not None and last.kind is MessageKind.CITIZEN
    staff_login(client, role=Role.AGENT)
    page = client.get(f"/staff/tickets/{closed.id}").get_data(as_text=True)
    assert "New since the ticket was closed" in page and "/reopen" in page


def test_a_new_question_by_mail_reopens_the_closed_ticket(app: Flask, closed: Ticket) -> None:
    result = take(app, citizen_reply(app, closed, "请问站牌会保留吗？"), NOW + timedelta(days=4))
    assert (result.outcome, result.ticket_id) == (InboundOutcome.APPENDED, closed.id)
    assert ticket_of(app, result).status is Status.IN_PROGRESS


def test_the_history_shows_labels_never_codes(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        system = audit.Actor.system()
        detail = {
            "outbound_id": 7,
            "outbound_sha256": "ab" * 32,
            "answer": "250 OK caught as x.eml",
        }
        audit.record(
            db.session, action="mail.sent", actor=system, now=utcnow(), ticket=ticket, detail=detail
        )
        detail = {
            "department": ["egov", "egov"],
            "kind": "question",
            "status": ["received", "received"],
        }
        audit.record(
            db.session,
            action="ticket.citizen_follow_up",
            actor=system,
            now=utcnow(),
            ticket=ticket,
            detail=detail,
        )
        db.session.commit()
    staff_login(client, role=Role.AGENT)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    history = page[page.index('id="history-heading"') :]
    for code in ("mail.sent", "egov", "question", "outbound_id", "250 OK", ".eml", "sha256"):
        assert code not in history, code
    assert "E-mail sent" in history and "Accepted by the mail server" in history
    assert "→" not in history  # an unchanged status is a value, not "received → received"


def test_the_transfer_list_starts_empty(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.SUPERVISOR)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    select = page[page.index('name="transfer-department"') :]
    select = select[: select.index("</select>")]
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert first is not None and first.group(0).startswith('<option value="">')
    assert "selected" not in select  # nothing preselected: the clerk chooses
    before = snapshot(app, ticket_id)
    data = {"transfer-department": "", "transfer-note": "请处理"}
    assert client.post(f"/staff/tickets/{ticket_id}/transfer", data=data).status_code == 400
    assert snapshot(app, ticket_id) == before
