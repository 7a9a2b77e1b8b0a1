"""The file an outgoing message carries (a formal letter as PDF), read when it is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from enquiry.models import Attachment, Blob, SessionLike

# Our own names only (REF-kind.pdf): plain ASCII, so the header needs no encoding at all.
SAFE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


def is_safe_filename(name: str) -> bool:
    """True when the name can go into a Content-Disposition header as it is."""
    return SAFE_FILENAME.fullmatch(name) is not None


@dataclass(frozen=True)
class MailFile:
    """A file to attach: our own name and type (never the citizen's), and the bytes."""

    filename: str
    content_type: str
    data: bytes


def load_file(session: SessionLike, attachment_id: int | None) -> MailFile | None:
    """Return the stored attachment to send with a message, or None."""
    if attachment_id is None:
        return None
    found = session.execute(
        select(Attachment.filename, Attachment.content_type, Blob.data)
        .join(Blob, Attachment.blob_sha256 == Blob.sha256)
        .where(Attachment.id == attachment_id)
    ).first()
    if found is None:
        raise LookupError(f"attachment {attachment_id} of an outgoing message is missing")
    return MailFile(filename=found[0], content_type=found[1], data=found[2])
