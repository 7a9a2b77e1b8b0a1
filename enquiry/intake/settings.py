"""What intake needs to know about the office, read once from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from enquiry.domain.policy import Policy, policy_from_config
from enquiry.intake.rawstore import MAX_INBOUND_BYTES
from enquiry.models import SessionLike

__all__ = ["MAX_INBOUND_BYTES", "IntakeSettings"]


@dataclass(frozen=True)
class IntakeSettings:
    """What intake needs to know about the office, from configuration."""

    policy: Policy
    own_addresses: frozenset[str]
    own_domains: frozenset[str]
    max_attachments: int = 5
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_inbound_bytes: int = MAX_INBOUND_BYTES

    @classmethod
    def from_config(cls, config: Any, session: SessionLike | None = None) -> IntakeSettings:
        """Read the settings from configuration (and the holiday overrides, given a session)."""
        policy = policy_from_config(config, session=session)
        extra = str(config.get("INBOUND_ADDRESSES") or "").replace(";", ",").split(",")
        candidates = [parseaddr(str(config["MAIL_DEFAULT_SENDER"]))[1], *extra]
        candidates.append(str(config.get("IMAP_USER") or ""))
        own = frozenset(a.strip().lower() for a in candidates if "@" in a)
        return cls(
            policy=policy,
            own_addresses=own,
            own_domains=frozenset({policy.mail.domain.lower()}),
            max_attachments=int(config.get("MAX_ATTACHMENTS", 5)),
            max_attachment_bytes=int(config.get("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)),
            max_inbound_bytes=int(config.get("MAX_INBOUND_BYTES", MAX_INBOUND_BYTES)),
        )
