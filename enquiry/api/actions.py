"""Actions on a ticket: the staff verbs, with the same rules and the same 409 when illegal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from pydantic import BaseModel
from werkzeug.wrappers import Response

from enquiry.api import schemas as s
from enquiry.api.blueprint import api_user, bp, fail, json_response
from enquiry.api.io import check_if_match, domain_errors, etag_of, load, parse_body, ticket_out
from enquiry.api.openapi import documented
from enquiry.api.tickets import actor
from enquiry.domain import correction, handling
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import access
from enquiry.extensions import db
from enquiry.models import Department, Ticket, utcnow
from enquiry.rules.workflow import Action

logger = logging.getLogger(__name__)

ERRORS = (400, 401, 403, 404, 409, 412, 422, 429)
Verb = Callable[[Ticket, Any], None]


def act(ticket_id: int, action: Action, model: type[BaseModel], verb: Verb) -> Response:
    """Load, check the version and the role, run one verb, commit; answer with the ticket."""
    ticket = load(ticket_id)
    check_if_match(ticket)
    body = parse_body(model)
    with domain_errors():
        access.require_action(db.session, api_user(), ticket, action)
        verb(ticket, body)
    db.session.commit()
    return json_response(ticket_out(ticket).model_dump(mode="json"), etag=etag_of(ticket))


def documented_action(summary: str, body: type[BaseModel]) -> Callable[[Any], Any]:
    return documented(
        summary=summary, body=body, response=s.TicketOut, errors=ERRORS, if_match=True, etag=True
    )


@bp.post("/tickets/<id:ticket_id>/acknowledge", endpoint="acknowledge")
@documented_action("签收: the department accepts the ticket", s.Empty)
def acknowledge(ticket_id: int) -> Response:
    """Acknowledge the ticket for its department."""
    return act(
        ticket_id,
        Action.ACKNOWLEDGE,
        s.Empty,
        lambda ticket, body: handling.acknowledge(db.session, ticket, actor=actor(), now=utcnow()),
    )


@bp.post("/tickets/<id:ticket_id>/start", endpoint="start")
@documented_action("办理: work on the ticket begins", s.Empty)
def start(ticket_id: int) -> Response:
    """Start work on the ticket."""
    return act(
        ticket_id,
        Action.START,
        s.Empty,
        lambda ticket, body: handling.start(db.session, ticket, actor=actor(), now=utcnow()),
    )


def transfer_to(ticket: Ticket, body: s.TransferIn) -> None:
    department = db.session.get(Department, body.department_id)
    if department is None:
        fail(422, _("No such department."), field="department_id")
    handling.transfer(db.session, ticket, department, body.note, actor=actor(), now=utcnow())


@bp.post("/tickets/<id:ticket_id>/transfer", endpoint="transfer")
@documented_action("转办: send the ticket to another department", s.TransferIn)
def transfer(ticket_id: int) -> Response:
    """Transfer the ticket to a department, with a note for it."""
    return act(ticket_id, Action.TRANSFER, s.TransferIn, transfer_to)


def ask_citizen(ticket: Ticket, body: s.CorrectionIn) -> None:
    policy = policy_from_config(current_app.config, session=db.session)
    correction.request_info(
        db.session, ticket, body.body, policy=policy, actor=actor(), now=utcnow(), limit=body.limit
    )


@bp.post("/tickets/<id:ticket_id>/request-info", endpoint="request_info")
@documented_action("补正: ask the citizen for what is missing", s.CorrectionIn)
def request_info(ticket_id: int) -> Response:
    """Ask the citizen for more information; the clock waits."""
    return act(ticket_id, Action.REQUEST_INFO, s.CorrectionIn, ask_citizen)


@bp.post("/tickets/<id:ticket_id>/close", endpoint="close")
@documented_action("办结: conclude the answered ticket", s.CloseIn)
def close(ticket_id: int) -> Response:
    """Close the ticket (an information application with its outcome)."""
    return act(
        ticket_id,
        Action.CLOSE,
        s.CloseIn,
        lambda ticket, body: handling.close(
            db.session,
            ticket,
            actor=actor(),
            now=utcnow(),
            outcome=body.outcome,
            policy=policy_from_config(current_app.config, session=db.session),
        ),
    )


@bp.post("/tickets/<id:ticket_id>/refuse", endpoint="refuse")
@documented_action("不予受理: refuse the enquiry, telling the citizen why", s.ReasonIn)
def refuse(ticket_id: int) -> Response:
    """Refuse the enquiry."""
    identity = policy_from_config(current_app.config).mail
    return act(
        ticket_id,
        Action.REFUSE,
        s.ReasonIn,
        lambda ticket, body: handling.refuse(
            db.session, ticket, body.reason, identity=identity, actor=actor(), now=utcnow()
        ),
    )


@bp.post("/tickets/<id:ticket_id>/spam", endpoint="mark_spam")
@documented_action("Mark as spam (no mail is sent)", s.ReasonIn)
def mark_spam(ticket_id: int) -> Response:
    """Close the ticket as spam, with the reason on record."""
    return act(
        ticket_id,
        Action.MARK_SPAM,
        s.ReasonIn,
        lambda ticket, body: handling.mark_spam(
            db.session, ticket, body.reason, actor=actor(), now=utcnow()
        ),
    )
