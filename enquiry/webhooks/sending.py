"""What a webhook delivery pass is told (its settings) and what it reports. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class WebhookSettings:
    """How the worker delivers, from configuration."""

    batch_size: int = 20
    lease: timedelta = timedelta(minutes=5)
    timeout: float = 10.0
    retry_base: timedelta = timedelta(minutes=1)
    retry_max_delay: timedelta = timedelta(hours=6)
    retry_window: timedelta = timedelta(days=2)
    max_failures: int = 10
    ca_file: str | None = None  # PEM of the authorities trusted for https (else the system's)

    @classmethod
    def from_config(cls, config: Any) -> WebhookSettings:
        """Read the WEBHOOK_* settings."""

        def seconds(key: str, default: float) -> timedelta:
            return timedelta(seconds=float(config.get(key, default)))

        return cls(
            batch_size=int(config.get("WEBHOOK_BATCH_SIZE", 20)),
            lease=seconds("WEBHOOK_LEASE_SECONDS", 300),
            timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
            retry_base=seconds("WEBHOOK_RETRY_BASE_SECONDS", 60),
            retry_max_delay=seconds("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 6 * 3600),
            retry_window=seconds("WEBHOOK_RETRY_WINDOW_SECONDS", 2 * 86400),
            max_failures=int(config.get("WEBHOOK_MAX_FAILURES", 10)),
            ca_file=config.get("WEBHOOK_CA_FILE") or None,
        )


@dataclass
class WebhookReport:
    """What one pass did: the outcome of each claimed row."""

    outcomes: list[tuple[int, str, str]] = field(default_factory=list)  # id, outcome, detail

    def count(self, outcome: str) -> int:
        return sum(row[1] == outcome for row in self.outcomes)

    def summary(self) -> str:
        """One line: "delivered 3, retry 1, failed 0, released 0"."""
        names = ("delivered", "retry", "failed", "released")
        return ", ".join(f"{name} {self.count(name)}" for name in names)
