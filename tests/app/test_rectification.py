"""After a rating: 整改 for a 差评 (15 working days), the 回访 call staff record, 误评 set aside."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import handling, satisfaction
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Department,
    Message,
    MessageKind,
    Rating,
    Role,
    SatisfactionRating,
    Ticket,
    User,
)
from enquiry.reporting import figures
from enquiry.rules import deadlines
from tests.app.conftest import english
from tests.app.test_satisfaction import NOW, answered_ticket


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.add(Department(code="housing", name_zh="市住房局"))
        db.session.commit()
    yield app


def answer_again(app: Flask) -> int:
    """Answer the first ticket once more (the agent exists already): return the answer's id."""
    with app.app_context(), app.test_request_context():
        ticket = db.session.scalars(select(Ticket).order_by(Ticket.id)).first()
        agent = db.session.scalar(select(User).where(User.email == "agent@gov.example"))
        assert ticket is not None and agent is not None
        policy = policy_from_config(app.config, session=db.session)
        answer = handling.reply(
            db.session,
            ticket,
            "补充答复。",
            identity=policy.mail,
            actor=audit.Actor.staff(agent),
            now=NOW,
        )
        db.session.commit()
        return answer.id


def rate(app: Flask, rating: Rating, comment: str | None = None, *, again: bool = False) -> int:
    """Answer a ticket and rate the answer through the domain; return the rating's id."""
    answer_id = answer_again(app) if again else answered_ticket(app)[1]
    with app.app_context(), app.test_request_context():
        answer = db.session.get(Message, answer_id)
        assert answer is not None
        record = satisfaction.rate(
            db.session,
            satisfaction.make_token(app.config["SECRET_KEY"], answer),
            rating,
            comment,
            NOW,
            policy=policy_from_config(app.config, session=db.session),
            actor=audit.Actor.citizen("192.0.2.1"),
        )
        db.session.commit()
        return record.id


def stored(app: Flask, rating_id: int) -> SatisfactionRating:
    with app.app_context():
        record = db.session.get(SatisfactionRating, rating_id)
        assert record is not None
        db.session.expunge(record)
        return record


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def supervisor(staff_login: Callable[..., Any], client: FlaskClient, **fields: Any) -> Any:
    return staff_login(english(client), role=Role.SUPERVISOR, **fields)


