"""The question form. (Stub: being written.)"""

from __future__ import annotations

from flask import abort

from enquiry.public.blueprint import bp


@bp.route("/ask", methods=["GET", "POST"])
def ask() -> str:
    """Show and accept the enquiry form."""
    abort(404)
