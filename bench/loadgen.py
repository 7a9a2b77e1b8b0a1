"""A small asynchronous HTTP load generator: N virtual users, each in a loop.

Each virtual user has its own cookies (a browser session: CSRF cookie, staff login, tracking
grants). A scenario is an async function `step(user) -> None` that makes one or more requests
through `user.get` / `user.post`, which record latencies under a label. The generator measures
its own CPU use, so a run can show that it did not take the CPU it measures.

The client is asyncio's own streams speaking HTTP/1.0, one connection per request: gunicorn's
sync workers close the connection after every response anyway, so a request is connect, send,
read the response as far as its Content-Length, and close at once, as nginx does in front of
gunicorn. gunicorn 27 waits after every response until the client has closed, and a client
that read on to the server's end of stream made it wait longer: with two workers busy on the
two cores, py-spy still finds them in that wait 8 % of the time, the generator's turn on a core.

On the project's two-core machine the generator shares the cores with the server it measures.
aiohttp, used before, took about twice the CPU (2.3-2.9 ms a GET and POST pair against 1.3-1.4
on one machine: its connector, cookie jar and URL objects built anew for every connection),
which the server then lacked. bench/README.md (tenth round) gives both.
"""

from __future__ import annotations

import asyncio
import html
import re
import resource
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_SET_COOKIE = re.compile(rb"^set-cookie:\s*([^=;\s]+)=([^;\r\n]*)([^\r\n]*)", re.I | re.M)
_EXPIRED = re.compile(rb";\s*(max-age=0|expires=thu, 01 jan 1970)", re.IGNORECASE)


def hidden_fields(page: str) -> dict[str, str]:
    """Return the name and value of every hidden input of a page."""
    fields = {}
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


_CONTENT_LENGTH = re.compile(rb"^content-length:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)


async def _response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """Read one response, and no further than its Content-Length, as nginx reads gunicorn's.

    gunicorn waits after each response until the client has closed the connection; a client
    that read on to the end of the stream would answer only when its event loop next ran.
    """
    headers = (await reader.readuntil(b"\r\n\r\n"))[:-4]
    if not headers.startswith(b"HTTP/1."):
        raise ValueError("not an HTTP response")
    length = _CONTENT_LENGTH.search(headers)
    body = await (reader.readexactly(int(length.group(1))) if length else reader.read())
    return headers, body


class UnexpectedStatusError(RuntimeError):
    """A response that the scenario did not expect."""


class ConnectionProblemError(RuntimeError):
    """The server closed the connection before a whole response, or could not be reached."""


@dataclass
class Recorder:
    """Latencies (seconds) per label, and errors, while recording is on."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    is_on: bool = False


class User:
    """One virtual user: its own cookies, one connection per request."""

    def __init__(self, base: str, recorder: Recorder, number: int) -> None:
        self.base, self.recorder, self.number = base, recorder, number
        address = urlsplit(base)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.cookies: dict[bytes, bytes] = {}
        self.state: dict[str, Any] = {}

    async def request(
        self,
        method: str,
        label: str,
        path: str,
        expect: int = 200,
        data: dict[str, str] | str | None = None,
    ) -> str:
        """Send one request; return the body; record the latency (or the unexpected status)."""
        started = time.perf_counter()
        status, body = await self._exchange(method, path, data)
        elapsed = time.perf_counter() - started
        if status != expect:
            if self.recorder.is_on:
                self.recorder.errors[f"{label}: {status}"] += 1
            raise UnexpectedStatusError(f"{method} {path}: {status}, wanted {expect}")
        if self.recorder.is_on:
            self.recorder.latencies[label].append(elapsed)
        return body

    async def _exchange(
        self, method: str, path: str, data: dict[str, str] | str | None
    ) -> tuple[int, str]:
        head = f"{method} {path} HTTP/1.0\r\nHost: {self.host}:{self.port}\r\n".encode()
        if self.cookies:
            head += b"Cookie: " + b"; ".join(k + b"=" + v for k, v in self.cookies.items())
            head += b"\r\n"
        content = b""
        if data is not None:
            content = (data if isinstance(data, str) else urlencode(data)).encode()
            head += b"Content-Type: application/x-www-form-urlencoded\r\n"
            head += b"Content-Length: %d\r\n" % len(content)
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as error:
            raise ConnectionProblemError(str(error)) from error
        try:
            writer.write(head + b"\r\n" + content)
            headers, body = await _response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            raise ConnectionProblemError(f"{method} {path}: no whole response") from error
        finally:
            writer.close()
        for name, value, rest in _SET_COOKIE.findall(headers):
            if _EXPIRED.search(rest):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return int(headers[9:12]), body.decode("utf-8", "replace")

    async def get(self, label: str, path: str, expect: int = 200) -> str:
        return await self.request("GET", label, path, expect)

    async def post(
        self, label: str, path: str, expect: int = 200, data: dict[str, str] | str | None = None
    ) -> str:
        return await self.request("POST", label, path, expect, data)

    async def close(self) -> None:
        """Nothing stays open between requests."""


Step = Callable[[User], Awaitable[None]]


@dataclass
class LoadResult:
    latencies: dict[str, list[float]]
    errors: dict[str, int]
    seconds: float
    generator_cpu_seconds: float
    iterations: int


async def _drive(
    bases: list[str],
    step: Step,
    setup: Step | None,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    on_window: Callable[[], None] | None,
) -> LoadResult:
    recorder = Recorder()
    users = [User(bases[n % len(bases)], recorder, n) for n in range(concurrency)]
    iterations = 0
    try:
        if setup is not None:
            await asyncio.gather(*(setup(user) for user in users))
        stop_at = time.perf_counter() + warmup + duration

        async def loop(user: User) -> None:
            nonlocal iterations
            while time.perf_counter() < stop_at:
                try:
                    await step(user)
                    if recorder.is_on:
                        iterations += 1
                except (UnexpectedStatusError, ConnectionProblemError, TimeoutError) as error:
                    if recorder.is_on:
                        recorder.errors[type(error).__name__] += 1

        tasks = [asyncio.create_task(loop(user)) for user in users]
        await asyncio.sleep(warmup)
        recorder.is_on = True
        if on_window is not None:
            on_window()
        cpu_before = _cpu()
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
        cpu = _cpu() - cpu_before
        if on_window is not None:
            on_window()
    finally:
        await asyncio.gather(*(user.close() for user in users))
    return LoadResult(
        latencies=dict(recorder.latencies),
        errors=dict(recorder.errors),
        seconds=seconds,
        generator_cpu_seconds=cpu,
        iterations=iterations,
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_load(
    base: str | list[str],
    step: Step,
    setup: Step | None = None,
    *,
    concurrency: int,
    duration: float,
    warmup: float = 2.0,
    on_window: Callable[[], None] | None = None,
) -> LoadResult:
    """Run `step` in a loop for each of `concurrency` users for `duration` seconds.

    Given several servers (base URLs), the users are dealt out to them in turn. `on_window` is
    called as the measured window opens and again as it closes (after the warm-up, and once
    the last step has ended), for example to read the servers' CPU over exactly that window.
    """
    bases = [base] if isinstance(base, str) else base
    drive = _drive(
        bases,
        step,
        setup,
        concurrency=concurrency,
        duration=duration,
        warmup=warmup,
        on_window=on_window,
    )
    return asyncio.run(drive)
