"""Security headers on every response; text no database can store is refused up front;
retrieval codes are kept out of the logs."""

from __future__ import annotations

from itertools import chain

from flask import Flask, Response, abort, request

from enquiry.access_log import mask_codes_in

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """Set the security headers a response does not already carry."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def refuse_nul_characters() -> None:
    """Answer 400 to text with a NUL character: PostgreSQL cannot store it and no one types it."""
    values = chain(
        chain.from_iterable(request.args.listvalues()),
        chain.from_iterable(request.form.listvalues()),
        (request.view_args or {}).values(),
    )
    if any(isinstance(value, str) and "\x00" in value for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    """Register the header hook and the NUL check; mask codes in the request and error logs."""
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    mask_codes_in("werkzeug", app.logger.name)
