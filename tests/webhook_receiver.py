"""A real HTTP receiver for webhook tests: http.server on a free loopback port, in a thread.

It records every request and answers with the status codes it is told (200 once they run
out), over TLS when given a server context; it can be stopped and started again on the
same port (the receiver is down, then up).

    with WebhookReceiver.running() as receiver:
        receiver.answers.append(500)
        ...
        assert len(receiver.requests) == 1
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    """One request as the receiver got it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class WebhookReceiver:
    """Record requests; answer each with the next status in `answers` (200 when empty)."""

    def __init__(self, port: int | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.port = port or free_port()
        self.tls = tls
        self.requests: list[Request] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.url_at(HOST)

    def url_at(self, host: str) -> str:
        """The receiver's URL under another name for the same address (https with TLS)."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}/hooks/enquiry"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        Request("POST", self.path, dict(self.headers.items()), body)
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer((HOST, self.port), Handler)
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None

    @classmethod
    @contextmanager
    def running(
        cls, port: int | None = None, tls: ssl.SSLContext | None = None
    ) -> Iterator[WebhookReceiver]:
        receiver = cls(port, tls)
        receiver.start()
        try:
            yield receiver
        finally:
            receiver.stop()
