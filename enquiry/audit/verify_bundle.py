"""Verify an evidence bundle (one ticket's ZIP) offline: nothing but Python 3.11+ and the ZIP.

    python -m enquiry.audit.verify_bundle bundle.zip --key-file audit_key
    python verify_bundle.py bundle.zip --key-file audit_key     # the copy inside the ZIP

Standard library only, so that a review body or court can run the copy shipped in the bundle
(trust the office's published copy over the one inside a ZIP you were handed). It checks:

1. every file listed in manifest.json has the SHA-256 recorded there, and no file is unlisted;
2. the audit proof (audit/proof.json) is one unbroken run of the chain: each link names the
   hash of the one before, positions count up by one, and the last link is the chain head;
3. every event of the ticket in the proof hashes to its recorded hash: HMAC-SHA256 under the
   office's audit key (given with --key-file or ENQUIRY_AUDIT_KEY; its id must match the
   event's key_id), or plain SHA-256 for events from before the chain was keyed; an event
   from which anonymisation removed personal data matches instead the digest that the ticket's
   `ticket.anonymised` event (itself checked) recorded for it;
4. the last event is this export: it signs the manifest's SHA-256 and the list of the ticket's
   event hashes, so no file and no event can be changed, added or left out;
5. the message bodies and outgoing mails in the bundle match the hashes their events signed
   (or, once anonymised, those the `ticket.anonymised` event recorded).

Exit status: 0 verified; 1 a check failed (the first problems are printed); 2 the structure is
intact but no key was given, so the HMACs were not checked.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PROOF_PATH = "audit/proof.json"
MANIFEST_PATH = "manifest.json"
MESSAGES_PATH = "thread/messages.json"
OUTBOUND_PATH = "mail/out/outbound.json"
EXPORT_ACTION = "ticket.evidence_exported"
ANONYMISED_ACTION = "ticket.anonymised"
FORMAT = "enquiry-evidence/1"
OUTSIDE_MANIFEST = frozenset({MANIFEST_PATH, PROOF_PATH})
MIN_KEY_CHARS = 32


def canonical(fields: Mapping[str, Any]) -> str:
    """The JSON text that is hashed (the same as enquiry.audit.canonical)."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def key_id(key: bytes) -> str:
    """A key's public id (the same as enquiry.audit.keys.key_id)."""
    return hashlib.sha256(b"enquiry audit key id\n" + key).hexdigest()[:16]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def event_digest(prev_hash: str, fields: Mapping[str, Any], keys: Mapping[str, bytes]) -> str:
    """Recompute an event's hash; KeyError when it was signed with a key not given."""
    message = f"{prev_hash}\n{canonical(fields)}"
    name = fields.get("key_id")
    if name is None:
        return sha256(message.encode())
    return hmac.new(keys[str(name)], message.encode(), hashlib.sha256).hexdigest()


def ticket_events_digest(hashes: Sequence[str]) -> str:
    """The digest of the ticket's event hashes, in chain order, that the export event signs."""
    return sha256("\n".join(hashes).encode())


@dataclass
class Result:
    """What verification found."""

    problems: list[str] = field(default_factory=list)
    unsigned: int = 0  # keyed events whose key was not given
    checked: int = 0  # events whose hash was recomputed
    head: str = ""

    @property
    def status(self) -> int:
        if self.problems:
            return 1
        return 2 if self.unsigned else 0


def _json(archive: zipfile.ZipFile, name: str) -> Any:
    return json.loads(archive.read(name).decode("utf-8"))


def _check_manifest(archive: zipfile.ZipFile, result: Result) -> dict[str, Any]:
    manifest = _json(archive, MANIFEST_PATH)
    files = manifest.get("files", {})
    names = set(archive.namelist()) - OUTSIDE_MANIFEST
    for name in sorted(names - files.keys()):
        result.problems.append(f"{name}: not listed in the manifest")
    for name, digest in sorted(files.items()):
        if name not in names:
            result.problems.append(f"{name}: listed in the manifest but missing")
        elif sha256(archive.read(name)) != digest:
            result.problems.append(f"{name}: changed (its SHA-256 differs from the manifest)")
    return dict(manifest)


def _check_links(proof: Mapping[str, Any], result: Result) -> list[dict[str, Any]]:
    links = list(proof.get("links", []))
    if not links:
        result.problems.append("the proof has no events")
        return links
    prev, position = proof["start"]["prev_hash"], proof["start"]["position"]
    for link in links:
        if link.get("prev_hash") != prev:
            result.problems.append(f"event {link.get('id')}: does not follow the event before")
        if link.get("position") != position:
            result.problems.append(f"event {link.get('id')}: out of place in the chain")
        prev, position = link.get("hash"), position + 1
    head = proof.get("head", {})
    if (head.get("hash"), head.get("length")) != (prev, position - 1):
        result.problems.append("the last event is not the chain head the proof names")
    result.head = f"{head.get('hash')}:{head.get('length')}"
    return links


def _check_events(
    links: list[dict[str, Any]], keys: Mapping[str, bytes], result: Result
) -> list[dict[str, Any]]:
    events = [link for link in links if "event" in link]
    redacted = _redacted(events)
    for link in events:
        try:
            expected = event_digest(link["prev_hash"], link["event"], keys)
        except KeyError:
            result.unsigned += 1
            continue
        result.checked += 1
        if hmac.compare_digest(expected, str(link.get("hash"))):
            continue
        if redacted.get(str(link.get("id"))) != redaction_digest(link):
            result.problems.append(f"event {link.get('id')}: its content does not match its hash")
    return events


