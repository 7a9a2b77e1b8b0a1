"""Who caused an audited change."""

from __future__ import annotations

from dataclasses import dataclass

from enquiry.models import User


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a staff user, the citizen, or the system."""

    label: str
    user: User | None = None
    remote_addr: str | None = None

    @classmethod
    def citizen(cls, remote_addr: str | None = None) -> Actor:
        return cls(label="citizen", remote_addr=remote_addr)

    @classmethod
    def system(cls) -> Actor:
        return cls(label="system")

    @classmethod
    def staff(cls, user: User, remote_addr: str | None = None) -> Actor:
        return cls(label=user.email, user=user, remote_addr=remote_addr)
