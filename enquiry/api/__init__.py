"""The REST API under /api/v1, for the office's other systems; bearer tokens only."""

from enquiry.api import actions, messages, openapi, outcomes, reference, tickets
from enquiry.api.blueprint import bp

__all__ = ["actions", "bp", "messages", "openapi", "outcomes", "reference", "tickets"]
