"""Upgrading a database with an existing (unkeyed, perhaps forked) chain keeps it verifiable."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import AuditChainHead, AuditEvent

BEFORE = "a1d4e6f8b203"  # the revision before keyed chains
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
OLD_EVENTS = sa.table(
    "audit_events",
    *(sa.column(name) for name in ("id", "actor_label", "action", "remote_addr", "prev_hash")),
    sa.column("hash"),
    sa.column("ticket_id"),
    sa.column("actor_id"),
    sa.column("detail", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def legacy_row(n: int, prev_hash: str) -> dict[str, Any]:
    """An event as an older version wrote it: a plain SHA-256, no key."""
    fields = {
        "ticket_id": None,
        "actor_id": None,
        "actor_label": "anonymous",
        "action": "auth.login_failed",
        "detail": {"email": f"nobody{n}@example.test", "reason": "unknown"},
        "remote_addr": "127.0.0.1",
        "created_at": (NOW + timedelta(seconds=n)).isoformat(),
    }
    digest = audit.event_hash(prev_hash, fields)
    return fields | {
        "created_at": NOW + timedelta(seconds=n),
        "prev_hash": prev_hash,
        "hash": digest,
    }


def old_database(
    make_app: Callable[..., Flask], forked: bool
) -> tuple[Flask, list[dict[str, Any]]]:
    """A database at the revision before this change, holding five legacy events.

    forked=True: events 2 and 3 both follow event 1, as concurrent logins used to make them.
    """
    app = make_app(create_schema=False)
    result = app.test_cli_runner().invoke(args=["db", "upgrade", BEFORE])
    assert result.exit_code == 0, result.output
    rows = [legacy_row(1, audit.GENESIS_HASH)]
    for n in range(2, 6):
        follows = rows[0] if forked and n == 3 else rows[-1]
        rows.append(legacy_row(n, follows["hash"]))
    with app.app_context(), db.engine.begin() as connection:
        for row in rows:  # one by one: ids follow the chain's order
            connection.execute(OLD_EVENTS.insert(), row)
    return app, rows


def upgrade(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return result.output


def stored(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_unforked_old_chain_is_kept_as_it_is_and_keyed_events_follow(
    make_app: Callable[..., Flask],
) -> None:
    app, rows = old_database(make_app, forked=False)
    upgrade(app)
    events = stored(app)
    assert [(e.prev_hash, e.hash, e.key_id) for e in events] == [
        (row["prev_hash"], row["hash"], None) for row in rows
    ]
    with app.app_context():
        head = db.session.get(AuditChainHead, 1)
        assert head is not None and (head.hash, head.length) == (rows[-1]["hash"], 5)
        audit.record(db.session, action="test.event", actor=audit.Actor.system(), now=NOW)
        db.session.commit()
    code, output = verify(app)
    assert code == 0, output
    assert "6 events verified" in output and "5 of them are from before" in output


def test_a_forked_old_chain_is_relinked_loudly_keeping_the_original_hashes(
    make_app: Callable[..., Flask],
) -> None:
    app, rows = old_database(make_app, forked=True)
    assert verify(app)[0] == 1  # broken for ever before the upgrade
    output = upgrade(app)
    assert "re-linked 3 events from id 3 on" in output, output
    events = stored(app)
    assert [e.hash for e in events[:2]] == [rows[0]["hash"], rows[1]["hash"]]
    for event, row in zip(events[2:], rows[2:], strict=True):
        original = {"prev_hash": row["prev_hash"], "hash": row["hash"]}
        assert event.detail["relinked_from"] == original
        assert event.detail["email"] == row["detail"]["email"]
    assert len({e.prev_hash for e in events}) == 5
    code, output = verify(app)
    assert code == 0, output


def test_an_old_event_edited_and_relinked_again_is_still_detected(
    make_app: Callable[..., Flask],
) -> None:
    app, _rows = old_database(make_app, forked=True)
    upgrade(app)
    with app.app_context():  # unkeyed hashes need no key: edit event 4 and re-chain after it
        chain = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        chain[3].detail = chain[3].detail | {"email": "someone-else@example.test"}
        for event in chain[3:]:
            event.hash = secrets.token_hex(32)  # out of the way of the unique hashes first
        db.session.flush()
        prev = chain[2].hash
        for event in chain[3:]:
            event.prev_hash, event.hash = prev, audit.event_hash(prev, audit.hashed_fields(event))
            prev = event.hash
        db.session.execute(sa.update(AuditChainHead).values(hash=prev))
        db.session.commit()
        edited = chain[3].id
    code, output = verify(app)
    assert code == 1
    assert f"event {edited}: content does not match the hash it had before" in output
