"""The annual report page. (Stub: being written.)"""

from __future__ import annotations

from flask import abort

from enquiry.public.blueprint import bp


@bp.get("/report/<int:year>")
def report(year: int) -> str:
    """Show a report with an anchor and an "ask about this" link per section."""
    abort(404)
