"""The legal date of receipt of an enquiry (art. 31 of the Regulations), by channel."""

from __future__ import annotations

from datetime import date, datetime

from enquiry.domain.policy import Policy
from enquiry.models import Channel
from enquiry.rules import deadlines

PAPER_CHANNELS = frozenset({Channel.POST, Channel.IN_PERSON})


def receipt_date(channel: Channel, received_on: date | None, policy: Policy, now: datetime) -> date:
    """The legal date of receipt (art. 31) by channel.

    Web form and e-mail: the moment the system confirms receipt to the applicant (it opens the
    ticket and queues the acknowledgement now); after office hours or on a rest day, the next
    working day. Post: the date the office signed for it; in person: the date it was handed
    in, both recorded by staff.
    """
    if channel in PAPER_CHANNELS:
        if received_on is None:
            raise ValueError("a paper application needs the date it was received")
        return received_on
    return deadlines.legal_receipt_date(now, policy.calendar, policy.office_hours)
