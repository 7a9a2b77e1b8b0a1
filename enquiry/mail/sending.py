"""What a delivery pass is told (settings, the retry schedule) and what it reports. Pure."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Any


@dataclass(frozen=True)
class DeliverySettings:
    """How the worker sends, from configuration."""

    from_name: str
    from_address: str
    batch_size: int = 20
    lease: timedelta = timedelta(minutes=10)
    retry_base: timedelta = timedelta(minutes=1)
    retry_max_delay: timedelta = timedelta(hours=6)
    retry_window: timedelta = timedelta(days=2)
    automatic_per_day: int = 10

    @classmethod
    def from_config(cls, config: Any) -> DeliverySettings:
        """Read the settings from the app's configuration."""
        name, address = parseaddr(str(config["MAIL_DEFAULT_SENDER"]))

        def seconds(key: str, default: float) -> timedelta:
            return timedelta(seconds=float(config.get(key, default)))

        return cls(
            from_name=str(config.get("OFFICE_NAME") or name),
            from_address=address,
            batch_size=int(config.get("MAIL_SEND_BATCH_SIZE", 20)),
            lease=seconds("MAIL_LEASE_SECONDS", 600),
            retry_base=seconds("MAIL_RETRY_BASE_SECONDS", 60),
            retry_max_delay=seconds("MAIL_RETRY_MAX_DELAY_SECONDS", 6 * 3600),
            retry_window=seconds("MAIL_RETRY_WINDOW_SECONDS", 2 * 86400),
            automatic_per_day=int(config.get("AUTOMATIC_MAIL_PER_RECIPIENT_PER_DAY", 10)),
        )


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # temporary failure, tried again later
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    RELEASED = "released"  # claimed but left unsent (stopping); due again at once


@dataclass(frozen=True)
class Result:
    email_id: int
    to_addr: str
    outcome: Outcome
    detail: str


@dataclass
class DeliveryReport:
    """What one pass did."""

    results: list[Result] = field(default_factory=list)
    locked_out: bool = False  # SQLite: another worker held the lock

    def add(self, email_id: int, to_addr: str, outcome: Outcome, detail: str) -> None:
        self.results.append(Result(email_id, to_addr, outcome, detail))

    def count(self, outcome: Outcome) -> int:
        return sum(result.outcome is outcome for result in self.results)

    def summary(self) -> str:
        """One line: "sent 3, retry 1, failed 0, suppressed 0, released 0"."""
        if self.locked_out:
            return "skipped: another worker holds the SQLite delivery lock"
        return ", ".join(f"{outcome.value} {self.count(outcome)}" for outcome in Outcome)


def retry_delay(attempts: int, settings: DeliverySettings) -> timedelta | None:
    """Return the wait after the attempts-th failure (1 minute, doubling, capped), or None.

    None means the waits so far would pass the retry window (about two days): give up.
    """

    def step(n: int) -> timedelta:
        return min(settings.retry_base * 2 ** min(n - 1, 30), settings.retry_max_delay)

    total = sum((step(n) for n in range(1, attempts + 1)), timedelta())
    return None if total > settings.retry_window else step(attempts)
