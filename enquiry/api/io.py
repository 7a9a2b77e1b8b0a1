"""Reading requests and writing answers: bodies, query strings, tickets, ETags, domain errors."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError

from enquiry.api.blueprint import ApiError, api_user, fail
from enquiry.api.schemas import MessageOut, TicketOut
from enquiry.domain.correction import CorrectionRefused
from enquiry.domain.error_messages import HANDLING_MESSAGES
from enquiry.domain.handling import HandlingError
from enquiry.domain.queries.access import ForbiddenError, TicketNotFoundError, load_ticket
from enquiry.extensions import db
from enquiry.models import Message, Ticket
from enquiry.rules.workflow import TransitionError

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


# pydantic's error types, said in the office's languages; any other type gets the general line.
PROBLEMS = {
    "missing": _l("This field is required."),
    "extra_forbidden": _l("This field is not known."),
    "string_type": _l("Give text here."),
    "string_too_short": _l("This is too short."),
    "string_too_long": _l("This is too long: at most %(max_length)s characters."),
    "int_type": _l("Give a whole number here."),
    "int_parsing": _l("Give a whole number here."),
    "greater_than_equal": _l("The number is too small."),
    "less_than_equal": _l("The number is too large."),
    "enum": _l("Choose one of: %(expected)s."),
    "literal_error": _l("Choose one of: %(expected)s."),
}


def problem(first: Mapping[str, Any]) -> str:
    """Return the translated message for one pydantic error."""
    message = PROBLEMS.get(str(first.get("type")))
    if message is None:
        return _("A value is not valid.")
    context = {key: str(value) for key, value in (first.get("ctx") or {}).items()}
    try:
        return str(message) % context
    except (KeyError, ValueError):
        return _("A value is not valid.")


def _invalid(error: ValidationError) -> ApiError:
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    return ApiError(422, problem(first), field=field)


def parse_body(model: type[M]) -> M:
    """Return the JSON body as the model; 415 when not JSON, 422 naming the field at fault."""
    if not request.is_json:
        fail(415)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        fail(400, _("The body is not a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _invalid(error) from error


def parse_query(model: type[M]) -> M:
    """Return the query string as the model (each parameter once), or 422."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise _invalid(error) from error


def etag_of(ticket: Ticket) -> str:
    """Return a tag that changes whenever the ticket's state does."""
    state = (
        f"{ticket.id}:{ticket.updated_at.isoformat()}:{ticket.status.value}:"
        f"{ticket.department_id}:{ticket.assignee_id}"
    )
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def check_if_match(ticket: Ticket) -> None:
    """412 when the request's If-Match names another version of the ticket."""
    if request.if_match and not request.if_match.contains(etag_of(ticket)):
        fail(412)


def load(ticket_id: int) -> Ticket:
    """Return a ticket the token's user may see, else 404 (others' tickets look absent)."""
    try:
        return load_ticket(db.session, api_user(), ticket_id)
    except TicketNotFoundError:
        fail(404)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn the domain's named errors into API errors, rolling the change back."""
    try:
        yield
    except ForbiddenError as error:
        db.session.rollback()
        raise ApiError(403) from error
    except TransitionError as error:
        db.session.rollback()
        raise ApiError(
            409, _("The ticket's state does not allow this."), code="illegal_transition"
        ) from error
    except CorrectionRefused as error:
        db.session.rollback()
        raise ApiError(409, refusal(error), code="correction_refused") from error
    except HandlingError as error:
        db.session.rollback()
        raise ApiError(422, refusal(error), code="not_possible") from error


def refusal(error: HandlingError) -> str:
    """The domain's reason, in the caller's language when the catalog has it."""
    known = HANDLING_MESSAGES.get(str(error))
    return str(known) if known is not None else str(error)


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut.model_validate(ticket, from_attributes=True)


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.id,
        kind=message.kind,
        channel=message.channel,
        author_id=message.author_id,
        body=message.body,
        created_at=message.created_at,
        attachments=[attachment.filename for attachment in message.attachments],
    )
