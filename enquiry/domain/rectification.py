"""After a rating: 整改 for a 差评, the 回访 call that staff record, and 误评 set aside.

A 不满意 or 非常不满意 rating opens 整改: the department has 15 working days (from the legal
receipt date of the rating) to put it right. Staff call the citizen back (回访) and record the
date, who called and what came of it. A supervisor may mark a rating 误评 (the citizen chose the
wrong grade, or rated something else) with a reason: the rating is kept and audited, never
deleted, and the satisfaction figures leave it out.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from enquiry import audit
from enquiry.domain.policy import Policy
from enquiry.domain.thread import add_message
from enquiry.models import MessageKind, Role, SatisfactionRating, SessionLike, User
from enquiry.models.tickets import FOLLOW_UP_BY_MAX, POOR_RATINGS
from enquiry.rules import deadlines

logger = logging.getLogger(__name__)

RECTIFICATION_DAYS = 15
RESULT_MAX = 2000
REASON_MAX = 2000


class RectificationError(ValueError):
    """A follow-up or 误评 that cannot be recorded as asked; the message says why."""


def open_rectification(
    session: SessionLike,
    record: SatisfactionRating,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """整改: give a 差评 its due date, 15 working days from the rating's receipt date."""
    if record.rating not in POOR_RATINGS:
        return
    received = deadlines.legal_receipt_date(now, policy.calendar, policy.office_hours)
    due = deadlines.due_date(received, RECTIFICATION_DAYS, policy.calendar)
    record.rectification_due_on = due.day
    detail = {"rating": record.id, "due_on": due.day.isoformat()}
    audit.record(
        session,
        action="rating.rectification_opened",
        actor=actor,
        now=now,
        ticket=record.ticket,
        detail=detail,
    )


def record_follow_up(
    session: SessionLike,
    record: SatisfactionRating,
    *,
    called_on: date,
    called_by: str,
    result: str,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """回访: record when the citizen was called, by whom and what came of it."""
    called_by, result = called_by.strip(), result.strip()
    if not called_by or not result:
        raise RectificationError("say who called and what came of the call")
    if len(called_by) > FOLLOW_UP_BY_MAX or len(result) > RESULT_MAX:
        raise RectificationError("the follow-up record is too long")
    rated_on = record.created_at.astimezone(deadlines.BEIJING).date()
    if called_on < rated_on or called_on > now.astimezone(deadlines.BEIJING).date():
        raise RectificationError("the call cannot be before the rating or in the future")
    record.follow_up_on = called_on
    record.follow_up_by = called_by
    record.follow_up_result = result
    audit.record(
        session,
        action="rating.followed_up",
        actor=actor,
        now=now,
        ticket=record.ticket,
        detail={"rating": record.id, "called_on": called_on.isoformat()},
    )
    text = f"回访（{called_on.isoformat()}，{called_by}）：{result}"
    add_message(session, record.ticket, MessageKind.EVENT, text, (), None, now)
    session.flush()


def mark_misrated(
    session: SessionLike,
    record: SatisfactionRating,
    *,
    reason: str,
    user: User,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """误评: set a rating aside with a reason; it stays, audited, out of the figures."""
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise RectificationError("only a supervisor may mark a rating as mistaken")
    if record.misrated_at is not None:
        raise RectificationError("this rating is already marked as mistaken")
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise RectificationError("give a reason of at most 2000 characters")
    record.misrated_at = now
    record.misrated_reason = reason
    record.misrated_by_id = user.id
    audit.record(
        session,
        action="rating.misrated",
        actor=actor,
        now=now,
        ticket=record.ticket,
        detail={"rating": record.id, "grade": record.rating.value},
    )
    add_message(session, record.ticket, MessageKind.EVENT, f"误评：{reason}", (), None, now)
    session.flush()