def redaction_digest(link: Mapping[str, Any]) -> str:
    """The digest of an event as anonymisation left it (the same as enquiry.audit's)."""
    return sha256(f"{link['prev_hash']}\n{link['hash']}\n{canonical(link['event'])}".encode())


def _anonymised(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The detail of the ticket's newest anonymisation (itself checked), or {}."""
    vouching = [link for link in events if link["event"].get("action") == ANONYMISED_ACTION]
    detail = vouching[-1]["event"].get("detail") if vouching else None
    return detail if isinstance(detail, dict) else {}


def _redacted(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The events the ticket's anonymisation removed personal data from: id -> digest."""
    recorded = _anonymised(events).get("events")
    return recorded if isinstance(recorded, dict) else {}


def _check_export(
    events: list[dict[str, Any]], manifest_bytes: bytes, proof: Mapping[str, Any], result: Result
) -> None:
    if not events or events[-1]["event"].get("action") != EXPORT_ACTION:
        result.problems.append("the proof does not end with the export of this bundle")
        return
    export = events[-1]
    detail = export["event"].get("detail") or {}
    if export is not proof["links"][-1]:
        result.problems.append("the export event is not the chain head")
    if detail.get("manifest_sha256") != sha256(manifest_bytes):
        result.problems.append("the manifest is not the one the export event signed")
    ticket_hashes = [link["hash"] for link in events[:-1]]
    if detail.get("ticket_events_sha256") != ticket_events_digest(ticket_hashes):
        result.problems.append("the ticket's events are not those the export event signed")
    ticket_ids = {link["event"].get("ticket_id") for link in events}
    if ticket_ids != {proof.get("ticket_id")}:
        result.problems.append("the proof carries events of another ticket")


def _check_content(archive: zipfile.ZipFile, events: list[dict[str, Any]], result: Result) -> None:
    names = set(archive.namelist())
    messages = _json(archive, MESSAGES_PATH) if MESSAGES_PATH in names else []
    bodies = {str(m["id"]): m.get("body") or "" for m in messages}
    outbound = _json(archive, OUTBOUND_PATH) if OUTBOUND_PATH in names else []
    sent = {str(row["id"]): row.get("fields", {}) for row in outbound}
    anonymised = _anonymised(events)
    for link in events:
        detail = link["event"].get("detail") or {}
        if "body_sha256" in detail:
            key = str(detail.get("message_id"))
            body = bodies.get(key)
            digest = sha256(body.encode()) if body is not None else None
            vouched = (anonymised.get("messages") or {}).get(key) or {}
            if digest is None or digest not in (detail["body_sha256"], vouched.get("body")):
                result.problems.append(f"message {detail.get('message_id')}: body differs")
        if "outbound_sha256" in detail:
            key = str(detail.get("outbound_id"))
            fields = sent.get(key)
            text = json.dumps(fields, sort_keys=True, ensure_ascii=False)
            accepted = (detail["outbound_sha256"], (anonymised.get("outbound") or {}).get(key))
            if fields is None or sha256(text.encode()) not in accepted:
                result.problems.append(f"outgoing mail {detail.get('outbound_id')}: differs")


def verify(path: str, keys: Mapping[str, bytes]) -> Result:
    """Verify the bundle at path with the keys given (id -> key)."""
    result = Result()
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _check_manifest(archive, result)
            if manifest.get("format") != FORMAT:
                result.problems.append(f"not an evidence bundle of format {FORMAT}")
            proof = _json(archive, PROOF_PATH)
            links = _check_links(proof, result)
            events = _check_events(links, keys, result)
            _check_export(events, archive.read(MANIFEST_PATH), proof, result)
            _check_content(archive, events, result)
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:
        result.problems.append(f"cannot read the bundle: {error!r}")
    return result


def read_keys(paths: Sequence[str], environment: Mapping[str, str]) -> dict[str, bytes]:
    """Read keys from files and ENQUIRY_AUDIT_KEY / ENQUIRY_AUDIT_OLD_KEYS; id -> key."""
    texts = []
    for path in paths:
        with open(path, encoding="ascii") as file:
            texts.append(file.read())
    texts += [environment.get("ENQUIRY_AUDIT_KEY", "")]
    texts += environment.get("ENQUIRY_AUDIT_OLD_KEYS", "").replace(",", " ").split()
    keys = {}
    for text in texts:
        key = text.strip()
        if len(key) >= MIN_KEY_CHARS:
            keys[key_id(key.encode())] = key.encode()
    return keys


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify an Enquiry evidence bundle offline.")
    parser.add_argument("bundle", help="the ZIP file")
    parser.add_argument(
        "--key-file", action="append", default=[], help="a file holding an audit key (repeat)"
    )
    args = parser.parse_args(argv)
    result = verify(args.bundle, read_keys(args.key_file, os.environ))
    for problem in result.problems[:50]:
        print(f"FAILED: {problem}")
    if result.status == 0:
        print(f"VERIFIED: {result.checked} events checked; chain head {result.head}")
    elif result.status == 2:
        print(
            f"NOT VERIFIED: structure intact, but {result.unsigned} events are signed with a key"
            " that was not given (--key-file or ENQUIRY_AUDIT_KEY)"
        )
    return result.status


if __name__ == "__main__":
    sys.exit(main())
