"""The MTA pipe: store one message from standard input; the worker takes it in.

`python -m enquiry.intake.pipe` (or the `enquiry-ingest` script) is what Postfix runs for
every message, so it must start in a blink: it reads the configuration as the app does
(enquiry.config.read_config) and stores the raw bytes with the database driver alone
(enquiry.intake.rawstore), without Flask, SQLAlchemy or the models. It exits 0 once the
message is stored and committed, 65 for a message over MAX_INBOUND_BYTES (of which only the
headers are kept) and 75 ("try again later") if it could not be stored. `flask worker` then
takes the message in (parse, classify, act: enquiry.intake.waiting) within its poll interval.
A database URI the fast path does not know is stored through the app (slower, the same rows).
"""

from __future__ import annotations

import argparse
import sys

from enquiry.intake.rawstore import (
    EX_DATAERR,
    EX_TEMPFAIL,
    MAX_INBOUND_BYTES,
    SOURCES,
    Database,
    UnsupportedDatabaseError,
    receive,
    store_raw,
)

__all__ = ["EX_DATAERR", "EX_TEMPFAIL", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="enquiry-ingest", description="Store one e-mail from standard input."
    )
    parser.add_argument("--source", choices=SOURCES, default="pipe")
    source = parser.parse_args(argv).source
    try:
        from datetime import UTC, datetime

        from enquiry.config import read_config

        config = read_config()
        database = Database.from_config(config)
    except UnsupportedDatabaseError:
        return _through_the_app(source)
    except Exception as error:  # an unreadable configuration: the MTA keeps the message
        print(f"not stored, try again later: {error}", file=sys.stderr)
        return EX_TEMPFAIL

    def store_one(raw: bytes, rejection: str | None) -> int:
        now = datetime.now(UTC)
        return store_raw(database, raw, source=source, now=now, rejection=rejection)

    limit = int(config.get("MAX_INBOUND_BYTES", MAX_INBOUND_BYTES))
    return receive(sys.stdin.buffer, sys.stdout, sys.stderr, limit=limit, store=store_one)


def _through_the_app(source: str) -> int:
    """Store with the app's session (SQLAlchemy), for a database the fast path does not know."""
    try:
        from enquiry import create_intake_app
        from enquiry.intake.stream import ingest_stream
        from enquiry.models import InboundSource

        app = create_intake_app()
    except Exception as error:  # no configuration, no database driver: the MTA keeps it
        print(f"not stored, try again later: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    with app.app_context():
        return ingest_stream(InboundSource(source), sys.stdin.buffer, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
