"""The ticket page: header, thread, history, scope, attachments, canned replies, escaping."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    Attachment,
    AuditEvent,
    CannedReply,
    Channel,
    DeliveryForm,
    Department,
    Kind,
    Message,
    OutboundEmail,
    Role,
    RoutingRule,
    Status,
    Ticket,
)
from enquiry.rules.uploads import Upload
from enquiry.staff.ticket_forms import fill_placeholders
from tests.app.conftest import english
from tests.conftest import hidden_fields

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Beijing
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English."""
    return english(app.test_client())


def open_enquiry(
    app: Flask,
    *,
    subject: str = "关于垃圾分类",
    body: str = "试点小区有哪些？",
    kind: Kind = Kind.QUESTION,
    name: str = "李四",
    email: str = "li@example.com",
    locale: str = "zh_Hans",
    uploads: Sequence[Upload] = (),
    **extra: Any,
) -> tuple[int, str, str]:
    """Open a ticket through the domain, as a citizen would; return id, reference and code."""
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=kind,
                subject=subject,
                body=body,
                citizen_name=name,
                citizen_email=email,
                channel=Channel.WEB,
                locale=locale,
                attachments=tuple(uploads),
                **extra,
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=NOW,
        )
        db.session.commit()
        return opened.ticket.id, opened.ticket.reference, opened.access_code


def set_fields(app: Flask, ticket_id: int, department: str | None = None, **fields: Any) -> None:
    """Put a ticket into a state for a test (setup only: the views never do this)."""
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        if department is not None:
            ticket.department = db.session.scalar(sa.select(Department).filter_by(code=department))
        for name, value in fields.items():
            setattr(ticket, name, value)
        if fields.get("status") is Status.CLOSED:
            ticket.closed_at = NOW
        db.session.commit()


def department_id(app: Flask, code: str) -> str:
    """The id of a department, as a form posts it."""
    with app.app_context():
        found = db.session.scalar(sa.select(Department.id).filter_by(code=code))
        assert found is not None
        return str(found)


def snapshot(app: Flask, ticket_id: int) -> dict[str, Any]:
    """The ticket row and how many messages, audit events and e-mails it has."""
    with app.app_context():
        row = db.session.execute(
            sa.select(Ticket.__table__).where(Ticket.__table__.c.id == ticket_id)
        ).one()
        counts = {
            name: db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.ticket_id == ticket_id)
            )
            for name, model in (
                ("messages", Message),
                ("audit", AuditEvent),
                ("outbox", OutboundEmail),
            )
        }
        return {"row": dict(row._mapping), **counts}


