"""Public pages: report, question form, confirmation, tracking."""

from enquiry.public import ask, home, office_hours, rate, report, track
from enquiry.public.blueprint import bp

__all__ = ["ask", "bp", "home", "office_hours", "rate", "report", "track"]
