"""Webhooks: the endpoints administrators register, and the outbox of deliveries to them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, str_enum, utcnow

URL_MAX = 2000
EVENT_TYPE_MAX = 64


class WebhookStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # claimed by a worker until lease_until
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # gave up, or the endpoint was disabled or refused


class WebhookEndpoint(Base):
    """A receiver of signed event notifications.

    The secret signs every delivery (HMAC-SHA256), so it is stored as it is, like the TOTP
    secrets: it is shown to the administrator once, never again, and never written to the audit
    record or the logs. Whoever can read the database can forge signatures for this endpoint.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(URL_MAX))
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    secret: Mapped[str] = mapped_column(sa.String(128))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    allow_private_network: Mapped[bool] = mapped_column(default=False)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        state = "enabled" if self.is_enabled else "disabled"
        return f"<WebhookEndpoint {self.id} {state}>"


class WebhookDelivery(Base):
    """One event to send to one endpoint; written in the same transaction as the event."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(sa.String(36))
    event_type: Mapped[str] = mapped_column(sa.String(EVENT_TYPE_MAX))
    # The exact JSON body that is signed and sent: every retry sends the same bytes.
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[WebhookStatus] = mapped_column(
        str_enum(WebhookStatus, "webhook_status"), default=WebhookStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")

    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.CheckConstraint(
            "(status = 'delivered') = (delivered_at IS NOT NULL)", name="delivered_at_set"
        ),
    )

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status.value}>"
