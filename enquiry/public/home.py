"""Home page and the language switch."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from enquiry.domain.queries import public as visible
from enquiry.extensions import db
from enquiry.i18n import LINK_PARAMETER, link_language
from enquiry.public.blueprint import bp
from enquiry.redirects import safe_next


@bp.get("/")
def index() -> str:
    """Show the office, the reports and the ways to ask."""
    reports = visible.reports_newest_first(db.session)
    return render_template("public/index.html", reports=reports)


@bp.before_request
def remember_link_language() -> None:
    """A link from our mail (?lang=ug) keeps its language for the pages that follow."""
    code = link_language(request.args.get(LINK_PARAMETER), current_app.config["LANGUAGES"])
    if code is not None and session.get("locale") != code:
        session["locale"] = code


@bp.get("/language/<code>")
def set_language(code: str) -> Response:
    """Remember the chosen language and go back to the page the citizen was on."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("public.index"))
