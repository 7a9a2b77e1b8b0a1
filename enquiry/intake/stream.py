"""Store one message read from a stream through the app: `flask mail ingest`.

The same as `python -m enquiry.intake.pipe` (enquiry.intake.rawstore, without the app), with the
app's session; the pipe uses it too for a database URI its fast path does not know. The message
is stored and committed, then the worker takes it in (enquiry.intake.waiting).
"""

from __future__ import annotations

from typing import BinaryIO, TextIO

from flask import current_app

from enquiry.intake.rawstore import EX_DATAERR, EX_TEMPFAIL, MAX_INBOUND_BYTES, receive
from enquiry.models import InboundSource

__all__ = ["EX_DATAERR", "EX_TEMPFAIL", "ingest_stream"]


def ingest_stream(source: InboundSource, stdin: BinaryIO, out: TextIO, err: TextIO) -> int:
    """Store one message read from stdin, in an app context; return the exit status."""
    from enquiry.core_extensions import db
    from enquiry.intake.ingest import store
    from enquiry.models import utcnow

    def store_one(raw: bytes, rejection: str | None) -> int:
        return store(db.session, raw, source=source, now=utcnow(), rejection=rejection)

    limit = int(current_app.config.get("MAX_INBOUND_BYTES", MAX_INBOUND_BYTES))
    return receive(stdin, out, err, limit=limit, store=store_one)
