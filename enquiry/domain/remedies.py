"""行政复议 and 行政诉讼 over an information application: record one, record how it ended.

Verbs flush, never commit, write their audit event, and raise `RemedyError` (nothing changed)
when refused; the error's `code` names the refusal for the front doors to translate.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from enquiry import audit
from enquiry.models import Kind, Remedy, RemedyKind, RemedyResult, SessionLike, Ticket
from enquiry.models.remedies import REMEDY_BODY_MAX
from enquiry.rules.clock import beijing_today

logger = logging.getLogger(__name__)

NOT_APPLICATION = "not_application"
NO_BODY = "no_body"
BODY_TOO_LONG = "body_too_long"
FILED_IN_FUTURE = "filed_in_future"
FILED_BEFORE_RECEIPT = "filed_before_receipt"
NEEDS_CONCLUSION_DATE = "needs_conclusion_date"
CONCLUDED_BEFORE_FILED = "concluded_before_filed"
CONCLUDED_IN_FUTURE = "concluded_in_future"
NO_CONCLUSION_WHILE_PENDING = "no_conclusion_while_pending"
ROUTE_ONLY_FOR_LAWSUITS = "route_only_for_lawsuits"


class RemedyError(ValueError):
    """A review or lawsuit that cannot be recorded as asked; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _detail(remedy: Remedy) -> dict[str, Any]:
    return {
        "remedy_id": remedy.id,
        "remedy_kind": remedy.kind.value,
        "filed_on": remedy.filed_on.isoformat(),
        "body": remedy.body,
        "after_review": remedy.after_review,
        "result": remedy.result.value,
        "concluded_on": remedy.concluded_on.isoformat() if remedy.concluded_on else None,
    }


def _check_conclusion(
    result: RemedyResult, filed_on: date, concluded_on: date | None, today: date
) -> None:
    if result is RemedyResult.PENDING:
        if concluded_on is not None:
            raise RemedyError(NO_CONCLUSION_WHILE_PENDING)
        return
    if concluded_on is None:
        raise RemedyError(NEEDS_CONCLUSION_DATE)
    if concluded_on < filed_on:
        raise RemedyError(CONCLUDED_BEFORE_FILED)
    if concluded_on > today:
        raise RemedyError(CONCLUDED_IN_FUTURE)


def record_remedy(
    session: SessionLike,
    ticket: Ticket,
    *,
    kind: RemedyKind,
    filed_on: date,
    body: str,
    after_review: bool | None,
    actor: audit.Actor,
    now: datetime,
) -> Remedy:
    """Record a review or lawsuit over an information application (still pending)."""
    if ticket.kind is not Kind.INFO_APPLICATION:
        raise RemedyError(NOT_APPLICATION)
    name = (body or "").strip()
    if not name:
        raise RemedyError(NO_BODY)
    if len(name) > REMEDY_BODY_MAX:
        raise RemedyError(BODY_TOO_LONG)
    if filed_on > beijing_today(now):
        raise RemedyError(FILED_IN_FUTURE)
    if filed_on < ticket.received_on:
        raise RemedyError(FILED_BEFORE_RECEIPT)
    if kind is RemedyKind.REVIEW and after_review is not None:
        raise RemedyError(ROUTE_ONLY_FOR_LAWSUITS)
    route = bool(after_review) if kind is RemedyKind.LAWSUIT else None
    remedy = Remedy(
        ticket_id=ticket.id,
        kind=kind,
        filed_on=filed_on,
        body=name,
        after_review=route,
        result=RemedyResult.PENDING,
        created_at=now,
        updated_at=now,
    )
    session.add(remedy)
    session.flush()
    audit.record(
        session,
        action="ticket.remedy_recorded",
        actor=actor,
        now=now,
        ticket=ticket,
        detail=_detail(remedy),
    )
    logger.info("Recorded %s %s on %s", kind.value, remedy.id, ticket.reference)
    return remedy


def set_result(
    session: SessionLike,
    ticket: Ticket,
    remedy: Remedy,
    *,
    result: RemedyResult,
    concluded_on: date | None,
    actor: audit.Actor,
    now: datetime,
) -> Remedy:
    """Record how a review or lawsuit ended (or correct it; pending again clears the date)."""
    if remedy.ticket_id != ticket.id:
        raise RemedyError(NOT_APPLICATION)
    _check_conclusion(result, remedy.filed_on, concluded_on, beijing_today(now))
    result_before, concluded_before = remedy.result.value, remedy.concluded_on
    remedy.result = result
    remedy.concluded_on = concluded_on
    remedy.updated_at = now
    session.flush()
    detail = _detail(remedy) | {
        "result_before": result_before,
        "concluded_on_before": concluded_before.isoformat() if concluded_before else None,
    }
    audit.record(
        session,
        action="ticket.remedy_result_set",
        actor=actor,
        now=now,
        ticket=ticket,
        detail=detail,
    )
    return remedy
