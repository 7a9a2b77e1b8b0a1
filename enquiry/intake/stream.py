"""Store and take in one message read from a stream: the work of the MTA pipe.

`ingest_stream` is shared by `python -m enquiry.intake.pipe` (what Postfix runs, without the web
application) and `flask mail ingest`; it runs inside an app context.
"""

from __future__ import annotations

import logging
import re
from typing import BinaryIO, TextIO

from flask import current_app

from enquiry.models import InboundSource

EX_DATAERR = 65  # sysexits.h: the MTA bounces the message (it is too large)
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later


def _header_block(raw: bytes) -> bytes:
    end = re.search(rb"\r?\n\r?\n", raw)
    return raw[: end.end()] if end else raw[:65536]


def ingest_stream(
    source: InboundSource,
    stdin: BinaryIO,
    out: TextIO,
    err: TextIO,
) -> int:
    """Store and take in one message read from stdin, in an app context; return the exit status."""
    from enquiry.core_extensions import db
    from enquiry.intake.ingest import StoreError, reprocess, store
    from enquiry.intake.settings import MAX_INBOUND_BYTES, IntakeSettings
    from enquiry.models import utcnow

    limit = int(current_app.config.get("MAX_INBOUND_BYTES", MAX_INBOUND_BYTES))
    try:
        raw = stdin.read(limit + 1)
        if len(raw) > limit:
            why = f"over the limit of {limit} bytes; only the headers were kept"
            inbound_id = store(
                db.session, _header_block(raw), source=source, now=utcnow(), rejection=why
            )
            print(f"#{inbound_id} rejected: message {why}", file=err)
            return EX_DATAERR
        inbound_id = store(db.session, raw, source=source, now=utcnow())
    except StoreError as error:
        print(f"not stored, try again later: {error}", file=err)
        return EX_TEMPFAIL
    # Stored: from here on the MTA is done with it, whatever happens (exit 0).
    try:
        settings = IntakeSettings.from_config(current_app.config, db.session)
        result = reprocess(db.session, inbound_id, now=utcnow(), settings=settings)
    except Exception:  # left pending; `flask mail reprocess --all-quarantined` picks it up
        logging.getLogger(__name__).exception("Stored #%s but could not process it", inbound_id)
        print(f"#{inbound_id} stored, not processed yet", file=out)
        return 0
    print(result.summary(), file=out)
    return 0
