"""The audit chain: keyed hashes over the previous event; every kind of tampering is detected.

Edit, delete in the middle, delete the tail (against an anchor), rewrite with recomputed
hashes (without the key): each is a separate test, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from click.testing import Result
from flask import Flask
from sqlalchemy import delete, select, update

from enquiry import audit
from enquiry.audit.keys import KeyRing
from enquiry.extensions import db
from enquiry.models import AuditChainHead, AuditEvent

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def write_events(app: Flask, count: int, start: int = 0) -> None:
    with app.app_context():
        for i in range(start, start + count):
            audit.record(
                db.session,
                action="test.event",
                actor=audit.Actor.system(),
                now=NOW + timedelta(seconds=i),
                detail={"i": i, "text": "办结"},
            )
        db.session.commit()


def verify(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def head(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["audit", "head"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def rewrite_from(
    app: Flask, index: int, sign: Callable[[AuditEvent], str], key_id: str | None
) -> int:
    """Change event `index` and recompute it and every later event with `sign`, as an intruder
    who can write the database would; keep the head row consistent too."""
    with app.app_context():
        chain = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        chain[index].detail = {"i": 99, "text": "篡改"}
        prev = chain[index - 1].hash if index else audit.GENESIS_HASH
        for event in chain[index:]:
            event.prev_hash = secrets.token_hex(32)  # out of the way of UNIQUE(prev_hash)
            event.hash = secrets.token_hex(32)
        db.session.flush()
        for event in chain[index:]:
            event.prev_hash, event.key_id = prev, key_id
            event.hash = sign(event)
            prev = event.hash
        db.session.execute(update(AuditChainHead).values(hash=prev))
        db.session.commit()
        return chain[index].id


def unkeyed(event: AuditEvent) -> str:
    """The app's own plain hash function, which needs no key."""
    return audit.event_hash(event.prev_hash, audit.hashed_fields(event))


def test_intact_chain_verifies_and_is_keyed(app: Flask) -> None:
    write_events(app, 5)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "5 events verified" in result.output
    chain = events(app)
    assert chain[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(chain))
    with app.app_context():
        current = app.extensions["enquiry_audit_keys"].current_id
        assert {event.key_id for event in chain} == {current}
        # Keyed: the app's plain hash function no longer reproduces the stored hash.
        assert audit.event_hash(chain[1].prev_hash, audit.hashed_fields(chain[1])) != chain[1].hash
    assert head(app) == f"{chain[-1].hash}:5"


def test_edited_event_is_detected(app: Flask) -> None:
    write_events(app, 4)
    third = events(app)[2]
    with app.app_context():
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id == third.id).values(detail={"i": 99})
        )
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"event {third.id}: content does not match its hash" in result.output


def test_event_deleted_in_the_middle_is_detected(app: Flask) -> None:
    write_events(app, 4)
    second, third = events(app)[1:3]
    with app.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == second.id))
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"event {third.id}: previous hash" in result.output


def test_deleted_tail_is_detected_against_an_anchor(app: Flask) -> None:
    write_events(app, 60)
    anchor = head(app)  # as the supervisors' digest carried it
    chain = events(app)
    with app.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > chain[9].id))
        db.session.commit()
    naive = verify(app)  # the head row still names the lost newest event
    assert naive.exit_code == 1
    assert "the chain head says 60 events, but 10 are present" in naive.output

    with app.app_context():  # a careful intruder fixes the head row too
        db.session.execute(update(AuditChainHead).values(hash=chain[9].hash, length=10))
        db.session.commit()
    assert verify(app).exit_code == 0  # nothing inside the database shows it any more ...
    result = verify(app, "--against", anchor)  # ... but the anchor kept outside does
    assert result.exit_code == 1
    assert f"the anchor {anchor} is past the end: only 10 events remain" in result.output
    older = f"{chain[4].hash}:5"
    assert verify(app, "--against", older).exit_code == 0


def test_rewrite_with_recomputed_unkeyed_hashes_is_detected(app: Flask) -> None:
    write_events(app, 6)
    rewritten = rewrite_from(app, 3, unkeyed, None)
    result = verify(app)
    assert result.exit_code == 1
    assert f"event {rewritten}: an unkeyed event after the chain became keyed" in result.output


def test_rewrite_with_a_guessed_key_is_detected(app: Flask) -> None:
    write_events(app, 6)
    with app.app_context():
        real: KeyRing = app.extensions["enquiry_audit_keys"]
    guessed = KeyRing(real.current_id, {real.current_id: secrets.token_hex(32).encode()})
    rewritten = rewrite_from(app, 2, lambda e: audit.keyed_hash(guessed, e), real.current_id)
    result = verify(app)
    assert result.exit_code == 1
    assert f"event {rewritten}: content does not match its hash" in result.output


def test_whole_chain_rewritten_as_unkeyed_fails_against_an_anchor(app: Flask) -> None:
    write_events(app, 5)
    anchor = head(app)
    rewrite_from(app, 0, unkeyed, None)
    plain = verify(app)
    assert plain.exit_code == 0  # every event now looks like one from before keys ...
    assert "5 of them are from before the chain was keyed" in plain.output  # ... and says so
    result = verify(app, "--against", anchor)
    assert result.exit_code == 1
    assert "does not match: the chain was rewritten" in result.output


def test_a_malformed_anchor_is_refused_clearly(app: Flask) -> None:
    write_events(app, 1)
    for bad in ("abc:1", f"{'0' * 64}:0", f"{'g' * 64}:1", "0" * 64):
        result = verify(app, "--against", bad)
        assert result.exit_code == 2, bad
        assert "not an anchor" in result.output
