"""The ticket page's panel of similar open tickets and published answers to reuse."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from enquiry.domain.queries import related
from enquiry.extensions import db
from enquiry.models import Ticket, User


@dataclass(frozen=True)
class RelatedPanel:
    """What the ticket page shows beside the composer."""

    tickets: list[related.SimilarTicket]
    answers: list[related.MatchingAnswer]
    cluster_url: str


def related_panel(ticket: Ticket, user: User) -> RelatedPanel:
    """Similar open tickets and matching published answers, for the ticket page."""
    found = related.related_to(db.session, user, ticket)
    return RelatedPanel(
        tickets=found.tickets,
        answers=found.answers,
        cluster_url=url_for("staff.cluster", section=ticket.report_section_id or "none"),
    )
