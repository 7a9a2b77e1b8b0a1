"""`flask demo load`: the demo shows every part of the statutory clock on the first run."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import Kind, OutboundEmail, Status, Ticket, utcnow
from enquiry.rules import clock

PASSWORD = "a demo password for tests"


def load_demo(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(DEMO_ADMIN_PASSWORD=PASSWORD)
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    return app


def test_the_demo_has_an_overdue_ticket_that_escalates(make_app: Callable[..., Flask]) -> None:
    app = load_demo(make_app)
    today = clock.beijing_today(utcnow())
    with app.app_context():
        tickets = list(db.session.scalars(select(Ticket).order_by(Ticket.id)))
        overdue = [t.reference for t in tickets if clock.is_overdue(t, today)]
        running = [t for t in tickets if t.status not in {Status.CLOSED}]
    assert len(tickets) == 10
    assert len(overdue) == 1
    assert all(t.due_on and t.due_on >= today for t in running if t.reference not in overdue)

    result = app.test_cli_runner().invoke(args=["deadlines", "escalate"])

    assert "1 tickets escalated" in result.output, result.output
    with app.app_context():
        escalated = db.session.scalars(
            select(Ticket.reference).where(Ticket.escalated_at.is_not(None))
        )
        assert list(escalated) == overdue


def test_the_demo_has_a_concluded_application_with_a_rating_link(
    make_app: Callable[..., Flask],
) -> None:
    app = load_demo(make_app)
    with app.app_context():
        application = db.session.scalar(select(Ticket).where(Ticket.kind == Kind.INFO_APPLICATION))
        assert application is not None
        assert (application.status, application.outcome) == (Status.CLOSED, "disclosed")
        assert application.answered_at is not None and application.due_on is not None
        assert clock.beijing_today(application.answered_at) <= application.due_on  # on time
        reply = db.session.scalar(select(OutboundEmail).where(OutboundEmail.template == "reply"))
        assert reply is not None and "/rate/" in reply.body_text
        assert audit.verify_chain(db.session) is None


def test_the_demo_has_published_answers_under_report_sections(
    make_app: Callable[..., Flask],
) -> None:
    from enquiry.cli.demo_published import PUBLISHED
    from enquiry.models import Publication, PublicationStatus

    app = load_demo(make_app)
    with app.app_context():
        copies = db.session.scalars(select(Publication).order_by(Publication.id)).all()
        assert [c.status for c in copies] == [PublicationStatus.PUBLISHED] * len(PUBLISHED)
        assert all(c.approved_by_id is not None for c in copies)
        assert all(c.ticket.report_section_id is not None for c in copies)
        ids = [c.id for c in copies]
    client = app.test_client()
    public = "".join(
        client.get(url).get_data(as_text=True)
        for url in ("/questions", "/report/2013", *(f"/questions/{n}" for n in ids))
    )
    for row in PUBLISHED:
        name, email = row[5], row[6]
        assert name not in public and email not in public  # the copies are redacted
    assert "13899887766" not in public and "友好北路" not in public
    report = client.get("/report/2013").get_data(as_text=True)
    assert all(f"/questions/{n}" in report for n in ids)
    assert f"/questions/{ids[0]}" in client.get("/questions?q=煤改气").get_data(as_text=True)
    similar = client.get("/questions/similar?subject=煤改气的补贴").get_data(as_text=True)
    assert f"/questions/{ids[0]}" in similar


def test_loading_twice_with_if_empty_adds_nothing(make_app: Callable[..., Flask]) -> None:
    app = load_demo(make_app)
    again = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert "already loaded" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 10


def test_the_demo_ships_canned_replies_in_three_languages_that_do_not_greet(
    make_app: Callable[..., Flask],
) -> None:
    from enquiry.domain.admin.replies import unknown_placeholders
    from enquiry.models import CannedReply
    from enquiry.rules.greeting import starts_with_greeting

    app = load_demo(make_app)
    with app.app_context():
        replies = db.session.scalars(select(CannedReply)).all()
    assert {reply.locale for reply in replies} == {"zh_Hans", "ug", "en"}
    for reply in replies:
        assert not starts_with_greeting(reply.body), reply.title  # the mail greets
        assert unknown_placeholders(reply.body) == [], reply.title
