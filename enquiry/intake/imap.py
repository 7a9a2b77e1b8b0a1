"""A way in for mail, ending in enquiry.intake.ingest: the IMAP poller (`flask mail fetch`).

(The others: the SMTP/LMTP server in enquiry.intake.smtp_server, and `flask mail ingest` for an
MTA pipe, in enquiry.cli.intake.)

The poller claims each message (mailbox, UIDVALIDITY, UID) before it downloads it, and ties
the claim to the stored message in the same transaction that stores it (see
enquiry.intake.imap_claims): two pollers at once never store a message twice, and a claim left
by a poller that died before storing is retried once it is old.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from enquiry.intake.imap_claims import ClaimLostError, busy_uids, claim, tie_claim
from enquiry.intake.ingest import (
    REJECTED_PREFIX,
    IngestResult,
    StoreError,
    ingest,
    store,
)
from enquiry.intake.settings import IntakeSettings
from enquiry.models import (
    InboundOutcome,
    InboundSource,
    SessionLike,
)

if TYPE_CHECKING:
    from imapclient import IMAPClient

logger = logging.getLogger(__name__)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECURITY_MODES = ("tls", "starttls", "none")
FETCH_BATCH = 50


class ImapConfigError(ValueError):
    """The IMAP settings are missing or unsafe."""


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
    from imapclient import IMAPClient  # the worker's and `flask mail fetch`'s, not web workers'

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
        busy = busy_uids(self.session, self.settings.mailbox, uidvalidity, stale)
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
        tie = tie_claim(key, claimed_at)
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
