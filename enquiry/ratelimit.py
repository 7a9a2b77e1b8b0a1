"""Rate-limit storage in process memory without a timer thread.

Flask-Limiter's `memory://` storage (from the `limits` package) starts a `threading.Timer` on
every counted request to sweep expired counters 10 ms later: a new thread per POST, about 1 ms
of CPU. This storage sweeps inline instead, at most once per SWEEP_SECONDS; counters are
checked against their expiry when read either way, so limits behave the same. A configured
`memory://` uses it; `redis://` (several processes or machines) is left as configured.
"""

from __future__ import annotations

import time
from typing import Any

from limits.storage import MemoryStorage

SCHEME = "enquiry-memory"
SWEEP_SECONDS = 1.0


class ThreadlessMemoryStorage(MemoryStorage):
    """MemoryStorage that expires old entries in the request that passes by, not in a thread."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012  (limits registers storages by this class attribute)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private one
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def storage_uri(configured: str | None) -> str:
    """The storage to use for a configured RATELIMIT_STORAGE_URI."""
    if not configured or configured == "memory://":
        return f"{SCHEME}://"
    return configured
