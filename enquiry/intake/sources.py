"""Ways in for mail, all ending in enquiry.mail.ingest: an IMAP poller and an SMTP/LMTP server.

(The third, `flask mail ingest` for an MTA pipe, is a few lines in enquiry.mail.cli.)

The IMAP poller claims each message (mailbox, UIDVALIDITY, UID) with an insert that does
nothing on conflict before it downloads it, and ties the claim to the stored message in the
same transaction that stores it: two pollers at once never store a message twice, and a
claim left by a poller that died before storing is retried once it is old. The SMTP/LMTP
server answers 250 only once the message is stored, 451 when it could not be.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from imapclient import IMAPClient
from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite

from enquiry.extensions import db
from enquiry.intake.ingest import (
    REJECTED_PREFIX,
    IngestResult,
    IntakeSettings,
    StoreError,
    ingest,
    store,
)
from enquiry.models import (
    ImapClaim,
    InboundEmail,
    InboundOutcome,
    InboundSource,
    SessionLike,
    utcnow,
)

logger = logging.getLogger(__name__)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECURITY_MODES = ("tls", "starttls", "none")
FETCH_BATCH = 50
_UNSAFE_TRACE_RE = re.compile(r"[^\x21-\x7e]")


class ImapConfigError(ValueError):
    """The IMAP settings are missing or unsafe."""


class ClaimLostError(RuntimeError):
    """Another poller took over our claim (we were slower than the claim timeout)."""


@dataclass(frozen=True)
class ImapSettings:
    """Where and how `flask mail fetch` reads mail."""

    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    security: str = "tls"
    delete_after: bool = False
    claim_timeout: timedelta = timedelta(minutes=15)
    cafile: str | None = None
    timeout: float = 60.0

    @classmethod
    def from_config(cls, config: Any) -> ImapSettings:
        """Read IMAP_* settings; refuse a missing host and plain text beyond this machine."""
        host = str(config.get("IMAP_HOST") or "").strip()
        if not host:
            raise ImapConfigError("IMAP_HOST is not set")
        security = str(config.get("IMAP_SECURITY") or "tls").strip().lower()
        if security not in SECURITY_MODES:
            raise ImapConfigError(f"IMAP_SECURITY must be one of {', '.join(SECURITY_MODES)}")
        if security == "none" and host.lower() not in LOCAL_HOSTS:
            raise ImapConfigError("IMAP_SECURITY=none is only allowed for localhost")
        default_port = 993 if security == "tls" else 143
        return cls(
            host=host,
            port=int(config.get("IMAP_PORT") or default_port),
            user=str(config.get("IMAP_USER") or ""),
            password=str(config.get("IMAP_PASSWORD") or ""),
            mailbox=str(config.get("IMAP_MAILBOX") or "INBOX"),
            security=security,
            delete_after=_flag(config.get("IMAP_DELETE_AFTER", False)),
            claim_timeout=timedelta(minutes=float(config.get("IMAP_CLAIM_TIMEOUT_MINUTES", 15))),
            cafile=str(config.get("IMAP_CA_FILE") or "") or None,
            timeout=float(config.get("IMAP_TIMEOUT_SECONDS", 60)),
        )


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclass
class FetchReport:
    """What one pass over the mailbox did."""

    results: list[IngestResult] = field(default_factory=list)
    seen: int = 0  # messages in the mailbox
    skipped: int = 0  # claimed by another poller
    rejected: int = 0  # too large: only a note was stored
    failed: int = 0  # could not be stored (tried again next time)

    def summary(self) -> str:
        """One line: "ingested 3, skipped 0, rejected 0, failed 0 of 12 in the mailbox"."""
        return (
            f"ingested {len(self.results)}, skipped {self.skipped}, rejected {self.rejected},"
            f" failed {self.failed} of {self.seen} in the mailbox"
        )


@contextmanager
def connect(settings: ImapSettings) -> Iterator[IMAPClient]:
    """Log in over TLS, STARTTLS or (to localhost only) plain text."""
    context = ssl.create_default_context(cafile=settings.cafile)
    is_tls = settings.security == "tls"
    client = IMAPClient(
        settings.host,
        port=settings.port,
        ssl=is_tls,
        ssl_context=context if is_tls else None,
        timeout=settings.timeout,
    )
    try:
        if settings.security == "starttls":
            client.starttls(context)
        client.login(settings.user, settings.password)
        yield client
    finally:
        try:
            client.logout()
        except Exception:  # the connection may be gone already; nothing to clean up
            logger.debug("IMAP logout failed", exc_info=True)


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


def _tie_claim(key: tuple[str, int, int], claimed_at: datetime) -> Callable[..., None]:
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


def _busy_uids(
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


def _batches(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Poll:
    """One pass over a mailbox."""

    def __init__(
        self,
        session: SessionLike,
        imap: IMAPClient,
        settings: ImapSettings,
        intake: IntakeSettings,
        clock: Callable[[], datetime],
        progress: Callable[[str], None],
    ) -> None:
        self.session, self.imap, self.settings, self.intake = session, imap, settings, intake
        self.clock, self.progress = clock, progress
        self.report = FetchReport()
        self.done: list[int] = []

    def run(self) -> FetchReport:
        info = self.imap.select_folder(self.settings.mailbox)
        uidvalidity = int(info[b"UIDVALIDITY"])
        uids = sorted(self.imap.search(["NOT", "DELETED"]))
        self.report.seen = len(uids)
        stale = self.clock() - self.settings.claim_timeout
        busy = _busy_uids(self.session, self.settings.mailbox, uidvalidity, stale)
        todo = [uid for uid in uids if uid not in busy]
        for batch in _batches(todo, FETCH_BATCH):
            sizes = self.imap.fetch(batch, ["RFC822.SIZE"])
            for uid in batch:
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                self._take((self.settings.mailbox, uidvalidity, uid), size, len(todo))
        self._finish()
        return self.report

    def _take(self, key: tuple[str, int, int], size: int, total: int) -> None:
        now = self.clock()
        claimed_at = claim(
            self.session, key, now=now, stale_before=now - self.settings.claim_timeout
        )
        if claimed_at is None:
            self.report.skipped += 1
            return
        position = f"[{len(self.report.results) + self.report.failed + 1}/{total}] UID {key[2]}"
        try:
            result = self._store(key, size, claimed_at, now)
        except StoreError as error:
            self.report.failed += 1
            self.progress(f"{position}: not stored ({error})")
            return
        if result is None:
            self.report.skipped += 1
            return
        self.report.results.append(result)
        self.progress(f"{position}: {result.summary()}")
        if not (result.detail or "").startswith(REJECTED_PREFIX):
            self.done.append(key[2])

    def _store(
        self, key: tuple[str, int, int], size: int, claimed_at: datetime, now: datetime
    ) -> IngestResult | None:
        """Store (and process) one message; None when it vanished or another poller won."""
        tie = _tie_claim(key, claimed_at)
        uid, limit = key[2], self.intake.max_inbound_bytes
        try:
            if size > limit:
                return self._reject(key, size, tie, now)
            raw = self._download(uid, "BODY.PEEK[]", b"BODY[]")
            if raw is None:  # expunged meanwhile by someone else
                return None
            return ingest(
                self.session,
                raw,
                source=InboundSource.IMAP,
                now=now,
                settings=self.intake,
                on_stored=tie,
            )
        except StoreError as error:
            if isinstance(error.__cause__, ClaimLostError):
                return None
            raise

    def _reject(
        self, key: tuple[str, int, int], size: int, tie: Callable[..., None], now: datetime
    ) -> IngestResult:
        """Keep only the headers of a message that is too large, as a quarantined note."""
        self.report.rejected += 1
        limit = self.intake.max_inbound_bytes
        header = self._download(key[2], "BODY.PEEK[HEADER]", b"BODY[HEADER]") or b""
        why = f"{size} bytes is over the limit of {limit}; left in {key[0]} as UID {key[2]}"
        inbound_id = store(
            self.session, header, source=InboundSource.IMAP, now=now, on_stored=tie, rejection=why
        )
        return IngestResult(inbound_id, InboundOutcome.QUARANTINED, detail=REJECTED_PREFIX + why)

    def _download(self, uid: int, item: str, key: bytes) -> bytes | None:
        data = self.imap.fetch([uid], [item]).get(uid, {})
        value = data.get(key)
        return bytes(value) if value is not None else None

    def _finish(self) -> None:
        """Mark stored messages seen, or delete them; a failure here loses nothing."""
        if not self.done:
            return
        try:
            if self.settings.delete_after:
                self.imap.delete_messages(self.done)
                if self.imap.has_capability("UIDPLUS"):
                    self.imap.uid_expunge(self.done)
                else:
                    self.imap.expunge()
            else:
                self.imap.add_flags(self.done, [b"\\Seen"])
        except Exception:  # the messages are stored and claimed; they are not fetched again
            logger.warning("Could not flag or delete fetched messages", exc_info=True)


def fetch_new_mail(
    session: SessionLike,
    settings: ImapSettings,
    intake: IntakeSettings,
    *,
    clock: Callable[[], datetime],
    progress: Callable[[str], None] = logger.info,
) -> FetchReport:
    """Ingest the mailbox's messages that no poller has taken yet; return what happened."""
    with connect(settings) as imap:
        return _Poll(session, imap, settings, intake, clock, progress).run()


