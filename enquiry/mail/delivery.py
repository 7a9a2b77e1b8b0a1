"""Deliver the outbox: claim due rows, send each over SMTP, record the outcome, retry later.

A pass has three steps, each its own short transaction or none:

1. Claim: select due rows (pending and due, or `sending` with an expired lease) with
   `FOR UPDATE SKIP LOCKED` on PostgreSQL, so parallel workers take disjoint rows; on SQLite
   an exclusive file lock beside the database admits one worker at a time. Claimed rows become
   `sending` with `lease_until`, which doubles as the claim's fencing token. Rows that must not
   be sent (a line break in a header, a suppressed address, too much automatic mail to one
   person) are settled here without touching the network.
2. Send each claimed row with its own Message-ID, so every retry repeats the same Message-ID.
3. Record the outcome in its own transaction right after the server answers, and only while
   the claim is still ours.

SMTP cannot promise exactly once. If the worker dies, or the database is unreachable, after
the server has answered 250 but before step 3 commits, the row stays `sending`; once its lease
expires it is sent again with the same Message-ID, and the recipient's server may or may not
drop the copy. We keep that window to one UPDATE and one audit row, committed before the next
message goes out. A worker killed before the server's 250 leaves the same state, and the retry
is then the only delivery.
"""

from __future__ import annotations

import fcntl
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select

from enquiry import audit
from enquiry.audit.content import outbound_sha256
from enquiry.mail.files import load_file
from enquiry.mail.mime import Claimed, UnsafeHeaderError, build_message, from_header, refusal
from enquiry.mail.sending import DeliveryReport, DeliverySettings, Outcome, retry_delay
from enquiry.mail.transport import Sender, SendError
from enquiry.models import OutboundEmail, OutboxStatus, SessionLike, SuppressedAddress, Ticket
from enquiry.models.leases import update_while_claimed
from enquiry.models.letter_job import waits_for_letter

logger = logging.getLogger(__name__)


