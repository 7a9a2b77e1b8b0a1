"""Attachments for staff: downloaded, never shown inline, only from tickets the user may see."""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import quote

from flask import abort
from werkzeug.wrappers import Response

from enquiry.domain.queries import tickets as loaded
from enquiry.extensions import db
from enquiry.staff.access import current_staff
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)

# Control characters, bidirectional overrides and isolates, zero-width characters.
_UNSAFE_NAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
FALLBACK_CONTENT_TYPE = "application/octet-stream"


@bp.get("/attachments/<id:attachment_id>", endpoint="attachment")
def attachment(attachment_id: int) -> Response:
    """Download an attachment of a ticket the user may see (never shown inline)."""
    found = loaded.visible_attachment(db.session, current_staff(), attachment_id)
    if found is None:
        abort(404)
    stored, data = found
    content_type = stored.content_type if _CONTENT_TYPE.match(stored.content_type or "") else None
    response = Response(data, content_type=content_type or FALLBACK_CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition(stored.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def content_disposition(filename: str) -> str:
    """Return `attachment` with an ASCII filename and the exact name as RFC 5987 filename*."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", _UNSAFE_NAME.sub("", name))[-1].strip().strip(".") or "attachment"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._") or "attachment"
    if "." in name and "." not in ascii_name:
        ascii_name = f"attachment.{re.sub(r'[^A-Za-z0-9]', '', name.rsplit('.', 1)[1])}"
    quoted = quote(name, safe="!#$&+-.^_`|~")  # RFC 5987 attr-char
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"
