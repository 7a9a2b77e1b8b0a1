"""A way in for mail, ending in enquiry.intake.ingest: the SMTP/LMTP server (`flask mail serve`).

It answers 250 only once the message is stored, 451 when it could not be (the sender retries).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP

from enquiry.extensions import db
from enquiry.intake.ingest import IngestResult, ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.models import InboundSource, utcnow

logger = logging.getLogger(__name__)

_UNSAFE_TRACE_RE = re.compile(r"[^\x21-\x7e]")


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
