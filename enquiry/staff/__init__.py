"""Staff workspace under /staff."""

from enquiry.staff.blueprint import bp

__all__ = ["bp"]
