"""A real SMTP server for tests: aiosmtpd on a free localhost port, in a background thread.

It records every message it accepts and can be told to answer RCPT or DATA with a 4xx or 5xx,
or be stopped and started again on the same port (the server is down, then up).

    with SmtpServer.running() as smtp:
        app = make_app(**smtp.app_config())
        ...
        assert smtp.message_ids()["<id@x>"] == 1
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the server took it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(self.data))

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.server.rcpt_answer:
            return self.server.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.server.data_answer:
            return self.server.data_answer
        return self.server.record(envelope)


def free_port() -> int:
    """A localhost port nobody listens on (the kernel's choice)."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Localhost ports nobody listens on, distinct: the probes stay bound until all are chosen
    (two probes one after the other may be given the same port)."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind((HOST, 0))
        return [int(probe.getsockname()[1]) for probe in probes]


class SmtpServer:
    """aiosmtpd in a thread, recording what it receives."""

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.rcpt_answer: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.data_answer: str | None = None  # e.g. "554 5.7.1 Rejected"
        self._messages: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[SmtpServer]:
        server = cls()
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def app_config(self) -> dict[str, Any]:
        """Settings that point an app's mail at this server, actually sending in tests."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_SUPPRESS_SEND": False}

    def start(self) -> None:
        """Listen (again) on the same port."""
        assert self._controller is None, "already running"
        controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; connections are refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def record(self, envelope: Any) -> str:
        received = Received(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content or envelope.content),
        )
        with self._lock:
            self._messages.append(received)
            number = len(self._messages)
        return f"250 2.0.0 Ok: queued as TEST{number:04d}"

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return Counter(received.message_id for received in self.messages)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until at least `count` messages arrived; return them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.messages