def deliver_due(
    session: SessionLike,
    *,
    now: datetime,
    settings: DeliverySettings,
    sender: Sender,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], datetime] | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Run one pass: claim up to batch_size due rows, send them, record each outcome.

    `now` decides what is due; `clock` (default: always `now`) stamps the outcomes. Once
    `should_stop()` is true the current message is finished and the other claims released.
    """
    with _single_worker_on_sqlite(session) as admitted:
        if not admitted:
            return DeliveryReport(locked_out=True)
        report = DeliveryReport()
        claimed = claim_due(session, now=now, settings=settings, report=report)
        delivery = _Pass(
            session, settings, sender, clock or (lambda: now), rng or random.SystemRandom()
        )
        try:
            delivery.send_all(claimed, report, should_stop)
        finally:
            sender.close()
        return report


def claim_due(
    session: SessionLike, *, now: datetime, settings: DeliverySettings, report: DeliveryReport
) -> list[Claimed]:
    """Claim due rows in one short transaction; settle those that must not be sent."""
    pending_and_due = and_(  # and not waiting for its formal letter's PDF (letter_jobs)
        OutboundEmail.status == OutboxStatus.PENDING, OutboundEmail.next_attempt_at <= now
    ) & ~waits_for_letter(OutboundEmail.id)
    lease_expired = and_(
        OutboundEmail.status == OutboxStatus.SENDING,
        or_(OutboundEmail.lease_until.is_(None), OutboundEmail.lease_until <= now),
    )
    rows = session.scalars(
        select(OutboundEmail)
        .where(or_(pending_and_due, lease_expired))
        .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
        .limit(settings.batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    automatic_to: Counter[str] = Counter()
    claimed: list[Claimed] = []
    for row in rows:
        reason = _abandoned(row, settings) or refusal(row)
        if reason:
            _settle(session, row, OutboxStatus.FAILED, reason, now)
        elif why := _suppression(session, row, now, settings, automatic_to):
            _settle(session, row, OutboxStatus.SUPPRESSED, why, now)
        else:
            row.status, row.lease_until = OutboxStatus.SENDING, now + settings.lease
            automatic_to[row.to_addr.strip().lower()] += row.is_automatic
            claimed.append(Claimed.of(row))
            continue
        report.add(row.id, row.to_addr, Outcome(row.status.value), row.last_error or "")
    session.commit()
    return claimed


def _abandoned(row: OutboundEmail, settings: DeliverySettings) -> str | None:
    """Count the try of a worker that died mid-send; say so if that exhausts the retries."""
    if row.status is not OutboxStatus.SENDING:
        return None
    row.attempts += 1
    row.last_error = "a worker stopped while sending; the lease expired"
    if retry_delay(row.attempts, settings) is None:
        return f"gave up after {row.attempts} attempts: {row.last_error}"
    return None


def _suppression(
    session: SessionLike,
    row: OutboundEmail,
    now: datetime,
    settings: DeliverySettings,
    claimed_to: Counter[str],
) -> str | None:
    """Return why automatic mail to this address is not sent, or None."""
    if not row.is_automatic:
        return None
    address = row.to_addr.strip().lower()
    suppressed = session.scalar(
        select(SuppressedAddress).where(func.lower(SuppressedAddress.address) == address)
    )
    if suppressed is not None:
        return f"suppressed: address gets no automatic mail ({suppressed.reason})"
    sent_today = session.scalar(
        select(func.count())
        .select_from(OutboundEmail)
        .where(
            OutboundEmail.is_automatic.is_(True),
            func.lower(OutboundEmail.to_addr) == address,
            OutboundEmail.status == OutboxStatus.SENT,
            OutboundEmail.sent_at > now - timedelta(days=1),
        )
    )
    if (sent_today or 0) + claimed_to[address] >= settings.automatic_per_day:
        cap = settings.automatic_per_day
        return f"suppressed: {cap} automatic messages already sent to this address in 24 hours"
    return None


def _settle(
    session: SessionLike, row: OutboundEmail, status: OutboxStatus, reason: str, now: datetime
) -> None:
    row.status, row.lease_until, row.last_error = status, None, reason
    detail = {"outbound_id": row.id, "outbound_sha256": outbound_sha256(row), "reason": reason}
    _audit(session, row.ticket_id, status, detail, now)


def _audit(
    session: SessionLike, ticket_id: int | None, status: OutboxStatus, detail: Any, now: datetime
) -> None:
    ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
    action = f"mail.{status.value}"
    audit.record(
        session, action=action, actor=audit.Actor.system(), now=now, ticket=ticket, detail=detail
    )


class _Pass:
    """Send claimed rows one by one, committing each outcome before the next send."""

    def __init__(
        self,
        session: SessionLike,
        settings: DeliverySettings,
        sender: Sender,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self.session, self.settings, self.sender = session, settings, sender
        self.clock, self.rng = clock, rng
        self.from_header = from_header(settings.from_name, settings.from_address)
        self.started = time.monotonic()
        self.connection_error: SendError | None = None

    def send_all(
        self, claimed: list[Claimed], report: DeliveryReport, should_stop: Callable[[], bool]
    ) -> None:
        for index, email in enumerate(claimed):
            if should_stop() or self._lease_running_out():
                for rest in claimed[index:]:
                    self._update(rest, {"status": OutboxStatus.PENDING, "lease_until": None})
                    self.session.commit()
                    report.add(rest.id, rest.to_addr, Outcome.RELEASED, "released unsent")
                return
            outcome, detail = self._send_one(email)
            report.add(email.id, email.to_addr, outcome, detail)

    def _lease_running_out(self) -> bool:
        # Stop well before another worker may take our claims: it would send them too.
        return time.monotonic() - self.started > self.settings.lease.total_seconds() / 2

    def _send_one(self, email: Claimed) -> tuple[Outcome, str]:
        if self.connection_error is not None:  # the server is unreachable: fail fast
            return self._failed(email, self.connection_error.text, is_temporary=True)
        try:
            message = build_message(
                email, self.from_header, load_file(self.session, email.attachment_id)
            )
            answer = self.sender.send(message, self.settings.from_address)
        except UnsafeHeaderError as error:
            return self._failed(email, f"refused: {error}", is_temporary=False)
        except SendError as error:
            if error.is_connection:
                self.connection_error = error
            return self._failed(email, error.text, is_temporary=error.is_temporary)
        except Exception as error:  # a bug or an odd row: retry with backoff, then give up
            logger.exception("Unexpected error sending outbound e-mail %s", email.id)
            return self._failed(email, f"unexpected error: {error!r}", is_temporary=True)
        now = self.clock()
        self._record(email, {"status": OutboxStatus.SENT, "sent_at": now}, answer, now)
        return Outcome.SENT, answer

    def _failed(self, email: Claimed, text: str, *, is_temporary: bool) -> tuple[Outcome, str]:
        now = self.clock()
        attempts = email.attempts + 1
        delay = retry_delay(attempts, self.settings) if is_temporary else None
        if delay is not None:
            later = now + delay * self.rng.uniform(0.8, 1.2)
            self._record(
                email, {"status": OutboxStatus.PENDING, "next_attempt_at": later}, text, now
            )
            return Outcome.RETRY, text
        if is_temporary:
            text = f"gave up after {attempts} attempts: {text}"
        self._record(email, {"status": OutboxStatus.FAILED}, text, now)
        return Outcome.FAILED, text

    def _record(self, email: Claimed, values: dict[str, Any], text: str, now: datetime) -> None:
        """Write an attempt's outcome and, for a final one, its audit event; commit at once."""
        status = values["status"]
        last_error = None if status is OutboxStatus.SENT else text
        changes = {"attempts": email.attempts + 1, "lease_until": None, "last_error": last_error}
        if self._update(email, changes | values) and status is not OutboxStatus.PENDING:
            key = "answer" if status is OutboxStatus.SENT else "error"
            detail = {
                "outbound_id": email.id,
                "outbound_sha256": outbound_sha256(email),
                "message_id": email.message_id,
                key: text,
            }
            _audit(self.session, email.ticket_id, status, detail, now)
        self.session.commit()

    def _update(self, email: Claimed, values: dict[str, Any]) -> bool:
        """Update the row only while our claim holds; say whether it did."""
        if update_while_claimed(
            self.session,
            OutboundEmail,
            email.id,
            sending=OutboxStatus.SENDING,
            lease_until=email.lease_until,
            values=values,
        ):
            return True
        logger.warning("Lost the claim on outbound e-mail %s; outcome not recorded", email.id)
        return False


@contextmanager
def _single_worker_on_sqlite(session: SessionLike) -> Iterator[bool]:
    """On SQLite hold an exclusive lock file beside the database; elsewhere admit everyone."""
    url = session.get_bind().engine.url
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield True
        return
    path = Path(database).resolve()
    with path.with_name(path.name + ".delivery-lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("Another worker is delivering mail from %s; skipping this pass", path)
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
