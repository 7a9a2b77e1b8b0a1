"""The audit key lives outside the database, is made once with mode 0600, and rotates."""

from __future__ import annotations

import stat
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import audit
from enquiry.audit import keys as audit_keys
from enquiry.extensions import db
from enquiry.models import AuditEvent

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
ENV_KEY = "k" * 40


def append(app: Flask, n: int = 1) -> None:
    with app.app_context():
        for i in range(n):
            audit.record(
                db.session,
                action="test.event",
                actor=audit.Actor.system(),
                now=NOW,
                detail={"i": i},
            )
        db.session.commit()


def key_ids(app: Flask) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.key_id).order_by(AuditEvent.id)))


def verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_first_run_makes_a_private_key_file_beside_the_secret_key(app: Flask) -> None:
    path = Path(app.instance_path) / "audit_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text(encoding="ascii").encode()
    append(app)
    assert key_ids(app) == [audit_keys.key_id(key)]
    assert list(Path(app.instance_path).glob(".audit_key*")) == []  # no temporary left behind


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    barrier = threading.Barrier(8)
    found: list[bytes] = []

    def start() -> None:
        barrier.wait()
        found.append(audit_keys._file_key(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1
    assert (tmp_path / "audit_key").read_text(encoding="ascii").encode() == found[0]


def test_rotation_keeps_old_events_verifiable(app: Flask, make_app: Callable[..., Flask]) -> None:
    append(app, 2)
    result = app.test_cli_runner().invoke(args=["audit", "rotate-key"])
    assert result.exit_code == 0, result.output
    old_id = key_ids(app)[0]
    assert old_id is not None and f"Retired key {old_id}" in result.output
    retired = Path(app.instance_path) / "audit_keys" / old_id
    assert stat.S_IMODE(retired.stat().st_mode) == 0o600
    restarted = make_app()  # a restarted process signs with the new key
    append(restarted, 2)
    ids = key_ids(restarted)
    assert ids[:2] == [old_id, old_id] and ids[2] == ids[3] != old_id
    assert verify(restarted)[0] == 0
    assert verify(app)[0] == 0  # a process still holding the old key verifies the new events too

    retired.unlink()  # the old key is lost: its events can no longer be proved
    code, output = verify(restarted)
    assert code == 1
    assert f"the key {old_id} that signed it is not available" in output


def test_key_from_the_environment_with_old_keys_listed(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENQUIRY_AUDIT_KEY", ENV_KEY)
    first = make_app()
    append(first)
    assert not (Path(first.instance_path) / "audit_key").exists()
    assert key_ids(first) == [audit_keys.key_id(ENV_KEY.encode())]
    refused = first.test_cli_runner().invoke(args=["audit", "rotate-key"])
    assert refused.exit_code == 1 and "ENQUIRY_AUDIT_OLD_KEYS" in refused.output

    monkeypatch.setenv("ENQUIRY_AUDIT_KEY", "n" * 40)
    forgot = make_app()
    append(forgot)
    assert verify(forgot)[0] == 1  # the old key was not listed
    monkeypatch.setenv("ENQUIRY_AUDIT_OLD_KEYS", ENV_KEY)
    assert verify(make_app())[0] == 0


def test_a_short_key_is_refused_at_start(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENQUIRY_AUDIT_KEY", "tooshort")
    with pytest.raises(audit_keys.AuditKeyError, match="shorter than 32 characters"):
        make_app()
