"""A small scheduler of named periodic jobs: what `flask worker` runs.

Each job is a function that takes a stop event (set on SIGTERM/SIGINT: finish what you are
doing, start nothing new) and returns a one-line summary for the log, or "" when it had
nothing to do (logged at DEBUG only).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A named job run every `interval` seconds."""

    name: str
    interval: float
    run: Callable[[threading.Event], str]


class Scheduler:
    """Run jobs when they are due until stopped; a failing job is logged and tried again."""

    def __init__(
        self,
        jobs: Sequence[Job],
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jobs = list(jobs)
        self.stop = stop
        self.clock = clock

    def run_once(self) -> bool:
        """Run every job once; return whether all succeeded."""
        results = [self._run(job) for job in self.jobs if not self.stop.is_set()]
        return all(results)

    def run_forever(self) -> None:
        """Run due jobs until the stop event is set."""
        next_run = dict.fromkeys((job.name for job in self.jobs), self.clock())
        while not self.stop.is_set():
            for job in self.jobs:
                if self.stop.is_set():
                    break
                if self.clock() >= next_run[job.name]:
                    self._run(job)
                    next_run[job.name] = self.clock() + job.interval
            self.stop.wait(max(0.0, min(next_run.values(), default=0.0) - self.clock()))

    def _run(self, job: Job) -> bool:
        started = self.clock()
        try:
            summary = job.run(self.stop)
        except Exception:
            logger.exception("Job %s failed", job.name)
            return False
        level = logging.INFO if summary else logging.DEBUG  # idle passes only when debugging
        logger.log(level, "%s: %s (%.2f s)", job.name, summary or "idle", self.clock() - started)
        return True


@contextmanager
def stop_on_signals(stop: threading.Event, announce: Callable[[str], None]) -> Iterator[None]:
    """Set `stop` on the first SIGTERM or SIGINT; a second SIGINT interrupts at once."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        announce(f"{signal.Signals(signum).name}: finishing the current step, then stopping")
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
