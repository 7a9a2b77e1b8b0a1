"""Notification mail: one message per notification, or an hourly digest, through the outbox.

Run by the worker, never in a request. A colleague who chose no mail has their notifications
marked skipped when they are written (enquiry.domain.notifications).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from enquiry.domain.staff_mail import queue_staff_mail, staff_ticket_url
from enquiry.mail import outbound
from enquiry.models import (
    MailState,
    Notification,
    NotificationSetting,
    NotifyMode,
    SessionLike,
    User,
)

DIGEST_EVERY = timedelta(hours=1)
BATCH = 500


@dataclass(frozen=True)
class MailItem:
    """What a notification mail says of one notification (no citizen message text)."""

    kind: str
    reference: str
    subject: str
    ticket_id: int


def _item(notification: Notification) -> MailItem:
    ticket = notification.ticket
    return MailItem(notification.kind.value, ticket.reference, ticket.subject, ticket.id)


def _pending_by_user(session: SessionLike) -> dict[int, list[Notification]]:
    query = (
        sa.select(Notification)
        .where(Notification.mail_state == MailState.PENDING)
        .options(joinedload(Notification.ticket))
        .order_by(Notification.id)
        .limit(BATCH)
    )
    grouped: dict[int, list[Notification]] = defaultdict(list)
    for notification in session.scalars(query):
        grouped[notification.user_id].append(notification)
    return grouped


def queue_notification_mail(
    session: SessionLike, *, identity: outbound.MailIdentity, now: datetime
) -> int:
    """Queue the mail of pending notifications by each colleague's choice; return how many."""
    queued = 0
    for user_id, pending in _pending_by_user(session).items():
        user = session.get(User, user_id)
        setting = session.get(NotificationSetting, user_id)
        mode = setting.mode if setting is not None else NotifyMode.EACH
        if user is None or not user.is_active or mode is NotifyMode.NONE:
            _mark(pending, MailState.SKIPPED)
            continue
        if mode is NotifyMode.EACH:
            for notification in pending:
                _queue(session, user, "notification", identity, now, item=_item(notification))
                queued += 1
            _mark(pending, MailState.QUEUED)
        elif setting is not None and _digest_due(setting, now):
            items = [_item(notification) for notification in pending]
            _queue(session, user, "notification_digest", identity, now, items=items)
            setting.digest_sent_at = now
            _mark(pending, MailState.QUEUED)
            queued += 1
    session.flush()
    return queued


def _digest_due(setting: NotificationSetting, now: datetime) -> bool:
    return setting.digest_sent_at is None or now - setting.digest_sent_at >= DIGEST_EVERY


def _mark(notifications: list[Notification], state: MailState) -> None:
    for notification in notifications:
        notification.mail_state = state


def _queue(
    session: SessionLike,
    user: User,
    template: str,
    identity: outbound.MailIdentity,
    now: datetime,
    **context: object,
) -> None:
    queue_staff_mail(
        session,
        to=user,
        template=template,
        identity=identity,
        now=now,
        context={"ticket_url": partial(staff_ticket_url, identity.base_url), **context},
        is_automatic=True,
    )
