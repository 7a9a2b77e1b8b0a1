"""The outcomes a ticket may be closed with: the 2008 list before 2019-05-15, else the 2019 one."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel
from werkzeug.wrappers import Response

from enquiry.api.blueprint import bp, json_response
from enquiry.api.io import load
from enquiry.api.openapi import documented
from enquiry.models import Kind
from enquiry.rules import outcomes_2008

logger = logging.getLogger(__name__)


class OutcomeOut(BaseModel):
    code: str
    label: str


class OutcomeGroup(BaseModel):
    label: str
    outcomes: list[OutcomeOut]


class OutcomeList(BaseModel):
    regulations: Literal["2008", "2019"] | None
    groups: list[OutcomeGroup]


@bp.get("/tickets/<id:ticket_id>/outcomes", endpoint="ticket_outcomes")
@documented(
    summary="The outcomes the ticket may be closed with (information applications)",
    response=OutcomeList,
    errors=(401, 404, 429),
)
def ticket_outcomes(ticket_id: int) -> Response:
    """List the outcome codes `close` accepts for this ticket; none for other kinds."""
    ticket = load(ticket_id)
    if ticket.kind is not Kind.INFO_APPLICATION:
        return json_response(OutcomeList(regulations=None, groups=[]).model_dump(mode="json"))
    groups = [
        OutcomeGroup(label=label, outcomes=[OutcomeOut(code=c, label=t) for c, t in options])
        for label, options in outcomes_2008.choice_groups_for(ticket.received_on)
    ]
    is_2008 = outcomes_2008.applies(ticket.received_on)
    found = OutcomeList(regulations="2008" if is_2008 else "2019", groups=groups)
    return json_response(found.model_dump(mode="json"))
