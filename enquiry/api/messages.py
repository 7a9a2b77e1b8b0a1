"""A ticket's thread: list it, reply to the citizen, add an internal note."""

from __future__ import annotations

import logging

from flask import current_app
from werkzeug.wrappers import Response

from enquiry.api import schemas as s
from enquiry.api.blueprint import api_user, bp, json_response
from enquiry.api.io import check_if_match, domain_errors, etag_of, load, message_out, parse_body
from enquiry.api.openapi import documented
from enquiry.api.tickets import actor
from enquiry.domain import handling
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import access, tickets
from enquiry.extensions import db
from enquiry.models import utcnow
from enquiry.rules.workflow import Action

logger = logging.getLogger(__name__)
WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 422, 429)


@bp.get("/tickets/<id:ticket_id>/messages", endpoint="messages")
@documented(
    summary="A ticket's thread, notes and events included",
    response=s.MessageList,
    errors=(401, 404, 429),
)
def list_messages(ticket_id: int) -> Response:
    """List the messages of a ticket the token's user may see, oldest first."""
    ticket = load(ticket_id)
    items = [message_out(message) for message in tickets.thread(db.session, ticket)]
    return json_response(s.MessageList(items=items).model_dump(mode="json"), etag=etag_of(ticket))


@bp.post("/tickets/<id:ticket_id>/replies", endpoint="reply")
@documented(
    summary="Answer the citizen (by e-mail and on the tracking page)",
    body=s.MessageIn,
    response=s.MessageOut,
    status=201,
    errors=WRITE_ERRORS,
    if_match=True,
    etag=True,
)
def reply(ticket_id: int) -> Response:
    """Reply to the citizen; the ticket becomes answered."""
    ticket = load(ticket_id)
    check_if_match(ticket)
    body = parse_body(s.MessageIn)
    identity = policy_from_config(current_app.config).mail
    with domain_errors():
        access.require_action(db.session, api_user(), ticket, Action.ANSWER)
        message = handling.reply(
            db.session, ticket, body.body, identity=identity, actor=actor(), now=utcnow()
        )
    db.session.commit()
    return json_response(message_out(message).model_dump(mode="json"), 201, etag=etag_of(ticket))


@bp.post("/tickets/<id:ticket_id>/notes", endpoint="note")
@documented(
    summary="Add an internal note (never shown to the citizen)",
    body=s.MessageIn,
    response=s.MessageOut,
    status=201,
    errors=WRITE_ERRORS,
    if_match=True,
    etag=True,
)
def add_note(ticket_id: int) -> Response:
    """Add an internal note to the ticket."""
    ticket = load(ticket_id)
    check_if_match(ticket)
    body = parse_body(s.MessageIn)
    with domain_errors():
        message = handling.add_note(db.session, ticket, body.body, actor=actor(), now=utcnow())
    db.session.commit()
    return json_response(message_out(message).model_dump(mode="json"), 201, etag=etag_of(ticket))