# --- SMTP / LMTP ------------------------------------------------------------------------------


def trace_headers(
    *,
    helo: str | None,
    peer: Any,
    hostname: str,
    protocol: str,
    recipients: list[str],
    now: datetime,
) -> bytes:
    """Return the Received and Delivered-To lines an MTA adds in front of a message."""
    address = peer[0] if isinstance(peer, tuple | list) and peer else str(peer or "unknown")
    helo_name = _UNSAFE_TRACE_RE.sub("", helo or "unknown")[:200] or "unknown"
    lines = [
        f"Received: from {helo_name} ([{_UNSAFE_TRACE_RE.sub('', str(address))}])"
        f" by {hostname} with {protocol}; {format_datetime(now)}"
    ]
    lines.extend(f"Delivered-To: {_UNSAFE_TRACE_RE.sub('', rcpt)[:254]}" for rcpt in recipients)
    return "".join(f"{line}\r\n" for line in lines).encode("ascii", "replace")


def app_store(app: Any, source: InboundSource) -> Callable[[bytes], IngestResult]:
    """Return a function that ingests one message in an app context of its own (any thread)."""

    def store_one(raw: bytes) -> IngestResult:
        with app.app_context():
            settings = IntakeSettings.from_config(app.config, db.session)
            return ingest(db.session, raw, source=source, now=utcnow(), settings=settings)

    return store_one


