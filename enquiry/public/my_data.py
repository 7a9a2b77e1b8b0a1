"""A citizen's own data: everything they sent and received for one enquiry, as a ZIP."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from flask import make_response, redirect, url_for
from werkzeug.wrappers import Response

from enquiry.domain.queries import citizen_data as queries
from enquiry.domain.queries import public as visible
from enquiry.extensions import db, limiter
from enquiry.models import MessageKind
from enquiry.public import access
from enquiry.public.blueprint import bp
from enquiry.public.track import track_limit

UNSAFE_NAME = re.compile(r"[^\w.\-\u0080-\uffff]+")
NAME_MAX = 120


def safe_name(name: str) -> str:
    """Return a file name that stays inside its folder of the archive."""
    cleaned = UNSAFE_NAME.sub("_", name).strip("._") or "file"
    return cleaned[-NAME_MAX:]


def summary(data: queries.CitizenData) -> dict[str, Any]:
    """The enquiry as held: what the office knows about it and about its citizen."""
    ticket = data.ticket
    return {
        "reference": ticket.reference,
        "kind": ticket.kind.value,
        "status": ticket.status.value,
        "subject": ticket.subject,
        "received_on": ticket.received_on.isoformat(),
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
        "contact": {
            "name": ticket.citizen_name,
            "email": ticket.citizen_email,
            "phone": ticket.citizen_phone,
            "language": ticket.locale,
        },
        "description": ticket.info_description,
        "publication_consented": ticket.is_publication_consented,
    }


def archive(data: queries.CitizenData) -> bytes:
    """Return the ZIP: enquiry.json, messages/, attachments/ and letters/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        text = json.dumps(summary(data), ensure_ascii=False, indent=2)
        zipped.writestr("enquiry.json", text)
        for number, message in enumerate(data.messages, start=1):
            who = "you" if message.kind is MessageKind.CITIZEN else "office"
            stamp = message.created_at.isoformat()
            zipped.writestr(f"messages/{number:03d}-{who}.txt", f"{stamp}\n\n{message.body}\n")
        for number, item in enumerate(data.files, start=1):
            zipped.writestr(f"attachments/{number:03d}-{safe_name(item.filename)}", item.data)
        for number, letter in enumerate(data.letters, start=1):
            sent = letter.sent_at.isoformat() if letter.sent_at else ""
            body = f"{sent}\n{letter.subject}\n\n{letter.body_text}\n"
            zipped.writestr(f"letters/{number:03d}-{safe_name(letter.template)}.txt", body)
    return buffer.getvalue()


@bp.get("/track/<reference>/my-data.zip")
@limiter.limit(track_limit)
def my_data(reference: str) -> Response:
    """Download everything sent and received for an enquiry this browser has the code for."""
    ticket = visible.granted_ticket(db.session, reference, access.granted())
    if ticket is None:
        return redirect(url_for("public.track", reference=reference[:40]))
    response = make_response(archive(queries.citizen_data(db.session, ticket)))
    response.headers["Content-Type"] = "application/zip"
    name = f"{ticket.reference}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