@pytest.mark.parametrize("grade", [Rating.DISSATISFIED, Rating.VERY_DISSATISFIED])
def test_a_poor_grade_opens_rectification_due_in_15_working_days(
    app: Flask, grade: Rating, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    rating_id = rate(app, grade, "没有解决")
    record = stored(app, rating_id)
    with app.app_context():
        policy = policy_from_config(app.config, session=db.session)
    received = deadlines.legal_receipt_date(NOW, policy.calendar, policy.office_hours)
    assert record.rectification_due_on == deadlines.add_working_days(received, 15, policy.calendar)
    assert "rating.rectification_opened" in actions(app)
    supervisor(staff_login, client)
    page = client.get("/staff/supervision").get_data(as_text=True)
    assert f'id="rating-{rating_id}"' in page
    assert "Rectification due by" in page
    assert "Record the follow-up call" in page


@pytest.mark.parametrize("grade", [Rating.VERY_SATISFIED, Rating.BASICALLY_SATISFIED])
def test_a_good_grade_opens_no_rectification(app: Flask, grade: Rating) -> None:
    record = stored(app, rate(app, grade))
    assert record.rectification_due_on is None
    assert "rating.rectification_opened" not in actions(app)


def test_staff_record_the_follow_up_call(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    rating_id = rate(app, Rating.DISSATISFIED)
    supervisor(staff_login, client)
    called_on = date.today()
    response = client.post(
        f"/staff/ratings/{rating_id}/follow-up",
        data={
            "called_on": called_on.isoformat(),
            "called_by": "王芳",
            "result": "已解释，群众认可",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/supervision#rating-{rating_id}")
    record = stored(app, rating_id)
    assert (record.follow_up_on, record.follow_up_by, record.follow_up_result) == (
        called_on,
        "王芳",
        "已解释，群众认可",
    )
    assert actions(app)[-1] == "rating.followed_up"
    with app.app_context():
        events = db.session.scalars(
            select(Message.body).where(
                Message.ticket_id == record.ticket_id, Message.kind == MessageKind.EVENT
            )
        ).all()
        assert any(body.startswith(f"回访（{called_on.isoformat()}，王芳）") for body in events)
        assert audit.verify_chain(db.session) is None
    page = client.get("/staff/supervision").get_data(as_text=True)
    assert "Follow-up call on" in page and "已解释，群众认可" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"result": ""}, "Give the date of the call, who called and the result."),
        ({"called_by": ""}, "Give the date of the call, who called and the result."),
        ({"called_on": "2099-01-01"}, "cannot be before the rating or in the future"),
        ({"called_on": "2020-01-01"}, "cannot be before the rating or in the future"),
        ({"called_on": "not a date"}, "Give the date of the call, who called and the result."),
    ],
)
def test_a_bad_follow_up_is_refused_with_a_message(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    fields: dict[str, str],
    message: str,
) -> None:
    rating_id = rate(app, Rating.VERY_DISSATISFIED)
    supervisor(staff_login, client)
    data = {"called_on": date.today().isoformat(), "called_by": "王芳", "result": "已联系"}
    response = client.post(f"/staff/ratings/{rating_id}/follow-up", data={**data, **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app, rating_id).follow_up_on is None
    assert "rating.followed_up" not in actions(app)


def test_a_supervisor_marks_a_mistaken_rating_which_stays_but_leaves_the_figures(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    kept = rate(app, Rating.SATISFIED)
    mistaken = rate(app, Rating.VERY_DISSATISFIED, again=True)
    with app.app_context():
        before = figures.satisfaction_counts(db.session, NOW.year)
    assert (before[Rating.SATISFIED], before[Rating.VERY_DISSATISFIED]) == (1, 1)
    boss = supervisor(staff_login, client)
    response = client.post(
        f"/staff/ratings/{mistaken}/misrated", data={"reason": "群众来电说明点错了"}
    )
    assert response.status_code == 303
    record = stored(app, mistaken)
    assert record.misrated_at is not None and record.misrated_by_id == boss.id
    assert (record.rating, record.misrated_reason) == (
        Rating.VERY_DISSATISFIED,
        "群众来电说明点错了",
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SatisfactionRating)) == 2
        after = figures.satisfaction_counts(db.session, NOW.year)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rating.misrated"))
        assert event is not None and event.actor_id == boss.id
        assert event.detail == {"rating": mistaken, "grade": "very_dissatisfied"}
        assert audit.verify_chain(db.session) is None
    assert (after[Rating.SATISFIED], after[Rating.VERY_DISSATISFIED]) == (1, 0)
    assert stored(app, kept).misrated_at is None
    # Once only, and never without a reason.
    again = client.post(f"/staff/ratings/{mistaken}/misrated", data={"reason": "再次"})
    assert again.status_code == 400
    assert "already marked as mistaken" in again.get_data(as_text=True)
    empty = client.post(f"/staff/ratings/{kept}/misrated", data={"reason": "  "})
    assert empty.status_code == 400
    assert stored(app, kept).misrated_at is None


def test_only_the_department_s_supervisors_and_admins_may_act(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    rating_id = rate(app, Rating.DISSATISFIED)
    staff_login(english(client), role=Role.AGENT)
    refused = client.post(f"/staff/ratings/{rating_id}/misrated", data={"reason": "点错了"})
    assert refused.status_code == 403
    other = FlaskClient(app, app.response_class, use_cookies=True)
    supervisor(staff_login, other, department="housing")
    elsewhere = other.post(f"/staff/ratings/{rating_id}/misrated", data={"reason": "点错了"})
    assert elsewhere.status_code == 404
    missing = other.post("/staff/ratings/999999/follow-up", data={})
    assert missing.status_code == 404
    anonymous = app.test_client().post(f"/staff/ratings/{rating_id}/misrated", data={})
    assert anonymous.status_code in (302, 303)
    assert stored(app, rating_id).misrated_at is None
