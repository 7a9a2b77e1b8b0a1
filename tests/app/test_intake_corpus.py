"""The shared real-world corpus through the whole intake: stored raw, no exception, an outcome,
and no acknowledgement for machine mail.

ENQUIRY_MAIL_CORPUS points at the corpus (CI: ../shared/mail-corpus); without it this skips,
except under CI=true, where its absence fails. One test per database ingests every file into
one app and reports all problems at once.
"""

from __future__ import annotations

import csv
import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select

from enquiry.extensions import db
from enquiry.intake.ingest import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.models import Blob, InboundEmail, InboundOutcome, InboundSource, OutboundEmail
from tests.conftest import require

CORPUS_VARIABLE = "ENQUIRY_MAIL_CORPUS"
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def corpus_rows() -> tuple[Path, list[dict[str, str]]]:
    value = os.environ.get(CORPUS_VARIABLE, "").strip()
    require(bool(value), f"{CORPUS_VARIABLE} is not set (point it at ../shared/mail-corpus)")
    directory = Path(value)
    manifest = directory / "MANIFEST.csv"
    assert manifest.is_file(), f"no MANIFEST.csv in {directory}"
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "MANIFEST.csv lists no messages"
    return directory, rows


def outbox_size() -> int:
    return int(db.session.scalar(select(func.count()).select_from(OutboundEmail)) or 0)


def check_one(raw: bytes, row: dict[str, str], now: datetime) -> list[str]:
    """Ingest one corpus file; return what is wrong with the result."""
    settings = IntakeSettings.from_config(current_app.config, db.session)
    before = outbox_size()
    try:
        result = ingest(db.session, raw, source=InboundSource.UPLOAD, now=now, settings=settings)
    except Exception as error:  # the point of the test: nothing may escape
        db.session.rollback()
        return [f"raised {type(error).__name__}: {error}"]
    problems = []
    digest = hashlib.sha256(raw).hexdigest()
    if digest != row["sha256"]:
        problems.append("corpus file changed")
    inbound = db.session.get(InboundEmail, result.inbound_email_id)
    blob = db.session.get(Blob, digest)
    if inbound is None or inbound.raw_sha256 != digest or blob is None or blob.data != raw:
        problems.append("raw bytes not stored")
    if result.outcome is InboundOutcome.PENDING:
        problems.append(f"no outcome recorded: {result.detail}")
    if row["expect_no_autoreply"] == "yes" and outbox_size() != before:
        problems.append(f"acknowledged machine mail ({result.outcome.value}: {result.detail})")
    return problems


def test_every_corpus_message_is_stored_and_accounted_for(app: Flask) -> None:
    directory, rows = corpus_rows()
    app.config["INBOUND_ADDRESSES"] = "enquiry@enquiry.localhost"
    failures: dict[str, list[str]] = {}
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    with app.app_context():
        for number, row in enumerate(rows):
            raw = (directory / row["file"]).read_bytes()
            problems = check_one(raw, row, START + timedelta(seconds=number))
            if problems:
                failures[row["file"]] = problems
        for outcome, count in db.session.execute(
            select(InboundEmail.outcome, func.count()).group_by(InboundEmail.outcome)
        ):
            outcomes[outcome.value] = count
    elapsed = time.perf_counter() - started
    print(f"\n{len(rows)} corpus messages in {elapsed:.1f} s: {outcomes}")
    assert failures == {}
    assert sum(outcomes.values()) == len(rows)
