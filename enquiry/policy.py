"""Build the domain's Policy from the application's configuration."""

from __future__ import annotations

from datetime import time
from typing import Any

from enquiry import deadlines
from enquiry.mail.outbound import MailIdentity
from enquiry.models import Kind
from enquiry.tickets import Policy


def policy_from_config(config: dict[str, Any] | Any) -> Policy:
    """Return the office's Policy as configured."""
    sender = str(config["MAIL_DEFAULT_SENDER"])
    return Policy(
        reference_prefix=str(config["REFERENCE_PREFIX"]).upper(),
        calendar=deadlines.calendar_named(str(config["CALENDAR"])),
        office_hours=deadlines.OfficeHours(
            start=time.fromisoformat(str(config["OFFICE_OPENS"])),
            end=time.fromisoformat(str(config["OFFICE_CLOSES"])),
        ),
        deadline_days={kind: int(config[f"DEADLINE_DAYS_{kind.value.upper()}"]) for kind in Kind},
        mail=MailIdentity(
            sender=sender,
            domain=str(config.get("MAIL_DOMAIN") or sender.rsplit("@", 1)[-1]),
            secret=str(config["SECRET_KEY"]),
            base_url=str(config["PUBLIC_BASE_URL"]),
        ),
    )
