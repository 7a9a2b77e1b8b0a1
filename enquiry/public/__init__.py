"""Public pages: report, question form, confirmation, tracking."""

from enquiry.public import ask, data_request, home, my_data, rate, report, track
from enquiry.public.blueprint import bp

__all__ = ["ask", "bp", "data_request", "home", "my_data", "rate", "report", "track"]
