"""Claims on mailbox messages, so that two IMAP pollers never store one message twice.

A poller claims a message (mailbox, UIDVALIDITY, UID) with an insert that does nothing on
conflict before it downloads it, and ties the claim to the stored message in the same
transaction that stores it; a claim left by a poller that died before storing is taken over
once it is older than the claim timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite

from enquiry.models import ImapClaim, InboundEmail, SessionLike


class ClaimLostError(RuntimeError):
    """Another poller took over our claim (we were slower than the claim timeout)."""


def _insert(session: SessionLike) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def claim(
    session: SessionLike, key: tuple[str, int, int], *, now: datetime, stale_before: datetime
) -> datetime | None:
    """Claim one mailbox message; return the claim's time, or None if another poller has it."""
    mailbox, uidvalidity, uid = key
    inserted = session.execute(
        _insert(session)(ImapClaim)
        .values(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, claimed_at=now)
        .on_conflict_do_nothing(index_elements=["mailbox", "uidvalidity", "uid"])
        .returning(ImapClaim.uid)  # rowcount is not reliable here on every driver
    ).first()
    if inserted is None:  # claimed before: take it over only if abandoned
        taken = session.execute(
            update(ImapClaim)
            .where(*_claim_key(key), ImapClaim.inbound_email_id.is_(None))
            .where(ImapClaim.claimed_at < stale_before)
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(taken) != 1:
            session.commit()
            return None
    session.commit()
    return now


def _claim_key(key: tuple[str, int, int]) -> list[Any]:
    mailbox, uidvalidity, uid = key
    return [
        ImapClaim.mailbox == mailbox,
        ImapClaim.uidvalidity == uidvalidity,
        ImapClaim.uid == uid,
    ]


def tie_claim(key: tuple[str, int, int], claimed_at: datetime) -> Callable[..., None]:
    """Return the hook that ties our claim to the stored message, in the same transaction."""

    def tie(session: SessionLike, inbound: InboundEmail) -> None:
        result = session.execute(
            update(ImapClaim)
            .where(*_claim_key(key), ImapClaim.inbound_email_id.is_(None))
            .where(ImapClaim.claimed_at == claimed_at)
            .values(inbound_email_id=inbound.id)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            raise ClaimLostError(f"the claim on UID {key[2]} was taken over")

    return tie


def busy_uids(
    session: SessionLike, mailbox: str, uidvalidity: int, stale_before: datetime
) -> set[int]:
    """UIDs already stored, or claimed recently by a poller that may still be working."""
    rows = session.scalars(
        select(ImapClaim.uid).where(
            ImapClaim.mailbox == mailbox,
            ImapClaim.uidvalidity == uidvalidity,
            (ImapClaim.inbound_email_id.is_not(None)) | (ImapClaim.claimed_at >= stale_before),
        )
    )
    busy = set(rows)
    session.commit()
    return busy
