"""SMTP servers that misbehave, built on the suite's real aiosmtpd server."""

from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller

from tests.smtp_server import SmtpServer


def message_id_of(envelope: Any) -> str:
    return str(message_from_bytes(envelope.original_content or envelope.content)["Message-ID"])


class GreylistingServer(SmtpServer):
    """Answers 451 to the first delivery of each Message-ID and takes the second."""

    def __init__(self) -> None:
        super().__init__()
        self.deferred: list[str] = []

    def record(self, envelope: Any) -> str:
        message_id = message_id_of(envelope)
        if message_id not in self.deferred:
            self.deferred.append(message_id)
            return "451 4.7.1 Greylisted, please try again later"
        return super().record(envelope)


class _SlowHandler:
    def __init__(self, server: SlowSmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = self.server.record(envelope)
        await asyncio.sleep(self.server.delay)
        if len(self.server.messages) == self.server.hold_at and not self.server.held.is_set():
            # Stored, but the worker has not heard 250 yet: the worst moment for a crash.
            self.server.held_message_id = message_id_of(envelope)
            self.server.held.set()
            while not self.server.release.is_set():
                await asyncio.sleep(0.02)
        return answer


class SlowSmtpServer(SmtpServer):
    """Waits `delay` seconds before each 250; holds back the 250 of the hold_at-th message."""

    def __init__(self, delay: float, hold_at: int | None = None) -> None:
        super().__init__()
        self.delay = delay
        self.hold_at = hold_at
        self.held = threading.Event()
        self.release = threading.Event()
        self.held_message_id: str | None = None

    def start(self) -> None:
        controller = Controller(_SlowHandler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        self.release.set()
        super().stop()
