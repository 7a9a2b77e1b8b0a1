"""A citizen downloads everything they sent and received for their enquiry, and nobody else's."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from enquiry import audit
from enquiry.domain import handling, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Channel, Kind, OutboundEmail, OutboxStatus, Status
from enquiry.rules.uploads import Upload

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _open(app: Flask, name: str, email: str, file: bytes, filename: str) -> tuple[str, str]:
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject=f"{name}的问题",
                body=f"{name}：请问供暖何时恢复？",
                citizen_name=name,
                citizen_email=email,
                channel=Channel.WEB,
                locale="zh_Hans",
                attachments=(Upload(filename, "application/pdf", file),),
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen(),
            now=NOW,
        )
        ticket = opened.ticket
        ticket.status = Status.IN_PROGRESS
        handling.reply(
            db.session,
            ticket,
            f"{name}您好：明日恢复。",
            identity=policy_from_config(app.config).mail,
            actor=audit.Actor.system(),
            now=NOW,
        )
        db.session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.ticket_id == ticket.id)
            .values(status=OutboxStatus.SENT, sent_at=NOW)
        )
        db.session.commit()
        return ticket.reference, opened.access_code


def test_the_download_holds_this_enquiry_and_nobody_elses(app: Flask, client: FlaskClient) -> None:
    mine = _open(app, "赵一", "zhaoyi@example.org", b"%PDF-1 mine", "../../etc/我的.pdf")
    theirs = _open(app, "钱二", "qianer@example.org", b"%PDF-1 theirs", "theirs.pdf")
    assert client.get(f"/track/{mine[0]}/my-data.zip").status_code == 302  # no code shown yet
    client.get(f"/track/{mine[0]}/{mine[1]}")
    response = client.get(f"/track/{mine[0]}/my-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert all(not name.startswith("/") and ".." not in name for name in names)
    content = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    assert "赵一" in content and "zhaoyi@example.org" in content and mine[0] in content
    assert "%PDF-1 mine" in content and "明日恢复" in content
    assert any(name.startswith("letters/") for name in names)
    assert "钱二" not in content and "qianer" not in content and "theirs" not in content
    assert client.get(f"/track/{theirs[0]}/my-data.zip").status_code == 302
