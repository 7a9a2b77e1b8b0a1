"""The /api/v1 blueprint: bearer tokens only, per-token rate limits, JSON errors in one shape."""

from __future__ import annotations

import logging
from typing import Any, NoReturn, cast

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from enquiry.domain.admin import tokens
from enquiry.extensions import csrf, db, limiter
from enquiry.models import User, utcnow

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# No cookie session is ever read here: a request without a bearer token is refused (401) before
# any view runs, so the API needs no CSRF token and cannot be driven by a browser's cookies.
csrf.exempt(bp)

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
DEFAULT_RATE_LIMIT = "120 per minute"
MESSAGES = {
    400: _l("The request is not valid."),
    401: _l("A valid API token is required."),
    403: _l("Your role does not allow this."),
    404: _l("Not found."),
    405: _l("Method not allowed."),
    409: _l("The ticket's state does not allow this."),
    412: _l("The ticket has changed since you read it. Read it again."),
    413: _l("The request is too large."),
    415: _l("Send the body as application/json."),
    422: _l("A value is not valid."),
    429: _l("Too many requests. Please wait a while and try again."),
    500: _l("Something went wrong on our side."),
    503: _l("The service is busy. Please try again in a moment."),
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "busy",
}


class ApiError(Exception):
    """An answer other than success, with its status, code, message and the field at fault."""

    def __init__(
        self, status: int, message: str | None = None, *, field: str | None = None, code: str = ""
    ) -> None:
        super().__init__(message or str(MESSAGES.get(status, MESSAGES[500])))
        self.status = status
        self.message = message or str(MESSAGES.get(status, MESSAGES[500]))
        self.field = field
        self.code = code or CODES.get(status, "error")


def fail(status: int, message: str | None = None, *, field: str | None = None) -> NoReturn:
    """Stop the request with an API error."""
    raise ApiError(status, message, field=field)


def error_response(error: ApiError) -> Response:
    """Return the JSON body every API error has."""
    body = {"error": {"code": error.code, "message": error.message, "field": error.field}}
    response = jsonify(body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="enquiry"'
    return response


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError) -> Response:
    return error_response(error)


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(ApiError(status if status in MESSAGES else 400))
    for name in ("Retry-After", "Allow"):
        if error.get_response().headers.get(name):
            response.headers[name] = error.get_response().headers[name]
    return response


@bp.errorhandler(IntegrityError)
def handle_integrity_error(error: IntegrityError) -> Response:
    """A constraint lost a race with another request: 409, not 500."""
    db.session.rollback()
    logger.warning("Constraint refused an API change, answered 409: %s", error.orig)
    return error_response(ApiError(409))


@bp.errorhandler(OperationalError)
def handle_operational_error(error: OperationalError) -> Response:
    """SQLite's lock still taken after the busy timeout: 503, try again; anything else: 500."""
    db.session.rollback()
    if "database is locked" not in str(error.orig):
        logger.exception("API request failed", exc_info=error)
        return error_response(ApiError(500))
    response = error_response(ApiError(503))
    response.headers["Retry-After"] = "5"
    return response


@bp.errorhandler(Exception)
def handle_unexpected(error: Exception) -> Response:
    """Log the failure; the client learns nothing of the internals."""
    logger.exception("API request failed", exc_info=error)
    db.session.rollback()
    return error_response(ApiError(500))


def rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT)


def token_key() -> str:
    """Rate limits count per token, wherever its requests come from."""
    return f"api-token:{g.api_token_id}"


@bp.before_request
def authenticate() -> None:
    """Accept only `Authorization: Bearer <token>`; the token acts as its user."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = None
    if scheme.lower() == "bearer" and secret.strip():
        token = tokens.authenticate(db.session, secret.strip(), utcnow())
    if token is None:
        db.session.rollback()
        fail(401)
    g.api_token_id = token.id
    g.api_user = token.user
    db.session.commit()  # last_used_at, whatever the request then does
    with limiter.limit(rate_limit, key_func=token_key):
        pass


def api_user() -> User:
    """Return the user the request's token acts as."""
    return cast(User, g.api_user)


def json_response(body: Any, status: int = 200, etag: str | None = None) -> Response:
    """Return a JSON response (with an ETag when given)."""
    response = jsonify(body)
    response.status_code = status
    if etag:
        response.set_etag(etag)
    response.headers["Cache-Control"] = "no-store"
    return response
