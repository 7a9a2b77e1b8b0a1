"""Downloads for the citizen: the office's files (formal letters) of a tracked enquiry."""

from __future__ import annotations

from io import BytesIO

from flask import abort, send_file
from werkzeug.wrappers import Response

from enquiry.domain.queries import citizen_files
from enquiry.domain.queries import public as visible
from enquiry.extensions import db
from enquiry.public import access
from enquiry.public.blueprint import bp

PDF = "application/pdf"


@bp.get("/track/<reference>/files/<id:attachment_id>", endpoint="tracked_file")
def tracked_file(reference: str, attachment_id: int) -> Response:
    """Download a file the office sent, once this browser has shown the ticket's code."""
    ticket = visible.granted_ticket(db.session, reference, access.granted())
    found = citizen_files.citizen_file(db.session, ticket, attachment_id) if ticket else None
    if found is None:
        abort(404)
    stored, data = found
    content_type = PDF if stored.content_type == PDF else "application/octet-stream"
    response = send_file(
        BytesIO(data), mimetype=content_type, as_attachment=True, download_name=stored.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
