"""A new ticket written with Core inserts (models/rows.py) is as if the ORM had flushed it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from enquiry import audit
from enquiry.domain import handling
from enquiry.extensions import db
from enquiry.models import AuditEvent, Message, MessageKind, SearchDocument, Status, Ticket, rows
from enquiry.search import tokenizer
from tests.app.test_handling import NOW, new_ticket, staff


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def stored_ticket(app: Flask) -> Ticket:
    """A new ticket, committed and loaded again."""
    ticket = db.session.get(Ticket, new_ticket(app).id)
    db.session.commit()
    assert ticket is not None
    return ticket


@contextlib.contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The SQL the session's engine runs inside the block."""
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


def test_the_new_ticket_is_in_the_session_as_stored_with_nothing_pending(
    app: Flask, ctx: None
) -> None:
    ticket = new_ticket(app)
    session = db.session
    assert ticket in session and ticket not in session.new and ticket not in session.dirty
    first = ticket.messages[0]
    assert first in session and first not in session.new and first.ticket_id == ticket.id
    # Defaults the constructor left out are set on the object as they were written.
    assert ticket.extension_days == 0 and ticket.assignee_id is None
    assert ticket.department.code == "egov"  # loaded on first use, from the id routing chose
    session.commit()
    session.expire_all()
    stored = session.get(Ticket, ticket.id)
    assert stored is not None
    assert (stored.reference, stored.status, stored.extension_days) == (
        ticket.reference,
        Status.RECEIVED,
        0,
    )
    assert [(m.kind, m.body) for m in stored.messages] == [
        (MessageKind.CITIZEN, "试点小区有哪些？")
    ]
    document = session.scalar(
        sa.select(SearchDocument.document).where(SearchDocument.ticket_id == ticket.id)
    )
    assert document is not None
    assert set(tokenizer.document_tokens("试点小区有哪些")) <= set(document.split())


def test_later_changes_to_the_new_ticket_are_flushed_like_any_other(app: Flask, ctx: None) -> None:
    ticket = new_ticket(app)
    handling.add_note(
        db.session, ticket, "先核实补贴标准", actor=audit.Actor.staff(staff()), now=NOW
    )
    ticket.subject = "关于垃圾分类试点"
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id)
    assert stored is not None and stored.subject == "关于垃圾分类试点"
    bodies = db.session.scalars(
        sa.select(Message.body).where(Message.ticket_id == ticket.id).order_by(Message.id)
    ).all()
    assert bodies == ["试点小区有哪些？", "先核实补贴标准"]
    document = db.session.scalar(
        sa.select(SearchDocument.document).where(SearchDocument.ticket_id == ticket.id)
    )
    assert document is not None and "试点" in document.split() and "补贴" in document.split()


def test_update_now_writes_the_columns_given_and_leaves_nothing_to_flush(
    app: Flask, ctx: None
) -> None:
    ticket = stored_ticket(app)
    with recorded_statements() as statements:
        rows.update_now(db.session, ticket, subject="关于垃圾分类试点（更正）", extension_days=3)
        assert ticket not in db.session.dirty and not db.session.is_modified(ticket)
        assert (ticket.subject, ticket.extension_days) == ("关于垃圾分类试点（更正）", 3)
        db.session.flush()
    [update] = statements  # the flush had nothing to write
    assert update.startswith("UPDATE tickets SET") and "status" not in update
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id)
    assert stored is not None
    assert (stored.subject, stored.extension_days, stored.status) == (
        "关于垃圾分类试点（更正）",
        3,
        Status.RECEIVED,
    )


def test_rows_left_out_of_the_session_are_written_whole_and_never_again(
    app: Flask, ctx: None
) -> None:
    ticket = stored_ticket(app)
    event = audit.record(
        db.session,
        action="ticket.note_added",
        actor=audit.Actor.staff(staff()),
        now=NOW,
        ticket=ticket,
        detail={"note": "先核实补贴标准"},
    )
    # Written at once, with its key, and not in the session: nothing is left for a flush.
    assert event.id is not None and event not in db.session
    assert sa.inspect(event).detached and event.created_at == NOW
    with recorded_statements() as statements:
        db.session.commit()
    assert statements == []  # the commit wrote nothing more (no second INSERT of the event)
    stored = db.session.get(AuditEvent, event.id)
    assert stored is not None
    assert (stored.action, stored.ticket_id, stored.hash) == (
        "ticket.note_added",
        ticket.id,
        event.hash,
    )
    assert audit.verify_chain(db.session) is None
