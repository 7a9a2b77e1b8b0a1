"""Which tickets this browser has proved it may see (by reference and code)."""

from __future__ import annotations

from flask import session

MAX_GRANTS = 20


def grant(ticket_id: int) -> None:
    """Remember that this session may see the ticket."""
    granted = [t for t in session.get("tracked", []) if t != ticket_id]
    session["tracked"] = [*granted, ticket_id][-MAX_GRANTS:]


def is_granted(ticket_id: int) -> bool:
    """True when this session has shown the ticket's code."""
    return ticket_id in session.get("tracked", [])
