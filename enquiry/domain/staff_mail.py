"""Mail to colleagues: digests, escalations and reminders, through the outbox like all mail.

Unlike mail to citizens it is not tied to a ticket's thread: no ticket id on the row, an
unsigned Message-ID, no per-ticket reply address and no reference tag in the subject, so a
colleague's "reply" never lands in a citizen's thread.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from enquiry.mail import outbound
from enquiry.models import OutboundEmail, Role, SessionLike, User


def staff_ticket_url(base_url: str, ticket_id: int) -> str:
    """Return the staff page of a ticket, for links in mail (built without a request)."""
    return f"{base_url.rstrip('/')}/staff/tickets/{ticket_id}"


def queue_staff_mail(
    session: SessionLike,
    *,
    to: User,
    template: str,
    identity: outbound.MailIdentity,
    now: datetime,
    context: dict[str, Any],
    is_automatic: bool,
) -> OutboundEmail:
    """Render templates/mail/<template> in the colleague's language and add it to the outbox."""
    full_context = {"user": to, "base_url": identity.base_url.rstrip("/"), **context}
    subject, body_text, body_html = outbound.render_pair(template, to.locale, full_context)
    email = OutboundEmail(
        ticket_id=None,
        template=template,
        to_addr=to.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        message_id=f"<staff.{secrets.token_hex(10)}@{identity.domain}>",
        is_automatic=is_automatic,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    session.flush()
    return email


def supervisors_of(session: SessionLike, department_id: int) -> list[User]:
    """Return the active supervisors of a department, else the active admins (someone must)."""
    active = sa.select(User).where(User.is_active.is_(True)).order_by(User.id)
    found = list(
        session.scalars(
            active.where(User.role == Role.SUPERVISOR, User.department_id == department_id)
        )
    )
    return found or list(session.scalars(active.where(User.role == Role.ADMIN)))
