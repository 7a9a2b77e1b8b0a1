"""Staff workspace under /staff."""

from enquiry.staff import access, account, auth, inbox
from enquiry.staff.blueprint import bp

__all__ = ["access", "account", "auth", "bp", "inbox"]
