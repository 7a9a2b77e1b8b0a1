"""The audit chain's keys: kept outside the database, named by id, rotatable.

The current key comes from ENQUIRY_AUDIT_KEY, else from instance/audit_key (generated on first
run, mode 0600). Retired keys stay available for verification: every file under
instance/audit_keys/ and every key listed in ENQUIRY_AUDIT_OLD_KEYS. Each event records the id
of the key that signed it; the id is a fingerprint of the key, which tells nothing about it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from enquiry.instance_files import instance_secret, write_new_file

logger = logging.getLogger(__name__)

KEY_FILE = "audit_key"
RETIRED_DIR = "audit_keys"
MIN_KEY_CHARS = 32
EXTENSION = "enquiry_audit_keys"


class AuditKeyError(RuntimeError):
    """A key is missing, too short, or cannot be rotated here; the message says why."""


def key_id(key: bytes) -> str:
    """Return the public name of a key: a fingerprint that does not reveal it."""
    return hashlib.sha256(b"enquiry audit key id\n" + key).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRing:
    """The key that signs new events, and every key that may have signed old ones."""

    current_id: str
    keys: Mapping[str, bytes]

    def sign(self, key_name: str, message: str) -> str:
        """Return the HMAC-SHA256 of a message under the named key."""
        return hmac.new(self.keys[key_name], message.encode(), hashlib.sha256).hexdigest()


def _as_key(text: Any, source: str) -> bytes:
    key = str(text).strip()
    if len(key) < MIN_KEY_CHARS:
        raise AuditKeyError(
            f"the audit key from {source} is shorter than {MIN_KEY_CHARS} characters; "
            'make one with: python -c "import secrets; print(secrets.token_hex(32))"'
        )
    return key.encode()


def _old_keys_setting(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value).replace(",", " ").split()


def _file_key(instance_path: Path) -> bytes:
    path = instance_path / KEY_FILE
    return _as_key(instance_secret(path), str(path))


def load_keyring(app: Flask) -> KeyRing:
    """Read the keys afresh from the environment and the instance folder."""
    instance = Path(app.instance_path)
    configured = app.config.get("AUDIT_KEY")
    current = _as_key(configured, "ENQUIRY_AUDIT_KEY") if configured else _file_key(instance)
    keys = {key_id(current): current}
    for text in _old_keys_setting(app.config.get("AUDIT_OLD_KEYS")):
        old = _as_key(text, "ENQUIRY_AUDIT_OLD_KEYS")
        keys.setdefault(key_id(old), old)
    retired = instance / RETIRED_DIR
    if retired.is_dir():
        for path in sorted(retired.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                old = _as_key(path.read_text(encoding="ascii"), str(path))
                keys.setdefault(key_id(old), old)
    return KeyRing(current_id=key_id(current), keys=keys)


def init_app(app: Flask) -> None:
    """Load the keys once (generating the first on first run) for signing new events."""
    app.extensions[EXTENSION] = load_keyring(app)


def signing_keyring() -> KeyRing:
    """Return the keys of the running app."""
    keyring: KeyRing = current_app.extensions[EXTENSION]
    return keyring


def rotate(app: Flask) -> tuple[str, str]:
    """Retire the current key file into instance/audit_keys/ and start a new one.

    Return the ids of the old and the new key. Running processes sign with the old key until
    they restart; it stays available for verification.
    """
    if app.config.get("AUDIT_KEY"):
        raise AuditKeyError(
            "the audit key comes from ENQUIRY_AUDIT_KEY: set a new key there and add the old"
            " one to ENQUIRY_AUDIT_OLD_KEYS"
        )
    instance = Path(app.instance_path)
    path = instance / KEY_FILE
    old = _file_key(instance)
    old_id = key_id(old)
    retired = instance / RETIRED_DIR / old_id
    if not write_new_file(retired, old.decode()) and retired.read_bytes().strip() != old:
        raise AuditKeyError(f"{retired} exists and holds a different key")
    new = secrets.token_hex(32)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    if not write_new_file(temporary, new):
        raise AuditKeyError(f"{temporary} already exists")
    os.replace(temporary, path)
    return old_id, key_id(new.encode())
