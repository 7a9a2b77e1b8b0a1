"""Notifications for colleagues: new tickets, citizen follow-ups, transfers and @mentions.

Like webhook deliveries (enquiry.domain.events), they are written by an audit hook
(enquiry.audit.hooks) from the events the verbs record, as each is recorded, so no verb needs
to know about them and a rolled-back change leaves none. Mail is not written here: a worker job
turns pending notifications into outbox rows (enquiry.domain.notify_mail), one each or an
hourly digest.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from enquiry.audit import hooks
from enquiry.models import (
    AuditEvent,
    Department,
    MailState,
    Message,
    Notification,
    NotificationKind,
    NotificationSetting,
    NotifyMode,
    SessionLike,
    Ticket,
    User,
)
from enquiry.rules import mentions

logger = logging.getLogger(__name__)

DEPARTMENT_ACTIONS = {
    "ticket.opened": NotificationKind.NEW_TICKET,
    "ticket.transfer": NotificationKind.TRANSFER,
    "ticket.return": NotificationKind.TRANSFER,
}
FOLLOW_UP_ACTION = "ticket.citizen_follow_up"
NOTE_ACTION = "ticket.note"
ACTIONS = frozenset({*DEPARTMENT_ACTIONS, FOLLOW_UP_ACTION, NOTE_ACTION})
_PREPARED = "enquiry.prepared_department"  # session.info: (department id, members, modes)


def mode_of(session: SessionLike, user_id: int) -> NotifyMode:
    """Return how the colleague wants notification mail (one each unless they chose)."""
    setting = session.get(NotificationSetting, user_id)
    return setting.mode if setting is not None else NotifyMode.EACH


def modes_of(session: SessionLike, user_ids: list[int]) -> dict[int, NotifyMode]:
    """Return `mode_of` for each of the colleagues, in one query."""
    if not user_ids:
        return {}
    prepared = session.info.get(_PREPARED)
    if prepared is not None and all(user_id in prepared[2] for user_id in user_ids):
        return {user_id: prepared[2][user_id] for user_id in user_ids}
    rows = session.execute(
        sa.select(NotificationSetting.user_id, NotificationSetting.mode).where(
            NotificationSetting.user_id.in_(user_ids)
        )
    )
    chosen = {row.user_id: row.mode for row in rows}
    return {user_id: chosen.get(user_id, NotifyMode.EACH) for user_id in user_ids}


def set_mode(session: SessionLike, user: User, mode: NotifyMode, *, now: datetime) -> None:
    """Save the colleague's choice; flush."""
    setting = session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id, mode=mode, updated_at=now)
        session.add(setting)
    setting.mode, setting.updated_at = mode, now
    session.flush()


class Colleague(Protocol):
    """Who can be notified: a User, or a plain row with the same two columns."""

    @property
    def id(self) -> int: ...

    @property
    def is_active(self) -> bool: ...


def prepare_department(session: SessionLike, department_id: int) -> None:
    """Read who would hear of a new ticket in the department, before a write takes the lock.

    On SQLite the transaction's first write holds the database's write lock until the commit:
    a submission reads its department's colleagues and their mail settings before it, and the
    notifications written under the lock use what was read here (until the transaction ends).
    """
    members = list(session.execute(_members_and_modes(), {"department_id": department_id}))
    modes = {row.id: row.mode or NotifyMode.EACH for row in members}
    session.info[_PREPARED] = (department_id, members, modes)


@functools.cache  # built once (Core, on the tables): it runs on every submission
def _members_and_modes() -> sa.Select[Any]:
    users = cast(sa.Table, User.__table__)
    settings = cast(sa.Table, NotificationSetting.__table__)
    return (
        sa.select(users.c.id, users.c.is_active, settings.c.mode)
        .select_from(users.outerjoin(settings, settings.c.user_id == users.c.id))
        .where(users.c.is_active.is_(True), users.c.department_id == sa.bindparam("department_id"))
        .order_by(users.c.id)
    )


def department_members(session: SessionLike, department_id: int) -> list[Colleague]:
    """Return the active colleagues of a department (as rows: id, is_active)."""
    prepared = session.info.get(_PREPARED)
    if prepared is not None and prepared[0] == department_id:
        return list(prepared[1])
    query = sa.select(User.id, User.is_active).where(
        User.is_active.is_(True), User.department_id == department_id
    )
    return list(session.execute(query.order_by(User.id)))


