"""Friendly, localised error pages with no stack traces."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import Conflict, HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

from enquiry.api.blueprint import handle_http_error

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You do not have permission to see this page."),
    404: _l("The page you asked for does not exist."),
    405: _l("This page cannot be used that way."),
    409: _l("This action is not possible in the current state."),
    413: _l("What you sent is too large. Attachments must be smaller."),
    429: _l("Too many requests from your address. Please wait a while and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("The service is busy. Please wait a moment and send it again."),
}
TITLES = {
    400: _l("Bad request"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Busy"),
}


def render_error(error: HTTPException) -> tuple[str, int] | Response:
    """Answer an HTTP error: JSON under /api/ (even where no API route matched), else a page."""
    if request.path.startswith(API_PREFIX):
        return handle_http_error(error)
    if isinstance(error.response, Response):  # the view's own answer, e.g. a form re-shown on 429
        return error.response
    return render_page(error)


def render_page(error: HTTPException) -> tuple[str, int]:
    """Render an HTTP error with the localised page."""
    code = error.code or 500
    if code >= 500:
        _roll_back()  # a failed flush leaves the session unusable for the page's own queries
    if isinstance(error, CSRFError):
        message = _l("Your form has expired. Please reload the page and submit it again.")
    else:
        message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    title = TITLES.get(code, TITLES[500] if code >= 500 else TITLES[400])
    if request.headers.get("HX-Request") == "true":
        # htmx swaps the answer into a part of the page (a draft's status line, the inbox
        # list): a whole error page there would nest a page in the page; the message is enough.
        return f'<span class="text-danger" role="alert">{escape(message)}</span>', code
    try:
        return render_template("errors/error.html", code=code, title=title, message=message), code
    except Exception:
        if code < 500:
            raise
        logger.exception("The error page could not be rendered")
        return f"<!doctype html><title>{escape(title)}</title><p>{escape(message)}</p>", code


def _roll_back() -> None:
    from enquiry.extensions import db

    try:
        db.session.rollback()
    except Exception:
        logger.exception("Could not roll back the session before the error page")


def render_integrity_error(error: IntegrityError) -> tuple[str, int]:
    """A unique or foreign key constraint lost a race with another request: 409, not 500."""
    _roll_back()
    logger.warning("Constraint refused a change, answered 409: %s", error.orig)
    return render_page(Conflict())


def render_operational_error(error: OperationalError) -> tuple[str, int, dict[str, str]]:
    """SQLite's lock still taken after the busy timeout: 503, try again; anything else: 500."""
    if "database is locked" not in str(error.orig):
        raise error
    _roll_back()
    logger.warning("Database locked past the busy timeout; answered 503")
    page, code = render_page(ServiceUnavailable())
    return page, code, {"Retry-After": "5"}


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    # Unhandled exceptions reach this handler as InternalServerError after Flask logs them.
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(IntegrityError, render_integrity_error)
    app.register_error_handler(OperationalError, render_operational_error)
