"""Home page and the language switch."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from enquiry.domain.queries import public as visible
from enquiry.extensions import db
from enquiry.public.blueprint import bp
from enquiry.redirects import safe_next


@bp.get("/")
def index() -> str:
    """Show the office, the reports and the ways to ask."""
    reports = visible.reports_newest_first(db.session)
    return render_template("public/index.html", reports=reports)


@bp.get("/language/<code>")
def set_language(code: str) -> Response:
    """Remember the chosen language and go back to the page the citizen was on."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("public.index"))
