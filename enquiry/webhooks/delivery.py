"""Deliver the webhook outbox: claim due rows, post each signed, record the outcome, retry later.

The same machinery as the mail outbox (enquiry.mail.delivery):

1. Claim due rows of enabled endpoints (pending and due, or `sending` with an expired lease)
   with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so parallel workers take disjoint rows. Each
   claim is a compare-and-swap on (status, lease_until), which also keeps two SQLite workers
   apart. Claimed rows become `sending` until `lease_until`; the lease is the fencing token.
2. Post each row's stored body, signed at send time (`X-Enquiry-Signature`).
3. Record the outcome in its own transaction, only while the claim is still ours. A 2xx is
   delivered; anything else is retried with backoff, and counts against the endpoint: after
   WEBHOOK_MAX_FAILURES failures in a row it is disabled, with an audit event.

At least once: a worker that dies after the receiver's 2xx but before step 3 commits leaves
the row `sending`; it is posted again once the lease expires, with the same event id, which
receivers use to drop the copy.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, and_, or_, select, update

from enquiry import audit
from enquiry.models import SessionLike, WebhookDelivery, WebhookEndpoint, WebhookStatus
from enquiry.models.leases import update_while_claimed
from enquiry.rules.webhooks import SIGNATURE_HEADER, WebhookUrlError, retry_delay, sign
from enquiry.webhooks.sending import WebhookReport, WebhookSettings
from enquiry.webhooks.transport import PostError

logger = logging.getLogger(__name__)
D = WebhookDelivery
ABANDONED = "a worker stopped while posting; the lease expired"


class Poster(Protocol):
    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, allow_private_network: bool
    ) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Claim:
    """What a worker needs of a claimed row, read once while claiming."""

    id: int
    endpoint_id: int
    url: str
    secret: str
    allow_private_network: bool
    event_id: str
    event_type: str
    payload: str
    attempts: int
    lease_until: datetime


def deliver_due(
    session: SessionLike,
    *,
    now: datetime,
    settings: WebhookSettings,
    poster: Poster,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], datetime] | None = None,
    rng: random.Random | None = None,
) -> WebhookReport:
    """Run one pass: claim up to batch_size due rows, post them, record each outcome."""
    report = WebhookReport()
    claims = claim_due(session, now=now, settings=settings)
    jitter = rng or random.SystemRandom()
    delivery = _Pass(session, settings, poster, clock or (lambda: now), jitter)
    try:
        delivery.post_all(claims, report, should_stop)
    finally:
        poster.close()
    return report


def claim_due(session: SessionLike, *, now: datetime, settings: WebhookSettings) -> list[Claim]:
    """Claim due rows of enabled endpoints in one short transaction."""
    pending_and_due = and_(D.status == WebhookStatus.PENDING, D.next_attempt_at <= now)
    lease_expired = and_(
        D.status == WebhookStatus.SENDING, or_(D.lease_until.is_(None), D.lease_until <= now)
    )
    rows = session.execute(
        select(D.id, D.status, D.lease_until)
        .join(WebhookEndpoint, WebhookEndpoint.id == D.endpoint_id)
        .where(or_(pending_and_due, lease_expired), WebhookEndpoint.is_enabled.is_(True))
        .order_by(D.next_attempt_at, D.id)
        .limit(settings.batch_size)
        .with_for_update(skip_locked=True, of=D)
    ).all()
    lease_until = now + settings.lease
    won = [
        row.id for row in rows if _swap(session, row.id, row.status, row.lease_until, lease_until)
    ]
    claims = _claims(session, won, lease_until)
    session.commit()
    return claims


def _swap(
    session: SessionLike,
    delivery_id: int,
    status: WebhookStatus,
    lease: datetime | None,
    lease_until: datetime,
) -> bool:
    """Claim one row if it is still as read; count the try of a worker that died mid-post."""
    held = D.lease_until.is_(None) if lease is None else D.lease_until == lease
    values: dict[str, Any] = {"status": WebhookStatus.SENDING, "lease_until": lease_until}
    if status is WebhookStatus.SENDING:
        values |= {"attempts": D.attempts + 1, "last_error": ABANDONED}
    result = session.execute(
        update(D)
        .where(D.id == delivery_id, D.status == status, held)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def _claims(session: SessionLike, ids: list[int], lease_until: datetime) -> list[Claim]:
    if not ids:
        return []
    E = WebhookEndpoint
    rows = session.execute(
        select(D.id, D.endpoint_id, E.url, E.secret, E.allow_private_network, D.event_id)
        .add_columns(D.event_type, D.payload, D.attempts)
        .join(E, E.id == D.endpoint_id)
        .where(D.id.in_(ids))
        .order_by(D.next_attempt_at, D.id)
    ).all()
    return [
        Claim(
            id=row.id,
            endpoint_id=row.endpoint_id,
            url=row.url,
            secret=row.secret,
            allow_private_network=row.allow_private_network,
            event_id=row.event_id,
            event_type=row.event_type,
            payload=row.payload,
            attempts=row.attempts,
            lease_until=lease_until,
        )
        for row in rows
    ]


class _Pass:
    """Post claimed rows one by one, committing each outcome before the next post."""

    def __init__(
        self,
        session: SessionLike,
        settings: WebhookSettings,
        poster: Poster,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self.session, self.settings, self.poster = session, settings, poster
        self.clock, self.rng = clock, rng
        self.started = time.monotonic()
        # Endpoints unreachable or disabled during this pass: their other rows wait.
        self.skipped: dict[int, datetime] = {}

    def post_all(
        self, claims: list[Claim], report: WebhookReport, should_stop: Callable[[], bool]
    ) -> None:
        for claim in claims:
            if should_stop() or self._lease_running_out() or claim.endpoint_id in self.skipped:
                later = self.skipped.get(claim.endpoint_id, self.clock())
                self._update(claim, {"status": WebhookStatus.PENDING, "next_attempt_at": later})
                self.session.commit()
                report.outcomes.append((claim.id, "released", "left for a later pass"))
                continue
            report.outcomes.append((claim.id, *self._post_one(claim)))

    def _lease_running_out(self) -> bool:
        # Stop well before another worker may take our claims: it would post them too.
        return time.monotonic() - self.started > self.settings.lease.total_seconds() / 2

    def _post_one(self, claim: Claim) -> tuple[str, str]:
        body = claim.payload.encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Enquiry-Webhooks/1",
            "X-Enquiry-Event": claim.event_type,
            "X-Enquiry-Delivery": claim.event_id,
            SIGNATURE_HEADER: sign(claim.secret, int(time.time()), body),
        }
        code: int | None = None
        try:
            code = self.poster.post(
                claim.url, body, headers, allow_private_network=claim.allow_private_network
            )
        except (PostError, WebhookUrlError) as error:
            return self._failed(claim, str(error), None, getattr(error, "is_connection", False))
        except Exception as error:  # a bug or an odd row: retry with backoff, then give up
            logger.exception("Unexpected error posting webhook delivery %s", claim.id)
            return self._failed(claim, f"unexpected error: {error!r}", None, False)
        if 200 <= code < 300:
            now = self.clock()
            values = {"status": WebhookStatus.DELIVERED, "delivered_at": now, "last_error": None}
            self._record(claim, values | {"last_status_code": code}, succeeded=True)
            return "delivered", f"HTTP {code}"
        return self._failed(claim, f"HTTP {code}", code, False)

    def _failed(
        self, claim: Claim, text: str, code: int | None, is_connection: bool
    ) -> tuple[str, str]:
        now = self.clock()
        s = self.settings
        delay = retry_delay(claim.attempts + 1, s.retry_base, s.retry_max_delay, s.retry_window)
        values: dict[str, Any] = {"last_error": text[:2000], "last_status_code": code}
        if delay is None:
            text = f"gave up after {claim.attempts + 1} attempts: {text}"
            self._record(claim, values | {"status": WebhookStatus.FAILED, "last_error": text})
            return "failed", text
        later = now + delay * self.rng.uniform(0.8, 1.2)
        self._record(claim, values | {"status": WebhookStatus.PENDING, "next_attempt_at": later})
        if is_connection:
            self.skipped[claim.endpoint_id] = later
        return "retry", text

    def _record(self, claim: Claim, values: dict[str, Any], *, succeeded: bool = False) -> None:
        """Write an attempt's outcome and the endpoint's failure count; commit at once."""
        changes = {"attempts": claim.attempts + 1, "lease_until": None}
        if self._update(claim, changes | values):
            self._count(claim, succeeded=succeeded)
        self.session.commit()

    def _count(self, claim: Claim, *, succeeded: bool) -> None:
        E = WebhookEndpoint
        failures = 0 if succeeded else E.consecutive_failures + 1
        self.session.execute(
            update(E)
            .where(E.id == claim.endpoint_id)
            .values(consecutive_failures=failures)
            .execution_options(synchronize_session=False)
        )
        if succeeded:
            return
        disable = self.session.execute(
            update(E)
            .where(
                E.id == claim.endpoint_id,
                E.is_enabled.is_(True),
                E.consecutive_failures >= self.settings.max_failures,
            )
            .values(is_enabled=False, disabled_reason=_disabled_reason(self.settings))
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], disable).rowcount == 1:
            self.skipped[claim.endpoint_id] = self.clock()
            detail = {"endpoint_id": claim.endpoint_id, "url": claim.url}
            audit.record(
                self.session,
                action="webhook.auto_disabled",
                actor=audit.Actor.system(),
                now=self.clock(),
                detail=detail | {"failures": self.settings.max_failures},
            )
            logger.warning("Disabled webhook endpoint %s after failures", claim.endpoint_id)

    def _update(self, claim: Claim, values: dict[str, Any]) -> bool:
        """Update the row only while our claim holds; say whether it did."""
        if update_while_claimed(
            self.session,
            D,
            claim.id,
            sending=WebhookStatus.SENDING,
            lease_until=claim.lease_until,
            values=values,
        ):
            return True
        logger.warning("Lost the claim on webhook delivery %s; outcome not recorded", claim.id)
        return False


def _disabled_reason(settings: WebhookSettings) -> str:
    return f"disabled automatically after {settings.max_failures} failed deliveries in a row"
