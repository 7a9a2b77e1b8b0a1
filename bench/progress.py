"""A progress bar on standard error for long benchmark work: done/total, rate, time left."""

from __future__ import annotations

import sys
import time
from types import TracebackType


class Progress:
    """Use as a context manager; call advance(n) as work gets done."""

    WIDTH = 30

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.started = time.perf_counter()
        self.is_tty = sys.stderr.isatty()
        self.last_draw = 0.0

    def __enter__(self) -> Progress:
        self.draw(force=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.draw(force=True)
        sys.stderr.write("\n" if self.is_tty else "")
        sys.stderr.flush()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self.draw()

    def draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last_draw < (0.2 if self.is_tty else 10):
            return
        self.last_draw = now
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        filled = int(self.WIDTH * self.done / self.total)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = (
            f"{self.label} [{bar}] {self.done}/{self.total} "
            f"{rate:,.0f}/s elapsed {elapsed:,.0f}s left {left:,.0f}s"
        )
        sys.stderr.write(("\r" + line) if self.is_tty else (line + "\n"))
        sys.stderr.flush()
