"""回访: the citizen rates an answer from a signed link, once; a 差评 goes back for 重办 and 整改.

Every answer mail carries five one-click links on the national 好差评 scale (非常满意, 满意,
基本满意, 不满意, 非常不满意) to the rating page; the link's token names the answer and is signed
with the application's secret, so it needs no login and cannot be forged or pointed at another
answer. A GET of the link records nothing (mail scanners fetch links): the landing page posts
the choice by script at once, with a visible button for browsers without script.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from enquiry import audit
from enquiry.domain import clock, rectification
from enquiry.domain.policy import Policy
from enquiry.domain.thread import add_message
from enquiry.mail import outbound
from enquiry.models import (
    Department,
    Message,
    MessageKind,
    OutboundEmail,
    Rating,
    Role,
    SatisfactionRating,
    SessionLike,
    Status,
    Ticket,
    User,
)
from enquiry.models.tickets import POOR_RATINGS
from enquiry.rules import workflow

logger = logging.getLogger(__name__)

SALT = "enquiry.rating"
COMMENT_MAX = 2000
ALERT_TEMPLATE = "dissatisfied_alert"
# Chinese in the thread and the audit trail, like the other system events.
RATING_NAMES_ZH = {
    Rating.VERY_SATISFIED: "非常满意",
    Rating.SATISFIED: "满意",
    Rating.BASICALLY_SATISFIED: "基本满意",
    Rating.DISSATISFIED: "不满意",
    Rating.VERY_DISSATISFIED: "非常不满意",
}


class RatingError(ValueError):
    """A rating that cannot be recorded; the message says why."""


class InvalidRatingTokenError(RatingError):
    """The link was not made by us, was altered, or names no answer."""


class AlreadyRatedError(RatingError):
    """The answer has been rated already: one rating per answer."""


# Lazy: translated when the mail or page is rendered, in the reader's language.
RATING_LABELS = {
    Rating.VERY_SATISFIED: _l("Very satisfied"),
    Rating.SATISFIED: _l("Satisfied"),
    Rating.BASICALLY_SATISFIED: _l("Basically satisfied"),
    Rating.DISSATISFIED: _l("Dissatisfied"),
    Rating.VERY_DISSATISFIED: _l("Very dissatisfied"),
}


@dataclass(frozen=True)
class RatingLink:
    """One of the one-click links in an answer mail."""

    rating: Rating
    url: str

    @property
    def label(self) -> Any:
        return RATING_LABELS[self.rating]


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def make_token(secret: str, message: Message) -> str:
    """Return the signed token naming an answer (and its ticket)."""
    return str(_serializer(secret).dumps([message.ticket_id, message.id]))


def rating_links(identity: outbound.MailIdentity, message: Message) -> list[RatingLink]:
    """Return the five one-click links for an answer, in the enquiry's language."""
    base = f"{identity.base_url.rstrip('/')}/rate/{make_token(identity.secret, message)}"
    lang = message.ticket.locale
    return [RatingLink(rating, f"{base}?rating={rating.value}&lang={lang}") for rating in Rating]


def answer_for(session: SessionLike, secret: str, token: str) -> Message:
    """Return the answer a token names, or raise InvalidRatingTokenError."""
    try:
        ticket_id, message_id = _serializer(secret).loads(token)
    except (BadSignature, TypeError, ValueError):
        raise InvalidRatingTokenError("this rating link is not valid") from None
    message = session.get(Message, message_id) if isinstance(message_id, int) else None
    if message is None or message.ticket_id != ticket_id or message.kind is not MessageKind.REPLY:
        raise InvalidRatingTokenError("this rating link names no answer")
    return message


def existing_rating(session: SessionLike, message: Message) -> SatisfactionRating | None:
    """Return the rating already given to an answer, if any."""
    return session.scalar(
        select(SatisfactionRating).where(SatisfactionRating.message_id == message.id)
    )