def audit_of(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context():
        query = sa.select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def page_text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def track_page(app: Flask, reference: str, code: str) -> str:
    """The citizen's tracking page, reached the citizen's way: reference and code."""
    citizen = english(app.test_client())
    response = citizen.post("/track", data={"reference": reference, "code": code})
    assert response.status_code == 303, response.get_data(as_text=True)
    page = citizen.get(f"/track/{reference}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


# --- the page and who may see it -----------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_tickets_in_scope(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    role: Role,
) -> None:
    ticket_id, reference, _ = open_enquiry(app)
    staff_login(client, role=role, department="egov")
    response = client.get(f"/staff/tickets/{ticket_id}")
    assert response.status_code == 200
    text = page_text(response)
    assert reference in text
    assert "关于垃圾分类" in text and "试点小区有哪些？" in text
    assert "<bdi>李四</bdi>" in response.get_data(as_text=True)
    assert "li@example.com" in text
    assert "Received" in text and "Question" in text and "Web form" in text


def test_other_departments_tickets_are_not_found(
    app: Flask,
    client: FlaskClient,
    make_department: Callable[..., Any],
    make_ticket: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    make_department("housing")
    theirs = make_ticket(department="housing", subject="住房公积金")
    staff_login(client, role=Role.SUPERVISOR, department="egov")
    missing = client.get(f"/staff/tickets/{theirs.id + 1000}")
    hidden = client.get(f"/staff/tickets/{theirs.id}")
    assert hidden.status_code == missing.status_code == 404
    assert "住房公积金" not in hidden.get_data(as_text=True)
    # Actions on it are not found either, and change nothing.
    before = snapshot(app, theirs.id)
    assert (
        client.post(f"/staff/tickets/{theirs.id}/note", data={"note-body": "x"}).status_code == 404
    )
    assert client.post(f"/staff/tickets/{theirs.id}/close").status_code == 404
    assert snapshot(app, theirs.id) == before


def test_admin_sees_every_department(
    app: Flask,
    client: FlaskClient,
    make_department: Callable[..., Any],
    make_ticket: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    make_department("housing")
    theirs = make_ticket(department="housing")
    staff_login(client, role=Role.ADMIN, department=None)
    assert client.get(f"/staff/tickets/{theirs.id}").status_code == 200


def test_anonymous_users_are_sent_to_log_in(app: Flask, client: FlaskClient) -> None:
    ticket_id, _, _ = open_enquiry(app)
    response = client.get(f"/staff/tickets/{ticket_id}")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_header_shows_deadline_rule_section_consent_and_calendar_caveat(
    app: Flask,
    client: FlaskClient,
    make_ticket: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    with app.app_context():
        egov = db.session.scalar(sa.select(Department).filter_by(code="egov"))
        assert egov is not None
        rule = RoutingRule(name="Rubbish goes to the office", department_id=egov.id)
        db.session.add(rule)
        db.session.commit()
        rule_id = rule.id
    ticket = make_ticket(
        due_on=datetime(2030, 3, 1).date(),
        is_calendar_verified=False,
        routing_rule_id=rule_id,
        is_publication_consented=True,
        citizen_phone="13912345678",
    )
    staff_login(client, role=Role.AGENT)
    text = page_text(client.get(f"/staff/tickets/{ticket.id}"))
    assert "March 1, 2030" in text
    assert "working days left" in text
    assert "calendar unverified" in text
    assert "Rubbish goes to the office" in text
    assert "The citizen agrees to publication" in text
    assert "13912345678" in text


def test_header_of_an_information_application(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(
        app,
        kind=Kind.INFO_APPLICATION,
        applicant_type=ApplicantType.BUSINESS,
        info_description="2013年煤改气工程的招标文件",
        delivery_form=DeliveryForm.EMAIL,
    )
    staff_login(client, role=Role.AGENT)
    text = page_text(client.get(f"/staff/tickets/{ticket_id}"))
    assert "Application for government information" in text
    assert "Business" in text
    assert "2013年煤改气工程的招标文件" in text
    assert "E-mail" in text


def test_thread_marks_internal_notes_events_and_flags(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        tickets.add_citizen_follow_up(
            db.session,
            ticket,
            body="我从另一个邮箱补充一下",
            attachments=(),
            actor=audit.Actor.citizen(),
            now=NOW,
            channel=Channel.EMAIL,
            flag_reason="sent from another address",
            policy=policy_from_config(app.config),
        )
        db.session.commit()
    staff_login(client, role=Role.AGENT)
    client.post(f"/staff/tickets/{ticket_id}/note", data={"note-body": "先查一下台账"})
    transfer = {"transfer-department": department_id(app, "egov"), "transfer-note": "请办理"}
    client.post(f"/staff/tickets/{ticket_id}/transfer", data=transfer)
    raw = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    note = raw[raw.index("message-note") :]
    assert "Internal note — not shown to the citizen" in note[: note.index("先查一下台账")]
    assert "message-event" in raw and "转办至" in raw
    assert "message-flagged" in raw and "sent from another address" in raw


def test_history_lists_every_event_with_before_and_after(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    user = staff_login(client, role=Role.SUPERVISOR)
    client.post(f"/staff/tickets/{ticket_id}/reply", data={"reply-body": "已答复"})
    client.post(f"/staff/tickets/{ticket_id}/close")
    raw = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    history = raw[raw.index('id="history-heading"') :]
    rows = re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', history)
    assert rows == ["Opened", "Replied", "Closed"]
    assert "<bdi>Received</bdi> → <bdi>Answered</bdi>" in history
    assert "<bdi>Answered</bdi> → <bdi>Closed</bdi>" in history
    assert user.email in history
    assert "<bdi>Citizen</bdi>" in history and "<bdi>citizen</bdi>" not in history  # a label


# --- attachments ---------------------------------------------------------------------------


def attachment_of(app: Flask, ticket_id: int) -> int:
    with app.app_context():
        query = sa.select(Attachment.id).join(Message).where(Message.ticket_id == ticket_id)
        attachment_id = db.session.scalar(query)
        assert attachment_id is not None
        return attachment_id


def test_attachments_download_safely_for_staff_in_scope(
    app: Flask,
    client: FlaskClient,
    make_department: Callable[..., Any],
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    upload = Upload(filename="报告 2024.pdf", content_type="application/pdf", data=PDF)
    ticket_id, _, _ = open_enquiry(app, uploads=[upload])
    attachment_id = attachment_of(app, ticket_id)
    url = f"/staff/attachments/{attachment_id}"

    assert "/staff/login" in client.get(url).headers["Location"]  # not for the public

    staff_login(client, role=Role.AGENT)
    assert url in client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"2024.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202024.pdf"
    )

    make_department("housing")
    outsider = english(app.test_client())
    login(outsider, make_user(role=Role.SUPERVISOR, department="housing"))
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"/staff/attachments/{attachment_id + 99}").status_code == 404


@pytest.mark.parametrize(
    ("filename", "content_type", "disposition", "served_as"),
    [
        (
            'evil"\r\nX-Injected: 1.html',
            "text/html",
            'attachment; filename="evil_X-Injected_1.html"; '
            "filename*=UTF-8''evil%22X-Injected%3A%201.html",
            "text/html",
        ),
        (
            "../../etc/passwd",
            "text/plain\r\nX-Injected: 1",
            "attachment; filename=\"passwd\"; filename*=UTF-8''passwd",
            "application/octet-stream",
        ),
        (
            "invoice\u202egpj.exe",
            "application/x-msdownload",
            "attachment; filename=\"invoicegpj.exe\"; filename*=UTF-8''invoicegpj.exe",
            "application/x-msdownload",
        ),
        (
            "...",
            "",
            "attachment; filename=\"attachment\"; filename*=UTF-8''attachment",
            "application/octet-stream",
        ),
    ],
)
def test_hostile_stored_names_and_types_are_made_safe(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    filename: str,
    content_type: str,
    disposition: str,
    served_as: str,
) -> None:
    upload = Upload(filename="x.pdf", content_type="application/pdf", data=PDF)
    ticket_id, _, _ = open_enquiry(app, uploads=[upload])
    attachment_id = attachment_of(app, ticket_id)
    with app.app_context():  # as a careless mail intake might have stored it
        stored = db.session.get(Attachment, attachment_id)
        assert stored is not None
        stored.filename, stored.content_type = filename, content_type
        db.session.commit()
    staff_login(client, role=Role.AGENT)
    response = client.get(f"/staff/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["Content-Type"] == served_as
    assert "X-Injected" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- canned replies ------------------------------------------------------------------------

HOSTILE = "{ticket.__class__} {0} {reference.__class__} {reference:>99999} {unknown} {{reference}"


def add_canned(app: Flask, **fields: Any) -> int:
    with app.app_context():
        reply = CannedReply(**fields)
        db.session.add(reply)
        db.session.commit()
        return reply.id


def test_fill_placeholders_substitutes_known_names_only() -> None:
    values = {"reference": "WLMQ-2026-000001", "citizen_name": "李四"}
    assert fill_placeholders("{citizen_name}您好，{reference}", values) == (
        "李四您好，WLMQ-2026-000001"
    )
    assert fill_placeholders(HOSTILE, values) == HOSTILE.replace(
        "{{reference}", "{WLMQ-2026-000001"
    )
    assert fill_placeholders("{ {} }} {{ {reference", values) == "{ {} }} {{ {reference"
    assert fill_placeholders("{citizen_name}", {"citizen_name": "{reference}"}) == "{reference}"


def test_canned_replies_offered_in_order_and_filled_without_javascript(
    app: Flask,
    client: FlaskClient,
    make_department: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    housing = make_department("housing")
    ticket_id, reference, _ = open_enquiry(app, subject="垃圾分类试点", name="王建国")
    english_id = add_canned(
        app, title="A: acknowledgement", body="Dear {citizen_name}", locale="en"
    )
    chinese_id = add_canned(
        app,
        title="Z: 受理告知",
        body="{citizen_name}您好：您的来信{reference}（{subject}）已由{department}受理，"
        "预计{due_on}前答复。" + HOSTILE,
        locale="zh_Hans",
    )
    add_canned(app, title="Retired", body="old", is_active=False)
    elsewhere = add_canned(app, title="Housing only", body="x", department_id=housing.id)
    staff_login(client, role=Role.AGENT)

    raw = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    options = re.findall(r'name="reply-canned" value="(\d+)"', raw)  # one-click buttons
    assert [int(value) for value in options[:2]] == [chinese_id, english_id]  # locale first
    assert "Retired" not in raw and "Housing only" not in raw

    before = snapshot(app, ticket_id)
    data = {"reply-canned": str(chinese_id), "reply-body": "我先写的。"}
    response = client.post(f"/staff/tickets/{ticket_id}/canned", data=data)
    assert response.status_code == 200
    text = page_text(response)
    composer = text[text.index('id="reply-body"') :]
    composer = composer[composer.index(">") + 1 : composer.index("</textarea>")]
    assert composer.strip().startswith("我先写的。")
    assert f"王建国您好：您的来信{reference}（垃圾分类试点）已由电子政务办公室受理" in composer
    assert "预计2026年12月1日前答复" in composer
    assert HOSTILE.replace("{{reference}", "{" + reference) in composer
    assert "<class" not in text and "__class__" in text
    assert snapshot(app, ticket_id) == before  # filling the composer changes nothing

    refused = client.post(
        f"/staff/tickets/{ticket_id}/canned", data={"reply-canned": str(elsewhere)}
    )
    assert refused.status_code == 400
    assert client.post(f"/staff/tickets/{ticket_id}/canned", data={}).status_code == 400
    assert snapshot(app, ticket_id) == before


def test_a_canned_reply_fills_its_dates_in_its_own_language(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    """An enquiry made in English answered with a Chinese canned reply reads 2026年…, not
    "December …" inside a Chinese sentence; an English reply to it still reads in English."""
    ticket_id, _reference, _ = open_enquiry(app, locale="en")
    chinese = add_canned(app, title="受理告知", body="将于{due_date}前答复您。", locale="zh_Hans")
    english = add_canned(app, title="Received", body="We will answer by {due_date}.", locale="en")
    staff_login(client, role=Role.AGENT)

    def composed(reply_id: int) -> str:
        response = client.post(
            f"/staff/tickets/{ticket_id}/canned", data={"reply-canned": str(reply_id)}
        )
        assert response.status_code == 200
        text = page_text(response)
        composer = text[text.index('id="reply-body"') :]
        return composer[composer.index(">") + 1 : composer.index("</textarea>")]

    assert re.search(r"将于\d{4}年\d{1,2}月\d{1,2}日前答复您。", composed(chinese))
    assert re.search(r"We will answer by [A-Z][a-z]+ \d{1,2}, \d{4}\.", composed(english))


# --- escaping and the citizen's view -------------------------------------------------------

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_reply_is_escaped_for_staff_and_public_and_notes_stay_internal(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, reference, code = open_enquiry(app)
    staff_login(client, role=Role.AGENT)
    note = client.post(f"/staff/tickets/{ticket_id}/note", data={"note-body": "内部：勿外传"})
    assert note.status_code == 302
    reply = client.post(f"/staff/tickets/{ticket_id}/reply", data={"reply-body": f"您好 {SCRIPT}"})
    assert reply.status_code == 302

    staff_page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert SCRIPT not in staff_page and "<script>alert" not in staff_page
    assert html.escape(SCRIPT, quote=False) in staff_page or "&lt;script&gt;" in staff_page

    public = track_page(app, reference, code)
    assert "<script>alert" not in public and "<img src=x" not in public
    assert "&lt;script&gt;alert(" in public
    assert "内部：勿外传" not in public
    with app.app_context():
        stored = db.session.scalar(
            sa.select(Message.body)
            .where(Message.ticket_id == ticket_id)
            .order_by(Message.id.desc())
        )
    assert stored == f"您好 {SCRIPT}"  # stored as text, as typed


def test_no_template_marks_staff_text_safe() -> None:
    root = Path(__file__).resolve().parents[2] / "templates" / "staff"
    for name in ("ticket.html", "_thread.html", "search.html", "inbox.html"):
        assert "|safe" not in (root / name).read_text().replace(" ", "")


def test_every_form_on_the_page_works_with_csrf_protection(
    app: Flask, make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    user = make_user(role=Role.SUPERVISOR)
    protected = english(make_app(WTF_CSRF_ENABLED=True).test_client())
    login_page = protected.get("/staff/login").get_data(as_text=True)
    credentials = {"email": user.email, "password": "correct horse battery staple"}
    response = protected.post("/staff/login", data={**hidden_fields(login_page), **credentials})
    assert response.status_code == 302

    page = protected.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    tokens = hidden_fields(page)
    for name in ("reply-csrf_token", "note-csrf_token", "transfer-csrf_token", "csrf_token"):
        assert tokens.get(name), name
    without = protected.post(f"/staff/tickets/{ticket_id}/note", data={"note-body": "x"})
    assert without.status_code == 400
    data = {"note-body": "有令牌", "note-csrf_token": tokens["note-csrf_token"]}
    assert protected.post(f"/staff/tickets/{ticket_id}/note", data=data).status_code == 302
    data = {"reply-body": "答复", "reply-csrf_token": tokens["reply-csrf_token"]}
    assert protected.post(f"/staff/tickets/{ticket_id}/reply", data=data).status_code == 302
    bulk = {"action": "close", "ticket_ids": [ticket_id], "csrf_token": tokens["csrf_token"]}
    assert protected.post("/staff/bulk", data=bulk).status_code == 303
    assert audit_of(app, ticket_id)[-3:] == ["ticket.note", "ticket.answer", "ticket.close"]
