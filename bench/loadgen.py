"""A small asynchronous HTTP load generator (aiohttp): N virtual users, each in a loop.

Each virtual user has its own cookie jar (a browser session: CSRF cookie, staff login,
tracking grants). A scenario is an async function `step(user) -> None` that makes one or more
requests through `user.get` / `user.post`, which record latencies under a label. The generator
measures its own CPU use, so a run can show that it did not take the CPU it measures.
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

import aiohttp

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """Return the name and value of every hidden input of a page."""
    fields = {}
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


class UnexpectedStatusError(RuntimeError):
    """A response that the scenario did not expect."""


@dataclass
class Recorder:
    """Latencies (seconds) per label, and errors, while recording is on."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    is_on: bool = False


class User:
    """One virtual user: a client session with its own cookies."""

    def __init__(self, base: str, recorder: Recorder, number: int) -> None:
        self.base, self.recorder, self.number = base, recorder, number
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            connector=aiohttp.TCPConnector(limit=1, force_close=False),
        )
        self.state: dict[str, Any] = {}

    async def request(
        self, method: str, label: str, path: str, expect: int = 200, **kwargs: Any
    ) -> str:
        started = time.perf_counter()
        async with self.session.request(
            method, self.base + path, allow_redirects=False, **kwargs
        ) as response:
            body = await response.text()
        elapsed = time.perf_counter() - started
        if response.status != expect:
            if self.recorder.is_on:
                self.recorder.errors[f"{label}: {response.status}"] += 1
            raise UnexpectedStatusError(f"{method} {path}: {response.status}, wanted {expect}")
        if self.recorder.is_on:
            self.recorder.latencies[label].append(elapsed)
        return body

    async def get(self, label: str, path: str, expect: int = 200, **kwargs: Any) -> str:
        return await self.request("GET", label, path, expect, **kwargs)

    async def post(self, label: str, path: str, expect: int = 200, **kwargs: Any) -> str:
        return await self.request("POST", label, path, expect, **kwargs)

    async def close(self) -> None:
        await self.session.close()


Step = Callable[[User], Awaitable[None]]


@dataclass
class LoadResult:
    latencies: dict[str, list[float]]
    errors: dict[str, int]
    seconds: float
    generator_cpu_seconds: float
    iterations: int


async def _drive(
    base: str,
    step: Step,
    setup: Step | None,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> LoadResult:
    recorder = Recorder()
    users = [User(base, recorder, n) for n in range(concurrency)]
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
                except (UnexpectedStatusError, aiohttp.ClientError, TimeoutError) as error:
                    if recorder.is_on:
                        recorder.errors[type(error).__name__] += 1

        tasks = [asyncio.create_task(loop(user)) for user in users]
        await asyncio.sleep(warmup)
        recorder.is_on = True
        cpu_before = _cpu()
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
        cpu = _cpu() - cpu_before
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
    base: str,
    step: Step,
    setup: Step | None = None,
    *,
    concurrency: int,
    duration: float,
    warmup: float = 2.0,
) -> LoadResult:
    """Run `step` in a loop for each of `concurrency` users for `duration` seconds."""
    return asyncio.run(
        _drive(base, step, setup, concurrency=concurrency, duration=duration, warmup=warmup)
    )
