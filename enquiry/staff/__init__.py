"""Staff workspace under /staff."""

from enquiry.staff import auth
from enquiry.staff.blueprint import bp

__all__ = ["auth", "bp"]