def notify(
    session: SessionLike,
    users: Iterable[Colleague],
    kind: NotificationKind,
    ticket: Ticket,
    *,
    message_id: int | None,
    now: datetime,
    skip_user_id: int | None = None,
) -> list[Notification]:
    """Add one notification per colleague (not the one who acted); the caller flushes."""
    rows = notification_rows(
        session, users, kind, ticket.id, message_id=message_id, now=now, skip_user_id=skip_user_id
    )
    added = [Notification(**row) for row in rows]
    session.add_all(added)
    return added


def notification_rows(
    session: SessionLike,
    users: Iterable[Colleague],
    kind: NotificationKind,
    ticket_id: int,
    *,
    message_id: int | None,
    now: datetime,
    skip_user_id: int | None = None,
) -> list[dict[str, Any]]:
    """The notifications `notify` adds, as rows to insert."""
    wanted = [
        user
        for user in {user.id: user for user in users}.values()
        if user.id != skip_user_id and user.is_active
    ]
    modes = modes_of(session, [user.id for user in wanted])
    return [
        {
            "user_id": user.id,
            "ticket_id": ticket_id,
            "message_id": message_id,
            "kind": kind,
            "mail_state": MailState.SKIPPED
            if modes[user.id] is NotifyMode.NONE
            else MailState.PENDING,
            "created_at": now,
        }
        for user in wanted
    ]


def mentioned_users(session: SessionLike, text: str) -> list[User]:
    """Return the active colleagues a note names: @name, @e-mail name, @department code/name."""
    users = list(session.scalars(sa.select(User).where(User.is_active.is_(True))))
    names: dict[str, set[int]] = {}
    for user in users:
        for name in (user.display_name, user.email.partition("@")[0]):
            names.setdefault(mentions.normalize(name), set()).add(user.id)
    for department in session.scalars(sa.select(Department).where(Department.is_active)):
        members = {user.id for user in users if user.department_id == department.id}
        for name in (department.code, department.name_zh, department.name_en, department.name_ug):
            if name:
                names.setdefault(mentions.normalize(name), set()).update(members)
    wanted = (
        set().union(*(names[n] for n in mentions.find_mentions(text, names))) if names else set()
    )
    return [user for user in users if user.id in wanted]


def recipients(
    session: SessionLike, audit_event: AuditEvent, ticket: Ticket
) -> Sequence[Colleague]:
    """Return who hears of an audit event, before the actor is left out."""
    detail: dict[str, Any] = audit_event.detail or {}
    action = audit_event.action
    if action == NOTE_ACTION:
        message = session.get(Message, detail.get("message_id") or 0)
        # 会商: a colleague of another department named here may read the ticket from now on
        # (enquiry.domain.queries.access.reading_scope), so they are told like anyone else.
        return mentioned_users(session, message.body) if message is not None else []
    assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    if action == FOLLOW_UP_ACTION and assignee is not None:
        return [assignee]
    department_id = ticket.department_id
    moved = detail.get("department")
    if isinstance(moved, list) and len(moved) == 2 and isinstance(moved[1], str):
        target = session.scalar(sa.select(Department).where(Department.code == moved[1]))
        department_id = target.id if target is not None else department_id
    return department_members(session, department_id)


def kind_of(action: str) -> NotificationKind:
    if action == NOTE_ACTION:
        return NotificationKind.MENTION
    if action == FOLLOW_UP_ACTION:
        return NotificationKind.FOLLOW_UP
    return DEPARTMENT_ACTIONS[action]


_INSERT = sa.insert(Notification)


def notify_for(session: SessionLike, audit_event: AuditEvent) -> None:
    """An audit hook: write the notifications colleagues should have of the event, with one
    INSERT, from the ticket as it is now (the ticket, message and event rows exist by now)."""
    if audit_event.action not in ACTIONS or audit_event.ticket_id is None:
        return
    with session.no_autoflush:
        ticket = session.get(Ticket, audit_event.ticket_id)
        if ticket is None:
            return
        message_id = (audit_event.detail or {}).get("message_id")
        rows = notification_rows(
            session,
            recipients(session, audit_event, ticket),
            kind_of(audit_event.action),
            ticket.id,
            message_id=message_id if isinstance(message_id, int) else None,
            now=audit_event.created_at,
            skip_user_id=audit_event.actor_id,
        )
    if rows:
        session.connection().execute(_INSERT, rows)


def _forget_prepared(session: Session, *_args: Any) -> None:
    session.info.pop(_PREPARED, None)


def listen(session: scoped_session[Any]) -> None:
    """Write notifications for every audit event recorded (once), through this session."""
    hooks.register(notify_for)
    for name in ("after_commit", "after_rollback", "after_soft_rollback"):
        if not event.contains(session, name, _forget_prepared):
            event.listen(session, name, _forget_prepared)
