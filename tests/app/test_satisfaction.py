"""回访: reply → rating links in the mail → the rating page → stored once; 不满意 → 重办 + alert."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import handling, satisfaction, tickets
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Channel,
    Department,
    Kind,
    Message,
    MessageKind,
    OutboundEmail,
    Rating,
    Role,
    SatisfactionRating,
    Status,
    Ticket,
    User,
)
from enquiry.rules import deadlines
from tests.app.conftest import english
from tests.conftest import hidden_fields
from tests.db_state import database_state

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Beijing
LATER = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
RATE_URL = re.compile(r"http://enquiry\.test(/rate/[A-Za-z0-9_.-]+)\?rating=(\w+)")


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app that checks CSRF tokens, as in production, with the default department."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    yield app


@pytest.fixture
def citizen(app: Flask) -> FlaskClient:
    return english(app.test_client())


def staff(role: Role, email: str, department: Department | None = None) -> User:
    department = department or db.session.scalar(select(Department).filter_by(is_default=True))
    return create_user(
        db.session,
        email=email,
        display_name=email.split("@")[0],
        password="a-long-password-1",
        role=role,
        department=department,
    )


def answered_ticket(app: Flask, *, close: bool = False) -> tuple[int, int]:
    """Open a question, answer it (and close it): return the ticket's and the answer's ids."""
    with app.app_context(), app.test_request_context():
        policy = policy_from_config(app.config)
        ticket = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject="关于供暖时间",
                body="今年何时开始供暖？",
                citizen_name="李四",
                citizen_email="li@example.com",
                channel=Channel.WEB,
                locale="zh_Hans",
            ),
            policy=policy,
            actor=audit.Actor.citizen("192.0.2.1"),
            now=NOW,
        ).ticket
        agent = staff(Role.AGENT, "agent@gov.example")
        answer = handling.reply(
            db.session,
            ticket,
            "10月10日开始供暖。",
            identity=policy.mail,
            actor=audit.Actor.staff(agent),
            now=NOW,
        )
        if close:
            handling.close(db.session, ticket, actor=audit.Actor.staff(agent), now=NOW)
        db.session.commit()
        return ticket.id, answer.id


def rating_links_in_mail(app: Flask) -> dict[str, str]:
    """Return {rating: path} from the reply in the outbox, checking text and HTML agree."""
    with app.app_context():
        mail = db.session.scalar(select(OutboundEmail).where(OutboundEmail.template == "reply"))
        assert mail is not None
        links = {rating: path for path, rating in RATE_URL.findall(mail.body_text)}
        assert mail.body_html is not None
        assert {r: p for p, r in RATE_URL.findall(mail.body_html)} == links
    return links


def post_rating(client: FlaskClient, path: str, rating: str, comment: str = "") -> Any:
    fields = hidden_fields(client.get(path).get_data(as_text=True))
    return client.post(
        path, data={"csrf_token": fields["csrf_token"], "rating": rating, "comment": comment}
    )


def ratings(app: Flask) -> list[tuple[int, Rating, str | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                SatisfactionRating.message_id,
                SatisfactionRating.rating,
                SatisfactionRating.comment,
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_reply_mail_carries_five_one_click_links(app: Flask) -> None:
    _, answer_id = answered_ticket(app)
    links = rating_links_in_mail(app)
    assert set(links) == {r.value for r in Rating}  # the national five-grade scale
    assert len(set(links.values())) == 1  # one token per answer; the choice is a parameter
    token = links["satisfied"].removeprefix("/rate/")
    with app.app_context():
        answer = satisfaction.answer_for(db.session, app.config["SECRET_KEY"], token)
        assert answer.id == answer_id


def test_the_loop_from_mail_to_stored_rating(app: Flask, citizen: FlaskClient) -> None:
    ticket_id, answer_id = answered_ticket(app)
    path = rating_links_in_mail(app)["basically_satisfied"]
    page = citizen.get(f"{path}?rating=basically_satisfied")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # The landing page posts the chosen grade by script (a button without script) ...
    assert "data-autosubmit" in html
    assert '<input type="hidden" name="rating" value="basically_satisfied">' in html
    assert ratings(app) == []  # ... but opening the link records nothing
    response = post_rating(citizen, path, "basically_satisfied", "  回复及时  ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(path)
    assert ratings(app) == [(answer_id, Rating.BASICALLY_SATISFIED, "回复及时")]
    thanks = citizen.get(path).get_data(as_text=True)
    assert "Your rating: Basically satisfied" in thanks
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status is Status.ANSWERED
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.rated"))
        assert event is not None and event.ticket_id == ticket_id
        assert event.detail["rating"] == "basically_satisfied"
        assert audit.verify_chain(db.session) is None


def test_a_second_rating_of_the_same_answer_is_refused(app: Flask, citizen: FlaskClient) -> None:
    _, answer_id = answered_ticket(app)
    path = rating_links_in_mail(app)["satisfied"]
    csrf = hidden_fields(citizen.get(path).get_data(as_text=True))["csrf_token"]
    assert post_rating(citizen, path, "satisfied").status_code == 303
    again = citizen.post(path, data={"csrf_token": csrf, "rating": "dissatisfied"})
    assert again.status_code == 409
    assert "already been rated" in again.get_data(as_text=True)
    assert ratings(app) == [(answer_id, Rating.SATISFIED, None)]
    with app.app_context(), app.test_request_context():
        policy = policy_from_config(app.config)
        with pytest.raises(satisfaction.AlreadyRatedError):
            satisfaction.rate(
                db.session,
                path.removeprefix("/rate/"),
                Rating.DISSATISFIED,
                None,
                LATER,
                policy=policy,
                actor=audit.Actor.citizen(),
            )


def forged_tokens(app: Flask, path: str) -> list[str]:
    token = path.removeprefix("/rate/")
    payload, _, signature = token.rpartition(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    with app.app_context():
        citizen_message = db.session.scalar(
            select(Message).where(Message.kind == MessageKind.CITIZEN)
        )
        assert citizen_message is not None
        other_secret = URLSafeSerializer("another-secret", salt=satisfaction.SALT)
        other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="enquiry.other")
        ours = URLSafeSerializer(app.config["SECRET_KEY"], salt=satisfaction.SALT)
        ticket_id, message_id = ours.loads(token)
        return [
            f"{payload}.{flipped}",  # signature altered
            token[:-3],  # cut short
            "not-a-token",
            other_secret.dumps([ticket_id, message_id]),
            other_salt.dumps([ticket_id, message_id]),
            ours.dumps([ticket_id, citizen_message.id]),  # not an answer
            ours.dumps([ticket_id + 1, message_id]),  # answer of another ticket
            ours.dumps([ticket_id, 10_000]),  # no such message
            ours.dumps(["x", "y"]),
            ours.dumps({"m": message_id}),
        ]


def test_tampered_or_foreign_tokens_are_refused(app: Flask, citizen: FlaskClient) -> None:
    answered_ticket(app)
    path = rating_links_in_mail(app)["satisfied"]
    csrf = hidden_fields(citizen.get(path).get_data(as_text=True))["csrf_token"]
    before = database_state(app)
    for token in forged_tokens(app, path):
        page = citizen.get(f"/rate/{token}?rating=satisfied")
        assert page.status_code == 404, token
        assert "This rating link is not valid" in page.get_data(as_text=True)
        posted = citizen.post(f"/rate/{token}", data={"csrf_token": csrf, "rating": "satisfied"})
        assert posted.status_code == 404, token
    assert ratings(app) == []
    assert database_state(app) == before


def test_rating_needs_the_csrf_token_and_a_valid_choice(app: Flask, citizen: FlaskClient) -> None:
    answered_ticket(app)
    path = rating_links_in_mail(app)["satisfied"]
    assert citizen.post(path, data={"rating": "satisfied"}).status_code == 400
    csrf = hidden_fields(citizen.get(path).get_data(as_text=True))["csrf_token"]
    bad = citizen.post(path, data={"csrf_token": csrf, "rating": "delighted"})
    assert bad.status_code == 400
    long = citizen.post(
        path, data={"csrf_token": csrf, "rating": "satisfied", "comment": "长" * 2001}
    )
    assert long.status_code == 400
    trap = citizen.post(path, data={"csrf_token": csrf, "rating": "satisfied", "website": "x"})
    assert trap.status_code == 400
    assert ratings(app) == []


def test_dissatisfied_reopens_and_alerts_the_supervisor(app: Flask, citizen: FlaskClient) -> None:
    with app.app_context():
        staff(Role.SUPERVISOR, "boss@gov.example")
        other = Department(code="housing", name_zh="市住房局")
        db.session.add(other)
        staff(Role.SUPERVISOR, "other-boss@gov.example", other)
        db.session.commit()
    ticket_id, answer_id = answered_ticket(app, close=True)
    path = rating_links_in_mail(app)["dissatisfied"]
    response = post_rating(citizen, path, "dissatisfied", "没有回答我的问题")
    assert response.status_code == 303
    assert ratings(app) == [(answer_id, Rating.DISSATISFIED, "没有回答我的问题")]
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        assert (ticket.status, ticket.closed_at) == (Status.IN_PROGRESS, None)
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.ticket_id == ticket_id)
            .order_by(AuditEvent.id)
        ).all()
        assert actions[-4:] == [
            "ticket.rated",
            "ticket.reopen",
            "ticket.clock_restarted",
            "rating.rectification_opened",
        ]
        events = [m.body for m in ticket.messages if m.kind is MessageKind.EVENT]
        assert events[0] == "回访：不满意，重办。\n没有回答我的问题"
        # 重办 gets a fresh period, counted from the rating (the old one may have run out).
        policy = policy_from_config(app.config, session=db.session)
        rated_at = db.session.scalar(select(SatisfactionRating.created_at))
        assert rated_at is not None
        received = deadlines.legal_receipt_date(rated_at, policy.calendar, policy.office_hours)
        days = policy.deadline_days[ticket.kind]
        assert ticket.due_on == deadlines.add_working_days(received, days, policy.calendar)
        assert events[1].startswith("回访不满意，重办") and ticket.due_on.isoformat() in events[1]
        alerts = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.template == "dissatisfied_alert")
        ).all()
        assert [a.to_addr for a in alerts] == ["boss@gov.example"]
        assert ticket.reference in alerts[0].subject
        assert "没有回答我的问题" in alerts[0].body_text
        assert f"http://enquiry.test/staff/tickets/{ticket_id}" in alerts[0].body_text
        assert alerts[0].reply_to is None  # a staff answer must not land in the citizen's thread
        assert audit.verify_chain(db.session) is None


def test_satisfied_changes_nothing_but_the_rating(app: Flask, citizen: FlaskClient) -> None:
    with app.app_context():
        staff(Role.SUPERVISOR, "boss@gov.example")
        db.session.commit()
    ticket_id, _ = answered_ticket(app, close=True)
    assert post_rating(citizen, rating_links_in_mail(app)["satisfied"], "satisfied").status_code
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status is Status.CLOSED
        count = select(func.count()).select_from(OutboundEmail)
        assert db.session.scalar(count.where(OutboundEmail.template == "dissatisfied_alert")) == 0


def test_alert_falls_back_to_the_department_address_then_the_admins(app: Flask) -> None:
    with app.app_context():
        department = db.session.scalar(select(Department).filter_by(is_default=True))
        assert department is not None
        staff(Role.ADMIN, "admin@gov.example")
        staff(Role.AGENT, "agent2@gov.example")
        assert satisfaction.alert_recipients(db.session, department) == [
            ("admin@gov.example", "zh_Hans")
        ]
        department.email = "egov@gov.example"
        assert satisfaction.alert_recipients(db.session, department) == [
            ("egov@gov.example", "zh_Hans")
        ]
        boss = staff(Role.SUPERVISOR, "boss@gov.example")
        boss.locale = "en"
        assert satisfaction.alert_recipients(db.session, department) == [("boss@gov.example", "en")]
        boss.is_active = False
        assert satisfaction.alert_recipients(db.session, department)[0][0] == "egov@gov.example"


def test_a_comment_follows_a_one_click_rating_once(app: Flask, citizen: FlaskClient) -> None:
    _, answer_id = answered_ticket(app)
    path = rating_links_in_mail(app)["very_dissatisfied"]
    assert post_rating(citizen, path, "very_dissatisfied").status_code == 303
    page = citizen.get(path).get_data(as_text=True)
    assert 'class="rate-comment"' in page
    token = hidden_fields(page)["csrf_token"]
    empty = citizen.post(f"{path}/comment", data={"csrf_token": token, "comment": "  "})
    assert empty.status_code == 400
    assert "Write your comment first." in empty.get_data(as_text=True)
    sent = citizen.post(f"{path}/comment", data={"csrf_token": token, "comment": "电话打不通"})
    assert sent.status_code == 303
    assert ratings(app) == [(answer_id, Rating.VERY_DISSATISFIED, "电话打不通")]
    again = citizen.post(f"{path}/comment", data={"csrf_token": token, "comment": "再补充"})
    assert again.status_code == 400
    assert ratings(app) == [(answer_id, Rating.VERY_DISSATISFIED, "电话打不通")]
    with app.app_context():
        bodies = db.session.scalars(select(Message.body).where(Message.kind == MessageKind.EVENT))
        assert "回访意见：电话打不通" in list(bodies)
