"""The office hours, as configured, for the public pages (art. 31: when a submission counts)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from enquiry.public.blueprint import bp


def office_hours_text() -> dict[str, str]:
    """Return the configured opening and closing times (Beijing time), as shown to citizens."""
    return {
        "opens": str(current_app.config["OFFICE_OPENS"]),
        "closes": str(current_app.config["OFFICE_CLOSES"]),
    }


@bp.context_processor
def office_hours() -> dict[str, Any]:
    """Give every public template the office hours (templates/public/_office_hours.html)."""
    return {"office_hours": office_hours_text()}