class IntakeHandler:
    """aiosmtpd handler: store each message through `store` (blocking), then answer."""

    def __init__(
        self,
        store: Callable[[bytes], IngestResult],
        *,
        hostname: str,
        lmtp: bool,
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self.hostname, self.lmtp, self.clock = store, hostname, lmtp, clock

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content or envelope.content or b"")
        trace = trace_headers(
            helo=session.host_name,
            peer=session.peer,
            hostname=self.hostname,
            protocol="LMTP" if self.lmtp else "ESMTP",
            recipients=list(envelope.rcpt_tos),
            now=self.clock(),
        )
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, self.store, trace + data)
            status = f"250 2.0.0 Stored as #{result.inbound_email_id}"
        except Exception as error:  # never a 5xx for our own trouble: the sender retries
            logger.error("Could not store a message from %s: %s", session.peer, error)
            status = "451 4.3.0 Could not store the message; try again later"
        # LMTP answers DATA once per recipient; the message was stored once for all of them.
        return "\r\n".join([status] * max(1, len(envelope.rcpt_tos))) if self.lmtp else status


class _LmtpController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_server(
    handler: IntakeHandler, *, host: str, port: int, max_bytes: int, lmtp: bool = False
) -> Controller:
    """Start the SMTP (or LMTP) intake server in a thread; call .stop() on the result."""
    controller_class = _LmtpController if lmtp else Controller
    controller = controller_class(
        handler,
        hostname=host,
        port=port,
        server_hostname=handler.hostname,
        data_size_limit=max_bytes,
        ready_timeout=10.0,
    )
    controller.start()
    return controller
