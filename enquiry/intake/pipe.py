"""The MTA pipe: store one message from standard input, then take it in.

`python -m enquiry.intake.pipe` (or the `enquiry-ingest` script) is what Postfix runs for
every message. It builds only what intake needs (enquiry.create_intake_app: configuration,
database, audit keys, translations, mail templates), not the web application, and does what
`flask mail ingest` does: store the raw bytes and commit (exit 75, "try again later", if that
fails; 65 for a message over MAX_INBOUND_BYTES, of which only the headers are kept), then
parse, classify and act; from the moment it is stored the exit status is 0.
"""

from __future__ import annotations

import argparse
import sys

from enquiry.intake.stream import EX_DATAERR, EX_TEMPFAIL, ingest_stream
from enquiry.models import InboundSource

__all__ = ["EX_DATAERR", "EX_TEMPFAIL", "ingest_stream", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="enquiry-ingest", description="Store and take in one e-mail from standard input."
    )
    parser.add_argument(
        "--source",
        choices=[source.value for source in InboundSource],
        default=InboundSource.PIPE.value,
    )
    args = parser.parse_args(argv)
    try:
        from enquiry import create_intake_app

        app = create_intake_app()
    except Exception as error:  # no configuration, no database driver: the MTA keeps it
        print(f"not stored, try again later: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    with app.app_context():
        return ingest_stream(InboundSource(args.source), sys.stdin.buffer, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
