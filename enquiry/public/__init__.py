"""Public pages: report, question form, confirmation, tracking."""

from enquiry.public import ask, files, home, rate, report, track
from enquiry.public.blueprint import bp

__all__ = ["ask", "bp", "files", "home", "rate", "report", "track"]
