"""Which tickets this browser has proved it may see (by reference and code)."""

from __future__ import annotations

from flask import session

MAX_GRANTS = 20


def grant(ticket_id: int) -> None:
    """Remember that this session may see the ticket."""
    granted = [t for t in session.get("tracked", []) if t != ticket_id]
    session["tracked"] = [*granted, ticket_id][-MAX_GRANTS:]


def granted() -> list[int]:
    """The ids of the tickets this session has shown the code for."""
    return list(session.get("tracked", []))
