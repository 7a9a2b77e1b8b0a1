"""Tracking. (Stub: being written.)"""

from __future__ import annotations

from flask import abort

from enquiry.public.blueprint import bp


@bp.route("/track", methods=["GET", "POST"])
def track() -> str:
    """Ask for reference and code."""
    abort(404)
