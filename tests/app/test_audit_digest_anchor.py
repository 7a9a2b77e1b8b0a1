"""The supervisors' morning digest carries the audit head: an anchor kept outside the database."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, update

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import AuditChainHead, AuditEvent
from tests.app import test_supervision
from tests.app.test_supervision import NOW, outbox

cli = test_supervision.cli  # the fixtures of the digest's own tests
seeded = test_supervision.seeded
AUDIT_NOW = datetime(2024, 5, 5, 12, 0, tzinfo=UTC)

ANCHOR = re.compile(r"flask audit verify --against ([0-9a-f]{64}:[0-9]+)")


def test_supervisors_digest_carries_an_anchor_that_catches_a_cut_tail(
    app: Flask, cli: FlaskCliRunner, seeded: dict[str, Any]
) -> None:
    with app.app_context():
        for _ in range(3):
            audit.record(db.session, action="test.event", actor=audit.Actor.system(), now=AUDIT_NOW)
        db.session.commit()
        kept = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    result = cli.invoke(args=["deadlines", "digest", "--now", NOW])
    assert result.exit_code == 0, result.output
    mails = {mail.to_addr: mail for mail in outbox(app, "digest")}
    supervisor = mails[seeded["supervisor"].email]
    [anchor] = ANCHOR.findall(supervisor.body_text)
    assert anchor in (supervisor.body_html or "")
    assert anchor.endswith(":3") and "Audit record: 3 events." in supervisor.body_text
    assert ANCHOR.search(mails[seeded["agent"].email].body_text) is None  # agents: none

    assert cli.invoke(args=["audit", "verify", "--against", anchor]).exit_code == 0
    with app.app_context():  # the newest event is removed and the head row made to agree
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > kept.id))
        db.session.execute(update(AuditChainHead).values(hash=kept.hash, length=2))
        db.session.commit()
    assert cli.invoke(args=["audit", "verify"]).exit_code == 0
    cut = cli.invoke(args=["audit", "verify", "--against", anchor])
    assert cut.exit_code == 1
    assert "past the end: only 2 events remain" in cut.output
