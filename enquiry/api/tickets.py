"""Tickets: the inbox's list with its filters and keyset pages, one ticket, a new ticket."""

from __future__ import annotations

import logging

from flask import current_app, g, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from enquiry.api import schemas as s
from enquiry.api.blueprint import api_user, bp, fail, json_response
from enquiry.api.io import etag_of, load, parse_body, parse_query, ticket_out
from enquiry.api.openapi import documented
from enquiry.audit import Actor
from enquiry.domain.channels import open_from_channel
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import inbox
from enquiry.domain.tickets import NewEnquiry
from enquiry.extensions import db
from enquiry.models import Channel, Kind, utcnow
from enquiry.rules import clock

logger = logging.getLogger(__name__)


def secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def wanted(query: s.TicketQuery) -> inbox.InboxFilter:
    """Return the inbox filter a query asks for."""
    return inbox.InboxFilter(**query.model_dump(exclude={"after", "limit"}, exclude_none=True))


def cursor_of(query: s.TicketQuery) -> inbox.Cursor | None:
    """Return the page cursor of the query (None: the first page), or 422."""
    try:
        return inbox.decode_cursor(secret(), query.after, query.sort) if query.after else None
    except inbox.InvalidCursorError:
        fail(422, _("This cursor is not valid for this sort order."), field="after")


def actor() -> Actor:
    return Actor.staff(api_user(), remote_addr=request.remote_addr)


APPLICATION_FIELDS = ("applicant_type", "info_description", "delivery_form")


def new_enquiry(body: s.TicketCreate) -> NewEnquiry:
    """Return the enquiry a hotline or portal sent (the web channel: no mail came in), or 422."""
    is_application = body.kind is Kind.INFO_APPLICATION
    for name in APPLICATION_FIELDS:
        if is_application and getattr(body, name) is None:
            fail(422, _("An information application needs this field."), field=name)
        if not is_application and getattr(body, name) is not None:
            fail(422, _("Only an information application has this field."), field=name)
    fields = body.model_dump(exclude={"source"})
    return NewEnquiry(**fields, channel=Channel.WEB)


@bp.get("/tickets", endpoint="tickets")
@documented(
    summary="List tickets (the inbox's filters, keyset pages)",
    response=s.TicketPage,
    query=s.TicketQuery,
    errors=(401, 422, 429),
)
def list_tickets() -> Response:
    """List the tickets the token's user may see, one page after the cursor."""
    query = parse_query(s.TicketQuery)
    today = clock.beijing_today(utcnow())
    page = inbox.inbox_page(
        db.session,
        api_user(),
        wanted(query),
        today=today,
        cursor=cursor_of(query),
        size=query.limit,
        with_counts=False,
    )
    following = page.next_cursor
    next_cursor = inbox.encode_cursor(secret(), query.sort, following) if following else None
    items = [ticket_out(ticket) for ticket in page.tickets]
    return json_response(s.TicketPage(items=items, next_cursor=next_cursor).model_dump(mode="json"))


@bp.get("/tickets/<id:ticket_id>", endpoint="ticket")
@documented(
    summary="One ticket, with its ETag", response=s.TicketOut, etag=True, errors=(401, 404, 429)
)
def get_ticket(ticket_id: int) -> Response:
    """Return a ticket the token's user may see; 304 when the client's copy is current."""
    ticket = load(ticket_id)
    tag = etag_of(ticket)
    if request.if_none_match.contains(tag):
        return json_response({}, 304, etag=tag)
    return json_response(ticket_out(ticket).model_dump(mode="json"), etag=tag)


@bp.post("/tickets", endpoint="create_ticket")
@documented(
    summary="Open a ticket for a citizen who came through another channel",
    body=s.TicketCreate,
    response=s.TicketCreated,
    status=201,
    errors=(400, 401, 422, 429),
)
def create_ticket() -> Response:
    """Open a ticket on behalf of a citizen; the citizen gets the usual acknowledgement."""
    body = parse_body(s.TicketCreate)
    policy = policy_from_config(current_app.config, session=db.session)
    opened = open_from_channel(
        db.session,
        new_enquiry(body),
        source=body.source,
        token_id=g.api_token_id,
        policy=policy,
        actor=actor(),
        now=utcnow(),
    )
    db.session.commit()
    created = s.TicketCreated(ticket=ticket_out(opened.ticket), access_code=opened.access_code)
    return json_response(created.model_dump(mode="json"), 201, etag=etag_of(opened.ticket))
