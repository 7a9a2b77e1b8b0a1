"""The evidence bundle of a ticket: contents, offline verification, tampering, access."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry.audit import canonical as chain_canonical
from enquiry.audit import keys as audit_keys
from enquiry.audit import verify_bundle
from enquiry.extensions import db
from enquiry.intake.ingest import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.models import InboundSource, Role
from tests.app.conftest import english
from tests.app.test_intake import NOW, eml


@pytest.fixture
def mailed(app: Flask) -> int:
    """A ticket opened by e-mail with attachments (raw mail in, acknowledgement out)."""
    with app.app_context():
        settings = IntakeSettings.from_config(app.config, db.session)
        result = ingest(
            db.session, eml("intake-attachments.eml"), source=InboundSource.PIPE, now=NOW,
            settings=settings,
        )  # fmt: skip
        assert result.ticket_id is not None
        return int(result.ticket_id)


@pytest.fixture
def key_file(app: Flask, tmp_path: Path) -> Path:
    with app.app_context():
        ring = audit_keys.load_keyring(app)
    path = tmp_path / "audit_key"
    path.write_bytes(ring.keys[ring.current_id])
    return path


def download(client: FlaskClient, ticket_id: int, tmp_path: Path) -> Path:
    response = client.post(f"/staff/tickets/{ticket_id}/evidence.zip")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert "attachment;" in response.headers["Content-Disposition"]
    path = tmp_path / "bundle.zip"
    path.write_bytes(response.data)
    return path


def rewrite(path: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """Copy the ZIP with every member passed through change(name, data)."""
    out = path.with_name("tampered.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out


def test_bundle_holds_the_case_file_and_verifies_offline(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    mailed: int,
    key_file: Path,
    tmp_path: Path,
    audit_actions: Callable[[], list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    staff_login(english(client), role=Role.SUPERVISOR)
    client.post(f"/staff/tickets/{mailed}/note", data={"note-body": "内部意见：证据已整理。"})
    path = download(client, mailed, tmp_path)
    assert audit_actions()[-1] == "ticket.evidence_exported"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        proof = json.loads(archive.read("audit/proof.json"))
        messages = json.loads(archive.read("thread/messages.json"))
        clock = json.loads(archive.read("clock/clock.json"))
        inbound = [n for n in names if n.startswith("mail/in/")]
        assert len(inbound) == 1 and archive.read(inbound[0]) == eml("intake-attachments.eml")
        outgoing = [n for n in names if n.startswith("mail/out/") and n.endswith(".eml")]
        assert outgoing and b"Message-ID:" in archive.read(outgoing[0])
        files = [a["path"] for m in messages for a in m["attachments"]]
        assert files and all(f in names for f in files)
    assert {"thread/thread.html", "thread/thread.txt", "manifest.json", "README.txt"} <= names
    assert "verify_bundle.py" in names and "remedies.json" in names
    assert any(m["body"] == "内部意见：证据已整理。" for m in messages)
    assert clock["state"]["received_on"] and clock["history"][0]["action"] == "ticket.opened"
    own = [link for link in proof["links"] if "event" in link]
    assert own[-1]["event"]["action"] == "ticket.evidence_exported"
    assert {link["event"]["ticket_id"] for link in own} == {mailed}
    assert proof["links"][-1]["hash"] == proof["head"]["hash"]
    # The verifier and the chain agree on how an event is written.
    assert verify_bundle.canonical({"b": 1, "a": "维"}) == chain_canonical({"b": 1, "a": "维"})

    assert verify_bundle.main([str(path), "--key-file", str(key_file)]) == 0
    assert "VERIFIED" in capsys.readouterr().out
    # Without the key: the structure holds but the HMACs are unchecked (exit 2).
    assert verify_bundle.verify(str(path), {}).status == 2


def test_the_verifier_inside_the_bundle_runs_on_bare_python(
    client: FlaskClient,
    staff_login: Callable[..., Any],
    mailed: int,
    key_file: Path,
    tmp_path: Path,
) -> None:
    staff_login(client, role=Role.SUPERVISOR)
    path = download(client, mailed, tmp_path)
    outside = tmp_path / "court"
    outside.mkdir()
    with zipfile.ZipFile(path) as archive:
        (outside / "verify_bundle.py").write_bytes(archive.read("verify_bundle.py"))
    command = [sys.executable, "-I", "verify_bundle.py", str(path), "--key-file", str(key_file)]
    run = subprocess.run(command, cwd=outside, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("VERIFIED")


def tamper_event(name: str, data: bytes) -> bytes:
    if name != "audit/proof.json":
        return data
    proof = json.loads(data)
    first = next(link for link in proof["links"] if "event" in link)
    first["event"]["actor_label"] = "someone-else@enquiry.test"
    return json.dumps(proof).encode()


def tamper_body(name: str, data: bytes) -> bytes:
    return data.replace("证据".encode(), "伪证".encode()) if name.startswith("thread/") else data


def drop_manifest_entry(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["files"].pop("thread/thread.txt")
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (tamper_event, "its content does not match its hash"),
        (tamper_body, "changed (its SHA-256 differs from the manifest)"),
        (drop_manifest_entry, "the manifest is not the one the export event signed"),
    ],
)
def test_tampering_fails_verification(
    client: FlaskClient,
    staff_login: Callable[..., Any],
    mailed: int,
    key_file: Path,
    tmp_path: Path,
    change: Callable[[str, bytes], bytes],
    expected: str,
) -> None:
    staff_login(english(client), role=Role.ADMIN)
    client.post(f"/staff/tickets/{mailed}/note", data={"note-body": "证据清单"})
    path = download(client, mailed, tmp_path)
    keys = verify_bundle.read_keys([str(key_file)], {})
    assert verify_bundle.verify(str(path), keys).status == 0
    result = verify_bundle.verify(str(rewrite(path, change)), keys)
    assert result.status == 1
    assert any(expected in problem for problem in result.problems), result.problems


def test_a_wrong_key_does_not_verify(
    client: FlaskClient, staff_login: Callable[..., Any], mailed: int, tmp_path: Path
) -> None:
    staff_login(client, role=Role.ADMIN)
    path = download(client, mailed, tmp_path)
    wrong = verify_bundle.read_keys([], {"ENQUIRY_AUDIT_KEY": "x" * 64})
    assert verify_bundle.verify(str(path), wrong).status == 2


def test_only_supervisors_and_admins_of_the_ticket_may_export(
    client: FlaskClient,
    staff_login: Callable[..., Any],
    make_department: Callable[..., Any],
    mailed: int,
    audit_actions: Callable[[], list[str]],
) -> None:
    url = f"/staff/tickets/{mailed}/evidence.zip"
    assert client.post(url).status_code == 302  # signed out
    staff_login(client, role=Role.AGENT)
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    other = FlaskClient(client.application, client.response_wrapper, use_cookies=True)
    make_department("housing")
    staff_login(other, role=Role.SUPERVISOR, department="housing")
    assert other.post(url).status_code == 404
    assert "ticket.evidence_exported" not in audit_actions()


def test_an_anonymised_tickets_bundle_still_verifies(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    mailed: int,
    key_file: Path,
    tmp_path: Path,
) -> None:
    from enquiry import audit
    from enquiry.domain.retention.anonymise import anonymise_ticket
    from enquiry.models import AuditEvent, Ticket

    with app.app_context():
        ticket = db.session.get(Ticket, mailed)
        assert ticket is not None
        audit.record(
            db.session,
            action="ticket.transfer",
            actor=audit.Actor.citizen("192.0.2.44"),
            now=NOW,
            ticket=ticket,
            detail={"note": f"{ticket.citizen_name} 来电"},
        )
        anonymise_ticket(db.session, ticket, rule="test", actor=audit.Actor.system(), now=NOW)
        db.session.commit()
        kept = db.select(AuditEvent).where(AuditEvent.remote_addr == "192.0.2.44")
        assert db.session.scalars(kept).all() == []
    staff_login(client, role=Role.SUPERVISOR)
    path = download(client, mailed, tmp_path)
    result = verify_bundle.verify(str(path), audit_keys.load_keyring(app).keys)
    assert result.problems == [] and result.status == 0