def rate(
    session: SessionLike,
    token: str,
    rating: Rating,
    comment: str | None,
    now: datetime,
    *,
    policy: Policy,
    actor: audit.Actor,
) -> SatisfactionRating:
    """Record the citizen's rating of an answer; a 差评 reopens the ticket, opens 整改, alerts.

    Raises RatingError (InvalidRatingTokenError, AlreadyRatedError); the caller rolls back.
    """
    message = answer_for(session, policy.mail.secret, token)
    if existing_rating(session, message) is not None:
        raise AlreadyRatedError("this answer has already been rated")
    comment = _clean_comment(comment)
    ticket = message.ticket
    record = SatisfactionRating(
        ticket_id=ticket.id, message_id=message.id, rating=rating, comment=comment, created_at=now
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:  # two submissions at once: the second loses; the caller rolls back
        raise AlreadyRatedError("this answer has already been rated") from None
    # The comment stays in its row: the append-only trail keeps no more personal text than needed.
    detail = {"rating": rating.value, "message": message.id, "has_comment": comment is not None}
    audit.record(session, action="ticket.rated", actor=actor, now=now, ticket=ticket, detail=detail)
    if rating in POOR_RATINGS:
        _send_back(session, ticket, record, policy=policy, actor=actor, now=now)
        rectification.open_rectification(session, record, policy=policy, actor=actor, now=now)
    return record


def add_comment(
    session: SessionLike, token: str, comment: str | None, now: datetime, *, policy: Policy
) -> SatisfactionRating:
    """Add the optional comment to a rating just given by one click; once, never replaced."""
    message = answer_for(session, policy.mail.secret, token)
    record = existing_rating(session, message)
    cleaned = _clean_comment(comment)
    if record is None or record.comment is not None:
        raise AlreadyRatedError("this rating has no room for a comment")
    if cleaned is None:
        raise RatingError("the comment is empty")
    record.comment = cleaned
    if record.rating in POOR_RATINGS:  # the re-handling needs to see why
        add_message(
            session, record.ticket, MessageKind.EVENT, f"回访意见：{cleaned}", (), None, now
        )
    session.flush()
    return record


def _clean_comment(comment: str | None) -> str | None:
    cleaned = (comment or "").strip()
    if len(cleaned) > COMMENT_MAX:
        raise RatingError(f"the comment is longer than {COMMENT_MAX} characters")
    return cleaned or None


def _send_back(
    session: SessionLike,
    ticket: Ticket,
    record: SatisfactionRating,
    *,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """重办: reopen the ticket (when it is answered or closed), restart its clock, alert."""
    before = ticket.status
    if Status(before) in workflow.TRANSITIONS[workflow.Action.REOPEN]:
        ticket.status = workflow.next_status(before, workflow.Action.REOPEN)
        ticket.closed_at = None
        ticket.updated_at = now
        audit.record(
            session,
            action=f"ticket.{workflow.Action.REOPEN.value}",
            actor=actor,
            now=now,
            ticket=ticket,
            detail={"status": [before.value, ticket.status.value], "reason": "dissatisfied"},
        )
    text = f"回访：{RATING_NAMES_ZH[record.rating]}，重办。" + (
        f"\n{record.comment}" if record.comment else ""
    )
    add_message(session, ticket, MessageKind.EVENT, text, (), None, now)
    if ticket.status is not before:  # reopened: the re-handling gets a fresh period
        clock.restart_for_rehandling(session, ticket, policy=policy, actor=actor, now=now)
    for address, locale in alert_recipients(session, ticket.department):
        _queue_alert(session, ticket, record, address, locale, identity=policy.mail, now=now)


def alert_recipients(session: SessionLike, department: Department) -> list[tuple[str, str]]:
    """Return (address, locale) of whoever hears of a 不满意 rating.

    The department's active supervisors; else the department's own address; else the admins.
    """
    supervisors = session.scalars(
        select(User)
        .where(
            User.department_id == department.id,
            User.role == Role.SUPERVISOR,
            User.is_active.is_(True),
        )
        .order_by(User.id)
    ).all()
    if supervisors:
        return [(user.email, user.locale) for user in supervisors]
    if department.email:
        return [(department.email, "zh_Hans")]
    admins = session.scalars(
        select(User).where(User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id)
    ).all()
    if not admins:
        logger.warning("nobody to alert of a dissatisfied rating in %s", department.code)
    return [(user.email, user.locale) for user in admins]


def _queue_alert(
    session: SessionLike,
    ticket: Ticket,
    record: SatisfactionRating,
    address: str,
    locale: str,
    *,
    identity: outbound.MailIdentity,
    now: datetime,
) -> OutboundEmail:
    base_url = identity.base_url.rstrip("/")
    context: dict[str, Any] = {
        "ticket": ticket,
        "rating": record,
        "staff_url": f"{base_url}/staff/tickets/{ticket.id}",
        "base_url": base_url,
    }
    subject, body_text, body_html = outbound.render_pair(ALERT_TEMPLATE, locale, context)
    email = OutboundEmail(
        ticket_id=ticket.id,
        template=ALERT_TEMPLATE,
        to_addr=address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        message_id=outbound.make_message_id(identity, ticket.reference),
        is_automatic=False,  # staff must get every alert: no daily cap
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    session.flush()
    return email
