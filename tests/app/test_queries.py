"""The queries that decide what a citizen or a staff user may see (enquiry/domain/queries)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from enquiry.domain.blobs import store_blob
from enquiry.domain.queries import choices
from enquiry.domain.queries import public as visible
from enquiry.domain.queries import tickets as loaded
from enquiry.extensions import db
from enquiry.models import Attachment, CannedReply, Message, MessageKind, Role, Ticket, User
from enquiry.rules import references

CODE = "0123-4567-89AB-CDEF-GHJK"
NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def housing(make_department: Callable[..., Any]) -> Any:
    return make_department("housing")


@pytest.fixture
def egov_ticket(make_ticket: Callable[..., Any]) -> Any:
    return make_ticket(
        subject="Streetlights on Renmin Road", access_code_hash=references.hash_code(CODE)
    )


@pytest.fixture
def housing_ticket(make_ticket: Callable[..., Any], housing: Any) -> Any:
    return make_ticket(department="housing", subject="Streetlights near the housing estate")


def attached(found: Any) -> User:
    """The user again, attached to the current session."""
    loaded_user = db.session.get(User, found.id)
    assert loaded_user is not None
    return loaded_user


def add_message(ticket_id: int, kind: MessageKind, body: str) -> Message:
    message = Message(ticket_id=ticket_id, kind=kind, body=body, created_at=NOW)
    db.session.add(message)
    db.session.flush()
    return message


# What a citizen may see


def test_the_right_code_finds_the_ticket_however_the_reference_is_typed(
    app: Flask, egov_ticket: Any
) -> None:
    with app.app_context():
        typed = f"  {egov_ticket.reference.lower()} "
        found = visible.ticket_by_code(db.session, typed, CODE.lower())
        assert found is not None and found.id == egov_ticket.id


@pytest.mark.parametrize("code", ["0123-4567-89AB-CDEF-GHJL", "", "x" * 200])
def test_a_wrong_code_finds_nothing(app: Flask, egov_ticket: Any, code: str) -> None:
    with app.app_context():
        assert visible.ticket_by_code(db.session, egov_ticket.reference, code) is None


def test_an_unknown_reference_finds_nothing(app: Flask, egov_ticket: Any) -> None:
    with app.app_context():
        assert visible.ticket_by_code(db.session, "WLMQ-2024-999999", CODE) is None


def test_only_a_granted_ticket_is_shown_again(
    app: Flask, egov_ticket: Any, make_ticket: Callable[..., Any]
) -> None:
    other = make_ticket()
    with app.app_context():
        assert visible.granted_ticket(db.session, egov_ticket.reference, [other.id]) is None
        assert visible.granted_ticket(db.session, egov_ticket.reference, []) is None
        found = visible.granted_ticket(db.session, egov_ticket.reference, [egov_ticket.id])
        assert found is not None and found.id == egov_ticket.id


def test_the_citizen_never_sees_internal_notes(app: Flask, egov_ticket: Any) -> None:
    with app.app_context():
        add_message(egov_ticket.id, MessageKind.CITIZEN, "question")
        add_message(egov_ticket.id, MessageKind.NOTE, "internal only")
        add_message(egov_ticket.id, MessageKind.REPLY, "answer")
        ticket = db.session.get(Ticket, egov_ticket.id)
        assert ticket is not None
        bodies = [message.body for message in visible.citizen_messages(db.session, ticket)]
        assert "internal only" not in bodies
        assert {"question", "answer"} <= set(bodies)


def test_no_report_means_no_year_and_no_section(app: Flask) -> None:
    with app.app_context():
        assert visible.latest_report_year(db.session) is None
        assert visible.report_for_year(db.session, 2024) is None
        assert visible.section_id(db.session, 2024, "s1") is None
        assert visible.section_rows(db.session) == []
        assert visible.reports_newest_first(db.session) == []


# What a staff user may load


@pytest.mark.parametrize(
    ("role", "department", "sees_egov", "sees_housing"),
    [
        (Role.AGENT, "egov", True, False),
        (Role.SUPERVISOR, "housing", False, True),
        (Role.AGENT, None, False, False),
        (Role.ADMIN, None, True, True),
    ],
)
def test_a_ticket_loads_only_within_the_users_scope(
    app: Flask,
    make_user: Callable[..., Any],
    egov_ticket: Any,
    housing_ticket: Any,
    role: Role,
    department: str | None,
    sees_egov: bool,
    sees_housing: bool,
) -> None:
    staff = make_user(role=role, department=department)
    with app.app_context():
        who = attached(staff)
        for ticket, sees in ((egov_ticket, sees_egov), (housing_ticket, sees_housing)):
            assert (loaded.visible_ticket(db.session, who, ticket.id) is not None) is sees
            by_reference = loaded.visible_ticket_by_reference(
                db.session, who, ticket.reference.lower()
            )
            assert (by_reference is not None) is sees


def test_an_attachment_of_another_department_is_not_found(
    app: Flask, make_user: Callable[..., Any], housing_ticket: Any
) -> None:
    agent, admin = make_user(department="egov"), make_user(role=Role.ADMIN)
    with app.app_context():
        message = add_message(housing_ticket.id, MessageKind.CITIZEN, "see attached")
        sha = store_blob(db.session, b"plan of the estate", NOW)
        attachment = Attachment(
            message_id=message.id, blob_sha256=sha, filename="plan.txt",
            content_type="text/plain", size=18,
        )  # fmt: skip
        db.session.add(attachment)
        db.session.commit()
        assert loaded.visible_attachment(db.session, attached(agent), attachment.id) is None
        found = loaded.visible_attachment(db.session, attached(admin), attachment.id)
        assert found is not None and found[1] == b"plan of the estate"


def test_search_finds_only_visible_tickets(
    app: Flask, make_user: Callable[..., Any], egov_ticket: Any, housing_ticket: Any
) -> None:
    agent, admin = make_user(department="housing"), make_user(role=Role.ADMIN)
    with app.app_context():
        hits = loaded.search(db.session, attached(agent), "Streetlights", 10)
        assert [hit.ticket.id for hit in hits] == [housing_ticket.id]
        hits = loaded.search(db.session, attached(admin), "Streetlights", 10)
        assert {hit.ticket.id for hit in hits} == {egov_ticket.id, housing_ticket.id}


def test_the_thread_and_history_belong_to_the_ticket(
    app: Flask, egov_ticket: Any, housing_ticket: Any
) -> None:
    with app.app_context():
        add_message(egov_ticket.id, MessageKind.NOTE, "ours")
        add_message(housing_ticket.id, MessageKind.NOTE, "theirs")
        ticket = db.session.get(Ticket, egov_ticket.id)
        assert ticket is not None
        assert [message.body for message in loaded.thread(db.session, ticket)] == ["ours"]
        assert all(event.ticket_id == ticket.id for event in loaded.history(db.session, ticket))
        assert loaded.routing_rule(db.session, ticket) is None
        assert loaded.merged_into(db.session, ticket) is None


# What a staff form may offer


def test_bulk_assignees_follow_the_role(
    app: Flask, make_user: Callable[..., Any], housing: Any
) -> None:
    agent = make_user(department="egov")
    lead = make_user(role=Role.SUPERVISOR, department="egov")
    other = make_user(department="housing")
    gone = make_user(department="egov", is_active=False)
    admin = make_user(role=Role.ADMIN, department=None)
    with app.app_context():
        ids = {
            name: {u.id for u in choices.bulk_assignees(db.session, attached(found))}
            for name, found in (("agent", agent), ("lead", lead), ("admin", admin))
        }
    assert ids["agent"] == {agent.id}
    assert ids["lead"] == {agent.id, lead.id}
    assert ids["admin"] == {agent.id, lead.id, other.id, admin.id}
    assert gone.id not in ids["admin"]


def test_canned_replies_of_another_department_are_not_offered(
    app: Flask, make_user: Callable[..., Any], egov_ticket: Any, housing: Any
) -> None:
    agent = make_user(department="egov")
    with app.app_context():
        db.session.add_all(
            [
                CannedReply(title="global", body="g", locale="en"),
                CannedReply(title="housing", body="h", department_id=housing.id),
                CannedReply(title="retired", body="r", is_active=False),
                CannedReply(title="ours", body="o", department_id=agent.department_id),
            ]
        )
        db.session.commit()
        ticket = db.session.get(Ticket, egov_ticket.id)
        assert ticket is not None
        offered = choices.canned_replies(db.session, attached(agent), ticket)
        assert [reply.title for reply in offered] == ["ours", "global"]  # the ticket's locale first


def test_the_routing_office_is_the_default_department(app: Flask, housing: Any) -> None:
    with app.app_context():
        office = choices.routing_office(db.session)
        assert office is not None and office.code == "egov"
        assert [d.code for d in choices.active_departments(db.session)] == ["egov", "housing"]
