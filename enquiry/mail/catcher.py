"""The development mail catcher: an SMTP server that keeps every message as a .eml file.

Nothing is relayed. `make run` starts it on 127.0.0.1:8025, where MAIL_SERVER and MAIL_PORT
point by default, so a new user sees the acknowledgements the worker sends.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller

logger = logging.getLogger(__name__)

SERVER_NAME = "mail-catcher.localhost"


class CatchingHandler:
    """aiosmtpd handler: store each message's bytes as received, then answer 250."""

    def __init__(self, directory: Path, announce: Callable[[str], None]) -> None:
        self.directory = directory
        self.announce = announce
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        path = self.store(bytes(data))
        self.announce(summarise(data, envelope.rcpt_tos, path))
        return f"250 OK caught as {path.name}"

    def store(self, data: bytes) -> Path:
        """Write the message atomically as <time>-<n>-<sha256>.eml; return its path."""
        with self._lock:
            number = next(self._numbers)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        digest = hashlib.sha256(data).hexdigest()[:10]
        path = self.directory / f"{stamp}-{number:04d}-{digest}.eml"
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, path)
        return path


def summarise(data: bytes, recipients: list[str], path: Path) -> str:
    """One line: recipients, decoded subject and the file it went to."""
    headers = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
    subject = " ".join(str(headers.get("Subject", "")).split())
    return f"caught for {', '.join(recipients)}: {subject}  → {path}"


def start(
    host: str, port: int, directory: Path, announce: Callable[[str], None] = logger.info
) -> Controller:
    """Start the catcher in a background thread; call .stop() on the result to end it."""
    from aiosmtpd.controller import Controller  # the development catcher only: not in web workers

    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        CatchingHandler(directory, announce),
        hostname=host,
        port=port,
        server_hostname=SERVER_NAME,
        ready_timeout=10.0,
    )
    controller.start()
    return controller
