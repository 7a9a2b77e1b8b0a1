"""One check for every form that acts on one ticket: refused when the ticket changed since its page.

The ticket page stamps its version (`stamp_page_version`); every form on it carries it as the
hidden field `version` (`templates/macros/version.html`). A view decorated with `versioned`, or
one that calls `check_page_version`, raises StalePageError when the ticket has a newer message
or change than the page showed; the ticket views answer it with the 409 ticket page, the
newer messages marked (enquiry.staff.ticket). A request without a version is not checked.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, request

from enquiry.domain.answering import StaleTicketError, check_action_version
from enquiry.domain.queries.composer import ticket_version
from enquiry.extensions import db
from enquiry.models import Ticket
from enquiry.staff.access import current_staff, load_ticket_for
from enquiry.staff.blueprint import bp
from enquiry.staff.ticket_forms import VERSION_PATTERN

logger = logging.getLogger(__name__)

VERSION_FIELD = "version"
VERSION = re.compile(VERSION_PATTERN)
# What staff type into the ticket page's forms (a prefix may come before: "hold-reason").
TYPED_FIELDS = frozenset({"reason", "note", "question", "answer", "party", "body"})
View = TypeVar("View", bound=Callable[..., Any])


class StalePageError(Exception):
    """The form was sent from a page drawn before the ticket's newest message or change."""

    def __init__(self, ticket_id: int, seen: str) -> None:
        super().__init__(f"ticket {ticket_id} changed since version {seen}")
        self.ticket_id = ticket_id
        self.seen = seen

    def newest_seen_message(self) -> int:
        """The id of the newest message the stale page showed."""
        return int(self.seen.partition(".")[0])


def stamp_page_version(version: str) -> None:
    """Remember the version of the ticket the page being drawn shows, for its forms."""
    g.ticket_version = version


def stamp_ticket_page(ticket: Ticket) -> None:
    """Stamp the page being drawn with the ticket's version now."""
    stamp_page_version(ticket_version(db.session, ticket))


@bp.app_template_global()
def page_version() -> str:
    """The version stamped on the page being drawn ("" when none: the forms carry none)."""
    return str(g.get("ticket_version", ""))


def sent_version() -> str | None:
    """The version the form was sent with; None when it carries none; 400 when malformed."""
    value = (request.form.get(VERSION_FIELD) or "").strip()
    if not value:
        return None
    if not VERSION.match(value):
        abort(400)
    return value


def typed_text() -> list[str]:
    """The text the refused form carried, to show back so nothing typed is lost."""
    return [
        value.strip()
        for key, value in request.form.items(multi=True)
        if key.rpartition("-")[2].rpartition("_")[2] in TYPED_FIELDS and value.strip()
    ]


def check_page_version(ticket: Ticket) -> None:
    """Lock the ticket and raise StalePageError when it changed since the form's page."""
    seen = sent_version()
    if seen is None:
        return
    try:
        check_action_version(db.session, ticket, seen)
    except StaleTicketError:
        logger.info("stale form refused on ticket %s (seen %s)", ticket.id, seen)
        raise StalePageError(ticket.id, seen) from None


def versioned(view: View) -> View:
    """Check the form's version against the ticket `ticket_id` before the view acts."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        check_page_version(load_ticket_for(current_staff(), kwargs["ticket_id"]))
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]
