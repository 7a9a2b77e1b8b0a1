"""Applications received on paper: by post or handed in at the office (art. 31).

Staff record them with the date the office signed for the letter (post) or the date it was
handed in (in person); that date is the legal date of receipt, from which the period runs
(the day itself not counted), and the one the citizen sees on the tracking page and in the
acknowledgement mail.
"""

from __future__ import annotations

from datetime import date, datetime

from enquiry import audit
from enquiry.domain import receipt, tickets
from enquiry.domain.policy import Policy
from enquiry.domain.steps import thread_event
from enquiry.models import Channel, SessionLike
from enquiry.rules.clock import beijing_today

EARLIEST = date(2008, 5, 1)  # the first OGI Regulations took effect

IN_FUTURE = "the date of receipt cannot be after today"
TOO_EARLY = "the date of receipt cannot be before 2008-05-01"
NOT_PAPER = "only post and in-person applications are recorded by staff"


class PaperApplicationError(ValueError):
    """A paper application that cannot be recorded as entered; the message says why."""


def refusal(channel: Channel, received_on: date, today: date) -> str | None:
    """Why the application cannot be recorded with this date, or None."""
    if channel not in receipt.PAPER_CHANNELS:
        return NOT_PAPER
    if received_on > today:
        return IN_FUTURE
    if received_on < EARLIEST:
        return TOO_EARLY
    return None


def record(
    session: SessionLike,
    enquiry: tickets.NewEnquiry,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> tickets.Opened:
    """Open a ticket for a paper application, received on the date staff give."""
    if enquiry.received_on is None:
        raise PaperApplicationError("the date of receipt is required")
    problem = refusal(enquiry.channel, enquiry.received_on, beijing_today(now))
    if problem is not None:
        raise PaperApplicationError(problem)
    opened = tickets.open_ticket(session, enquiry, policy=policy, actor=actor, now=now)
    how = "邮寄，签收日期" if enquiry.channel is Channel.POST else "当面提交，提交日期"
    thread_event(
        session,
        opened.ticket,
        f"纸质申请（{how} {enquiry.received_on.isoformat()}），由工作人员登记",
        actor,
        now,
    )
    return opened
