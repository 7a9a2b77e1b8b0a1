"""What the webhook administration pages show: the endpoints and each one's delivery log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from enquiry.models import SessionLike, WebhookDelivery, WebhookEndpoint, WebhookStatus

LOG_LENGTH = 100


def endpoints(session: SessionLike) -> Sequence[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    return session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def endpoint(session: SessionLike, endpoint_id: int) -> WebhookEndpoint | None:
    """The endpoint with this id, or None."""
    return session.get(WebhookEndpoint, endpoint_id)


def pending_counts(session: SessionLike) -> dict[int, int]:
    """How many deliveries wait for each endpoint (pending or being sent)."""
    waiting = WebhookDelivery.status.in_((WebhookStatus.PENDING, WebhookStatus.SENDING))
    rows = session.execute(
        select(WebhookDelivery.endpoint_id, func.count())
        .where(waiting)
        .group_by(WebhookDelivery.endpoint_id)
    )
    return {int(row[0]): int(row[1]) for row in rows}


def delivery_log(
    session: SessionLike, endpoint_id: int, limit: int = LOG_LENGTH
) -> Sequence[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ).all()
